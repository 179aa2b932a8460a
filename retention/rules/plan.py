"""Retention plan: which rule applies to which table, what it would change, and why.

For every table under the lake root the plan finds the rules whose selector matches (name
pattern, catalog sensitivity tier), turns each into a row predicate (age of a column or
partition; coldness from the usage evidence), resolves conflicts and subtracts legal holds:

* A hold on the whole table blocks every rule there; a hold on rows (a condition) removes
  those rows from every rule. Expired holds are listed but ignored.
* Two rules of the same action on one table conflict: the one that keeps data longer wins
  (the stricter keep: a legal minimum retention must never be cut short by a shorter rule).
  ``delete`` and ``anonymize`` may both apply (older rows deleted, younger ones anonymized);
  rows a delete removes are not anonymized.
* An ``anonymize`` rule with ``min_k`` is blocked when the anonymized table would not be
  k-anonymous over its quasi-identifiers.

The plan never changes anything; :mod:`retention.rules.apply` carries it out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from governance.engine import engine_error
from governance.errors import LakewardenError
from retention.rules.risk import catalog_quasi_identifiers
from governance.lake import list_tables, table_name
from governance.retention_policy import LegalHold, RetentionPolicy, RetentionRule

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from governance.config import Settings
    from governance.maintenance import DeltaMaintenance

_SENS = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}


@dataclass
class RuleChoice:
    """The rule that won for one action on one table, and the ones it beat."""

    rule: str
    action: str
    predicate: str
    why: str
    overridden: list[str] = field(default_factory=list)


@dataclass
class TablePlan:
    """What retention would do to one table."""

    table: str
    path: str
    sensitivity: str | None
    delete: RuleChoice | None = None
    anonymize: RuleChoice | None = None
    anonymize_columns: list[str] = field(default_factory=list)
    rows_total: int = 0
    rows_delete: int = 0
    rows_anonymize: int = 0
    rows_held: int = 0
    bytes_total: int = 0
    bytes_affected: int = 0
    partitions_delete: list[str] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)
    blocked: str | None = None
    k: int | None = None
    #: The quasi-identifiers the k-anonymity check used (from the rule, or from the catalog).
    quasi: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    #: Why the table could not be planned (unreadable table, engine error); None when it was planned.
    failed: str | None = None

    @property
    def changes(self) -> bool:
        return self.blocked is None and (self.rows_delete > 0 or self.rows_anonymize > 0)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["changes"] = self.changes
        return d


@dataclass
class RetentionPlan:
    """The plan for the whole lake."""

    today: str
    tables: list[TablePlan] = field(default_factory=list)
    expired_holds: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"today": self.today, "expired_holds": self.expired_holds, "tables": [t.to_dict() for t in self.tables]}


def _table_sensitivity(settings: "Settings", catalog: list[Any] | None) -> dict[str, str]:
    if catalog is None:
        try:
            from governance.catalog import Catalog

            catalog = list(Catalog(settings).all_effective_columns())
        except Exception:  # noqa: BLE001 - no catalog yet: no sensitivity known
            catalog = []
    out: dict[str, str] = {}
    for c in catalog:
        t = str(c.table).rstrip("/")
        if _SENS.get(c.sensitivity, -1) > _SENS.get(out.get(t, ""), -1):
            out[t] = c.sensitivity
    return out


def default_last_read(spark: "SparkSession", settings: "Settings", maintenance: "DeltaMaintenance", days: int) -> Callable[[str], tuple[bool, datetime | None, str]]:
    """Coldness from the usage report: ``path -> (cold, last read, evidence)``.

    No usage evidence at all means *unknown*, which is never treated as cold (safest).
    """
    try:
        from retention.usage.report import build_usage_report
        from retention.usage.store import read_usage

        if read_usage(spark, settings) is None:
            return lambda _p: (False, None, "no usage evidence ingested yet (lakewarden usage ingest): coldness unknown")
        rep = build_usage_report(spark, settings, maintenance=maintenance, window=f"{days}d")
        by_path = {t.path.rstrip("/"): t for t in rep.tables}
    except Exception as exc:  # noqa: BLE001 - no usage table yet
        reason = f"no usage evidence ({type(exc).__name__})"
        return lambda _p: (False, None, reason)

    def _cold(path: str) -> tuple[bool, datetime | None, str]:
        t = by_path.get(path.rstrip("/"))
        if t is None:
            return False, None, "table not in the usage report"
        return bool(t.cold and t.reads == 0), t.last_read, f"{t.reads} business read(s) in the last {days} days"

    return _cold


def _rule_predicate(rule: RetentionRule, today: date, cold: tuple[bool, datetime | None, str] | None) -> tuple[str | None, dict[str, Any]]:
    """Row predicate of a rule on one table (None: the rule selects nothing there)."""
    ev: dict[str, Any] = {}
    parts = []
    if rule.age is not None:
        ev["cutoff"] = rule.age.cutoff(today).isoformat()
        ev["age_column"] = rule.age.column
        parts.append(rule.age.sql(today))
    if rule.cold is not None:
        is_cold, last, why = cold or (False, None, "no usage evidence")
        ev["cold"] = {"not_read_days": rule.cold.not_read_days, "cold": is_cold,
                      "last_read": last.isoformat() if last else None, "evidence": why}
        if not is_cold:
            return None, ev
    return (" AND ".join(f"({p})" for p in parts) if parts else "TRUE"), ev


def _choose(rules: list[RetentionRule], action: str, preds: dict[str, str]) -> RuleChoice | None:
    cands = [r for r in rules if r.action == action and r.name in preds]
    if not cands:
        return None
    win = max(cands, key=lambda r: (r.keeps_days, r.name))
    lost = [r.name for r in cands if r is not win]
    why = f"rule {win.name} matches"
    if lost:
        why = (f"{len(cands)} {action} rules match ({', '.join(r.name + f' keeps {r.keeps_days}d' for r in cands)}); "
               f"{win.name} keeps data longest (stricter keep wins)")
    return RuleChoice(rule=win.name, action=action, predicate=preds[win.name], why=why, overridden=lost)


def hold_exclusion(holds: list[LegalHold]) -> str | None:
    """SQL that is true for rows NOT covered by any row-level hold (None: no row holds)."""
    conds = [h.where.sql() for h in holds if h.where is not None]
    if not conds:
        return None
    return "NOT coalesce(" + " OR ".join(f"({c})" for c in conds) + ", FALSE)"


def effective_predicates(tp: TablePlan, policy: RetentionPolicy, today: date) -> tuple[str | None, str | None]:
    """``(delete, anonymize)`` predicates with row holds subtracted and deleted rows not anonymized."""
    excl = hold_exclusion(policy.active_holds(tp.table, today))
    dele = tp.delete.predicate if tp.delete else None
    anon = tp.anonymize.predicate if tp.anonymize else None
    if excl:
        dele = f"({dele}) AND {excl}" if dele else None
        anon = f"({anon}) AND {excl}" if anon else None
    if dele and anon:
        anon = f"({anon}) AND NOT coalesce(({dele}), FALSE)"
    return dele, anon


def anonymized_frame(df: "DataFrame", tp: TablePlan, policy: RetentionPolicy, anon_pred: str, *, salt: str) -> "DataFrame":
    """``df`` with the winning anonymize rule applied to the rows ``anon_pred`` selects."""
    from pyspark.sql import functions as F

    from retention.rules.anonymize import expression

    assert tp.anonymize is not None
    rule = next(r for r in policy.rules if r.name == tp.anonymize.rule)
    types = {f.name: f.dataType for f in df.schema.fields}
    cols = []
    for f in df.schema.fields:
        act = rule.anonymize.get(f.name)
        if act is None:
            cols.append(F.col(f"`{f.name}`"))
            continue
        new = expression(f.name, types[f.name], act, salt=salt, table=tp.table)
        old = F.col(f"`{f.name}`")
        if _is_string(act) and types[f.name].simpleString() != "string":
            old = old.cast("string")
        cols.append(F.when(F.expr(f"coalesce(({anon_pred}), FALSE)"), new).otherwise(old).alias(f.name))
    return df.select(*cols)


def _would_change(df: "DataFrame", tp: TablePlan, policy: RetentionPolicy) -> Any:
    """Column: true where anonymizing the row would change at least one of the rule's columns."""
    from functools import reduce

    from pyspark.sql import functions as F

    from retention.rules.anonymize import expression

    assert tp.anonymize is not None
    rule = next(r for r in policy.rules if r.name == tp.anonymize.rule)
    types = {f.name: f.dataType for f in df.schema.fields}
    changes = []
    for col, act in rule.anonymize.items():
        new = expression(col, types[col], act, salt="plan-probe", table=tp.table)
        old = F.col(f"`{col}`")
        if _is_string(act) and types[col].simpleString() != "string":
            old = old.cast("string")
        changes.append(~old.eqNullSafe(new))
    return reduce(lambda a, b: a | b, changes)


def _is_string(act: Any) -> bool:
    from retention.rules.anonymize import result_is_string

    return result_is_string(act)


def build_plan(
    spark: "SparkSession",
    settings: "Settings",
    policy: RetentionPolicy,
    *,
    maintenance: "DeltaMaintenance",
    today: date | None = None,
    catalog: list[Any] | None = None,
    coldness: Callable[[str], tuple[bool, datetime | None, str]] | None = None,
) -> RetentionPlan:
    """Plan retention over every table of the lake (read only).

    A table that cannot be read is kept in the plan, blocked, with ``failed`` saying why;
    the other tables are still planned.

    Touches: nothing (reads tables, the catalog and the usage table).
    """
    from pyspark.sql import functions as F

    today = today or datetime.now(timezone.utc).date()
    sens = _table_sensitivity(settings, catalog)
    cold_days = max((r.cold.not_read_days for r in policy.rules if r.cold), default=0)
    if coldness is None and cold_days:
        coldness = default_last_read(spark, settings, maintenance, cold_days)
    plan = RetentionPlan(today=today.isoformat(),
                         expired_holds=[f"{h.name} (ended {h.until.isoformat()})" for h in policy.holds if not h.active(today)])
    for path in list_tables(settings.lake.root, system_dir=settings.lake.system_dir):
        name = table_name(settings, path)
        tier = sens.get(path.rstrip("/"))
        rules = [r for r in policy.rules if r.match.matches(name, sensitivity=tier)]
        if not rules:
            continue
        tp = TablePlan(table=name, path=path, sensitivity=tier)
        try:
            preds: dict[str, str] = {}
            for r in rules:
                cold = coldness(path) if (coldness and r.cold) else None
                pred, ev = _rule_predicate(r, today, cold)
                tp.evidence[r.name] = ev
                if pred is not None:
                    preds[r.name] = pred
            tp.delete = _choose(rules, "delete", preds)
            tp.anonymize = _choose(rules, "anonymize", preds)
            holds = policy.active_holds(name, today)
            tp.holds = [f"{h.name}: {h.reason} (until {h.until.isoformat()})" + (f" rows where {h.where.sql()}" if h.where else "") for h in holds]
            whole = [h for h in holds if h.where is None]
            files = maintenance.files(path)
            tp.bytes_total = sum(f.size_bytes for f in files)
            df = spark.read.format("delta").load(path)
            if tp.anonymize:
                rule = next(r for r in rules if r.name == tp.anonymize.rule)
                quasi: list[str] = []
                if rule.min_k is not None:
                    quasi = (catalog_quasi_identifiers(settings, path, table=name) if rule.min_k.quasi == "catalog"
                             else list(rule.min_k.quasi))
                    tp.quasi = quasi
                missing = [c for c in list(rule.anonymize) + quasi if c not in df.columns]
                if missing:
                    tp.blocked = f"rule {rule.name}: column(s) {', '.join(missing)} not in the table"
                tp.anonymize_columns = list(rule.anonymize)
            if tp.delete or tp.anonymize:
                age_cols = {r.age.column for r in rules if r.age and r.name in preds}
                missing_age = sorted(c for c in age_cols if c not in df.columns)
                if missing_age:
                    tp.blocked = f"age column(s) {', '.join(missing_age)} not in the table"
            if tp.blocked is None and (tp.delete or tp.anonymize):
                dele, anon = effective_predicates(tp, policy, today)
                raw_del = tp.delete.predicate if tp.delete else None
                raw_anon = tp.anonymize.predicate if tp.anonymize else None
                excl = hold_exclusion(holds)
                raw_any = " OR ".join(f"coalesce(({p}), FALSE)" for p in (raw_del, raw_anon) if p)
                held = f"({raw_any}) AND NOT ({excl})" if excl else None
                aggs = [F.count(F.lit(1)).alias("n")]
                for label, p in (("d", dele), ("a", anon), ("h", held)):
                    if not p:
                        aggs.append(F.lit(0).alias(label))
                        continue
                    cond = F.expr(f"coalesce(({p}), FALSE)")
                    if label == "a":  # rows already anonymized by an earlier apply do not count: apply converges
                        cond = cond & _would_change(df, tp, policy)
                    aggs.append(F.sum(F.when(cond, 1).otherwise(0)).alias(label))
                row = df.agg(*aggs).collect()[0]
                tp.rows_total, tp.rows_delete, tp.rows_anonymize = int(row["n"]), int(row["d"] or 0), int(row["a"] or 0)
                tp.rows_held = int(row["h"] or 0)
                if tp.delete and dele:
                    meta_parts = list(_partition_columns(path))
                    if meta_parts:
                        rows = df.where(F.expr(f"coalesce(({dele}), FALSE)")).select(*meta_parts).distinct().collect()
                        tp.partitions_delete = sorted("/".join(f"{c}={r[c]}" for c in meta_parts) for r in rows)
                affected = tp.rows_delete + tp.rows_anonymize
                tp.bytes_affected = int(tp.bytes_total * affected / tp.rows_total) if tp.rows_total else 0
                if whole:
                    tp.blocked = f"legal hold {whole[0].name}: {whole[0].reason} (until {whole[0].until.isoformat()})"
                elif tp.anonymize and anon and tp.rows_anonymize:
                    rule = next(r for r in rules if r.name == tp.anonymize.rule)
                    if rule.min_k is not None:
                        from retention.rules.risk import k_anonymity

                        base = df.where(F.expr(f"NOT coalesce(({dele}), FALSE)")) if dele else df
                        marked = base.withColumn("__lw_anon", F.expr(f"coalesce(({anon}), FALSE)"))
                        out = anonymized_frame(marked, tp, policy, anon, salt="plan").where("__lw_anon").drop("__lw_anon")
                        rep = k_anonymity(out, tp.quasi, threshold=rule.min_k.k, table=name)
                        tp.k = rep.k
                        if rep.k < rule.min_k.k:
                            tp.blocked = (f"rule {rule.name}: the anonymized table would be only {rep.k}-anonymous over "
                                          f"{', '.join(tp.quasi)} (min_k {rule.min_k.k}; {rep.rows_below} row(s) in "
                                          f"{rep.groups_below} small group(s))")
        except Exception as exc:  # noqa: BLE001 - one table never stops the others; the plan names the failure
            err = exc if isinstance(exc, LakewardenError) else engine_error(exc, table=name)
            tp.failed = str(err)
            tp.blocked = f"failed: {err}"
        plan.tables.append(tp)
    return plan


def _partition_columns(path: str) -> list[str]:
    from deltalake import DeltaTable

    return list(DeltaTable(path).metadata().partition_columns)

