"""The one helper through which every table-changing write goes.

Sail silently drops extra columns, and writes NULL for values of a wrong type, when
the target table has NOT NULL columns (see DESIGN.md). So every write is checked
after its commit against what was written: the schema (names and types), the number
of rows added, and the number of nulls per column, read from the statistics of the
files the commit added. A mismatch undoes the write and raises a :class:`DataSafetyError`:
nothing is lost silently and no half-written table is left behind.

Other writers keep committing (ingestion appends every few seconds), so every write is tagged
(``commitInfo.userMetadata``) and the check reads the job's *own* commit: the table as it was just
before that commit, plus what the job wrote, minus what it replaced. A failed check is undone by a
compensating commit of the job's own actions (:func:`governance.delta_commit.revert`), never by a
RESTORE over other writers' commits.

A rewrite of a whole table version (protect, re-encryption, retention) can also be *staged*
(``read_version`` given): the engine writes the new files into a hidden staging folder of the table,
they are verified there before anything is committed, and Lakewarden commits them with the
``remove`` of exactly the files that were read (:func:`governance.delta_commit.commit`). Blind
appends committed meanwhile never conflict with it, on either engine.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from governance.errors import (
    ConcurrentWriteError,
    LakewardenError,
    DataSafetyError,
    EngineError,
    NullingDetectedError,
    RowCountMismatchError,
    UnsafeCommitError,
    SchemaDriftError,
)
from governance import delta_commit
from governance.config import join_path
from governance.lake import STAGING_DIR, is_delta, is_remote, local_path
from governance.storage import is_s3, storage_for
from governance.maintenance import DeltaMaintenance, maintenance_for

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

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


#: Features with which a compensating commit cannot be written by Lakewarden itself.
_UNDO_CANNOT = frozenset({"rowTracking", "inCommitTimestamp", "icebergCompatV1", "icebergCompatV2", "icebergCompatV3",
                          "coordinatedCommits-preview", "catalogOwned-preview"})


def _undo(path: str, prev_version: int | None, ours: delta_commit.Commit | None, maintenance: DeltaMaintenance,
          tag: str, reason: str) -> str:
    """Reverse the job's own commit ``ours``; never RESTORE over other writers' commits."""
    if prev_version is None:
        if not is_remote(path):
            shutil.rmtree(local_path(path), ignore_errors=True)
            return "the table the write created was removed"
        return "the table the write created was left in place; remove it"
    if ours is None:
        return "no commit of this job was found, so nothing was undone"
    from governance.features import read_features

    feats = read_features(path)
    if (not is_remote(path) or is_s3(path)) and not (set(feats.features) & _UNDO_CANNOT):
        try:
            v = delta_commit.revert(path, ours, tag=tag, reason=reason)
        except LakewardenError as exc:
            return (f"undoing commit {ours.version} FAILED ({exc}); do not RESTORE the table (other writers may have "
                    f"committed since): remove the files commit {ours.version} added and add back those it removed")
        return f"commit {ours.version} was undone by commit {v} (other writers' commits were kept)"
    if delta_commit.latest_version(path) == ours.version and ours.version == prev_version + 1:
        try:
            maintenance.restore(path, prev_version)
        except Exception as exc:  # noqa: BLE001
            return f"restoring version {prev_version} FAILED ({type(exc).__name__}); commit {ours.version} is this job's own"
        return f"the table was restored to version {prev_version} (no other writer had committed)"
    return (f"commit {ours.version} was left in place: other writers committed around it, so a RESTORE would drop their "
            f"rows; undo only that commit's own files")


#: delta-spark LogStores that commit to S3 put-if-absent across drivers (the default S3 store is single-driver only).
_SAFE_DELTA_SPARK_S3_STORES = ("io.delta.storage.S3DynamoDBLogStore",)


def require_safe_engine_commit(spark: "SparkSession", path: str) -> None:
    """Refuse an engine-written commit to an S3 table when the engine has no put-if-absent commit.

    Sail and delta-rs commit to S3 with ``If-None-Match`` (a lost race is retried, never overwritten).
    delta-spark's default S3 LogStore is safe only when every writer goes through one driver; across
    drivers it needs ``S3DynamoDBLogStore``. Lakewarden's own staged commits use ``If-None-Match`` and
    need none of this.

    Raises:
        UnsafeCommitError: Classic Spark on S3 without a multi-driver-safe LogStore (nothing written).
    """
    if not is_s3(path) or _engine_commits_safely(spark):
        return
    raise UnsafeCommitError(
        f"{path}: delta-spark would commit this write to S3 with its single-driver LogStore, which lets another "
        "writer's commit overwrite this one (or this one theirs); nothing was written. Set "
        "spark.delta.logStore.s3a.impl=io.delta.storage.S3DynamoDBLogStore and spark.delta.logStore.s3.impl=io.delta.storage.S3DynamoDBLogStore "
        "(with the delta-storage-s3-dynamodb jar and a DynamoDB table), or run this command on the embedded engine "
        "(Sail commits with If-None-Match). Tables whose features allow it are committed by Lakewarden itself with If-None-Match."
    )


def _engine_commits_safely(spark: "SparkSession") -> bool:
    """True when the engine's own S3 commits are put-if-absent (Sail/Connect; delta-spark with S3DynamoDBLogStore)."""
    from governance.engine import is_connect

    if is_connect(spark):
        return True
    conf: dict[str, str] = {}
    for key in ("spark.delta.logStore.s3a.impl", "spark.delta.logStore.s3.impl", "spark.delta.logStore.class"):
        try:
            value = spark.conf.get(key, None)
        except Exception:  # noqa: BLE001
            value = None
        if value:
            conf[key] = str(value)
    return any(v in _SAFE_DELTA_SPARK_S3_STORES for v in conf.values())


def _own_commit(path: str, after: int | None, tag: str) -> delta_commit.Commit:
    return delta_commit.find_tagged(path, after=-1 if after is None else after, tag=tag)


def _staging_refusal(spark: "SparkSession", df: "DataFrame", path: str, *, retype: bool = False,
                     partition_by: list[str] | None = None) -> str | None:
    """Why a staged rewrite is not possible on this table (None: it is).

    Args:
        retype: The rewrite may change column types or drop columns (an overwrite with
            ``overwrite_schema``); it keeps the table's partition columns.
        partition_by: The rewrite's partition columns (checked against the table's when ``retype``).
    """
    from governance.features import read_features

    features = read_features(path)
    why = delta_commit.raw_commit_refusal(path, features)
    if why:
        return why
    written, stored = _field_types(df.schema.jsonValue()), _field_types(_delta_schema(path))
    if written == stored:
        return None
    if not retype:
        return "the rewrite changes the table's schema"
    if list(partition_by or []) != list(features.partition_columns):
        return "the rewrite changes the table's partition columns"
    if not {n for n, _ in written} <= {n for n, _ in stored}:
        return "the rewrite adds columns"
    return None


#: Rows one staged write of a whole-table rewrite covers at most (whole files; see :func:`file_groups`).
#: The embedded engine writes one file per core and buffers each whole file until it closes, so its
#: memory follows the rows of one write, not the table: 50k rows keep it near its small-table peak.
FILE_GROUP_ROWS = 50_000


def file_groups(adds: list[dict[str, Any]], *, max_rows: int) -> list[list[dict[str, Any]]] | None:
    """Split a version's data files into groups of at most ``max_rows`` rows (whole files, by their statistics).

    Files are grouped in order of their partition values, so a group touches few partitions. A file
    larger than ``max_rows`` is a group of its own.

    Returns:
        None when one write suffices (at most ``max_rows`` rows in all), or when the files cannot be
        read one group at a time: a file without a row count, or with a deletion vector.
    """
    if any(a.get("deletionVector") for a in adds):
        return None
    rows = [delta_commit.rows_of([a]) for a in adds]
    if any(n is None for n in rows) or sum(n or 0 for n in rows) <= max_rows:
        return None
    order = sorted(range(len(adds)), key=lambda i: (sorted((adds[i].get("partitionValues") or {}).items()), str(adds[i]["path"])))
    groups: list[list[dict[str, Any]]] = [[]]
    in_group = 0
    for i in order:
        n = rows[i] or 0
        if groups[-1] and in_group + n > max_rows:
            groups.append([])
            in_group = 0
        groups[-1].append(adds[i])
        in_group += n
    return groups


#: Rows one partitioned staging write covers at most (whole partitions; see :func:`partition_groups`).
PARTITION_GROUP_ROWS = 2_000_000


def partition_groups(df: "DataFrame", partition_by: list[str], *, max_rows: int) -> list["Column"] | None:
    """Filters that split ``df`` into groups of whole partitions of at most ``max_rows`` rows each.

    The engine's partitioned writer keeps a buffered file open per partition a task sees, so one
    write of a large table over many partitions holds a row group per partition in memory; writing
    the groups one after another bounds that by ``max_rows``. A partition larger than ``max_rows``
    is a group of its own.

    Returns:
        None when one write suffices (at most ``max_rows`` rows in all), else one filter per group.
    """
    from functools import reduce

    from pyspark.sql import functions as F

    cols = [F.col(f"`{p}`") for p in partition_by]
    counts = [(tuple(r[i] for i in range(len(cols))), int(r["__lw_n"]))
              for r in df.groupBy(*cols).agg(F.count(F.lit(1)).alias("__lw_n")).collect()]
    if sum(n for _, n in counts) <= max_rows:
        return None
    groups: list[list[tuple[Any, ...]]] = [[]]
    rows = 0
    for key, n in sorted(counts, key=lambda kn: tuple((v is None, str(v)) for v in kn[0])):
        if groups[-1] and rows + n > max_rows:
            groups.append([])
            rows = 0
        groups[-1].append(key)
        rows += n

    def _one(key: tuple[Any, ...]) -> "Column":
        return reduce(lambda a, b: a & b, [c.eqNullSafe(F.lit(v)) for c, v in zip(cols, key, strict=True)])

    return [reduce(lambda a, b: a | b, [_one(k) for k in g]) for g in groups]


def _partition_split(df: "DataFrame", partition_by: list[str] | None) -> list["DataFrame"]:
    """``df`` as the frames of its partition groups (:func:`partition_groups`), or as itself."""
    groups = partition_groups(df, partition_by, max_rows=PARTITION_GROUP_ROWS) if partition_by else None
    return [df] if groups is None else [df.where(cond) for cond in groups]


def read_files(spark: "SparkSession", table: str, adds: list[dict[str, Any]], schema: "StructType") -> "DataFrame":
    """The rows of the given data files of ``table``, with the table's ``schema``.

    For tables without deletion vectors or column mapping (whose files hold every row under the
    column's own name). A file written before a column was added reads that column as null.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    by_part: dict[tuple[tuple[str, Any], ...], list[str]] = {}
    for a in adds:
        key = tuple(sorted((a.get("partitionValues") or {}).items()))
        by_part.setdefault(key, []).append(join_path(table if is_remote(table) else local_path(table), unquote(str(a["path"]))))
    frames = []
    for key, files in by_part.items():
        in_file = StructType([f for f in schema.fields if f.name not in dict(key)])
        df = spark.read.schema(in_file).parquet(*files)
        for col, value in key:
            df = df.withColumn(col, F.lit(value))
        frames.append(df.select(*[F.col(f"`{f.name}`").cast(f.dataType).alias(f.name) for f in schema.fields]))
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def _file_group_frames(path: str, replaced: list[dict[str, Any]],
                       build: Callable[[list[dict[str, Any]]], "DataFrame"]) -> "_LazyFrames | None":
    """The rewrite of ``replaced`` as one frame per file group (:func:`file_groups`); None: one write suffices."""
    by_files = file_groups(replaced, max_rows=FILE_GROUP_ROWS)
    if by_files is None:
        return None
    log.info("%s: rewriting %d file(s) in %d group(s) of at most %d rows", path, len(replaced), len(by_files), FILE_GROUP_ROWS)
    return _LazyFrames(build, by_files)


class _LazyFrames(Sequence["DataFrame"]):
    """The rewrite of each file group, built when it is staged (one engine plan at a time)."""

    def __init__(self, build: Callable[[list[dict[str, Any]]], "DataFrame"], groups: list[list[dict[str, Any]]]) -> None:
        self._build, self._groups = build, groups

    def __len__(self) -> int:
        return len(self._groups)

    def __getitem__(self, i: int) -> "DataFrame":  # type: ignore[override]
        return self._build(self._groups[i])

    def __iter__(self) -> Iterator["DataFrame"]:
        return (self._build(g) for g in self._groups)


#: Folder, under the staging table, of the table each later group is written to (see :func:`_stage`).
_GROUP_DIR = "lwg-{:05d}"
_GROUP_PREFIX = re.compile(r"^lwg-\d{5}/")


#: File groups of a staged rewrite in flight at most (threads of this process, each one engine write).
MAX_STAGE_CONCURRENCY = 32


def stage_concurrency(spark: "SparkSession") -> int:
    """How many file groups of a staged rewrite are written at once on ``spark``: one per task slot of a cluster.

    A file group is a file or two, so each group's write is one engine task: on a cluster, one
    group per task slot (``defaultParallelism``) keeps every executor busy. The embedded engine
    writes one group at a time (its memory follows the groups in flight; protection keeps both
    cores busy within one group, see :func:`governance.protection.spark.map_batches`).
    """
    from governance.engine import is_connect, is_embedded

    if is_embedded(spark):
        return 1
    if is_connect(spark):  # a remote Spark Connect server: no SparkContext here
        slots = int(spark.conf.get("spark.default.parallelism", "1") or 1)
    else:
        slots = int(spark.sparkContext.defaultParallelism)
    return max(1, min(slots, MAX_STAGE_CONCURRENCY))


def _stage(spark: "SparkSession", frames: Sequence["DataFrame"], path: str,
           partition_by: list[str] | None, *, concurrent: int = 1) -> tuple[str, list[dict[str, Any]]]:
    """Write ``frames`` as one Delta table in a hidden staging folder of ``path``.

    Each frame is one engine write, so the writer's memory is bounded by the frame, not by the
    table (partition groups, or groups of the read version's files). The first frame creates the
    staging table; each later one is written as a table of its own in a folder under it
    (``lwg-00001`` ...), ``concurrent`` of them at a time, and all their files are then added to
    the staging table in one commit, in frame order: an engine appending to one table replays its
    growing log on every write, so its memory and time would grow with the number of groups.

    Returns:
        The staging folder and the ``add`` actions of its files (paths relative to it).

    A write that fails raises the engine's error after the writes already started have ended, and
    the staging folder is removed: nothing of it is committed.
    """
    staging = join_path(path if is_remote(path) else local_path(path), STAGING_DIR, uuid.uuid4().hex)
    done, counting = 0, threading.Lock()

    def _write(i: int) -> list[dict[str, Any]]:
        nonlocal done
        target = staging if i == 0 else join_path(staging, _GROUP_DIR.format(i))
        writer = frames[i].write.format("delta").mode("overwrite")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.save(target)
        group = [] if i == 0 else [{**a, "path": f"{_GROUP_DIR.format(i)}/{a['path']}"}
                                   for a in delta_commit.snapshot_adds(target, delta_commit.latest_version(target)).values()]
        with counting:
            done += 1
            if len(frames) > 1:
                log.info("%s: staged group %d of %d", path, done, len(frames))
        return group

    try:
        _write(0)  # creates the staging table the later groups' files are added to
        later: list[dict[str, Any]] = []
        if concurrent <= 1 or len(frames) <= 2:
            for i in range(1, len(frames)):
                later += _write(i)
        else:
            with ThreadPoolExecutor(max_workers=concurrent, thread_name_prefix="lw-stage") as pool:
                futures = [pool.submit(_write, i) for i in range(1, len(frames))]
                try:
                    for f in futures:
                        later += f.result()
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        if later:
            delta_commit.commit(staging, read_version=delta_commit.latest_version(staging), adds=later, removes=[],
                                operation="WRITE", parameters={"lakewarden": "staged groups"}, tag=delta_commit.new_tag("stage"))
        adds = list(delta_commit.snapshot_adds(staging, delta_commit.latest_version(staging)).values())
    except BaseException:
        _remove_staging(staging)
        raise
    return staging, adds



def _retyped_metadata(path: str, read_version: int, staging: str) -> dict[str, Any]:
    """The table's ``metaData`` action at ``read_version`` with the staged table's column types.

    Column names, order and types come from the staged rewrite; each kept column keeps the table's
    nullability and field metadata (comments); the table's id, partition columns and properties stay.
    """
    table = delta_commit.metadata_at(path, read_version)
    staged = delta_commit.metadata_at(staging, delta_commit.latest_version(staging))
    old = {f["name"]: f for f in json.loads(table["schemaString"])["fields"]}
    fields = [{**old[f["name"]], "type": f["type"]} if f["name"] in old else f
              for f in json.loads(staged["schemaString"])["fields"]]
    schema = {**json.loads(table["schemaString"]), "fields": fields}
    return {**table, "schemaString": json.dumps(schema, separators=(",", ":"))}


def _publish(path: str, staging: str, adds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move staged data files into the table folder (local: renames; S3: server-side copies); return their adds."""
    root = path if is_remote(path) else local_path(path)
    store = storage_for(path)
    out = []
    for a in adds:
        rel = str(a["path"])
        head, _, name = _GROUP_PREFIX.sub("", rel).rpartition("/")
        dest_rel = f"{head}/lw-{uuid.uuid4().hex[:12]}-{name}" if head else f"lw-{uuid.uuid4().hex[:12]}-{name}"
        # add paths are URL-encoded (partition values); the files themselves are not
        store.rename(join_path(staging, unquote(rel)), join_path(root, unquote(dest_rel)))
        out.append({**a, "path": dest_rel, "dataChange": True})
    return out


def _remove_staging(staging: str) -> None:
    storage_for(staging).delete_prefix(staging)
    if not is_remote(staging):
        try:
            os.rmdir(os.path.dirname(staging))  # the table's staging folder, when no other job uses it
        except OSError:
            pass


def _staged_rewrite(
    spark: "SparkSession", df: "DataFrame", path: str, *, read_version: int, replaced: list[dict[str, Any]],
    expect: Expectation, partition_by: list[str] | None, tag: str, description: str, operation: str,
    groups: Sequence["DataFrame"] | None = None, retype: bool = False,
) -> WriteResult:
    """Stage ``df``, verify it, then commit it replacing the files ``replaced`` (read at ``read_version``).

    Args:
        groups: ``df`` as the rewrites of groups of ``replaced`` (:func:`file_groups`), staged one
            write each; by default ``df`` is staged in partition groups.
        retype: The rewrite changes column types (or drops columns): the commit carries the table's
            ``metaData`` with the new schema, and is refused if another commit intervened.
    """
    table_parts = _partitions(path)
    if partition_by and list(partition_by) != table_parts:
        raise SchemaDriftError(f"{path}: the rewrite is partitioned by {list(partition_by)} but the table by "
                               f"{table_parts or 'nothing'}; nothing was written")
    # The staged files replace the table's: they are written under the table's partition columns
    # whatever the caller passed (files without partition folders would read those columns as null).
    partition_by = table_parts or None
    frames: Sequence["DataFrame"] = groups if groups is not None else _partition_split(df, partition_by)
    staging, staged = _stage(spark, frames, path, partition_by,
                             concurrent=stage_concurrency(spark) if groups is not None else 1)
    try:
        version = delta_commit.latest_version(staging)
        stored = _delta_schema(path)
        written = df.schema.jsonValue() if retype else stored
        _check_schema(staging, written, version)
        got = _totals(spark, staging, version, maintenance_for(spark, staging), list(expect.non_null))
        _compare(f"{path} (staged rewrite, nothing committed)", version, expect, got)
        new_schema = _field_types(written) != _field_types(stored)
        metadata = _retyped_metadata(path, read_version, staging) if new_schema else None
        adds = _publish(path, staging, staged)
        now_ms = int(1000 * time.time())
        removes = [delta_commit.remove_of(a, now_ms=now_ms) for a in replaced]
        try:
            committed = delta_commit.commit(
                path, read_version=read_version, adds=adds, removes=removes, operation=operation,
                parameters={"lakewarden": description or operation, "rows": str(expect.rows)}, tag=tag,
                metadata=metadata)
        except LakewardenError:
            for a in adds:
                try:
                    storage_for(path).delete(join_path(path if is_remote(path) else local_path(path), unquote(a["path"])))
                except (OSError, LakewardenError):
                    pass
            raise
    finally:
        _remove_staging(staging)
    log.info("%s: staged rewrite committed as version %s (%s rows, %s)", path, committed, expect.rows, description)
    return WriteResult(table=path, version=committed, rows=expect.rows, previous_version=read_version)


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
    read_version: int | None = None,
    rewrite_files: Callable[[list[dict[str, Any]]], "DataFrame"] | None = None,
) -> WriteResult:
    """Write ``df`` to the Delta table at ``path`` and verify the job's own commit.

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
        read_version: The version ``df`` was read at, for a full overwrite: the rewrite is staged and
            replaces exactly that version's files, so rows appended meanwhile are kept (when the table
            allows a Lakewarden commit; otherwise the engine writes it). With ``overwrite_schema`` the
            staged rewrite may change column types; its commit then carries the new schema.
        rewrite_files: For a staged rewrite: ``df`` restricted to a group of the read version's data
            files (their ``add`` actions). Given, a large table is staged in groups of at most
            :data:`FILE_GROUP_ROWS` rows, one engine write each, so memory does not grow with the table.

    Returns:
        The committed version and rows written.

    Raises:
        SchemaDriftError, RowCountMismatchError, NullingDetectedError: The commit lost data; the job's
            own commit was undone (or the table it created removed).
        ConcurrentWriteError: Another writer changed the same files first (transient; read again and retry).
        EngineError: The engine failed; nothing was committed.
    """
    maint = maintenance or maintenance_for(spark, path)
    exists = is_delta(path)
    prev_version = maint.version(path) if exists else None
    if exists and (mode == "append" or replace_where is not None or not overwrite_schema):
        _check_compatible(df, path)
    if expect is None:
        expect = expectation_of(df)
    tag = delta_commit.new_tag("write")
    if (exists and read_version is not None and mode == "overwrite" and replace_where is None
            and _staging_refusal(spark, df, path, retype=overwrite_schema, partition_by=partition_by) is None):
        replaced = list(delta_commit.snapshot_adds(path, read_version).values())
        groups = None if rewrite_files is None else _file_group_frames(path, replaced, rewrite_files)
        return _staged_rewrite(spark, df, path, read_version=read_version, replaced=replaced, expect=expect,
                               partition_by=partition_by, tag=tag, description=description or "rewrite", operation="WRITE",
                               groups=groups, retype=overwrite_schema)
    if exists and is_s3(path) and not _engine_commits_safely(spark):
        # delta-spark's S3 commit is not put-if-absent: Lakewarden commits the staged files itself.
        if mode == "append" and replace_where is None and _staging_refusal(spark, df, path) is None:
            return _staged_rewrite(spark, df, path, read_version=maint.version(path), replaced=[], expect=expect,
                                   partition_by=partition_by, tag=tag, description=description or "append", operation="WRITE")
        require_safe_engine_commit(spark, path)
    df_schema = df.schema.jsonValue()
    prev_schema = _delta_schema(path) if exists else df_schema
    columns = list(expect.non_null)
    before: Expectation | None = None
    replaced_rows: Expectation | None = None
    if prev_version is not None:
        if mode == "append" or replace_where is not None:
            before = _totals(spark, path, prev_version, maint, columns)
        if replace_where is not None and mode == "overwrite":
            replaced_rows = _scan_totals(spark, path, prev_version, columns, where=replace_where)
    writer = df.write.format("delta").mode(mode).option("userMetadata", tag)
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
    ours: delta_commit.Commit | None = None
    try:
        try:
            ours = _own_commit(path, prev_version, tag)
        except EngineError as exc:
            raise RowCountMismatchError(str(exc)) from None
        version = ours.version
        replaces_schema = prev_version is None or (mode == "overwrite" and replace_where is None and overwrite_schema)
        _check_schema(path, df_schema if replaces_schema else prev_schema, version)
        want = expect
        base = version - 1
        if prev_version is not None:
            # the table just before this job's commit holds the other writers' rows too
            at_base = before if (before is not None and base == prev_version) else None
            if mode == "append" or replace_where is not None:
                at_base = at_base or _totals(spark, path, base, maint, columns)
                want = _plus(at_base, expect)
                if replaced_rows is not None:
                    want = _plus(want, replaced_rows, -1)
            elif base != prev_version:
                others = _plus(_totals(spark, path, base, maint, columns), _totals(spark, path, prev_version, maint, columns), -1)
                want = _plus(others, expect)
        _compare(path, version, want, _totals(spark, path, version, maint, columns))
    except DataSafetyError as exc:
        undone = _undo(path, prev_version, ours, maint, tag, type(exc).__name__)
        raise type(exc)(f"{exc}; {undone}") from None
    log.info("%s: verified commit %s (%s rows, %s)", path, version, expect.rows, description or mode)
    return WriteResult(table=path, version=version, rows=expect.rows, previous_version=prev_version)


#: Engine messages that mean another writer committed first (Sail, delta-spark, delta-rs).
_CONFLICT_MARKERS = ("concurrent", "conflict", "failed to commit transaction", "version already exists", "missing commit file",
                     "transaction failed", "concurrentappend", "concurrentdelete", "metadatachanged",
                     "protocolchanged", "concurrenttransaction")


def _engine_failure(exc: BaseException, path: str, what: str) -> EngineError:
    msg = str(exc).strip()
    low = (type(exc).__name__ + " " + msg).lower()
    first = msg.splitlines()[0][:300] if msg else type(exc).__name__
    if any(m in low for m in _CONFLICT_MARKERS):
        return ConcurrentWriteError(f"{path}: another writer committed first ({what}): {first}; read the table again and retry")
    return EngineError(f"{path}: write failed ({what}): {first}")


def safe_delete(
    spark: "SparkSession",
    path: str,
    *,
    where: str,
    description: str = "",
    maintenance: DeltaMaintenance | None = None,
) -> WriteResult:
    """Delete the rows of the Delta table at ``path`` matching ``where`` and verify the job's own commit.

    The predicate must not contain raw identifiers (it is recorded in the Delta log);
    callers match on keyed hashes or tokens. On a table that allows a Lakewarden commit the
    delete is a staged rewrite of the version read (rows appended meanwhile are kept and never
    conflict); otherwise the engine's DELETE runs.

    Returns:
        The committed version; ``rows`` is the number of rows deleted (Sail's DML result
        counts rows rewritten, so this is computed from the table, not from the engine).

    Raises:
        RowCountMismatchError, NullingDetectedError: The table lost more than the matched rows;
            the job's own commit was undone.
        ConcurrentWriteError: Another writer changed the same files first (transient).
    """
    maint = maintenance or maintenance_for(spark, path)
    prev_version = maint.version(path)
    df = spark.read.format("delta").option("versionAsOf", prev_version).load(path)
    columns = _primitive_columns(df)
    before = _totals(spark, path, prev_version, maint, columns)
    matched = _scan_totals(spark, path, prev_version, columns, where=where)
    if matched.rows == 0:
        return WriteResult(table=path, version=prev_version, rows=0, previous_version=prev_version)
    tag = delta_commit.new_tag("delete")
    if _staging_refusal(spark, df, path) is None:
        replaced = list(delta_commit.snapshot_adds(path, prev_version).values())
        parts = _partitions(path)
        keep = f"NOT ({where}) OR ({where}) IS NULL"
        groups = _file_group_frames(path, replaced, lambda adds: read_files(spark, path, adds, df.schema).where(keep))
        res = _staged_rewrite(spark, df.where(keep), path, read_version=prev_version,
                              replaced=replaced, expect=_plus(before, matched, -1), partition_by=parts or None, tag=tag,
                              description=description or "delete", operation="DELETE", groups=groups)
        return WriteResult(table=path, version=res.version, rows=matched.rows, previous_version=prev_version)
    spark.conf.set("spark.databricks.delta.commitInfo.userMetadata", tag)
    try:
        spark.sql(f"DELETE FROM delta.`{path}` WHERE {where}").collect()
    except Exception as exc:  # noqa: BLE001
        raise _engine_failure(exc, path, description or "delete") from exc
    finally:
        try:
            spark.conf.unset("spark.databricks.delta.commitInfo.userMetadata")
        except Exception:  # noqa: BLE001 - an engine without the setting
            pass
    ours: delta_commit.Commit | None = None
    try:
        ours = _delete_commit(path, prev_version, tag)
        version = ours.version
        at_base = before if version - 1 == prev_version else _totals(spark, path, version - 1, maint, columns)
        _compare(path, version, _plus(at_base, matched, -1), _totals(spark, path, version, maint, columns))
    except DataSafetyError as exc:
        undone = _undo(path, prev_version, ours, maint, tag, type(exc).__name__)
        raise type(exc)(f"{exc}; {undone}") from None
    return WriteResult(table=path, version=version, rows=matched.rows, previous_version=prev_version)


def _partitions(path: str) -> list[str]:
    from governance.features import read_features

    return list(read_features(path).partition_columns)


def _delete_commit(path: str, after: int, tag: str) -> delta_commit.Commit:
    """The job's DELETE commit: tagged where the engine records the tag, else the first DELETE after ``after``."""
    try:
        return delta_commit.find_tagged(path, after=after, tag=tag)
    except EngineError:
        pass
    for v in range(after + 1, delta_commit.latest_version(path) + 1):
        c = delta_commit.read_commit(path, v)
        if str(c.info.get("operation", "")).upper() == "DELETE" and not c.info.get("userMetadata"):
            return c
    raise RowCountMismatchError(f"{path}: the delete reported success but made no commit after version {after}")
