"""Remove rows from the files that hold them: copy-on-write of touched files, one Delta commit.

Sail's ``DELETE`` rewrites every file its predicate cannot prune (an opaque predicate
rewrites the whole table) and records the predicate in the log; a hashed predicate would
put the hash key there. So erasure writes, for each file holding the subject, a copy without
the subject's rows, and commits the ``remove`` of the old files and the ``add`` of the copies
in one transaction through delta-rs (``create_write_transaction``), with no predicate at all.
Untouched files are not read or written.

Like :func:`governance.safe_write.safe_write`, the job's own commit (found by its tag) is
verified afterwards from its own actions (schema unchanged, exactly the rewritten files removed,
the kept rows added), so appends other writers commit meanwhile never look like a discrepancy; a
mismatch is undone by a compensating commit of that commit's actions, never by a RESTORE.
"""

from __future__ import annotations

import json
import os
import posixpath
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import numpy as np

from governance import delta_commit
from governance.errors import (
    ConcurrentWriteError,
    DataSafetyError,
    EngineError,
    LakewardenError,
    RowCountMismatchError,
    SchemaDriftError,
    UnsupportedTableFeatureError,
)
from governance.config import join_path
from governance.lake import STAGING_DIR, canonical_url, is_remote, local_path, require_delta
from governance.storage import storage_for
from governance.maintenance import DeltaMaintenance
from retention.erasure.locate import FileHit

_STATS_MAX_STR = 32


@dataclass(frozen=True)
class RewriteResult:
    """One verified erasure commit."""

    table: str
    previous_version: int
    version: int
    rows_removed: int
    files_rewritten: int
    files_removed: int
    partitions: list[str]


def _stat_value(v: Any) -> Any:
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(timezone.utc).replace(tzinfo=None)
        return v.isoformat(timespec="milliseconds") + "Z"
    if isinstance(v, date):
        return v.isoformat()
    return v


def file_stats(table: Any) -> str:
    """Delta ``stats`` JSON (numRecords, min/max of simple columns, nullCount) of a pyarrow table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mins: dict[str, Any] = {}
    maxs: dict[str, Any] = {}
    nulls: dict[str, int] = {}
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        if pa.types.is_nested(t):
            continue
        nulls[name] = int(col.null_count)
        if col.null_count == len(col) or not (
            pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_string(t) or pa.types.is_large_string(t)
            or pa.types.is_date(t) or pa.types.is_timestamp(t)
        ):
            continue
        mm = pc.min_max(col)
        lo, hi = mm["min"].as_py(), mm["max"].as_py()
        if isinstance(lo, float) and (np.isnan(lo) or np.isnan(hi)):
            continue
        if isinstance(lo, str) and (len(lo) > _STATS_MAX_STR or len(hi) > _STATS_MAX_STR):
            continue
        mins[name], maxs[name] = _stat_value(lo), _stat_value(hi)
    return json.dumps({"numRecords": table.num_rows, "minValues": mins, "maxValues": maxs, "nullCount": nulls})


def _rel(table_path: str, file_path: str) -> str:
    base = canonical_url(local_path(table_path)).rstrip("/") + "/"
    p = canonical_url(local_path(file_path))
    return p[len(base):] if p.startswith(base) else p


def rewrite_files(
    table_path: str,
    hits: list[FileHit],
    *,
    read_version: int,
    maintenance: DeltaMaintenance,
    metadata: dict[str, Any],
) -> RewriteResult:
    """Commit ``hits`` removed from the table at ``table_path`` (one transaction) and verify it.

    Args:
        table_path: The Delta table.
        hits: Files holding rows to remove, each with its row mask.
        read_version: The version the masks were computed at (conflicts are detected from it).
        maintenance: The table's maintenance backend (kept for callers; the log is read directly).
        metadata: Extra commit metadata (request id, counts; never identifiers).

    Touches: the table's data files (new copies of touched files) and ``_delta_log`` (one commit).

    Raises:
        ConcurrentWriteError: Another writer changed the same files first (transient; locate again).
        RowCountMismatchError, SchemaDriftError: The commit is not what was written; it was undone.
        UnsupportedTableFeatureError: A file to rewrite carries a deletion vector: a copy of it would bring
            back the rows the vector hides. Purge them first (``purge_deletion_vectors``); nothing is written.
    """
    import pyarrow.parquet as pq
    from deltalake import DeltaTable
    from deltalake.transaction import AddAction, CommitProperties, RemoveAction

    require_delta(table_path)
    with_dv = [h.file.path for h in hits if h.file.deletion_vector is not None]
    if with_dv:
        raise UnsupportedTableFeatureError(
            f"{table_path}: {len(with_dv)} file(s) to rewrite carry deletion vectors (Delta feature deletionVectors); "
            f"purge them first with REORG TABLE delta.`{table_path}` APPLY (PURGE) (engine.maintenance=delta_spark)"
        )
    dt = DeltaTable(table_path, version=read_version)
    schema_before = dt.schema().to_json()
    partition_cols = list(dt.metadata().partition_columns)
    actions: list[Any] = []
    written: list[str] = []
    removed_rows = 0
    now_ms = int(time.time() * 1000)
    try:
        for hit in hits:
            rel = _rel(table_path, hit.file.path)
            with storage_for(hit.file.path).open_input(local_path(hit.file.path)) as src:
                table = pq.read_table(src)
            if table.num_rows != len(hit.mask):
                raise ConcurrentWriteError(f"{table_path}: file {rel} changed while it was being erased; locate again")
            keep = _compact_dictionaries(table.filter(~hit.mask))
            removed_rows += table.num_rows - keep.num_rows
            actions.append(RemoveAction(path=rel, data_change=True, deletion_timestamp=now_ms,
                                        size=hit.file.size_bytes, partition_values=dict(hit.file.partition_values)))
            if keep.num_rows == 0:
                continue
            new_rel = posixpath.join(posixpath.dirname(rel), f"part-00000-{uuid.uuid4()}-erased.c000.snappy.parquet")
            size = _write_parquet(table_path, new_rel, keep)
            written.append(join_path(_root(table_path), new_rel))
            actions.append(AddAction(path=new_rel, size=size, partition_values=dict(hit.file.partition_values),
                                     modification_time=now_ms, data_change=True, stats=file_stats(keep)))
        params = {"lakewarden": "erasure", **{k: str(v) for k, v in metadata.items()}, "rows_removed": str(removed_rows),
                  "files_rewritten": str(len(written)), "files_removed": str(len(hits))}
        tag = delta_commit.new_tag("erase")
        props = CommitProperties(custom_metadata={"operationParameters": params, "userMetadata": tag},
                                 max_commit_retries=10)
        dt.create_write_transaction(actions, mode="append", schema=dt.schema(), partition_by=partition_cols or None,
                                    commit_properties=props)
    except ConcurrentWriteError:
        _cleanup(written)
        raise
    except Exception as exc:  # noqa: BLE001 - delta-rs raises CommitFailedError and friends
        _cleanup(written)
        msg = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        if any(w in msg.lower() for w in ("conflict", "concurrent", "transaction failed", "version already exists")):
            raise ConcurrentWriteError(f"{table_path}: another writer committed first; locate again ({msg})") from None
        raise EngineError(f"{table_path}: erasure commit failed: {msg}") from None
    # Verify this job's own commit (other writers may have committed before or after it).
    try:
        ours = delta_commit.find_tagged(table_path, after=read_version, tag=tag)
    except EngineError as exc:
        raise RowCountMismatchError(str(exc)) from None
    version = ours.version
    kept_rows = sum(int(json.loads(a.stats)["numRecords"]) for a in actions if isinstance(a, AddAction) and a.stats)
    problem: DataSafetyError | None = None
    if ours.metadata is not None or DeltaTable(table_path, version=version).schema().to_json() != schema_before:
        problem = SchemaDriftError(f"{table_path}: erasure commit {version} changed the schema")
    elif {r["path"] for r in ours.removes} != {_rel(table_path, h.file.path) for h in hits}:
        problem = RowCountMismatchError(f"{table_path}: erasure commit {version} removed other files than the ones it rewrote")
    elif ours.rows_added != kept_rows:
        problem = RowCountMismatchError(
            f"{table_path}: erasure commit {version} added {ours.rows_added} row(s) where {kept_rows} were written"
        )
    if problem is not None:
        try:
            undo = delta_commit.revert(table_path, ours, tag=tag, reason=type(problem).__name__)
            undone = f"commit {version} was undone by commit {undo} (other writers' commits were kept)"
        except Exception as exc:  # noqa: BLE001
            undone = (f"undoing commit {version} FAILED ({type(exc).__name__}); do not RESTORE the table (other writers "
                      f"may have committed since): remove the files commit {version} added and add back those it removed")
        raise type(problem)(f"{problem}; {undone}")
    parts = sorted({"/".join(f"{k}={v}" for k, v in h.file.partition_values.items()) for h in hits if h.file.partition_values})
    return RewriteResult(table=table_path, previous_version=read_version, version=version, rows_removed=removed_rows,
                         files_rewritten=sum(1 for a in actions if isinstance(a, AddAction)),
                         files_removed=sum(1 for a in actions if isinstance(a, RemoveAction)), partitions=parts)


def _compact_dictionaries(table: Any) -> Any:
    """``table`` with each dictionary column's dictionary cut to the values its rows use.

    A filter keeps a dictionary column's dictionary whole, and Parquet writes that dictionary as
    the chunk's dictionary page: the erased rows' values would stay in the file, used by no row
    (files written from categorical data by delta-rs or pyarrow keep dictionary columns). A
    top-level column keeps its dictionary type; a dictionary inside a nested column is decoded.
    """
    import pyarrow as pa

    changed = False
    columns = []
    for field, col in zip(table.schema, table.columns):
        plain = _decoded(field.type)
        if plain != field.type:
            col = col.cast(plain)
            if pa.types.is_dictionary(field.type):
                col = col.cast(field.type)  # re-encoded from the values alone
            changed = True
        columns.append(col)
    if not changed:
        return table
    return pa.Table.from_arrays(columns, schema=pa.schema([pa.field(f.name, c.type, f.nullable, f.metadata)
                                                          for f, c in zip(table.schema, columns)], table.schema.metadata))


def _decoded(t: Any) -> Any:
    """The type ``t`` with every dictionary type replaced by its value type."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return _decoded(t.value_type)
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _decoded(f.type), f.nullable, f.metadata) for f in t])
    if pa.types.is_map(t):
        return pa.map_(_decoded(t.key_type), _decoded(t.item_type), t.keys_sorted)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        item = pa.field(t.value_field.name, _decoded(t.value_type), t.value_field.nullable)
        if pa.types.is_fixed_size_list(t):
            return pa.list_(item, t.list_size)
        return pa.large_list(item) if pa.types.is_large_list(t) else pa.list_(item)
    return t


def _root(table_path: str) -> str:
    return canonical_url(table_path) if is_remote(table_path) else local_path(table_path)


def _write_parquet(table_path: str, rel: str, table: Any) -> int:
    """Write ``table`` as the data file ``rel`` of the table; return its size in bytes.

    A killed run never leaves a half-written file among the table's files: locally the file is
    written in the staging folder, then renamed (the next locked run clears the staging folder);
    an S3 PUT is atomic, the object appears whole or not at all.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if is_remote(table_path):
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf, compression="snappy")
        data = buf.getvalue().to_pybytes()
        storage_for(table_path).write_bytes(join_path(_root(table_path), rel), data)
        return len(data)
    new_abs = os.path.join(local_path(table_path), rel)
    tmp = os.path.join(local_path(table_path), STAGING_DIR, f"erase-{uuid.uuid4().hex}.parquet")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    pq.write_table(table, tmp, compression="snappy")
    os.replace(tmp, new_abs)
    return os.path.getsize(new_abs)


def _cleanup(paths: list[str]) -> None:
    for p in paths:
        try:
            storage_for(p).delete(p)
        except (OSError, LakewardenError):
            pass
