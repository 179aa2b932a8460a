"""Turn the protection policy into a per-column plan for one table (before any work is done).

Rules are resolved without Spark (:func:`resolve_rules`); :func:`build_plan` then reads the
table's schema and, in one aggregation, counts the non-null and already protected values of
each planned column. Every policy mistake (a missing column, a missing subject column, a
partition column, an unsupported type) is raised here, before any key or data is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from governance.config import Settings
from governance.errors import NotADeltaTableError, PolicyError, TableNotFoundError
from governance.keys.manager import KeyManager
from governance.lake import require_delta
from governance.policy import Action, ColumnRule, ProtectionPolicy, TableRule
from governance.protection.codec import type_code
from governance.protection.spans import MIN_SPAN_SCORE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass(frozen=True)
class CatalogLabel:
    """The part of a catalog column the planner uses.

    ``free_text`` says the classifier found the column to be free text (memos, notes); then
    ``free_text_entities`` holds ``(entity, share of rows mentioning it)`` pairs.
    """

    column: str
    entity: str | None
    sensitivity: str
    reviewed: bool
    free_text: bool = False
    free_text_entities: tuple[tuple[str, float], ...] = ()


def _free_text_of(evidence: Any) -> tuple[bool, tuple[tuple[str, float], ...]]:
    """``(free text?, (entity, share) pairs)`` from a catalog column's evidence (tolerant of odd shapes)."""
    if not isinstance(evidence, dict) or not evidence.get("free_text"):  # as CatalogColumn.free_text reads it
        return False, ()
    raw = evidence.get("free_text_entities")
    pairs: list[tuple[str, float]] = []
    if isinstance(raw, dict):
        for k, v in raw.items():
            try:
                share = float(v)
            except (TypeError, ValueError):
                continue
            if isinstance(k, str) and share > 0:
                pairs.append((k, share))
    return True, tuple(sorted(pairs, key=lambda p: (-p[1], p[0])))


def catalog_labels(settings: Settings, table_path: str) -> list[CatalogLabel]:
    """Effective catalog labels of a table (empty when no catalog exists yet).

    Calls ``governance.catalog.Catalog(settings).effective_columns(table_path)``.
    """
    try:
        from governance.catalog import Catalog
    except ImportError:
        return []
    try:
        cols = Catalog(settings).effective_columns(table_path)
    except (TableNotFoundError, NotADeltaTableError):
        return []
    out = []
    for c in cols:
        free, shares = _free_text_of(c.evidence)
        if c.review_decision == "not_personal":
            free, shares = False, ()  # a reviewer said nothing personal is in it
        out.append(CatalogLabel(column=c.column, entity=c.entity, sensitivity=str(c.sensitivity), reviewed=bool(c.reviewed),
                                free_text=free, free_text_entities=shares))
    return out


def table_rule(policy: ProtectionPolicy, table_path: str) -> TableRule | None:
    """The policy's rule for a table, matched by full path or by the table folder's name."""
    name = PurePosixPath(table_path.rstrip("/")).name
    for key in (table_path, table_path.rstrip("/"), name):
        if key in policy.tables:
            return policy.tables[key]
    return None


@dataclass(frozen=True)
class ResolvedRule:
    column: str
    rule: ColumnRule
    source: str


def resolve_rules(
    policy: ProtectionPolicy,
    table_path: str,
    columns: list[str],
    labels: list[CatalogLabel],
) -> tuple[list[ResolvedRule], str | None, list[str]]:
    """Pick the rule of every column: table rule, then free text, then entity, then sensitivity tier.

    A column the catalog marks as free text that mentions entities gets the policy's
    ``free_text`` rule (default ``protect_spans``/``token``) instead of its entity rule:
    tokenizing a whole memo would destroy it.

    Returns:
        (rules in table column order, subject column, notes about ignored catalog labels).

    Raises:
        PolicyError: The table rule names a column (or subject column) the table lacks, or a
            per-subject action has no subject column.
    """
    trule = table_rule(policy, table_path)
    present = set(columns)
    notes: list[str] = []
    if trule is not None:
        missing = [c for c in trule.columns if c not in present]
        if missing:
            raise PolicyError(
                f"policy for table {table_path} names column(s) {', '.join(missing)} that the table does not have "
                f"(columns: {', '.join(columns)})"
            )
        if trule.subject_column is not None and trule.subject_column not in present:
            raise PolicyError(
                f"policy for table {table_path}: subject_column {trule.subject_column!r} does not exist "
                f"(columns: {', '.join(columns)})"
            )
    by_col: dict[str, CatalogLabel] = {}
    for lab in labels:
        if lab.column not in present:
            notes.append(f"catalog label for column {lab.column!r} ignored: the table no longer has it (re-run classify)")
            continue
        if not lab.reviewed and not policy.use_unreviewed_labels:
            continue
        by_col[lab.column] = lab
    out: list[ResolvedRule] = []
    for col in columns:
        if trule is not None and col in trule.columns:
            out.append(ResolvedRule(col, trule.columns[col], "table rule"))
            continue
        label = by_col.get(col)
        if label is None:
            continue
        if label.free_text and (label.entity or label.free_text_entities):
            shares = ", ".join(f"{e} {share:.0%}" for e, share in label.free_text_entities) or str(label.entity)
            how = "reviewed" if label.reviewed else "unreviewed"
            out.append(ResolvedRule(col, policy.free_text_rule(), f"free text: {shares} ({how})"))
            continue
        if label.entity and label.entity in policy.entities:
            how = "reviewed" if label.reviewed else "unreviewed"
            out.append(ResolvedRule(col, policy.entities[label.entity], f"entity {label.entity} ({how})"))
        elif label.sensitivity in policy.sensitivity:
            out.append(ResolvedRule(col, policy.sensitivity[label.sensitivity], f"sensitivity {label.sensitivity}"))
        elif label.entity:
            notes.append(f"column {col!r}: entity {label.entity} has no rule in the policy; kept as is")
    subject = trule.subject_column if trule is not None else None
    needs_subject = [r.column for r in out if r.rule.action == "encrypt_per_subject"]
    if needs_subject and subject is None:
        raise PolicyError(
            f"policy for table {table_path}: column(s) {', '.join(needs_subject)} use encrypt_per_subject but the "
            f"table has no subject_column (add protection.tables.<table>.subject_column)"
        )
    if subject is not None and subject in needs_subject:
        raise PolicyError(f"policy for table {table_path}: the subject column {subject!r} cannot itself be encrypted per subject")
    return out, subject, notes


@dataclass
class ColumnPlan:
    """What protect does to one column."""

    column: str
    action: Action
    source: str
    spark_type: str
    rule: ColumnRule
    domain: str | None = None
    key: str = "-"
    non_null: int = 0
    already_protected: int = 0
    status: str = "protect"

    @property
    def changes(self) -> bool:
        return self.status in ("protect", "drop")

    @property
    def remaining(self) -> int:
        return self.non_null - self.already_protected


@dataclass
class ProtectPlan:
    """The plan for one table. ``rows`` is the row count at ``version``."""

    table: str
    version: int
    rows: int
    subject_column: str | None
    partition_by: list[str]
    columns: list[ColumnPlan]
    notes: list[str] = field(default_factory=list)
    #: Non-null values of every top-level primitive column at ``version`` (protection keeps them).
    non_null: dict[str, int] = field(default_factory=dict)

    @property
    def work(self) -> list[ColumnPlan]:
        return [c for c in self.columns if c.changes]

    def as_rows(self) -> list[dict[str, Any]]:
        return [
            {"column": c.column, "type": c.spark_type, "action": c.action, "why": c.source, "key": c.key,
             "values": c.non_null, "already protected": c.already_protected, "status": c.status}
            for c in self.columns
        ]


def _key_label(km: KeyManager | None, action: str, domain: str, rule: ColumnRule | None = None) -> str:
    if action == "protect_spans":
        if rule is None or rule.operator != "token":
            return f"- (spans: {rule.operator if rule else 'token'})"
        v = km.latest_version(domain, "tok") if km is not None else None
        return f"tok {domain} v{v} (spans)" if v is not None else f"tok {domain} v1 (new, spans)"
    if action in ("tokenize", "hash"):
        kind = "tok" if action == "tokenize" else "hsh"
        v = km.latest_version(domain, kind) if km is not None else None  # type: ignore[arg-type]
        return f"{kind} {domain} v{v}" if v is not None else f"{kind} {domain} v1 (new)"
    if action == "encrypt":
        return f"enc {domain} (new data key, RSA-wrapped)"
    if action == "encrypt_per_subject":
        return "subject keys (new per subject)"
    return "-"


def build_plan(
    spark: "SparkSession",
    settings: Settings,
    policy: ProtectionPolicy,
    table_path: str,
    *,
    keys: KeyManager | None = None,
    labels: list[CatalogLabel] | None = None,
) -> ProtectPlan:
    """Plan the protection of ``table_path`` (reads the table, changes nothing).

    Args:
        keys: Key manager used only to read key versions from the key table (no key server call).
        labels: Catalog labels (default: read from the catalog).

    Raises:
        TableNotFoundError, NotADeltaTableError: No Delta table at the path.
        PolicyError: See :func:`resolve_rules`; also partition or non-scalar columns.
    """
    from deltalake import DeltaTable
    from pyspark.sql import functions as F

    require_delta(table_path)
    dt = DeltaTable(table_path)
    version = int(dt.version())
    partition_by = list(dt.metadata().partition_columns)
    df = spark.read.format("delta").option("versionAsOf", version).load(table_path)
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    if labels is None:
        labels = catalog_labels(settings, table_path)
    rules, subject, notes = resolve_rules(policy, table_path, list(types), labels)
    plans: list[ColumnPlan] = []
    for r in rules:
        if r.rule.action == "keep":
            plans.append(ColumnPlan(r.column, "keep", r.source, types[r.column], r.rule, status="keep"))
            continue
        if r.column in partition_by:
            raise PolicyError(
                f"table {table_path}: column {r.column!r} is a partition column; its values are folder names, "
                f"so it cannot be {r.rule.action}d in place (re-partition the table first)"
            )
        if r.rule.action != "drop":
            try:
                type_code(types[r.column])
            except Exception:
                raise PolicyError(f"table {table_path}: column {r.column!r} has type {types[r.column]}, which cannot be protected") from None
        if r.rule.action == "protect_spans" and types[r.column] != "string":
            raise PolicyError(
                f"table {table_path}: column {r.column!r} has type {types[r.column]}; protect_spans protects the entities "
                f"inside free text and needs a string column (use tokenize or encrypt for this column)"
            )
        spans_key = r.rule.action == "protect_spans" and r.rule.operator == "token"
        domain = policy.domain_of(r.rule) if r.rule.action in ("tokenize", "hash", "encrypt") or spans_key else None
        plans.append(
            ColumnPlan(r.column, r.rule.action, r.source, types[r.column], r.rule, domain=domain,
                       key=_key_label(keys, r.rule.action, domain or "", r.rule), status="drop" if r.rule.action == "drop" else "protect")
        )
    from pyspark.sql.types import ArrayType, MapType, StructType

    primitive = [f.name for f in df.schema.fields if not isinstance(f.dataType, (StructType, ArrayType, MapType))]
    aggs = [F.count(F.lit(1)).alias("__rows")]
    aggs += [F.count(F.col(f"`{c}`")).alias(f"all{i}") for i, c in enumerate(primitive)]
    for i, p in enumerate(plans):
        c = F.col(f"`{p.column}`")
        aggs.append(F.count(c).alias(f"nn{i}"))
        if p.spark_type == "string":
            aggs.append(F.sum(F.when(c.startswith("lw1:"), 1).otherwise(0)).alias(f"pp{i}"))
    for p in plans:
        if p.action == "protect_spans" and p.status == "protect":
            what = ", ".join(p.rule.entities) if p.rule.entities else "every entity the detector finds"
            notes.append(f"column {p.column!r}: only entity spans ({what}, score >= {MIN_SPAN_SCORE}) are protected "
                         f"({p.rule.operator}); values in which none is found stay as they are")
    row = df.agg(*aggs).collect()[0]
    for i, p in enumerate(plans):
        p.non_null = int(row[f"nn{i}"])
        p.already_protected = int(row[f"pp{i}"] or 0) if p.spark_type == "string" else 0
        if p.status == "protect" and p.non_null > 0 and p.already_protected == p.non_null:
            p.status = "skip: already protected"
        elif p.status == "protect" and p.already_protected:
            p.status = "protect"
            notes.append(f"column {p.column!r}: {p.already_protected} value(s) already protected are left as they are")
    return ProtectPlan(table=table_path, version=version, rows=int(row["__rows"]), subject_column=subject,
                       partition_by=partition_by, columns=plans, notes=notes,
                       non_null={c: int(row[f"all{i}"]) for i, c in enumerate(primitive)})
