"""Read evidence from Spark event logs (``spark.eventLog.enabled``).

What a log holds (Spark's ``JsonProtocol``, one JSON event per line):

- ``org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart``: ``executionId``,
  ``time`` and ``sparkPlanInfo``, the physical plan as a tree of nodes. A file scan is a
  leaf node whose ``metadata`` holds ``Location`` (e.g. ``InMemoryFileIndex(1 paths)[file:/lake/t]``
  or, with delta-spark, ``PreparedDeltaFileIndex(...)[...]``), ``PartitionFilters``,
  ``ReadSchema`` (after column pruning) and ``Format``, and whose ``metrics`` name the
  accumulators of ``size of files read`` and ``number of files read``.
- ``SparkListenerSQLAdaptiveExecutionUpdate``: the same tree re-planned by AQE.
- ``SparkListenerDriverAccumUpdates``: ``[accumulatorId, value]`` pairs: the driver-side scan
  metrics, posted once per executed scan. ``size of files read`` is the byte size of the files
  the scan selected after partition pruning: the figure Lakewarden counts as bytes read.
- ``SparkListenerSQLExecutionEnd``: the execution finished (only finished ones are recorded,
  so a log still being written is picked up again next time).
- ``SparkListenerApplicationStart`` (``App Name``, ``App ID``, ``User``) and
  ``SparkListenerLogStart`` (``Spark Version``).

Layouts: single files named after the application id (``local-123``, ``app-2024...``), with a
codec suffix when compressed (``.zstd``, ``.lz4``, ``.snappy``, ``.lzf``) and ``.inprogress``
while running; rolling logs (the default since Spark 4.0) in ``eventlog_v2_<appId>/`` folders
holding ``events_<n>_<appId>[.codec]`` parts and an ``appstatus_<appId>[.inprogress]`` marker.

How it is parsed: the files are listed on the driver, then read inside Spark tasks
(``mapInPandas``: decompress, split lines, keep the few event kinds above, count malformed and
truncated lines). Those lines are staged in a Delta table and everything else (JSON parsing,
plan-tree search with a regular expression, joining metrics to scans) is Spark SQL, so a
year of cluster logs parses on the cluster.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import InputError
from governance.lake import is_remote, local_path
from retention.usage.sources.base import PARTITION_BYTES, SourceFile, SourceStats, UsageSource, estimated_bytes
from retention.usage.sources.codecs import CorruptLogError, codec_of, decode

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

#: Event class (last dotted component) -> the short kind kept in staging.
_KEEP: dict[bytes, str] = {
    b"SparkListenerSQLExecutionStart": "start",
    b"SparkListenerSQLAdaptiveExecutionUpdate": "adaptive",
    b"SparkListenerSQLExecutionEnd": "end",
    b"SparkListenerDriverAccumUpdates": "accum",
    b"SparkListenerApplicationStart": "app",
    b"SparkListenerLogStart": "logstart",
}
_PREFIX = b'{"Event":"'

#: Schema of the staged lines (one row per kept event line, one ``stat`` row per file).
STAGE_SCHEMA = "app_key string, file string, kind string, event string, line_no long, value string"


def _stage_struct() -> Any:
    """:data:`STAGE_SCHEMA` as a ``StructType``: a DDL string costs a round trip to the engine to parse
    (a Spark Connect analyze call; once seen failing there with a corrupt response in a full test run)."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    types = {"string": StringType(), "long": LongType()}
    return StructType([StructField(n, types[t]) for n, t in (f.split() for f in STAGE_SCHEMA.split(", "))])

#: A leaf node of ``sparkPlanInfo`` as Jackson writes it (field order nodeName, simpleString,
#: children, metadata, metrics; strings may hold escaped quotes). Matches the node JSON object.
_LEAF_NODE = (
    r'\{"nodeName":"(?:[^"\\]|\\.)*","simpleString":"(?:[^"\\]|\\.)*","children":\[\],'
    r'"metadata":\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\},"metrics":\[(?:[^\[\]"]|"(?:[^"\\]|\\.)*")*\]\}'
)
_NODE_SCHEMA = (
    "nodeName string, simpleString string, metadata map<string,string>, "
    "metrics array<struct<name:string,accumulatorId:long,metricType:string>>"
)
_SIZE_METRIC = "size of files read"
_FILES_METRIC = "number of files read"

_ROLLING_DIR = re.compile(r"^eventlog_v2_(?P<app>.+)$")
_ROLLING_PART = re.compile(r"^events_(?P<n>\d+)_(?P<app>.+?)(?:\.(?:zstd|zst|lz4|snappy|lzf))?$")
_BATCH_ROWS = 2000
_BATCH_BYTES = 4 << 20


def _strip_suffixes(name: str) -> tuple[str, bool]:
    inprogress = name.endswith(".inprogress")
    if inprogress:
        name = name[: -len(".inprogress")]
    for suffix in (".zstd", ".zst", ".lz4", ".snappy", ".lzf"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name, inprogress


def discover_event_logs(path: str) -> tuple[list[SourceFile], list[str]]:
    """List the event-log files under ``path`` (a log file, a rolling folder or a log directory).

    Returns:
        The files (grouped by application) and notes about what was skipped.

    Raises:
        InputError: ``path`` does not exist or is an object-store URL (not supported yet).
    """
    if is_remote(path):
        return _discover_remote(path)
    base = Path(local_path(path))
    if not base.exists():
        raise InputError(f"{path}: event log path does not exist")
    notes: list[str] = []
    files: list[SourceFile] = []

    def add_rolling(folder: Path) -> None:
        m = _ROLLING_DIR.match(folder.name)
        app = m.group("app") if m else folder.name
        inprogress = any(p.name.startswith("appstatus_") and p.name.endswith(".inprogress") for p in folder.iterdir())
        parts = []
        for p in folder.iterdir():
            pm = _ROLLING_PART.match(p.name)
            if pm and p.is_file():
                parts.append((int(pm.group("n")), p))
        if not parts:
            notes.append(f"{folder}: rolling event log folder without events_* files")
        for _, p in sorted(parts):
            st = p.stat()
            files.append(SourceFile(str(p), st.st_size, int(st.st_mtime * 1000), group=f"{folder}", complete=not inprogress))

    def add_single(p: Path) -> None:
        if p.name.startswith((".", "_")) or p.name.endswith(".crc") or p.name.startswith("appstatus_"):
            return
        stem, inprogress = _strip_suffixes(p.name)
        st = p.stat()
        files.append(SourceFile(str(p), st.st_size, int(st.st_mtime * 1000), group=str(p.parent / stem), complete=not inprogress))

    if base.is_file():
        add_single(base)
    elif _ROLLING_DIR.match(base.name):
        add_rolling(base)
    else:
        for dirpath, dirnames, filenames in os.walk(base):
            d = Path(dirpath)
            rolling = [n for n in dirnames if _ROLLING_DIR.match(n)]
            for n in rolling:
                add_rolling(d / n)
            dirnames[:] = [n for n in dirnames if n not in rolling and not n.startswith((".", "_"))]
            for n in sorted(filenames):
                add_single(d / n)
    return files, notes


def _discover_remote(path: str) -> tuple[list[SourceFile], list[str]]:
    """:func:`discover_event_logs` for an ``s3://`` prefix (or one object)."""
    from governance.storage import canonical, storage_for

    url = canonical(path).rstrip("/")
    store = storage_for(url)
    entries = store.list_files(url)
    if not entries:
        one = store.entry(url)  # the URL names a single log object
        if one is None:
            raise InputError(f"{path}: event log path does not exist (no objects under this prefix)")
        entries = [one]
    notes: list[str] = []
    files: list[SourceFile] = []
    by_rolling: dict[str, list[tuple[int, Any]]] = {}
    statuses: set[str] = set()
    for e in entries:
        folder, _, name = e.path.rpartition("/")
        parent = folder.rsplit("/", 1)[-1]
        if _ROLLING_DIR.match(parent):
            pm = _ROLLING_PART.match(name)
            if pm:
                by_rolling.setdefault(folder, []).append((int(pm.group("n")), e))
            elif name.startswith("appstatus_") and name.endswith(".inprogress"):
                statuses.add(folder)
            continue
        if name.startswith((".", "_")) or name.endswith(".crc") or name.startswith("appstatus_"):
            continue
        if any(part.startswith((".", "_")) for part in e.path[len(url) + 1:].split("/")[:-1]):
            continue
        stem, inprogress = _strip_suffixes(name)
        mtime = int((e.mtime_s or 0) * 1000)
        files.append(SourceFile(e.path, e.size, mtime, group=f"{folder}/{stem}", complete=not inprogress))
    for folder, parts in sorted(by_rolling.items()):
        for _, e in sorted(parts, key=lambda t: t[0]):
            files.append(SourceFile(e.path, e.size, int((e.mtime_s or 0) * 1000), group=folder,
                                    complete=folder not in statuses))
    return files, notes


# --------------------------------------------------------------------------- executor side
def _stat_row(app_key: str, file: str, stats: dict[str, Any]) -> tuple[str, str, str, str, int, str]:
    return (app_key, file, "stat", "", -1, json.dumps(stats))


def read_event_lines(app_key: str, path: str, *, complete: bool = True) -> Iterator[list[tuple[str, str, str, str, int, str]]]:
    """Yield batches of staged rows for one event-log file (runs inside a Spark task).

    Keeps only the event kinds in ``_KEEP``; counts every line, malformed lines (not a JSON
    event object) and a truncated last line; ends with one ``stat`` row for the file. A log
    still being written (``complete=False``) may end inside a compressed frame: that is read
    up to the last whole frame and not reported as corrupt.
    """
    codec = codec_of(os.path.basename(path))
    stats: dict[str, Any] = {"file": path, "codec": codec, "bytes": 0, "lines": 0, "events": 0, "malformed": 0, "truncated": 0, "error": None, "version": None}
    batch: list[tuple[str, str, str, str, int, str]] = []
    size = 0
    line_no = 0
    rest = b""

    def handle(line: bytes) -> None:
        nonlocal size
        stats["lines"] += 1
        if not line.startswith(_PREFIX) or not line.rstrip().endswith(b"}"):
            if line.strip():
                stats["malformed"] += 1
            return
        end = line.find(b'"', len(_PREFIX))
        name = line[len(_PREFIX) : end].rsplit(b".", 1)[-1]
        stats["events"] += 1
        kind = _KEEP.get(name)
        if kind is None:
            return
        text = line.decode("utf-8", "replace")
        if kind == "logstart" and stats["version"] is None:
            m = re.search(r'"Spark Version":"([^"]*)"', text)
            stats["version"] = m.group(1) if m else None
        batch.append((app_key, path, "line", kind, line_no, text))
        size += len(line)

    try:
        with _open(path) as fh:
            for chunk in decode(fh, codec, name=path):
                stats["bytes"] += len(chunk)
                lines = (rest + chunk).split(b"\n") if rest else chunk.split(b"\n")
                rest = lines.pop()
                for line in lines:
                    line_no += 1
                    handle(line)
                if len(batch) >= _BATCH_ROWS or size >= _BATCH_BYTES:
                    yield batch
                    batch, size = [], 0
    except CorruptLogError as exc:
        if complete or "truncated" not in str(exc):
            stats["error"] = str(exc)
        rest = b""  # the bytes after the last newline before the damage are not trusted
    except OSError as exc:
        stats["error"] = f"{path}: cannot read ({exc.strerror or exc})"
    if rest.strip():
        # No newline at the end: a log cut off while being written, or a complete last event.
        line_no += 1
        if rest.rstrip().endswith(b"}") and rest.startswith(_PREFIX):
            handle(rest)
        else:
            stats["lines"] += 1
            stats["truncated"] += 1
    batch.append(_stat_row(app_key, path, stats))
    yield batch


def _open(path: str) -> Any:
    if is_remote(path):
        from governance.storage import storage_for

        return storage_for(path).open_input(path)
    return open(local_path(path), "rb")


def _read_partition(batches: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:
    import pandas as pd

    cols = ["app_key", "file", "kind", "event", "line_no", "value"]
    for pdf in batches:
        if "store" in pdf.columns and len(pdf):
            # The task may run in another process (classic Spark's Python workers): use the driver's store settings.
            from governance import storage

            storage.configure(storage.StorageSettings.model_validate_json(str(pdf["store"].iloc[0])))
        for app_key, path, complete in zip(pdf["app_key"], pdf["path"], pdf["complete"]):
            for rows in read_event_lines(str(app_key), str(path), complete=bool(complete)):
                yield pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- the source
class SparkEventLogSource(UsageSource):
    """Spark event logs: plain, rolling (``eventlog_v2_*``) and compressed (zstd, lz4, snappy, lzf).

    Args:
        path: A log file, a rolling log folder, or a directory of logs (searched recursively).
        governance_apps: Application-name prefixes of Lakewarden's own jobs; their reads are
            recorded as ``governance`` and kept out of the business-usage figure.
    """

    name = "spark_eventlog"

    def __init__(self, path: str, *, governance_apps: tuple[str, ...] = ("lakewarden",)) -> None:
        self.path = path
        self.governance_apps = tuple(a.lower() for a in governance_apps)
        self.notes: list[str] = []

    def discover(self) -> list[SourceFile]:
        files, self.notes = discover_event_logs(self.path)
        return files

    def load(self, spark: "SparkSession", files: list[SourceFile], *, staging: str) -> tuple["DataFrame", SourceStats]:
        from governance.safe_write import safe_write

        stats = SourceStats(source=self.name, messages=list(self.notes))
        staged = self.stage_lines(spark, files)
        safe_write(spark, staged, staging, mode="overwrite", overwrite_schema=True, description="stage event-log lines")
        st = spark.read.format("delta").load(staging)

        self._collect_stats(st, stats)
        incomplete = sorted({f.group for f in files if not f.complete})
        return self.reads_from_staged(st, incomplete=incomplete), stats

    def stage_lines(self, spark: "SparkSession", files: list[SourceFile]) -> "DataFrame":
        """The lines worth keeping of ``files``, read inside Spark tasks (:data:`STAGE_SCHEMA`)."""
        from governance import storage

        store = storage.current().model_dump_json()
        rows = [(f.group, f.path, f.complete, store) for f in files]
        listing = spark.createDataFrame(rows, "app_key string, path string, complete boolean, store string")
        # One reader partition per ~256 MB of (uncompressed) log: enough parallelism on a cluster,
        # and a bounded number of files decoded at once on the embedded engine.
        est = sum(estimated_bytes(f) for f in files)
        n_parts = max(1, min(len(rows), -(-est // PARTITION_BYTES)))
        return listing.repartition(n_parts).mapInPandas(_read_partition, schema=_stage_struct())

    def _collect_stats(self, st: "DataFrame", stats: SourceStats) -> None:
        from pyspark.sql import functions as F

        for r in st.where(F.col("kind") == "stat").select("value").collect():
            s = json.loads(r["value"])
            stats.files += 1
            stats.bytes += int(s["bytes"])
            stats.lines += int(s["lines"])
            stats.events += int(s["events"])
            stats.malformed += int(s["malformed"])
            stats.truncated += int(s["truncated"])
            if s.get("error"):
                stats.corrupt_files.append(s["file"])
                stats.messages.append(f"{s['error']}: lines before the damage were used, the rest skipped")
            if s.get("version"):
                stats.versions[s["version"]] = stats.versions.get(s["version"], 0) + 1
        lines = st.where(F.col("kind") == "line")
        plan = F.col("event").isin("start", "adaptive")
        per_app = (
            lines.groupBy("app_key")
            .agg(
                F.sum(F.when(F.get_json_object("value", "$.Event").isNull(), 1).otherwise(0)).alias("bad"),
                F.sum(F.when(F.col("event") == "start", 1).otherwise(0)).alias("starts"),
                F.sum(F.when(plan, F.size(F.regexp_extract_all("value", F.lit(r'"Location":"'), F.lit(0)))).otherwise(0)).alias("named"),
                F.sum(F.when(plan, F.size(F.regexp_extract_all("value", F.lit(_LEAF_NODE), F.lit(0)))).otherwise(0)).alias("scans"),
                F.max(F.when(F.col("event") == "logstart", F.get_json_object("value", "$['Spark Version']"))).alias("version"),
            )
            .collect()
        )
        for r in per_app:
            stats.malformed += int(r["bad"] or 0)
            version = r["version"] or "unknown"
            starts, named, scans = int(r["starts"] or 0), int(r["named"] or 0), int(r["scans"] or 0)
            if named > scans:
                stats.messages.append(
                    f"{r['app_key']}: {named - scans} file scan(s) named in SQL plans could not be read: no file scan found "
                    f"in the plan format of Spark {version} (nodes not in nodeName/simpleString/children/metadata/metrics order)"
                )
            elif starts and scans and not version.startswith(("3.", "4.")):
                stats.messages.append(
                    f"{r['app_key']}: log written by Spark {version}, parsed with the Spark 3.x/4.x event format "
                    f"({scans} scan node(s) found)"
                )

    def reads_from_staged(self, st: "DataFrame", *, incomplete: list[str]) -> "DataFrame":
        """Raw reads (:data:`RAW_READ_SCHEMA`) from staged lines: Spark SQL only, so it runs on any engine.

        Args:
            st: Staged lines (:data:`STAGE_SCHEMA`).
            incomplete: Application groups still being written: only their finished SQL executions count.
        """
        from pyspark.sql import functions as F

        lines = st.where(F.col("kind") == "line")
        exec_id = F.get_json_object("value", "$.executionId").cast("long")

        nodes = (
            lines.where(F.col("event").isin("start", "adaptive"))
            .select("app_key", exec_id.alias("execution_id"), F.explode(F.regexp_extract_all("value", F.lit(_LEAF_NODE), F.lit(0))).alias("node"))
            .select("app_key", "execution_id", F.md5("node").alias("node_id"), F.from_json("node", _NODE_SCHEMA).alias("n"))
            .where(F.col("n.metadata").getItem("Location").isNotNull())
            .select(
                "app_key",
                "execution_id",
                "node_id",
                F.col("n.metadata").getItem("Location").alias("location"),
                F.col("n.metadata").getItem("PartitionFilters").alias("partition_filters"),
                F.col("n.metadata").getItem("ReadSchema").alias("read_schema"),
                F.regexp_extract(F.col("n.simpleString"), r"^\S+ \S+ \[([^\]]*)\]", 1).alias("output_columns"),
                F.col("n.metrics").alias("metrics"),
            )
            .dropDuplicates(["app_key", "execution_id", "node_id"])
        )
        accum = (
            lines.where(F.col("event") == "accum")
            .select(
                "app_key",
                exec_id.alias("execution_id"),
                F.explode(F.from_json(F.get_json_object("value", "$.accumUpdates"), "array<array<long>>")).alias("u"),
            )
            .select("app_key", "execution_id", F.col("u")[0].alias("acc"), F.col("u")[1].alias("val"))
            .groupBy("app_key", "execution_id", "acc")
            .agg(F.sum("val").alias("val"))
        )
        metric = (
            nodes.select("app_key", "execution_id", "node_id", F.explode("metrics").alias("m"))
            .where(F.col("m.name").isin(_SIZE_METRIC, _FILES_METRIC))
            .select("app_key", "execution_id", "node_id", F.col("m.name").alias("metric"), F.col("m.accumulatorId").alias("acc"))
            .join(accum, ["app_key", "execution_id", "acc"], "left")
            .groupBy("app_key", "execution_id", "node_id")
            .agg(
                F.max(F.when(F.col("metric") == _SIZE_METRIC, F.col("acc"))).alias("size_acc"),
                F.max(F.when(F.col("metric") == _SIZE_METRIC, F.col("val"))).alias("bytes_read"),
                F.max(F.when(F.col("metric") == _FILES_METRIC, F.col("val"))).alias("files_read"),
            )
        )
        spec = F.md5(F.concat_ws("\u0001", *[F.coalesce(F.col(c), F.lit("")) for c in ("location", "partition_filters", "read_schema", "output_columns")]))
        scans = nodes.drop("metrics").join(metric, ["app_key", "execution_id", "node_id"], "left")
        scans = scans.withColumn(
            "scan_key",
            F.when(F.col("bytes_read").isNotNull(), F.concat(F.lit("acc"), F.col("size_acc").cast("string"))).otherwise(spec),
        ).dropDuplicates(["app_key", "execution_id", "scan_key"])
        measured = scans.groupBy("app_key", "execution_id").agg(F.max(F.col("bytes_read").isNotNull().cast("int")).alias("measured"))
        # In an execution whose scans posted metrics, a scan without one was re-planned by AQE and never ran.
        scans = scans.join(measured, ["app_key", "execution_id"]).where(F.col("bytes_read").isNotNull() | (F.col("measured") == 0))

        starts = lines.where(F.col("event") == "start").select(
            "app_key", exec_id.alias("execution_id"), F.get_json_object("value", "$.time").cast("long").alias("time_ms")
        ).dropDuplicates(["app_key", "execution_id"])
        ends = lines.where(F.col("event") == "end").select("app_key", exec_id.alias("execution_id"), F.lit(1).alias("ended")).dropDuplicates(["app_key", "execution_id"])
        apps = (
            lines.where(F.col("event").isin("app", "logstart"))
            .groupBy("app_key")
            .agg(
                F.max(F.get_json_object("value", "$['App ID']")).alias("app_id"),
                F.max(F.get_json_object("value", "$['App Name']")).alias("app_name"),
                F.max(F.get_json_object("value", "$.User")).alias("user"),
                F.max(F.get_json_object("value", "$['Spark Version']")).alias("spark_version"),
            )
        )
        out = scans.join(starts, ["app_key", "execution_id"], "left").join(ends, ["app_key", "execution_id"], "left").join(apps, ["app_key"], "left")
        done = F.col("ended").isNotNull()
        if incomplete:
            done = done | ~F.col("app_key").isin(incomplete)
        else:
            done = F.lit(True)
        out = out.where(done)
        is_gov = F.lit(False)
        for prefix in self.governance_apps:
            is_gov = is_gov | F.lower(F.coalesce(F.col("app_name"), F.lit(""))).startswith(prefix)
        return out.select(
            F.lit(self.name).alias("source"),
            F.when(is_gov, F.lit("governance")).otherwise(F.lit("business")).alias("kind"),
            F.concat_ws(":", F.col("app_key"), F.col("execution_id").cast("string"), F.col("scan_key")).alias("read_key"),
            F.coalesce(F.col("app_id"), F.col("app_key")).alias("app_id"),
            F.col("app_name"),
            F.col("user"),
            F.col("execution_id"),
            (F.col("time_ms") / F.lit(1000.0)).cast("timestamp").alias("read_time"),
            F.col("location"),
            F.col("partition_filters"),
            F.col("read_schema"),
            F.col("output_columns"),
            F.col("bytes_read").cast("long").alias("bytes_read"),
            F.col("files_read").cast("long").alias("files_read"),
            F.col("spark_version"),
            F.col("app_key").alias("origin"),
        )
