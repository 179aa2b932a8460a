"""Delta maintenance behind one interface, with two implementations.

Spark's shared API (read, write, DML, time travel) works on every engine, but history,
table properties, vacuum, checkpoints and log clean-up do not: Sail has no
``DeltaTable``/``VACUUM``/``DESCRIBE HISTORY``. They go through :class:`DeltaMaintenance`:

* :class:`DeltaRsMaintenance` uses ``deltalake`` (delta-rs); it is the embedded default and
  works against object stores too. delta-rs cannot read tables with deletion vectors:
  such tables raise :class:`UnsupportedTableFeatureError` naming the table and the way out.
* :class:`DeltaSparkMaintenance` issues delta-spark SQL on a classic session
  (``spark-submit --packages io.delta:delta-spark_2.13:4.4.1``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.config import Settings
from governance.errors import EngineError, InputError, UnsupportedTableFeatureError
from governance.lake import DELTA_LOG, is_remote, local_path, require_delta

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


@dataclass
class PurgeReport:
    """What :meth:`DeltaMaintenance.purge_history` removed (or would remove in a dry run)."""

    table: str
    dry_run: bool
    version: int
    data_files: list[str] = field(default_factory=list)
    log_files: list[str] = field(default_factory=list)

    def statement(self) -> str:
        """A plain-language statement of the history this purge loses."""
        verb = "would remove" if self.dry_run else "removed"
        return (
            f"{self.table}: {verb} {len(self.data_files)} data file(s) of older versions and "
            f"{len(self.log_files)} log file(s); time travel before version {self.version} "
            f"{'would be' if self.dry_run else 'is'} no longer possible"
        )


_DV_HINT = (
    "delta-rs cannot read deletion vectors. Either run with engine.kind=classic and "
    "engine.maintenance=delta_spark (spark-submit --packages io.delta:delta-spark_2.13:4.4.1), or purge them first "
    "on Spark with delta-spark: REORG TABLE delta.`{path}` APPLY (PURGE)"
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

    def purge_history(self, path: str, *, dry_run: bool = True) -> PurgeReport:
        """Remove what older versions still hold: their data files and old log entries.

        Sets a zero log and file retention on the table, checkpoints the latest version,
        removes the older commit files (whose ``add`` statistics and ``remove``/DML
        predicates can hold plaintext) and vacuums with zero retention.

        Touches: the table at ``path`` (its properties, ``_delta_log`` and data files).
        """
        require_delta(path)
        version = self.version(path)
        report = PurgeReport(table=path, dry_run=dry_run, version=version)
        report.data_files = self.vacuum(path, retention_hours=0, dry_run=True)
        if not is_remote(path):
            log = Path(local_path(path), DELTA_LOG)
            report.log_files = sorted(
                str(p) for p in log.iterdir()
                if p.is_file() and _log_version(p) is not None and (_log_version(p) or 0) < version
            )
        if dry_run:
            return report
        log_before = set(_list_log(path))
        self.set_properties(
            path,
            {
                "delta.logRetentionDuration": "interval 0 seconds",
                "delta.deletedFileRetentionDuration": "interval 0 seconds",
            },
        )
        self.checkpoint(path)
        removed = set(self.cleanup_log(path))
        if not is_remote(path):
            removed |= set(_remove_stale_log_files(path))
        report.data_files = self.vacuum(path, retention_hours=0, dry_run=False)
        report.log_files = sorted(removed | (log_before - set(_list_log(path))))
        return report


def _log_version(p: Path) -> int | None:
    head = p.name.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _remove_stale_log_files(path: str) -> list[str]:
    """Remove commit, checksum and checkpoint files older than the newest checkpoint.

    delta-rs keeps the last commits before the checkpoint in some versions; after a
    checkpoint at the newest version nothing older is needed to read the table.
    """
    log = Path(local_path(path), DELTA_LOG)
    last = log / "_last_checkpoint"
    if not last.exists():
        return []
    cp_version = int(json.loads(last.read_text(encoding="utf-8"))["version"])
    removed = []
    for p in log.iterdir():
        v = _log_version(p)
        if p.is_file() and v is not None and v < cp_version:
            p.unlink()
            removed.append(str(p))
    return removed


class DeltaRsMaintenance(DeltaMaintenance):
    """Maintenance through delta-rs (``deltalake``); the embedded default."""

    name = "deltalake"

    def _table(self, path: str, version: int | None = None) -> Any:
        from deltalake import DeltaTable

        require_delta(path)
        if not is_remote(path) and _local_log_has_deletion_vectors(path):
            raise UnsupportedTableFeatureError(
                f"{path}: table uses deletion vectors. " + _DV_HINT.format(path=path)
            )
        try:
            dt = DeltaTable(path) if version is None else DeltaTable(path, version=version)
        except Exception as exc:  # noqa: BLE001 - delta-rs raises its own DeltaError family
            msg = str(exc)
            if "deletion" in msg.lower() or "deletionVectors" in msg:
                raise UnsupportedTableFeatureError(f"{path}: table uses deletion vectors. " + _DV_HINT.format(path=path)) from None
            if version is not None and "version" in msg.lower():
                raise InputError(f"{path}: version {version} is not available: {msg.splitlines()[0]}") from None
            raise EngineError(f"{path}: delta-rs could not open the table: {msg.splitlines()[0]}") from None
        proto = dt.protocol()
        if "deletionVectors" in (proto.reader_features or []):
            raise UnsupportedTableFeatureError(f"{path}: table uses deletion vectors. " + _DV_HINT.format(path=path))
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


def _list_log(path: str) -> list[str]:
    if is_remote(path):
        return []
    log = Path(local_path(path), DELTA_LOG)
    return [str(p) for p in log.iterdir()] if log.is_dir() else []


class DeltaSparkMaintenance(DeltaMaintenance):
    """Maintenance through delta-spark SQL on a classic Spark session (clusters)."""

    name = "delta_spark"

    def __init__(self, spark: "SparkSession") -> None:
        self._spark = spark

    def _sql(self, text: str, path: str) -> Any:
        try:
            return self._spark.sql(text).collect()
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"{path}: delta-spark SQL failed: {str(exc).splitlines()[0][:300]}") from exc

    @staticmethod
    def _ref(path: str) -> str:
        return "delta.`" + path.replace("`", "``") + "`"

    def version(self, path: str) -> int:
        return self.history(path, limit=1)[0].version

    def history(self, path: str, *, limit: int | None = None) -> list[HistoryEntry]:
        require_delta(path)
        rows = self._sql(f"DESCRIBE HISTORY {self._ref(path)}" + (f" LIMIT {int(limit)}" if limit else ""), path)
        return [
            HistoryEntry(
                version=int(r["version"]),
                timestamp=r["timestamp"],
                operation=str(r["operation"]),
                parameters=dict(r["operationParameters"] or {}),
                metrics=dict(r["operationMetrics"] or {}),
            )
            for r in rows
        ]

    def properties(self, path: str) -> dict[str, str]:
        require_delta(path)
        rows = self._sql(f"SHOW TBLPROPERTIES {self._ref(path)}", path)
        return {str(r["key"]): str(r["value"]) for r in rows}

    def set_properties(self, path: str, props: dict[str, str]) -> None:
        require_delta(path)
        items = ", ".join(f"'{k}' = '{v}'" for k, v in props.items())
        self._sql(f"ALTER TABLE {self._ref(path)} SET TBLPROPERTIES ({items})", path)

    def files(self, path: str, *, version: int | None = None) -> list[DataFile]:
        require_delta(path)
        # delta-spark exposes no file list in SQL; the log is read with delta-rs unless it has DVs.
        return DeltaRsMaintenance().files(path, version=version)

    def has_deletion_vectors(self, path: str) -> bool:
        return DeltaRsMaintenance().has_deletion_vectors(path)

    def vacuum(self, path: str, *, retention_hours: int = 168, dry_run: bool = True) -> list[str]:
        require_delta(path)
        self._spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
        rows = self._sql(f"VACUUM {self._ref(path)} RETAIN {int(retention_hours)} HOURS" + (" DRY RUN" if dry_run else ""), path)
        return sorted(str(r[0]) for r in rows) if dry_run else []

    def _delta_log(self, path: str) -> Any:
        jvm: Any = getattr(self._spark, "_jvm", None)
        if jvm is None:
            raise EngineError(f"{path}: delta-spark maintenance needs a classic Spark session")
        return jvm.org.apache.spark.sql.delta.DeltaLog.forTable(getattr(self._spark, "_jsparkSession"), path)

    def checkpoint(self, path: str) -> None:
        require_delta(path)
        try:
            self._delta_log(path).checkpoint()
        except Exception as exc:  # noqa: BLE001 - py4j errors
            raise EngineError(f"{path}: delta-spark checkpoint failed: {str(exc).splitlines()[0][:300]}") from exc

    def cleanup_log(self, path: str) -> list[str]:
        # delta-spark cleans expired log files as part of every checkpoint
        # (delta.enableExpiredLogCleanup, delta.logRetentionDuration).
        before = set(_list_log(path))
        self.checkpoint(path)
        return sorted(before - set(_list_log(path)))

    def restore(self, path: str, version: int) -> None:
        self._sql(f"RESTORE TABLE {self._ref(path)} TO VERSION AS OF {int(version)}", path)


def get_maintenance(settings: Settings, spark: "SparkSession | None" = None) -> DeltaMaintenance:
    """Return the maintenance backend named by ``engine.maintenance``.

    Raises:
        InputError: ``delta_spark`` was asked for without a classic Spark session.
    """
    if settings.engine.maintenance == "delta_spark":
        if spark is None or type(spark).__module__.startswith("pyspark.sql.connect"):
            raise InputError(
                "engine.maintenance=delta_spark needs a classic Spark session with delta-spark "
                "(engine.kind=classic under spark-submit --packages io.delta:delta-spark_2.13:4.4.1)"
            )
        return DeltaSparkMaintenance(spark)
    return DeltaRsMaintenance()
