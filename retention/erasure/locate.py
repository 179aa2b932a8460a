"""Find a data subject's rows: which tables and columns to search, which files hold them.

Columns come from the catalog (:meth:`governance.catalog.Catalog.all_effective_columns`):
every column whose entity (or one of whose entities, for free text) is an identifier's
entity. Column-name keys (``customer_id=...``) search every column of that name. Tables the
catalog has not classified yet fall back to column-name hints, so a new table is never
silently skipped. Protected columns are matched by token: the request stores the keyed
hashes of the identifiers' deterministic tokens, and every string column is compared.

Locating runs in three steps, proportional to the files that hold the subject:

1. Spark scans only the target columns and keeps the rows whose keyed hash
   (``sha2`` over the secret prefix and the normalized value; free text through a pandas
   UDF) is one of the request's hashes. The raw identifier is never in the query, the
   predicate or the Delta log; the rows found are held in memory only.
2. Per-file min/max statistics of the Delta log prune the files that cannot hold the
   matched values.
3. The remaining candidate files are read with pyarrow; rows equal to a matched value
   form the per-file deletion mask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from governance.lake import table_name
from governance.maintenance import DataFile, DeltaMaintenance
from retention.erasure.identifiers import SPN_PREFIX, STRONG_KINDS, Hasher, candidates, shapes_by_kind, token_candidates

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from governance.config import Settings

_SUB_RE = re.compile(r"^lw1:sub:([A-Za-z0-9_.\-]+):")
_FREE_TEXT_NAMES = re.compile(r"(^|_)(body|memo|note|notes|comment|comments|description|message|text|remarks)$")
#: Column-name hints used for tables the catalog has not classified (entity kind -> regex).
_HINTS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"e_?mail"),
    "phone": re.compile(r"phone|mobile|msisdn|(^|_)tel(_|$)"),
    "compact": re.compile(r"ssn|iban|card_?(number|no|num)|account_?(number|no|num)|passport|itin"),
    "name": re.compile(r"(^|_)(first|last|full|given|family|sur)_?name$|^(customer|holder|cardholder)_?name$|^name$"),
}


@dataclass(frozen=True)
class Target:
    """One column searched for the subject."""

    column: str
    kinds: tuple[str, ...]
    free_text: bool
    source: str


@dataclass
class TableTargets:
    """What to search in one table."""

    path: str
    name: str
    targets: list[Target]
    string_columns: list[str]
    subject_column: str | None = None


@dataclass
class FileHit:
    """One data file holding the subject and the positions of the subject's rows in it."""

    file: DataFile
    mask: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.mask.sum())


@dataclass
class Located:
    """The subject's footprint in one table at one version."""

    path: str
    version: int
    rows: int
    hits: list[FileHit] = field(default_factory=list)
    files_total: int = 0
    files_candidate: int = 0
    subject_values: set[str] = field(default_factory=set)
    subject_key_ids: set[str] = field(default_factory=set)
    columns: dict[str, int] = field(default_factory=dict)


def _catalog_columns(settings: "Settings") -> list[Any]:
    try:
        from governance.catalog import Catalog
    except ImportError:  # pragma: no cover - the catalog ships with governance
        return []
    try:
        return list(Catalog(settings).all_effective_columns())
    except Exception:  # noqa: BLE001 - an unreadable catalog falls back to name hints (reported)
        return []


def plan_targets(
    settings: "Settings",
    tables: Iterable[tuple[str, list[tuple[str, str]]]],
    idents: list[dict[str, Any]],
    *,
    catalog: list[Any] | None = None,
    subject_columns: dict[str, str] | None = None,
    tokens: bool = False,
) -> list[TableTargets]:
    """Decide which columns of which tables to search.

    Args:
        settings: Platform settings (table names are relative to the lake root).
        tables: ``(path, [(column, simple type)])`` for every table in the lake.
        idents: The request's identifiers as stored in the ledger (``key``, ``kind``, ``entity``).
        catalog: Effective catalog columns (default: read the catalog).
        subject_columns: Table name -> the column that names the data subject (protection policy).
        tokens: Whether the request has token hashes (then every string column is compared).
    """
    cat = _catalog_columns(settings) if catalog is None else catalog
    by_table: dict[str, list[Any]] = {}
    for c in cat:
        by_table.setdefault(str(c.table).rstrip("/"), []).append(c)
    entity_kinds: dict[str, set[str]] = {}
    column_kinds: dict[str, set[str]] = {}
    for i in idents:
        (entity_kinds if i.get("entity") else column_kinds).setdefault(i["key"], set()).add(i["kind"])
    strong = {i["kind"] for i in idents if i["kind"] in STRONG_KINDS}
    out: list[TableTargets] = []
    for path, cols in tables:
        name = table_name(settings, path)
        strings = [c for c, t in cols if t == "string"]
        catalogued = {str(c.column): c for c in by_table.get(path.rstrip("/"), [])}
        targets: dict[str, Target] = {}
        for col, typ in cols:
            kinds: set[str] = set()
            sources: list[str] = []
            free = False
            cc = catalogued.get(col)
            if cc is not None:
                ents = [e for e in ([cc.entity] + list(cc.entities or [])) if e]
                free = bool((cc.evidence or {}).get("free_text")) or len(set(ents)) > 1
                for e in dict.fromkeys(ents):
                    if e in entity_kinds:
                        kinds |= entity_kinds[e]
                        sources.append(f"catalog:{e}")
                if free and typ == "string" and strong:
                    kinds |= strong
                    sources.append("catalog:free text")
            elif typ == "string":
                for kind, rx in _HINTS.items():
                    if kind in strong and rx.search(col.lower()):
                        kinds.add(kind)
                        sources.append("name hint")
                if _FREE_TEXT_NAMES.search(col.lower()) and strong:
                    free = True
                    kinds |= strong
                    sources.append("name hint:free text")
            if col in column_kinds:
                kinds |= column_kinds[col]
                sources.append("column name")
            if kinds:
                targets[col] = Target(column=col, kinds=tuple(sorted(kinds)), free_text=free and typ == "string",
                                      source=",".join(dict.fromkeys(sources)))
        if tokens:
            for col in strings:
                if col not in targets:
                    targets[col] = Target(column=col, kinds=(), free_text=False, source="token")
        if targets:
            out.append(TableTargets(path=path, name=name, targets=list(targets.values()), string_columns=strings,
                                    subject_column=(subject_columns or {}).get(name)))
    return out


def _wanted_by_kind(idents: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for i in idents:
        out.setdefault(i["kind"], set()).add(i["hash"])
    return out


def _value_matches(value: Any, target: Target, hasher: Hasher, wanted: dict[str, set[str]], tokens: set[str],
                   shapes: dict[str, Any] | None = None) -> bool:
    if value is None:
        return False
    text = value if isinstance(value, str) else str(value)
    if tokens and any(hasher.token(*tok) in tokens for tok in token_candidates(text)):
        return True
    for kind in target.kinds:
        hashes = wanted.get(kind)
        if not hashes:
            continue
        if target.free_text:
            if any(hasher.hash(kind, c) in hashes for c in candidates(text, kind, (shapes or {}).get(kind))):  # type: ignore[arg-type]
                return True
        else:
            from retention.erasure.identifiers import normalize

            if hasher.hash(kind, normalize(text, kind)) in hashes:  # type: ignore[arg-type]
                return True
    return False


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def find_rows(
    spark: "SparkSession",
    tt: TableTargets,
    *,
    version: int,
    hasher: Hasher,
    idents: list[dict[str, Any]],
    tokens: set[str],
) -> tuple[list[dict[str, Any]], dict[str, set[Any]]]:
    """Step 1: the distinct target-column values of the subject's rows (memory only), per column.

    Reads the table at ``version`` in Spark; only keyed hashes appear in the query.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType

    wanted = _wanted_by_kind(idents)
    shapes = shapes_by_kind(idents)
    exact_terms: list[str] = []
    free_targets: list[Target] = []
    df = spark.read.format("delta").option("versionAsOf", version).load(tt.path)
    spans = _span_protected_columns(df, tt) if tokens else set()
    for t in tt.targets:
        col = f"`{t.column}`"
        if t.free_text or t.column in spans:
            # span-protected text carries the subject's span tokens inside it: read in Python like free text
            free_targets.append(t if t.free_text else Target(column=t.column, kinds=t.kinds, free_text=True, source=t.source))
            continue
        for kind in t.kinds:
            if wanted.get(kind):
                exact_terms.append(f"{hasher.spark_expr(col, kind)} IN ({_in_list(wanted[kind])})")
        if tokens and t.column in tt.string_columns:
            exact_terms.append(
                f"(CAST({col} AS STRING) LIKE 'lw1:%' AND {hasher.spark_expr(col, 'tok')} IN ({_in_list(tokens)}))"
            )
    cond = F.expr(" OR ".join(exact_terms)) if exact_terms else F.lit(False)
    if free_targets:
        frozen_wanted = {k: set(v) for k, v in wanted.items()}
        frozen_tokens = set(tokens)

        def _make(target: Target) -> Any:
            import pandas as pd

            def _match(s):  # type: ignore[no-untyped-def]
                return s.map(lambda v: _value_matches(v, target, hasher, frozen_wanted, frozen_tokens, shapes)).astype(bool)

            _match.__annotations__ = {"s": pd.Series, "return": pd.Series}
            return F.pandas_udf(_match, BooleanType())  # type: ignore[call-overload]

        for t in free_targets:
            cond = cond | _make(t)(F.col(f"`{t.column}`"))
    cols = [f"`{t.column}`" for t in tt.targets]
    rows = [r.asDict() for r in df.where(cond).select(*cols).distinct().collect()]
    values: dict[str, set[Any]] = {t.column: set() for t in tt.targets}
    for r in rows:
        for t in tt.targets:
            v = r.get(t.column)
            if v is not None and _value_matches(v, t, hasher, wanted, tokens, shapes):
                values[t.column].add(v)
    return rows, values


def _span_protected_columns(df: Any, tt: TableTargets) -> set[str]:
    """The string target columns of ``df`` holding span-protected text (``lw1:spn:``), in one aggregate pass."""
    from pyspark.sql import functions as F

    cols = [t.column for t in tt.targets if not t.free_text and t.column in tt.string_columns]
    if not cols:
        return set()
    row = df.agg(*[F.max(F.when(F.col(f"`{c}`").like(f"{SPN_PREFIX}%"), 1).otherwise(0)).alias(f"_{i}")
                   for i, c in enumerate(cols)]).collect()[0]
    return {c for i, c in enumerate(cols) if row[f"_{i}"]}


def _may_hold(f: DataFile, column: str, values: set[Any], partition_cols: set[str]) -> bool:
    if column in partition_cols:
        pv = f.partition_values.get(column)
        return pv is not None and pv in {str(v) for v in values}
    if f.num_records is not None and f.null_count.get(column) == f.num_records:
        return False
    mn, mx = f.min_values.get(column), f.max_values.get(column)
    if mn is None or mx is None:
        return True
    for v in values:
        try:
            upper_ok = (isinstance(mx, str) and len(mx) >= 32) or v <= mx
            if mn <= v and upper_ok:
                return True
        except TypeError:
            return True
    return False


def file_masks(
    files: list[DataFile],
    values: dict[str, set[Any]],
    *,
    partition_cols: list[str],
) -> tuple[list[FileHit], int]:
    """Steps 2 and 3: prune files by statistics, read the candidates, build deletion masks.

    Returns the files holding the subject and the number of candidate files read.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    active = {c: v for c, v in values.items() if v}
    if not active:
        return [], 0
    pcols = set(partition_cols)
    hits: list[FileHit] = []
    read = 0
    for f in files:
        cols = [c for c, v in active.items() if _may_hold(f, c, v, pcols)]
        if not cols:
            continue
        read += 1
        whole = [c for c in cols if c in pcols]
        data_cols = [c for c in cols if c not in pcols]
        if whole:
            meta = pq.read_metadata(f.path)
            hits.append(FileHit(file=f, mask=np.ones(meta.num_rows, dtype=bool)))
            continue
        table = pq.read_table(f.path, columns=data_cols)
        # every physical row: a row a deletion vector hides is still in the file's bytes
        mask = np.zeros(table.num_rows, dtype=bool)
        for c in data_cols:
            arr = table.column(c)
            if pa.types.is_dictionary(arr.type):
                arr = arr.cast(arr.type.value_type)  # a dictionary column (categorical data): is_in needs its values
            try:
                vs = pa.array(list(active[c]), type=arr.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                vs = pa.array([str(v) for v in active[c]])
                arr = pc.cast(arr, pa.string())
            mask |= pc.fill_null(pc.is_in(arr, value_set=vs), False).to_numpy(zero_copy_only=False)
        if mask.any():
            hits.append(FileHit(file=f, mask=mask))
    return hits, read


def subject_facts(rows: list[dict[str, Any]], subject_column: str | None) -> tuple[set[str], set[str]]:
    """Subject-column values (as strings, memory only) and per-subject key ids found in the rows."""
    values: set[str] = set()
    key_ids: set[str] = set()
    for r in rows:
        if subject_column and r.get(subject_column) is not None:
            values.add(str(r[subject_column]))
        for v in r.values():
            if isinstance(v, str):
                m = _SUB_RE.match(v)
                if m:
                    key_ids.add(m.group(1))
    return values, key_ids


def _hit_facts(hits: list[FileHit], subject_column: str | None, partition_cols: list[str]) -> tuple[set[str], set[str]]:
    """Subject-column values and subject key ids of the rows about to be removed (read from the hit files)."""
    import pyarrow.parquet as pq

    values: set[str] = set()
    key_ids: set[str] = set()
    for h in hits:
        table = pq.read_table(h.file.path).filter(h.mask)
        rows = table.to_pylist()
        if subject_column in partition_cols and h.file.partition_values.get(subject_column or "") is not None:
            for r in rows:
                r[subject_column] = h.file.partition_values[subject_column]  # type: ignore[index]
        v, k = subject_facts(rows, subject_column)
        values |= v
        key_ids |= k
    return values, key_ids


def locate(
    spark: "SparkSession",
    tt: TableTargets,
    *,
    maintenance: DeltaMaintenance,
    hasher: Hasher,
    idents: list[dict[str, Any]],
    tokens: set[str],
) -> Located:
    """Find the subject in one table at its current version (all three steps)."""
    from deltalake import DeltaTable

    version = maintenance.version(tt.path)
    partition_cols = list(DeltaTable(tt.path, version=version).metadata().partition_columns)
    rows, values = find_rows(spark, tt, version=version, hasher=hasher, idents=idents, tokens=tokens)
    out = Located(path=tt.path, version=version, rows=0)
    if not rows:
        return out
    files = maintenance.files(tt.path, version=version)
    out.files_total = len(files)
    out.hits, out.files_candidate = file_masks(files, values, partition_cols=partition_cols)
    out.rows = sum(h.rows for h in out.hits)
    out.subject_values, out.subject_key_ids = _hit_facts(out.hits, tt.subject_column, partition_cols)
    out.columns = {c: len(v) for c, v in values.items() if v}
    return out
