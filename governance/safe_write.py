"""The one helper through which every table-changing write goes.

Sail silently drops extra columns, and writes NULL for values of a wrong type, when
the target table has NOT NULL columns (see DESIGN.md). So every write is checked
after its commit against what was written: the schema (names and types), the number
of rows added, and the number of nulls per column, read from the statistics of the
files the commit added. A mismatch restores the table to the version it had before
(or removes a table that the write created) and raises a :class:`DataSafetyError`:
nothing is lost silently and no half-written table is left behind.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from governance.errors import (
    ConcurrentWriteError,
    DataSafetyError,
    EngineError,
    NullingDetectedError,
    RowCountMismatchError,
    SchemaDriftError,
)
from governance.lake import is_delta, is_remote, local_path
from governance.maintenance import DeltaMaintenance, maintenance_for

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

WriteMode = Literal["overwrite", "append"]


@dataclass(frozen=True)
class Expectation:
    """What a write must produce: rows added and non-null values per top-level column."""

    rows: int
    non_null: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteResult:
    """The outcome of a verified write."""

    table: str
    version: int
    rows: int
    previous_version: int | None


def _field_types(schema_json: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["name"], json.dumps(_strip(f["type"]), sort_keys=True)) for f in schema_json.get("fields", [])]


def _strip(t: Any) -> Any:
    """Drop nullability and metadata so only names and types are compared."""
    if isinstance(t, dict):
        return {
            k: _strip(v)
            for k, v in t.items()
            if k not in ("nullable", "metadata", "containsNull", "valueContainsNull")
        }
    if isinstance(t, list):
        return [_strip(x) for x in t]
    return t


def _primitive_columns(df: "DataFrame") -> list[str]:
    from pyspark.sql.types import ArrayType, MapType, StructType

    return [f.name for f in df.schema.fields if not isinstance(f.dataType, (StructType, ArrayType, MapType))]


def _counts(df: "DataFrame", columns: list[str]) -> Expectation:
    """Rows of ``df`` and non-null values of each of ``columns`` (one Spark job)."""
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("__rows")] + [F.count(F.col(f"`{c}`")).alias(f"__nn{i}") for i, c in enumerate(columns)]
    row = df.agg(*aggs).collect()[0]
    return Expectation(rows=int(row["__rows"]), non_null={c: int(row[f"__nn{i}"]) for i, c in enumerate(columns)})


def expectation_of(df: "DataFrame") -> Expectation:
    """Count rows and non-null values per top-level primitive column of ``df`` (one Spark job)."""
    return _counts(df, _primitive_columns(df))


def _delta_schema(path: str) -> dict[str, Any]:
    from deltalake import DeltaTable

    return dict(json.loads(DeltaTable(path).schema().to_json()))


def _check_compatible(df: "DataFrame", path: str) -> None:
    """Before writing into an existing table: every column of the frame must exist in it.

    Sail drops unknown columns silently on tables with NOT NULL columns, so this is
    refused up front. Type differences are allowed (the engine casts) and checked
    after the commit by the non-null counts: a cast that nulls values is caught there.
    """
    table_fields = dict(_field_types(_delta_schema(path)))
    extra = [name for name, _ in _field_types(df.schema.jsonValue()) if name not in table_fields]
    if extra:
        raise SchemaDriftError(
            f"{path}: column(s) {', '.join(repr(e) for e in extra)} do not exist in the target table; "
            "refusing a write that would drop them"
        )


def _table_totals(path: str, version: int, maintenance: DeltaMaintenance, columns: list[str]) -> Expectation | None:
    """Rows and non-null counts of a whole table version from log statistics (None if missing)."""
    files = maintenance.files(path, version=version)
    if any(f.num_records is None for f in files):
        return None
    rows = sum(int(f.num_records or 0) for f in files)
    non_null: dict[str, int] = {}
    if any(f.deleted_records for f in files):
        # null counts describe every physical row, also those a deletion vector hides: count by scan
        return Expectation(rows=rows, non_null={})
    for col in columns:
        if all(col in f.null_count for f in files):
            non_null[col] = rows - sum(int(f.null_count[col]) for f in files)
    return Expectation(rows=rows, non_null=non_null)


def _scan_totals(spark: "SparkSession", path: str, version: int, columns: list[str], where: str | None = None) -> Expectation:
    df = spark.read.format("delta").option("versionAsOf", version).load(path)
    if where is not None:
        df = df.where(where)
    return _counts(df, columns)


def _totals(spark: "SparkSession", path: str, version: int, maintenance: DeltaMaintenance, columns: list[str]) -> Expectation:
    got = _table_totals(path, version, maintenance, columns)
    if got is None or len(got.non_null) < len(columns):
        return _scan_totals(spark, path, version, columns)
    return got


def _check_schema(path: str, df_schema: dict[str, Any], version: int) -> None:
    from deltalake import DeltaTable

    stored_map = dict(_field_types(json.loads(DeltaTable(path, version=version).schema().to_json())))
    written = _field_types(df_schema)
    missing = [n for n, _ in written if n not in stored_map]
    if missing:
        raise SchemaDriftError(f"{path}: column(s) {', '.join(missing)} were written but are missing after commit {version}")
    retyped = [n for n, t in written if stored_map[n] != t]
    if retyped:
        raise SchemaDriftError(f"{path}: column(s) {', '.join(retyped)} changed type in commit {version}")


def _compare(path: str, version: int, want: Expectation, got: Expectation) -> None:
    if got.rows != want.rows:
        raise RowCountMismatchError(f"{path}: commit {version} leaves {got.rows} row(s) where {want.rows} were expected")
    for col, non_null in want.non_null.items():
        if col in got.non_null and got.non_null[col] != non_null:
            raise NullingDetectedError(
                f"{path}: column {col!r} should hold {non_null} non-null value(s) after commit {version} "
                f"but holds {got.non_null[col]}: values were nulled or lost"
            )


def _plus(a: Expectation, b: Expectation, sign: int = 1) -> Expectation:
    return Expectation(
        rows=a.rows + sign * b.rows,
        non_null={c: a.non_null.get(c, 0) + sign * b.non_null.get(c, 0) for c in a.non_null if c in b.non_null},
    )


def _undo(path: str, prev_version: int | None, maintenance: DeltaMaintenance) -> str:
    if prev_version is None:
        if not is_remote(path):
            shutil.rmtree(local_path(path), ignore_errors=True)
            return "the table the write created was removed"
        return "the table the write created was left in place; remove it"
    try:
        maintenance.restore(path, prev_version)
    except Exception as exc:  # noqa: BLE001
        return f"restoring version {prev_version} FAILED ({exc}); restore it by hand"
    return f"the table was restored to version {prev_version}"


def safe_write(
    spark: "SparkSession",
    df: "DataFrame",
    path: str,
    *,
    mode: WriteMode = "overwrite",
    partition_by: list[str] | None = None,
    replace_where: str | None = None,
    overwrite_schema: bool = False,
    expect: Expectation | None = None,
    description: str = "",
    maintenance: DeltaMaintenance | None = None,
) -> WriteResult:
    """Write ``df`` to the Delta table at ``path`` and verify the commit.

    Args:
        spark: The session that owns ``df``.
        df: The data to write.
        path: Delta table path (created if missing).
        mode: ``overwrite`` (default; with ``replace_where`` only matching rows) or ``append``.
        partition_by: Partition columns when the table is created.
        replace_where: Predicate of the rows an overwrite replaces.
        overwrite_schema: Allow an overwrite to change column types (e.g. protection).
        expect: Rows and non-null counts the write must produce; computed from ``df`` when omitted.
        description: What the write is for, used in messages.
        maintenance: Backend used to read the log (default delta-rs; delta-spark for a
            deletion-vector table on a classic session).

    Returns:
        The committed version and rows written.

    Raises:
        SchemaDriftError, RowCountMismatchError, NullingDetectedError: The commit lost data;
            the table was restored to its previous version (or removed if new).
        ConcurrentWriteError: Another writer committed first (transient; retry).
        EngineError: The engine failed; nothing was committed.
    """
    maint = maintenance or maintenance_for(spark, path)
    exists = is_delta(path)
    prev_version = maint.version(path) if exists else None
    if exists and (mode == "append" or replace_where is not None or not overwrite_schema):
        _check_compatible(df, path)
    if expect is None:
        expect = expectation_of(df)
    df_schema = df.schema.jsonValue()
    prev_schema = _delta_schema(path) if exists else df_schema
    columns = list(expect.non_null)
    before: Expectation | None = None
    matched: Expectation | None = None
    if prev_version is not None and (mode == "append" or replace_where is not None):
        before = _totals(spark, path, prev_version, maint, columns)
        if replace_where is not None and mode == "overwrite":
            matched = _scan_totals(spark, path, prev_version, columns, where=replace_where)
    writer = df.write.format("delta").mode(mode)
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    if replace_where is not None:
        writer = writer.option("replaceWhere", replace_where)
    if overwrite_schema and mode == "overwrite":
        writer = writer.option("overwriteSchema", "true")
    try:
        writer.save(path)
    except Exception as exc:  # noqa: BLE001 - engine errors come in many types
        raise _engine_failure(exc, path, description or mode) from exc
    try:
        version = maint.version(path)
        if prev_version is not None and version == prev_version:
            raise RowCountMismatchError(f"{path}: the write made no commit (table still at version {version})")
        replaces_schema = prev_version is None or (mode == "overwrite" and replace_where is None and overwrite_schema)
        _check_schema(path, df_schema if replaces_schema else prev_schema, version)
        want = expect
        if before is not None:
            want = _plus(before, expect)
            if matched is not None:
                want = _plus(want, matched, -1)
        _compare(path, version, want, _totals(spark, path, version, maint, columns))
    except DataSafetyError as exc:
        undone = _undo(path, prev_version, maint)
        raise type(exc)(f"{exc}; {undone}") from None
    log.info("%s: verified commit %s (%s rows, %s)", path, version, expect.rows, description or mode)
    return WriteResult(table=path, version=version, rows=expect.rows, previous_version=prev_version)


def _engine_failure(exc: BaseException, path: str, what: str) -> EngineError:
    msg = str(exc).strip()
    if "concurrent" in msg.lower() or "conflict" in msg.lower():
        return ConcurrentWriteError(f"{path}: another writer committed first ({what}); retry")
    first = msg.splitlines()[0][:400] if msg else type(exc).__name__
    return EngineError(f"{path}: write failed ({what}): {first}")


def safe_delete(
    spark: "SparkSession",
    path: str,
    *,
    where: str,
    description: str = "",
    maintenance: DeltaMaintenance | None = None,
) -> WriteResult:
    """Delete the rows of the Delta table at ``path`` matching ``where`` and verify the commit.

    The predicate must not contain raw identifiers (it is recorded in the Delta log);
    callers match on keyed hashes or tokens.

    Returns:
        The committed version; ``rows`` is the number of rows deleted (Sail's DML result
        counts rows rewritten, so this is computed from the table, not from the engine).

    Raises:
        RowCountMismatchError, NullingDetectedError: The table lost more than the matched rows;
            it was restored to its previous version.
    """
    from pyspark.sql import functions as F

    maint = maintenance or maintenance_for(spark, path)
    prev_version = maint.version(path)
    df = spark.read.format("delta").load(path)
    columns = _primitive_columns(df)
    before = _totals(spark, path, prev_version, maint, columns)
    matched = _scan_totals(spark, path, prev_version, columns, where=where)
    if matched.rows == 0:
        return WriteResult(table=path, version=prev_version, rows=0, previous_version=prev_version)
    try:
        spark.sql(f"DELETE FROM delta.`{path}` WHERE {where}").collect()
    except Exception as exc:  # noqa: BLE001
        raise _engine_failure(exc, path, description or "delete") from exc
    try:
        version = maint.version(path)
        _compare(path, version, _plus(before, matched, -1), _totals(spark, path, version, maint, columns))
    except DataSafetyError as exc:
        undone = _undo(path, prev_version, maint)
        raise type(exc)(f"{exc}; {undone}") from None
    return WriteResult(table=path, version=version, rows=matched.rows, previous_version=prev_version)
