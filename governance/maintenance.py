"""Delta maintenance behind one interface, with two implementations.

Spark's shared API (read, write, DML, time travel) works on every engine, but history,
table properties, vacuum, checkpoints and log clean-up do not: Sail has no
``DeltaTable``/``VACUUM``/``DESCRIBE HISTORY``. They go through :class:`DeltaMaintenance`:

* :class:`DeltaRsMaintenance` uses ``deltalake`` (delta-rs); it is the embedded default and
  works against object stores too. delta-rs cannot read tables with deletion vectors:
  such tables raise :class:`UnsupportedTableFeatureError` naming the table and the way out.
* :class:`DeltaSparkMaintenance` issues delta-spark SQL on a classic session (the jar
  :func:`governance.engine.delta_package` names) and reads snapshots through delta-spark's
  ``DeltaLog``; it reads deletion-vector tables and purges their vectors
  (``REORG TABLE ... APPLY (PURGE)``).
"""

from __future__ import annotations

import json
import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from governance.config import Settings
from governance.errors import EngineError, InputError, LakewardenError, StoragePermissionError, UnsupportedTableFeatureError
from governance.lake import DELTA_LOG, is_remote, local_path, require_delta
from governance.storage import ObjectVersion, canonical, storage_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class HistoryEntry:
    """One commit of a Delta table."""

    version: int
    timestamp: datetime | None
    operation: str
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DataFile:
    """One live data file of a Delta table, with its statistics from the log."""

    path: str
    size_bytes: int
    num_records: int | None
    partition_values: dict[str, str | None]
    modification_time: datetime | None
    null_count: dict[str, int] = field(default_factory=dict)
    min_values: dict[str, Any] = field(default_factory=dict)
    max_values: dict[str, Any] = field(default_factory=dict)
    #: Rows of the file hidden by a deletion vector (still in the file's bytes). ``num_records``
    #: counts the rows the table shows (physical rows minus these); statistics (nulls, min, max)
    #: describe every physical row.
    deleted_records: int = 0
    #: The deletion vector descriptor of the ``add`` action (storageType, pathOrInlineDv, ...), if any.
    deletion_vector: dict[str, Any] | None = None

    @property
    def physical_records(self) -> int | None:
        """Rows stored in the file, including those a deletion vector hides."""
        return None if self.num_records is None else self.num_records + self.deleted_records


@dataclass(frozen=True)
class TableDetail:
    """What ``DESCRIBE DETAIL`` says about a Delta table."""

    location: str
    num_files: int
    size_in_bytes: int
    partition_columns: list[str]
    properties: dict[str, str]
    min_reader_version: int
    min_writer_version: int
    table_features: list[str]


@dataclass
class PurgeReport:
    """What :meth:`DeltaMaintenance.purge_history` removed (or would remove in a dry run)."""

    table: str
    dry_run: bool
    version: int
    data_files: list[str] = field(default_factory=list)
    log_files: list[str] = field(default_factory=list)
    #: Data files whose deletion vectors were purged (rewritten without the hidden rows) first.
    deletion_vector_files: list[str] = field(default_factory=list)
    #: Unreferenced files younger than the in-flight grace that no commit names: another writer may
    #: be about to commit them, so they were kept.
    kept_in_flight: list[str] = field(default_factory=list)
    #: The bucket's versioning (``none`` on a local disk or an unversioned bucket).
    bucket_versioning: str = "none"
    #: Noncurrent object versions (old bytes of removed or overwritten files) deleted, or that a dry run would delete.
    noncurrent_versions: int = 0
    #: Delete markers deleted (or that a dry run would delete).
    delete_markers: int = 0

    def statement(self) -> str:
        """A plain-language statement of the history this purge loses."""
        verb = "would remove" if self.dry_run else "removed"
        dv = ""
        if self.deletion_vector_files:
            dv = (f"{'would purge' if self.dry_run else 'purged'} the deletion vectors of "
                  f"{len(self.deletion_vector_files)} file(s) (REORG ... APPLY (PURGE)), then ")
        return (
            f"{self.table}: {dv}{verb} {len(self.data_files)} data file(s) of older versions and "
            f"{len(self.log_files)} log file(s); time travel before version {self.version} "
            f"{'would be' if self.dry_run else 'is'} no longer possible"
            + (f"; kept {len(self.kept_in_flight)} new file(s) no commit names yet (another writer may be "
               f"about to commit them)" if self.kept_in_flight else "")
            + (f"; the bucket keeps versions ({self.bucket_versioning}): {verb} {self.noncurrent_versions} noncurrent "
               f"version(s) and {self.delete_markers} delete marker(s) by version id" if self.bucket_versioning != "none" else "")
        )


def _dv_hint(path: str) -> str:
    from governance.engine import delta_package

    return (
        "delta-rs (engine.maintenance=deltalake) cannot read deletion vectors. Either run with engine.kind=classic "
        f"and engine.maintenance=delta_spark (spark-submit --packages {delta_package()}), or purge them first on "
        f"Spark with delta-spark: REORG TABLE delta.`{path}` APPLY (PURGE)"
    )


def _dv_error(path: str, what: str = "") -> UnsupportedTableFeatureError:
    return UnsupportedTableFeatureError(
        f"{path}: table uses the Delta feature deletionVectors{what}. " + _dv_hint(path)
    )


def _local_log_has_deletion_vectors(path: str) -> bool:
    log = Path(local_path(path), DELTA_LOG)
    if not log.is_dir():
        return False
    for commit in sorted(log.glob("*.json")):
        try:
            text = commit.read_text(encoding="utf-8")
        except OSError:
            continue
        if "deletionVector" not in text:
            continue
        for line in text.splitlines():
            try:
                action = json.loads(line)
            except json.JSONDecodeError:
                continue
            proto = action.get("protocol")
            if proto and "deletionVectors" in (proto.get("readerFeatures") or []):
                return True
            add = action.get("add")
            if add and add.get("deletionVector"):
                return True
    return False


class DeltaMaintenance(ABC):
    """Maintenance operations on one Delta table at a time (history, properties, vacuum, log)."""

    name: str = "abstract"

    @abstractmethod
    def version(self, path: str) -> int:
        """Latest committed version of the table at ``path``."""

    @abstractmethod
    def history(self, path: str, *, limit: int | None = None) -> list[HistoryEntry]:
        """Commits of the table at ``path``, newest first."""

    @abstractmethod
    def properties(self, path: str) -> dict[str, str]:
        """Table properties (``delta.*`` configuration) of the table at ``path``."""

    @abstractmethod
    def set_properties(self, path: str, props: dict[str, str]) -> None:
        """Set table properties on the table at ``path`` (one commit)."""

    @abstractmethod
    def files(self, path: str, *, version: int | None = None) -> list[DataFile]:
        """Live data files with statistics of the table at ``path``."""

    @abstractmethod
    def has_deletion_vectors(self, path: str) -> bool:
        """True when the table at ``path`` uses deletion vectors."""

    @abstractmethod
    def vacuum(self, path: str, *, retention_hours: int = 168, dry_run: bool = True) -> list[str]:
        """Delete data files no longer referenced for ``retention_hours``; returns them.

        A dry run (the default) deletes nothing and returns what would go.
        """

    @abstractmethod
    def checkpoint(self, path: str) -> None:
        """Write a checkpoint at the latest version of the table at ``path``."""

    @abstractmethod
    def cleanup_log(self, path: str) -> list[str]:
        """Remove log files older than ``delta.logRetentionDuration``; returns them."""

    @abstractmethod
    def restore(self, path: str, version: int) -> None:
        """Restore the table at ``path`` to ``version`` (a new commit)."""

    @abstractmethod
    def detail(self, path: str) -> TableDetail:
        """``DESCRIBE DETAIL`` of the table at ``path`` (read only; works on every table feature it can open)."""

    @abstractmethod
    def purge_deletion_vectors(self, path: str, *, dry_run: bool = True) -> list[str]:
        """Rewrite the files of ``path`` that carry deletion vectors without their hidden rows.

        ``REORG TABLE delta.`path` APPLY (PURGE)``: rows a deletion vector hides are still in
        the data file's bytes until this runs (and the old files are vacuumed). Returns the
        files that carry (dry run) or carried deletion vectors.

        Touches: the table at ``path`` (one commit when a file carries a deletion vector).

        Raises:
            UnsupportedTableFeatureError: The backend cannot purge deletion vectors (delta-rs).
        """

    def purge_history(self, path: str, *, dry_run: bool = True) -> PurgeReport:
        """Remove what older versions still hold: their data files and old log entries.

        Purges deletion vectors first (their hidden rows are still in the files), checkpoints
        the latest version, removes the older commit, checksum, checkpoint and sidecar files
        (whose ``add``/``remove`` statistics and DML predicates can hold plaintext), then the
        data files the latest version does not reference (:func:`remove_unreferenced_files`:
        files of older versions, change-data-feed files, deletion vector files; a new file no
        commit names yet is kept, another writer may be about to commit it). The same on S3; on a
        versioned bucket the noncurrent versions and delete markers under the table are deleted
        too, by version id (:func:`purge_noncurrent_versions`).

        Touches: the table at ``path`` (``_delta_log`` and data files; object versions on a versioned bucket).

        Raises:
            UnsupportedTableFeatureError: The table has deletion vectors and the backend cannot
                purge them; raised before anything is written.
        """
        require_delta(path)
        dv_files = self.purge_deletion_vectors(path, dry_run=dry_run)
        version = self.version(path)
        report = PurgeReport(table=path, dry_run=dry_run, version=version, deletion_vector_files=dv_files)
        report.data_files, report.kept_in_flight = remove_unreferenced_files(path, dry_run=True)
        log_before = _list_log(path)
        report.log_files = [p for p in log_before if (v := _log_version_of(p)) is not None and v < version]
        report.bucket_versioning = storage_for(path).versioning(path)
        if dry_run:
            if report.bucket_versioning != "none":
                data, markers = _old_versions(path)
                report.noncurrent_versions, report.delete_markers = len(data), len(markers)
            return report
        mentioned = _mentioned_in_log(path)
        # No metadata commit (zero-retention properties): it would fail every concurrent append (a
        # streaming ingest stops on a metadata change). Old log files and unreferenced data files are
        # removed here, not by the engine's retention-bound clean-up.
        self.checkpoint(path)
        removed = set(self.cleanup_log(path))
        removed |= set(_remove_stale_log_files(path))
        # Not the engine's zero-retention vacuum: it also deletes files another writer has
        # written but not yet committed. Only files some commit named, or older than the grace, go.
        report.data_files, report.kept_in_flight = remove_unreferenced_files(path, dry_run=False, mentioned=mentioned)
        report.log_files = sorted(removed | (set(log_before) - set(_list_log(path))))
        if report.bucket_versioning != "none":
            report.noncurrent_versions, report.delete_markers = purge_noncurrent_versions(path)
        return report


def _table_root(path: str) -> str:
    return canonical(path).rstrip("/") if is_remote(path) else os.path.realpath(local_path(path))


def _join(root: str, rel: str) -> str:
    """A file of the table by its (URL-decoded) relative path: an absolute real path, or a canonical URL."""
    if is_remote(root):
        return f"{root.rstrip('/')}/{rel}"
    return os.path.realpath(os.path.join(root, rel))


def _old_versions(path: str) -> tuple[list[ObjectVersion], list[ObjectVersion]]:
    """(noncurrent data versions, delete markers) under the table."""
    old = [v for v in storage_for(path).versions(_table_root(path)) if not v.is_latest or v.delete_marker]
    return [v for v in old if not v.delete_marker], [v for v in old if v.delete_marker]


def purge_noncurrent_versions(path: str) -> tuple[int, int]:
    """Delete, permanently and by version id, every noncurrent object version and delete marker under the table.

    On a versioned bucket a removed or overwritten file leaves a noncurrent version that still holds
    its bytes. Data versions go first, then the delete markers, so a failure never turns an old
    version current again.

    Touches: object versions under ``path`` (never the current objects).

    Returns:
        (noncurrent versions deleted, delete markers deleted).

    Raises:
        StoragePermissionError: The role may not delete object versions (``s3:DeleteObjectVersion``);
            the message says how many versions still hold old bytes. Nothing is claimed purged.
    """
    store = storage_for(path)
    data, markers = _old_versions(path)
    done = 0
    for v in data:
        try:
            store.delete_version(v)
        except StoragePermissionError as exc:
            raise StoragePermissionError(
                f"{path}: the bucket keeps old versions of removed files and the role may not delete them "
                f"(s3:DeleteObjectVersion): {len(data) - done} noncurrent version(s) still hold old bytes, e.g. "
                f"{v.path}; grant s3:DeleteObjectVersion to this job's role or expire them with a lifecycle rule. ({exc})"
            ) from None
        done += 1
    for v in markers:
        store.delete_version(v)
    return done, len(markers)


#: Unreferenced files younger than this that no commit names may be another writer's, not yet committed.
IN_FLIGHT_GRACE_S = 3600.0
_SKIP_DIRS = ("_delta_log", "_lakewarden_staging")  # governance.lake.STAGING_DIR


_Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def dv_file(root: str, dv: Any) -> str | None:
    """The file (absolute, real path) a deletion-vector descriptor points to (None: inline)."""
    if not isinstance(dv, dict):
        return None
    kind, where = dv.get("storageType"), str(dv.get("pathOrInlineDv") or "")
    if kind == "p":
        return canonical(unquote(where)) if is_remote(where) else os.path.realpath(local_path(unquote(where)))
    if kind != "u" or len(where) < 20:
        return None
    n = 0
    raw = bytearray()
    for i, ch in enumerate(where[-20:]):
        n = n * 85 + _Z85.index(ch)
        if i % 5 == 4:
            raw += n.to_bytes(4, "big")
            n = 0
    import uuid as _uuid

    prefix = where[:-20]
    name = f"deletion_vector_{_uuid.UUID(bytes=bytes(raw))}.bin"
    return _join(root, f"{prefix}/{name}" if prefix else name)


def _mentioned_in_log(path: str) -> set[str]:
    """Files (absolute real paths, or canonical URLs) that any commit or checkpoint of the table
    names: data files, change-data-feed files and deletion-vector files."""
    from governance.features import _Log

    root = _table_root(path)
    log = _Log(path)
    out: set[str] = set()
    for name in log.names():
        actions: Any
        if name.endswith(".json") and name[:20].isdigit():
            actions = log.json_actions(name)
        elif ".checkpoint" in name and name.endswith(".parquet"):
            actions = log.parquet_actions(name)
        else:
            continue
        for a in actions:
            for kind in ("add", "remove", "cdc"):
                act = a.get(kind)
                if act and act.get("path"):
                    out.add(_join(root, unquote(str(act["path"]))))
                f = dv_file(root, act.get("deletionVector")) if act else None
                if f:
                    out.add(f)
    return out


def remove_unreferenced_files(path: str, *, dry_run: bool = True, mentioned: set[str] | None = None,
                              grace_s: float = IN_FLIGHT_GRACE_S) -> tuple[list[str], list[str]]:
    """Delete data, change-data-feed and deletion-vector files of the local table its latest version does not use.

    A file goes when some commit or checkpoint named it (an older version's data file, a change-data-feed
    file, a deletion vector no live file uses), or when it is older than ``grace_s`` (a crashed writer's
    leftover). A younger file no commit names is kept: another writer may be about to commit it.
    ``_delta_log`` and the staging folder are not listed; ``_change_data`` is (its files keep deleted
    rows and pre-images).

    Touches: data files under ``path`` (never the log).

    Returns:
        (files removed, or that a dry run would remove; files kept as possibly in flight).
    """
    from governance import delta_commit

    root = _table_root(path)
    store = storage_for(path)
    # The log is read before the live files: a file another writer commits in between is then
    # either live, or unnamed and new (kept), never "named but not live".
    seen = (mentioned or set()) | _mentioned_in_log(path)
    live_adds = delta_commit.snapshot_adds(path, delta_commit.latest_version(path)).values()
    live = {_join(root, unquote(str(a["path"]))) for a in live_adds}
    live |= {f for a in live_adds if (f := dv_file(root, a.get("deletionVector")))}
    now = time.time()
    removed, kept = [], []
    for e in store.list_files(root):
        rel = e.path[len(root.rstrip("/")) + 1:].split("/")
        name = rel[-1]
        if rel[0] in _SKIP_DIRS or any(part.startswith((".", "_")) for part in rel[1 if rel[0] == "_change_data" else 0:]):
            continue
        is_dv = name.startswith("deletion_vector_") and name.endswith(".bin")
        if not (name.endswith(".parquet") or is_dv):
            continue
        real = e.path if is_remote(root) else os.path.realpath(e.path)
        if real in live:
            continue
        if real in seen or (e.mtime_s is not None and now - e.mtime_s > grace_s):
            if not dry_run:
                _unlink_with_checksum(e.path)
            removed.append(e.path)
        else:
            kept.append(e.path)
    return removed, kept


def _log_version_of(path: str) -> int | None:
    head = path.rsplit("/", 1)[-1].split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _unlink_with_checksum(path: str) -> None:
    store = storage_for(path)
    store.delete(path)
    head, _, name = path.rpartition("/")
    store.delete(f"{head}/.{name}.crc")  # Hadoop's checksum file beside it


def _referenced_sidecars(log: str, cp_version: int) -> set[str]:
    """File names of the sidecars the checkpoint(s) at ``cp_version`` point to (v2 checkpoints)."""
    import pyarrow.parquet as pq

    store = storage_for(log)
    names: set[str] = set()
    for e in store.list_files(log, recursive=False):
        name = e.path.rsplit("/", 1)[-1]
        if not name.startswith(f"{cp_version:020d}.checkpoint"):
            continue
        if name.endswith(".json"):
            for line in store.read_bytes(e.path).decode("utf-8").splitlines():
                side = json.loads(line).get("sidecar") if line.strip() else None
                if side:
                    names.add(str(side["path"]).rsplit("/", 1)[-1])
        elif name.endswith(".parquet"):
            with store.open_input(e.path) as f:
                pf = pq.ParquetFile(f)
                if "sidecar" in pf.schema_arrow.names:
                    for side in pf.read(columns=["sidecar"]).column("sidecar").to_pylist():
                        if side:
                            names.add(str(side["path"]).rsplit("/", 1)[-1])
    return names


def _log_dir(path: str) -> str:
    return f"{_table_root(path)}/{DELTA_LOG}"


def _remove_stale_log_files(path: str) -> list[str]:
    """Remove commit, checksum, checkpoint and sidecar files older than the newest checkpoint.

    delta-rs keeps the last commits before the checkpoint in some versions, and delta-spark
    only cleans logs older than a whole day; after a checkpoint at the newest version nothing
    older is needed to read the table. Sidecars (v2 checkpoints) that the newest checkpoint
    does not name hold older files' statistics and go too.
    """
    log = _log_dir(path)
    store = storage_for(path)
    try:
        cp_version = int(json.loads(store.read_bytes(f"{log}/_last_checkpoint").decode("utf-8"))["version"])
    except FileNotFoundError:
        return []
    removed = []
    for e in store.list_files(log, recursive=False):
        v = _log_version_of(e.path)
        if v is not None and v < cp_version:
            _unlink_with_checksum(e.path)
            removed.append(e.path)
    _repair_last_checkpoint(log)
    keep = _referenced_sidecars(log, cp_version)
    for e in store.list_files(f"{log}/_sidecars", recursive=False):
        name = e.path.rsplit("/", 1)[-1]
        if not name.startswith(".") and name not in keep:
            _unlink_with_checksum(e.path)
            removed.append(e.path)
    return removed


def _repair_last_checkpoint(log: str) -> None:
    """Point ``_last_checkpoint`` at the newest checkpoint still there.

    Another writer may finish an older checkpoint (delta-rs writes one every 100 commits) after the
    newer one was written and the older files were removed; its hint then names a removed file and
    readers fall back to a replay from version 0, which is gone.
    """
    import pyarrow.parquet as pq

    store = storage_for(log)
    try:
        hinted = int(json.loads(store.read_bytes(f"{log}/_last_checkpoint").decode("utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    names = [e.path.rsplit("/", 1)[-1] for e in store.list_files(log, recursive=False)]
    single = sorted(int(n[:20]) for n in names if n.endswith(".checkpoint.parquet") and n[:20].isdigit())
    if not single or hinted in single or any(n.startswith(f"{hinted:020d}.checkpoint.") for n in names):
        return
    newest = single[-1]
    with store.open_input(f"{log}/{newest:020d}.checkpoint.parquet") as f:
        size = pq.ParquetFile(f).metadata.num_rows
    store.write_bytes(f"{log}/_last_checkpoint", json.dumps({"version": newest, "size": size}).encode("utf-8"))


class DeltaRsMaintenance(DeltaMaintenance):
    """Maintenance through delta-rs (``deltalake``); the embedded default."""

    name = "deltalake"

    def _table(self, path: str, version: int | None = None) -> Any:
        from deltalake import DeltaTable

        require_delta(path)
        if not is_remote(path) and _local_log_has_deletion_vectors(path):
            raise UnsupportedTableFeatureError(
                f"{path}: table uses the Delta feature deletionVectors. " + _dv_hint(path)
            )
        try:
            dt = DeltaTable(path) if version is None else DeltaTable(path, version=version)
        except Exception as exc:  # noqa: BLE001 - delta-rs raises its own DeltaError family
            msg = str(exc)
            if "deletion" in msg.lower() or "deletionVectors" in msg:
                raise _dv_error(path) from None
            if version is not None and "version" in msg.lower():
                raise InputError(f"{path}: version {version} is not available: {msg.splitlines()[0]}") from None
            raise EngineError(f"{path}: delta-rs could not open the table: {msg.splitlines()[0]}") from None
        proto = dt.protocol()
        if "deletionVectors" in (proto.reader_features or []):
            raise _dv_error(path)
        return dt

    def version(self, path: str) -> int:
        return int(self._table(path).version())

    def history(self, path: str, *, limit: int | None = None) -> list[HistoryEntry]:
        out = []
        for h in self._table(path).history(limit):
            ts = h.get("timestamp")
            out.append(
                HistoryEntry(
                    version=int(h.get("version", -1)),
                    timestamp=datetime.fromtimestamp(ts / 1000, tz=timezone.utc) if ts else None,
                    operation=str(h.get("operation", "")),
                    parameters=dict(h.get("operationParameters") or {}),
                    metrics=dict(h.get("operationMetrics") or {}),
                )
            )
        return out

    def properties(self, path: str) -> dict[str, str]:
        return {k: str(v) for k, v in (self._table(path).metadata().configuration or {}).items()}

    def set_properties(self, path: str, props: dict[str, str]) -> None:
        self._table(path).alter.set_table_properties(props, raise_if_not_exists=False)

    def files(self, path: str, *, version: int | None = None) -> list[DataFile]:
        import pyarrow as pa

        dt = self._table(path, version)
        actions = pa.table(dt.get_add_actions(flatten=True)).to_pylist()
        base = path.rstrip("/")
        out = []
        for a in actions:
            nulls = {k[len("null_count."):]: v for k, v in a.items() if k.startswith("null_count.") and v is not None}
            mins = {k[len("min."):]: v for k, v in a.items() if k.startswith("min.")}
            maxs = {k[len("max."):]: v for k, v in a.items() if k.startswith("max.")}
            parts = {k[len("partition."):]: (None if v is None else str(v)) for k, v in a.items() if k.startswith("partition.")}
            mt = a.get("modification_time")
            out.append(
                DataFile(
                    path=a["path"] if "://" in a["path"] or a["path"].startswith("/") else f"{base}/{a['path']}",
                    size_bytes=int(a.get("size_bytes") or 0),
                    num_records=None if a.get("num_records") is None else int(a["num_records"]),
                    partition_values=parts,
                    modification_time=mt if isinstance(mt, datetime) else (datetime.fromtimestamp(mt / 1000, tz=timezone.utc) if mt else None),
                    null_count=nulls,
                    min_values=mins,
                    max_values=maxs,
                )
            )
        return out

    def has_deletion_vectors(self, path: str) -> bool:
        require_delta(path)
        if not is_remote(path):
            return _local_log_has_deletion_vectors(path)
        try:
            self._table(path)
        except UnsupportedTableFeatureError:
            return True
        return False

    def vacuum(self, path: str, *, retention_hours: int = 168, dry_run: bool = True) -> list[str]:
        dt = self._table(path)
        # full=True also finds files whose tombstones a checkpoint already expired.
        files = dt.vacuum(retention_hours=retention_hours, dry_run=dry_run, enforce_retention_duration=False, full=True)
        return sorted(str(f) for f in files)

    def checkpoint(self, path: str) -> None:
        self._table(path).create_checkpoint()

    def cleanup_log(self, path: str) -> list[str]:
        before = set(_list_log(path))
        self._table(path).cleanup_metadata()
        after = set(_list_log(path))
        return sorted(before - after)

    def restore(self, path: str, version: int) -> None:
        self._table(path).restore(version)

    def detail(self, path: str) -> TableDetail:
        import pyarrow as pa
        from deltalake import DeltaTable

        require_delta(path)
        try:  # describing reads only the log: allowed on deletion-vector tables too
            dt = DeltaTable(path)
        except Exception as exc:  # noqa: BLE001 - delta-rs raises its own DeltaError family
            raise EngineError(f"{path}: delta-rs could not open the table: {str(exc).splitlines()[0][:300]}") from None
        proto = dt.protocol()
        meta = dt.metadata()
        sizes = pa.table(dt.get_add_actions(flatten=False)).column("size_bytes").to_pylist()
        features = sorted(set(proto.reader_features or []) | set(proto.writer_features or []))
        return TableDetail(
            location=path, num_files=len(sizes), size_in_bytes=int(sum(int(x or 0) for x in sizes)),
            partition_columns=list(meta.partition_columns),
            properties={k: str(v) for k, v in (meta.configuration or {}).items()},
            min_reader_version=int(proto.min_reader_version), min_writer_version=int(proto.min_writer_version),
            table_features=features,
        )

    def purge_deletion_vectors(self, path: str, *, dry_run: bool = True) -> list[str]:
        require_delta(path)
        if self.has_deletion_vectors(path):
            raise _dv_error(path, "; purging them (REORG ... APPLY (PURGE)) needs delta-spark")
        return []


def _list_log(path: str) -> list[str]:
    return [e.path for e in storage_for(path).list_files(_log_dir(path), recursive=False)]


class DeltaSparkMaintenance(DeltaMaintenance):
    """Maintenance through delta-spark on a classic Spark session (clusters).

    SQL (``DESCRIBE HISTORY``/``DETAIL``, ``VACUUM``, ``REORG``, ``RESTORE``, ``ALTER TABLE``) where
    delta-spark has it; snapshots (versions, the file list with statistics and deletion vectors,
    checkpoints) through delta-spark's ``DeltaLog`` on the session's JVM.
    """

    name = "delta_spark"

    def __init__(self, spark: "SparkSession") -> None:
        self._spark = spark

    def _sql(self, text: str, path: str) -> Any:
        try:
            return self._spark.sql(text).collect()
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"{path}: delta-spark SQL failed: {_first_line(exc)}") from exc

    def _commit_sql(self, text: str, path: str) -> Any:
        """A statement that commits to the table: on S3 only with a put-if-absent LogStore (else exit 5)."""
        from governance.safe_write import require_safe_engine_commit

        require_safe_engine_commit(self._spark, path)
        return self._sql(text, path)

    @staticmethod
    def _ref(path: str) -> str:
        return "delta.`" + path.replace("`", "``") + "`"

    def _delta_log(self, path: str) -> Any:
        jvm: Any = getattr(self._spark, "_jvm", None)
        if jvm is None:
            raise EngineError(f"{path}: delta-spark maintenance needs a classic Spark session")
        return jvm.org.apache.spark.sql.delta.DeltaLog.forTable(getattr(self._spark, "_jsparkSession"), path)

    def _snapshot(self, path: str, version: int | None = None) -> Any:
        """A delta-spark ``Snapshot`` of ``path`` (latest, or at ``version``)."""
        require_delta(path)
        jvm: Any = getattr(self._spark, "_jvm")
        none = jvm.scala.Option.empty()
        try:
            log = self._delta_log(path)
            # Scala default arguments are not visible through py4j: every argument is passed.
            return log.update(False, none, none) if version is None else log.getSnapshotAt(int(version), none, none, False)
        except LakewardenError:
            raise
        except Exception as exc:  # noqa: BLE001 - py4j errors
            msg = _first_line(exc)
            if version is not None and ("version" in msg.lower() or "VersionNotFound" in msg):
                raise InputError(f"{path}: version {version} is not available: {msg}") from None
            raise EngineError(f"{path}: delta-spark could not read the table's log: {msg}") from exc

    def version(self, path: str) -> int:
        return int(self._snapshot(path).version())

    def history(self, path: str, *, limit: int | None = None) -> list[HistoryEntry]:
        require_delta(path)
        rows = self._sql(f"DESCRIBE HISTORY {self._ref(path)}" + (f" LIMIT {int(limit)}" if limit else ""), path)
        return [
            HistoryEntry(
                version=int(r["version"]),
                timestamp=_utc(r["timestamp"]),
                operation=str(r["operation"]),
                parameters=dict(r["operationParameters"] or {}),
                metrics=dict(r["operationMetrics"] or {}),
            )
            for r in rows
        ]

    def properties(self, path: str) -> dict[str, str]:
        return self.detail(path).properties

    def set_properties(self, path: str, props: dict[str, str]) -> None:
        require_delta(path)
        items = ", ".join(f"'{_sql_str(k)}' = '{_sql_str(v)}'" for k, v in props.items())
        self._commit_sql(f"ALTER TABLE {self._ref(path)} SET TBLPROPERTIES ({items})", path)

    def detail(self, path: str) -> TableDetail:
        require_delta(path)
        r = self._sql(f"DESCRIBE DETAIL {self._ref(path)}", path)[0]
        return TableDetail(
            location=str(r["location"]), num_files=int(r["numFiles"] or 0), size_in_bytes=int(r["sizeInBytes"] or 0),
            partition_columns=list(r["partitionColumns"] or []),
            properties={str(k): str(v) for k, v in (r["properties"] or {}).items()},
            min_reader_version=int(r["minReaderVersion"]), min_writer_version=int(r["minWriterVersion"]),
            table_features=sorted(r["tableFeatures"] or []),
        )

    def _add_rows(self, path: str, version: int | None, *, dv_only: bool = False) -> tuple[list[Any], dict[str, str]]:
        """The snapshot's ``add`` actions (as Rows) and its physical -> logical column names."""
        from pyspark.sql import DataFrame

        snap = self._snapshot(path, version)
        physical = _physical_names(str(snap.metadata().schemaString()))
        try:
            df = DataFrame(snap.allFiles().toDF(), self._spark)
        except Exception as exc:  # noqa: BLE001 - py4j errors
            raise EngineError(f"{path}: delta-spark could not list the table's files: {_first_line(exc)}") from exc
        df = df.select("path", "partitionValues", "size", "modificationTime", "stats", "deletionVector")
        if dv_only:
            df = df.where("deletionVector IS NOT NULL")
        return df.collect(), physical

    def files(self, path: str, *, version: int | None = None) -> list[DataFile]:
        rows, physical = self._add_rows(path, version)
        base = path.rstrip("/")
        out = []
        for r in rows:
            stats = json.loads(r["stats"]) if r["stats"] else {}
            dv = r["deletionVector"].asDict() if r["deletionVector"] is not None else None
            deleted = int(dv.get("cardinality") or 0) if dv else 0
            physical_rows = stats.get("numRecords")
            rel = str(r["path"])
            mt = r["modificationTime"]
            out.append(
                DataFile(
                    path=rel if "://" in rel or rel.startswith("/") else f"{base}/{rel}",
                    size_bytes=int(r["size"] or 0),
                    num_records=None if physical_rows is None else int(physical_rows) - deleted,
                    partition_values={str(k): (None if v is None else str(v)) for k, v in (r["partitionValues"] or {}).items()},
                    modification_time=datetime.fromtimestamp(mt / 1000, tz=timezone.utc) if mt else None,
                    null_count={k: int(v) for k, v in _flat(stats.get("nullCount") or {}, physical).items() if v is not None},
                    min_values=_flat(stats.get("minValues") or {}, physical),
                    max_values=_flat(stats.get("maxValues") or {}, physical),
                    deleted_records=deleted,
                    deletion_vector=dv,
                )
            )
        return out

    def has_deletion_vectors(self, path: str) -> bool:
        """True when a live file of ``path`` carries a deletion vector (rows hidden but still stored)."""
        rows, _ = self._add_rows(path, None, dv_only=True)
        return bool(rows)

    def purge_deletion_vectors(self, path: str, *, dry_run: bool = True) -> list[str]:
        rows, _ = self._add_rows(path, None, dv_only=True)
        base = path.rstrip("/")
        files = sorted(str(r["path"]) if str(r["path"]).startswith("/") or "://" in str(r["path"]) else f"{base}/{r['path']}"
                       for r in rows)
        if files and not dry_run:
            self._commit_sql(f"REORG TABLE {self._ref(path)} APPLY (PURGE)", path)
            if self.has_deletion_vectors(path):
                raise EngineError(f"{path}: REORG TABLE ... APPLY (PURGE) left deletion vectors in place")
        return files

    def vacuum(self, path: str, *, retention_hours: int = 168, dry_run: bool = True) -> list[str]:
        require_delta(path)
        conf = self._spark.conf
        conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
        # VACUUM lists the table in spark.sql.sources.parallelPartitionDiscovery.parallelism tasks
        # (default 10,000, each generating code): minutes for a small table. Use the session's
        # shuffle partitions for the listing, and put the setting back afterwards.
        key = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
        previous = conf.get(key, None)
        conf.set(key, str(conf.get("spark.sql.shuffle.partitions", "200")))
        try:
            stmt = f"VACUUM {self._ref(path)} RETAIN {int(retention_hours)} HOURS"
            would = sorted(_from_file_uri(str(r[0])) for r in self._sql(stmt + " DRY RUN", path))
            if dry_run or not would:
                return would
            self._sql(stmt, path)
            return would
        finally:
            if previous is None:
                conf.unset(key)
            else:
                conf.set(key, previous)

    def checkpoint(self, path: str) -> None:
        require_delta(path)
        try:
            self._snapshot(path)
            self._delta_log(path).checkpoint()
        except LakewardenError:
            raise
        except Exception as exc:  # noqa: BLE001 - py4j errors
            raise EngineError(f"{path}: delta-spark checkpoint failed: {_first_line(exc)}") from exc

    def cleanup_log(self, path: str) -> list[str]:
        # delta-spark cleans expired log files as part of every checkpoint
        # (delta.enableExpiredLogCleanup, delta.logRetentionDuration, rounded down to whole days).
        before = set(_list_log(path))
        self.checkpoint(path)
        return sorted(before - set(_list_log(path)))

    def restore(self, path: str, version: int) -> None:
        require_delta(path)
        self._commit_sql(f"RESTORE TABLE {self._ref(path)} TO VERSION AS OF {int(version)}", path)


def _from_file_uri(uri: str) -> str:
    """``file:/a/b%20c`` (Hadoop's form) -> ``/a/b c``; other URIs unchanged."""
    if uri.startswith("file:"):
        from urllib.parse import urlparse

        return unquote(urlparse(uri).path)
    return uri


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _sql_str(v: str) -> str:
    return v.replace("\\", "\\\\").replace("'", "\\'")


def _utc(ts: Any) -> datetime | None:
    if not isinstance(ts, datetime):
        return None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def _physical_names(schema_string: str) -> dict[str, str]:
    """Physical -> logical names of top-level columns of a column-mapped table (empty otherwise)."""
    out: dict[str, str] = {}
    for f in json.loads(schema_string).get("fields", []):
        phys = (f.get("metadata") or {}).get("delta.columnMapping.physicalName")
        if phys:
            out[str(phys)] = str(f["name"])
    return out


def _flat(stats: dict[str, Any], physical: dict[str, str], prefix: str = "") -> dict[str, Any]:
    """Nested statistics flattened to ``a.b`` keys, top-level physical names turned logical."""
    out: dict[str, Any] = {}
    for k, v in stats.items():
        name = physical.get(k, k) if not prefix else k
        key = f"{prefix}{name}"
        if isinstance(v, dict):
            out.update(_flat(v, physical, key + "."))
        else:
            out[key] = v
    return out


def maintenance_for(spark: "SparkSession | None", path: str) -> DeltaMaintenance:
    """The backend that can read the table at ``path``'s log: delta-rs, or delta-spark for deletion vectors.

    delta-rs refuses tables with deletion vectors; on a classic session with delta-spark those
    are read through :class:`DeltaSparkMaintenance` instead. Used where no backend was chosen.
    """
    if (
        spark is not None
        and getattr(spark, "_jvm", None) is not None
        and not is_remote(path)
        and Path(local_path(path), DELTA_LOG).is_dir()
        and _local_log_has_deletion_vectors(path)
    ):
        return DeltaSparkMaintenance(spark)
    return DeltaRsMaintenance()


def get_maintenance(settings: Settings, spark: "SparkSession | None" = None) -> DeltaMaintenance:
    """Return the maintenance backend named by ``engine.maintenance``.

    Raises:
        InputError: ``delta_spark`` was asked for without a classic Spark session.
    """
    if settings.engine.maintenance == "delta_spark":
        if spark is None or type(spark).__module__.startswith("pyspark.sql.connect"):
            raise InputError(
                "engine.maintenance=delta_spark needs a classic Spark session with delta-spark (engine.kind=classic)"
            )
        return DeltaSparkMaintenance(spark)
    return DeltaRsMaintenance()
