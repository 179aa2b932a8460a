"""The usage report: how much of the lake is read, and which sensitive data sits cold.

Per lake, table, partition and column: bytes stored (from the Delta log), bytes and times
read in the window, last read, readers, utilization, and cold = not read by business
workloads in the window. Governance reads (Lakewarden's own jobs) are counted separately and
never make data "used".

Utilization is a share in [0, 1], never above 100%. Each business read has a *coverage*:
``min(1, bytes read / bytes stored by the table when it read)``, the stored bytes being
those of the Delta version current at the read's time (from the commit files; a read older
than the oldest commit file left counts against that oldest version). Then:
- table utilization = the largest coverage of any business read in the window (data read
  more than once counts once, and reads made before retention shrank the table are measured
  against the bigger table they read);
- column utilization = the same over the reads that read the column;
- partition utilization = the same per partition: a read that selected partitions is
  measured against the stored bytes of the partitions it selected, at its time (from the
  per-partition sizes in the commit files); a whole-table read covers each partition as
  much as it covers the table;
- lake utilization = the mean of the table utilizations weighted by each table's stored bytes;
- utilization over time, per week: per table the largest coverage that week, weighted by
  the table's stored bytes at the week's end.
``bytes_read`` stays the raw sum of the bytes read (a table read twice shows twice its size).

Precision, as far as the evidence allows:
- table and partition bytes read are Spark's ``size of files read`` metric (the files a scan
  selected after partition pruning); a read without the metric counts the stored bytes of
  what it selected (``bytes_source = estimated``); a read that spans several partitions is
  split across them in proportion to their stored bytes;
- a column's stored and read bytes are estimated from the share of the column in Parquet
  footers of a sample of the table's files (column chunks' compressed sizes).

Touches: reads ``<root>/_lakewarden/usage``, the lake's Delta logs and Parquet footers, the
catalog and the policy file; writes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.config import Settings
from governance.errors import InputError
from governance.lake import is_remote, list_tables, local_path
from retention.rules_lookup import tables_with_retention_rule
from retention.usage.mapping import LakeMapper, _partition_key
from retention.usage.store import read_usage

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from governance.maintenance import DeltaMaintenance

#: Sensitivity tiers that do not make a column "sensitive" for the cold-data list
#: (the policy tiers are public < internal < confidential < restricted).
NOT_SENSITIVE = frozenset({"", "none", "public", "internal", "non_sensitive", "not_sensitive", "unclassified"})
#: Display order of sensitivity tiers (most sensitive first); unknown tiers sort after these.
TIER_ORDER = ("restricted", "confidential", "internal", "public")
_FOOTER_SAMPLE = 8
_INTERVALS_SCHEMA = "_iv_path string, _iv_key string, _iv_from timestamp, _iv_to timestamp, _iv_bytes long"


def parse_window(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h``, ``6m`` (30-day months), ``1y`` -> a timedelta.

    Raises:
        InputError: The text is not ``<number><h|d|w|m|y>`` or is not positive.
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hdwmy])\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise InputError(f"--window {text!r}: expected a positive duration like 90d, 12w, 36h, 6m or 1y")
    n = float(m.group(1))
    return timedelta(hours=n * {"h": 1, "d": 24, "w": 168, "m": 720, "y": 8760}[m.group(2)])


def _tier_rank(tier: str) -> int:
    t = tier.lower()
    return TIER_ORDER.index(t) if t in TIER_ORDER else len(TIER_ORDER)


def _sens(value: Any) -> str:
    v = getattr(value, "value", value)
    return "" if v is None else str(v)


@dataclass
class ColumnUsage:
    """Usage of one column of a table.

    ``scan_bytes`` is the raw sum of the bytes of the scans that read the column;
    ``utilization`` is the largest coverage (share of the table's bytes at the read's time,
    at most 1) of those scans.
    """

    column: str
    bytes_stored: int | None
    bytes_read: int | None
    scan_bytes: int
    reads: int
    last_read: datetime | None
    readers: list[str]
    utilization: float | None
    cold: bool
    entity: str | None = None
    sensitivity: str | None = None


@dataclass
class PartitionUsage:
    """Usage of one partition of a table.

    ``bytes_read`` is the raw sum of the reads' bytes attributed to the partition;
    ``utilization`` is the largest coverage of the partition by one read (at most 1): a read
    that selected partitions against their stored bytes at its time, a whole-table read as
    its coverage of the table.
    """

    partition: str
    bytes_stored: int
    bytes_read: int
    reads: int
    last_read: datetime | None
    utilization: float | None
    cold: bool


@dataclass
class TableUsage:
    """Usage of one Delta table.

    ``bytes_read``, ``reads`` and ``readers`` count business reads in the window (``bytes_read``
    is the raw sum, above ``bytes_stored`` when data is read more than once); ``last_read`` is
    the last business read ever recorded; ``utilization`` = the largest coverage of one business
    read in the window, ``min(1, bytes read / bytes stored by the version it read)``, so a share
    in [0, 1]; ``touched_share`` = share of the stored bytes in partitions (or the table) read
    at least once; ``cold`` = no business read in the window.
    """

    table: str
    path: str
    bytes_stored: int
    files: int
    bytes_read: int
    reads: int
    last_read: datetime | None
    readers: list[str]
    utilization: float | None
    touched_share: float | None
    cold: bool
    governance_reads: int
    governance_last_read: datetime | None
    has_retention_rule: bool
    partitions: list[PartitionUsage] = field(default_factory=list)
    columns: list[ColumnUsage] = field(default_factory=list)


@dataclass
class SensitiveColdItem:
    """A sensitive column not read by the business in the window, in a table without a retention rule."""

    table: str
    column: str
    entity: str | None
    sensitivity: str
    bytes_stored: int | None
    last_read: datetime | None
    table_cold: bool
    reviewed: bool | None = None


@dataclass
class SeriesPoint:
    """One point of a time series.

    In ``utilization_over_time`` a point is a week: ``bytes_read`` is the raw sum of the
    business reads that week, ``bytes_stored`` the lake's bytes at the week's end and
    ``utilization`` (in [0, 1]) the tables' largest coverage that week, weighted by their
    stored bytes at the week's end.
    """

    date: str
    bytes_stored: int | None = None
    bytes_read: int | None = None
    utilization: float | None = None


@dataclass
class LakeUsage:
    """Totals over the whole lake.

    ``bytes_read`` is the raw sum over the tables; ``utilization`` is the mean of the table
    utilizations weighted by their stored bytes (a share in [0, 1]).
    """

    root: str
    tables: int
    bytes_stored: int
    bytes_read: int
    reads: int
    utilization: float | None
    touched_share: float | None
    cold_tables: int
    cold_bytes: int
    governance_reads: int
    governance_bytes: int


@dataclass
class UsageReport:
    """Everything the usage report shows, as typed data (for text, JSON and HTML)."""

    generated_at: datetime
    window: str
    window_start: datetime
    lake: LakeUsage
    sensitive_cold: list[SensitiveColdItem]
    tables: list[TableUsage]
    stored_over_time: list[SeriesPoint]
    utilization_over_time: list[SeriesPoint]
    cold_bytes_by_tier: dict[str, int]
    missing_tables: list[dict[str, Any]]
    notes: list[str]
    #: False when no read evidence was ingested at all: "cold" then means "unknown", and
    #: nothing should be deleted or anonymized because of it.
    has_evidence: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain data (datetimes as ISO strings) for JSON."""
        return json.loads(json.dumps(asdict(self), default=_iso))


def _iso(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


# --------------------------------------------------------------------------- stored bytes
def column_shares(table_path: str, data_files: list[str]) -> dict[str, float] | None:
    """Share of each top-level column in the compressed bytes of a sample of Parquet files."""
    if not data_files:
        return None
    import pyarrow.parquet as pq

    from governance.storage import storage_for

    sizes: dict[str, int] = {}
    sample = sorted(data_files)[:: max(1, len(data_files) // _FOOTER_SAMPLE)][:_FOOTER_SAMPLE]
    for f in sample:
        if is_remote(table_path):
            p = f if "://" in f else f"{table_path.rstrip('/')}/{f}"
        else:
            p = local_path(f if f.startswith("/") else str(Path(local_path(table_path), f)))
        try:
            with storage_for(p).open_input(p) as fh:
                md = pq.ParquetFile(fh).metadata
        except Exception:  # noqa: BLE001 - a missing or odd file only weakens the estimate
            continue
        for rg in range(md.num_row_groups):
            group = md.row_group(rg)
            for c in range(group.num_columns):
                col = group.column(c)
                top = col.path_in_schema.split(".")[0]
                sizes[top] = sizes.get(top, 0) + int(col.total_compressed_size)
    total = sum(sizes.values())
    return {k: v / total for k, v in sizes.items()} if total else None


@dataclass(frozen=True)
class _Commit:
    """One Delta commit: when it happened and the stored bytes it added per partition key."""

    when: datetime
    #: Net bytes (``add.size`` minus ``remove.size``) per partition key; ``""`` when the
    #: table is read as unpartitioned.
    net: dict[str, int]


def _log_commits(table_path: str, *, partition_columns: list[str] | None = None) -> list[_Commit]:
    """The commits still in the ``_delta_log`` commit files, newest first.

    Stops at the first commit file (from the newest) that cannot be read: older commits are
    left out rather than guessed.

    Args:
        table_path: Delta table root.
        partition_columns: Partition columns, in the order of :class:`LakeMapper`'s keys
            (``y=2024/m=01``); None or empty keys every file as ``""``.
    """
    from governance.storage import storage_for

    logdir = f"{table_path.rstrip('/')}/_delta_log" if is_remote(table_path) else str(Path(local_path(table_path), "_delta_log"))
    store = storage_for(logdir)
    files = []
    for e in store.list_files(logdir, recursive=False):
        stem = e.path.rsplit("/", 1)[-1]
        if stem.endswith(".json") and stem[:-5].isdigit():
            files.append((int(stem[:-5]), e))
    files.sort(key=lambda c: c[0])
    order = list(partition_columns or [])
    out: list[_Commit] = []
    for _, e in reversed(files):
        net: dict[str, int] = {}
        ts: datetime | None = None
        try:
            for line in store.read_bytes(e.path).decode("utf-8").splitlines():
                if not line.strip():
                    continue
                a = json.loads(line)
                if "add" in a or "remove" in a:
                    action, sign = (a["add"], 1) if "add" in a else (a["remove"], -1)
                    key = _partition_key(action.get("partitionValues") or {}, order) if order else ""
                    net[key] = net.get(key, 0) + sign * int(action.get("size") or 0)
                elif "commitInfo" in a and a["commitInfo"].get("timestamp"):
                    ts = datetime.fromtimestamp(int(a["commitInfo"]["timestamp"]) / 1000, tz=timezone.utc).replace(tzinfo=None)
        except (OSError, ValueError):
            break
        if ts is None:
            ts = datetime.fromtimestamp(e.mtime_s or 0, tz=timezone.utc).replace(tzinfo=None)
        out.append(_Commit(ts, net))
    return out


def _totals(commits: list[_Commit], current_bytes: int) -> list[tuple[datetime, int]]:
    """Stored bytes after each commit (newest first), computed backwards from the current total."""
    out: list[tuple[datetime, int]] = []
    total = current_bytes
    for c in commits:
        out.append((c.when, total))
        total -= sum(c.net.values())
    return out


def stored_history(table_path: str, current_bytes: int) -> list[tuple[datetime, int]]:
    """Stored bytes after each commit, from the ``_delta_log`` commit files (newest first).

    Computed backwards from the current total (so it works after old log files were cleaned
    up): each commit's ``add.size`` minus ``remove.size``.
    """
    return _totals(_log_commits(table_path), current_bytes)


def _selection_history(commits: list[_Commit], current: dict[str, int], selections: list[str]) -> dict[str, list[tuple[datetime, int]]]:
    """Stored bytes of each selection of partitions after each commit that changed it (newest first).

    Computed backwards from the current bytes per partition; each history also has a point
    at the oldest commit, so :func:`_as_of` and :func:`_intervals` cover every time. A
    selection whose bytes would go negative (partition keys of the log that do not match the
    current ones) keeps its current bytes at every time.

    Args:
        commits: The table's commits, newest first, keyed by partition (:func:`_log_commits`).
        current: Current stored bytes per partition key.
        selections: Selection keys (partition keys joined by ``\u0001``, as in the usage groups).
    """
    members = {s: _unkey(s) or [] for s in selections}
    cur = {s: sum(current.get(k, 0) for k in keys) for s, keys in members.items()}
    current_selection = dict(cur)
    containing: dict[str, list[str]] = {}
    for s, keys in members.items():
        for k in set(keys):
            containing.setdefault(k, []).append(s)
    points: dict[str, list[tuple[datetime, int]]] = {s: [] for s in selections}
    bad: set[str] = set()
    for i, c in enumerate(commits):
        net: dict[str, int] = {}
        for k, b in c.net.items():
            for s in containing.get(k, ()):
                net[s] = net.get(s, 0) + b
        for s in selections:
            if net.get(s) or i == len(commits) - 1:
                points[s].append((c.when, cur[s]))
            cur[s] -= net.get(s, 0)
            if cur[s] < 0:
                bad.add(s)
    for s in bad:
        points[s] = [(commits[-1].when, current_selection[s])]
    return points


def _intervals(points: list[tuple[datetime, int]]) -> list[tuple[datetime | None, datetime | None, int]]:
    """``(valid_from, valid_to, bytes)`` intervals from history points (newest first).

    The intervals are disjoint and cover all time: the oldest is open to the past (a read
    older than the oldest known version counts against it), the newest open to the future,
    and commit times that go backwards are clamped, so every time falls in exactly one.
    """
    oldest_first = points[::-1]
    starts: list[datetime] = []
    for ts, _ in oldest_first:
        starts.append(ts if not starts or ts >= starts[-1] else starts[-1])
    return [
        (None if i == 0 else starts[i], starts[i + 1] if i + 1 < len(starts) else None, b)
        for i, (_, b) in enumerate(oldest_first)
    ]


def _largest(covers: list[float | None], *, stored: int) -> float | None:
    """The largest known coverage; 0 when nothing was read (None when nothing is stored either)."""
    known = [c for c in covers if c is not None]
    if known:
        return max(known)
    return 0.0 if stored else None


def _schema_columns(table_path: str) -> list[str]:
    try:
        from deltalake import DeltaTable

        return [f.name for f in DeltaTable(table_path).schema().fields]
    except Exception:  # noqa: BLE001
        return []


# --------------------------------------------------------------------------- catalog
def _catalog_columns(settings: Settings, notes: list[str]) -> list[Any]:
    try:
        from governance.catalog import Catalog
    except ImportError:
        notes.append("no classification catalog yet: sensitive columns cannot be listed (run `lakewarden classify`)")
        return []
    try:
        return list(Catalog(settings).all_effective_columns())
    except Exception as exc:  # noqa: BLE001 - the report still shows usage without the catalog
        notes.append(f"classification catalog could not be read ({str(exc).splitlines()[0][:200]}); sensitive columns not listed")
        return []


# --------------------------------------------------------------------------- build
def _key(parts: Any) -> str:
    return "*" if parts is None else "\u0001".join(parts)


def _unkey(key: str) -> list[str] | None:
    return None if key == "*" else [k for k in key.split("\u0001") if k]


def build_usage_report(
    spark: "SparkSession",
    settings: Settings,
    *,
    maintenance: "DeltaMaintenance",
    window: str = "90d",
    now: datetime | None = None,
    catalog_columns: list[Any] | None = None,
    retention_tables: set[str] | None = None,
) -> UsageReport:
    """Build the usage report of the lake at ``settings.lake.root``.

    Args:
        spark: Session used to aggregate the usage table.
        settings: Platform settings.
        maintenance: Delta backend (file lists of each table).
        window: How far back reads count (``90d``, ``12w``...).
        now: End of the window (default: the current UTC time).
        catalog_columns: Classified columns (default: ``Catalog(settings).all_effective_columns()``).
        retention_tables: Names of the tables a retention rule covers (default: from the policy file).

    Raises:
        InputError: Bad window, or the lake root does not exist.
    """
    from pyspark.sql import functions as F

    span = parse_window(window)
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    start = now - span
    notes: list[str] = []
    mapper = LakeMapper(settings, maintenance)
    try:
        paths = list_tables(settings.lake.root, system_dir=settings.lake.system_dir)
    except Exception as exc:  # noqa: BLE001 - TableNotFoundError and OS errors
        raise InputError(f"{settings.lake.root}: cannot list the lake's tables ({exc})") from None

    # ---- stored bytes of each table over time (the versions reads are measured against)
    commits: dict[str, list[_Commit]] = {}
    history_points: dict[str, list[tuple[datetime, int]]] = {}
    for path in paths:
        known = mapper.table(path)
        if known is not None:
            commits[path] = _log_commits(path, partition_columns=known.partition_columns)
            history_points[path] = _totals(commits[path], known.total_bytes)

    # ---- usage aggregates
    groups: list[Any] = []
    daily: list[Any] = []
    selection_cover: dict[tuple[str, str], float | None] = {}
    missing: list[dict[str, Any]] = []
    usage = read_usage(spark, settings)
    if usage is None:
        notes.append("no usage ingested yet: every table shows as cold (run `lakewarden usage ingest`)")
    else:
        in_w = (F.col("read_time") >= F.lit(start)) & (F.col("read_time") <= F.lit(now))
        business = F.col("kind") == "business"
        reader = F.concat_ws(" / ", F.coalesce(F.col("app_name"), F.lit("?")), F.coalesce(F.col("user"), F.lit("?")))
        base = usage.withColumn("pkey", F.when(F.col("partitions").isNull(), F.lit("*")).otherwise(F.concat_ws("\u0001", "partitions")))
        base = base.withColumn("ckey", F.when(F.col("columns").isNull(), F.lit("*")).otherwise(F.concat_ws("\u0001", "columns")))
        table_versions = {(p, "*"): pts or [(now, _stored_now(mapper, p))] for p, pts in history_points.items()}
        u = _with_coverage(base, _interval_frame(spark, table_versions), by_selection=False, outer=True)
        groups = (
            u.groupBy("table_path", "table", "table_status", "kind", "pkey", "ckey")
            .agg(
                F.sum(F.when(in_w, 1).otherwise(0)).alias("reads"),
                F.sum(F.when(in_w, F.col("bytes_read")).otherwise(0)).alias("bytes"),
                F.max("read_time").alias("last"),
                F.collect_set(F.when(in_w, reader)).alias("readers"),
                F.max(F.when(in_w, F.col("_cover"))).alias("cover"),
            )
            .collect()
        )
        daily = (
            u.where(in_w & business)
            .groupBy("table_path", F.to_date("read_time").alias("day"))
            .agg(F.sum("bytes_read").alias("bytes"), F.max("_cover").alias("cover"))
            .collect()
        )
        selections = _selection_versions(groups, mapper=mapper, commits=commits, now=now)
        if selections:
            selection_cover = {
                (r["table_path"], r["pkey"]): r["cover"]
                for r in _with_coverage(base.where(in_w & business), _interval_frame(spark, selections), by_selection=True, outer=False)
                .groupBy("table_path", "pkey")
                .agg(F.max("_cover").alias("cover"))
                .collect()
            }
    live = set(paths)
    for g in groups:
        if g["table_path"] not in live:
            missing.append({"table": g["table"], "path": g["table_path"], "reads": int(g["reads"] or 0), "last_read": g["last"]})
    merged_missing: dict[str, dict[str, Any]] = {}
    for m in missing:
        cur = merged_missing.setdefault(m["path"], {**m, "reads": 0, "last_read": None})
        cur["reads"] += m["reads"]
        if m["last_read"] and (cur["last_read"] is None or m["last_read"] > cur["last_read"]):
            cur["last_read"] = m["last_read"]

    # ---- catalog and rules
    cat = catalog_columns if catalog_columns is not None else _catalog_columns(settings, notes)
    from governance.lake import resolve_table

    catalog_by_table: dict[str, dict[str, Any]] = {}
    for cc in cat:
        cat_table = str(getattr(cc, "table", ""))
        tpath = cat_table if cat_table in live else resolve_table(settings, cat_table)
        catalog_by_table.setdefault(tpath, {})[str(getattr(cc, "column", ""))] = cc
    if retention_tables is not None:
        rules = set(retention_tables)
    else:
        names = {p: mapper.name_of(p) for p in paths}
        table_tier = {}
        for p, by_col in catalog_by_table.items():
            tiers = [_sens(getattr(c, "sensitivity", None)).lower() for c in by_col.values()]
            tiers = [x for x in tiers if x in TIER_ORDER]
            if tiers and p in names:
                table_tier[names[p]] = min(tiers, key=_tier_rank)
        rules = tables_with_retention_rule(settings, tables=list(names.values()), sensitivity=table_tier)

    tables: list[TableUsage] = []
    sensitive: list[SensitiveColdItem] = []
    tier_bytes: dict[str, int] = {}
    for path in paths:
        t = mapper.table(path)
        if t is None:
            notes.append(f"{path}: Delta log could not be read; table left out")
            continue
        files = maintenance.files(path)
        shares = column_shares(path, [f.path for f in files])
        mine = [g for g in groups if g["table_path"] == path]
        biz = [g for g in mine if g["kind"] == "business"]
        gov = [g for g in mine if g["kind"] != "business"]
        bytes_read = sum(int(g["bytes"] or 0) for g in biz)
        reads = sum(int(g["reads"] or 0) for g in biz)
        lasts = [g["last"] for g in biz if g["last"] is not None]
        readers = sorted({r for g in biz for r in (g["readers"] or []) if r})
        # partitions
        p_bytes: dict[str, float] = {k: 0.0 for k in t.partition_bytes}
        p_reads: dict[str, int] = {k: 0 for k in t.partition_bytes}
        p_last: dict[str, datetime | None] = {k: None for k in t.partition_bytes}
        p_cover: dict[str, list[float | None]] = {k: [] for k in t.partition_bytes}
        for g in biz:
            keys = _unkey(g["pkey"])
            sel = [k for k in (keys if keys is not None else list(t.partition_bytes)) if k in p_bytes]
            tot = sum(t.partition_bytes[k] for k in sel)
            cover = g["cover"] if keys is None else selection_cover.get((path, g["pkey"]))
            for k in sel:
                share = (t.partition_bytes[k] / tot) if tot else 1.0 / len(sel)
                p_bytes[k] += float(g["bytes"] or 0) * share
                p_reads[k] += int(g["reads"] or 0)
                if int(g["reads"] or 0):
                    p_cover[k].append(cover)
                last_k = p_last[k]
                if g["last"] is not None and (last_k is None or g["last"] > last_k):
                    p_last[k] = g["last"]
        parts: list[PartitionUsage] = []
        if t.partition_columns:
            for k in sorted(p_bytes):
                b, n = p_bytes[k], p_reads[k]
                stored_k = t.partition_bytes[k]
                parts.append(PartitionUsage(k, stored_k, int(round(b)), n, p_last[k], _largest(p_cover[k], stored=stored_k), n == 0))
        touched = None
        if t.total_bytes:
            touched = (sum(p.bytes_stored for p in parts if not p.cold) / t.total_bytes) if parts else (1.0 if reads else 0.0)
        # columns
        col_names = _schema_columns(path) or sorted(shares or {})
        cat_cols = catalog_by_table.get(path, {})
        cols: list[ColumnUsage] = []
        for c in col_names:
            scan, n = 0, 0
            last: datetime | None = None
            rd: set[str] = set()
            c_cover: list[float | None] = []
            for g in biz:
                ck = _unkey(g["ckey"])
                if ck is None or c in ck:
                    scan += int(g["bytes"] or 0)
                    n += int(g["reads"] or 0)
                    c_cover.append(g["cover"])
                    rd.update(r for r in (g["readers"] or []) if r)
                    if g["last"] is not None and (last is None or g["last"] > last):
                        last = g["last"]
            col_share = None if shares is None else shares.get(c, 0.0)
            stored = None if col_share is None else int(round(col_share * t.total_bytes))
            cc = cat_cols.get(c)
            sens = _sens(getattr(cc, "sensitivity", None)) if cc is not None else ""
            entity = getattr(cc, "entity", None) if cc is not None else None
            cols.append(
                ColumnUsage(
                    column=c,
                    bytes_stored=stored,
                    bytes_read=None if col_share is None else int(round(scan * col_share)),
                    scan_bytes=scan,
                    reads=n,
                    last_read=last,
                    readers=sorted(rd),
                    utilization=_largest(c_cover, stored=t.total_bytes),
                    cold=n == 0,
                    entity=None if entity is None else str(getattr(entity, "value", entity)),
                    sensitivity=sens or None,
                )
            )
            if n == 0:
                tier = sens.lower() if sens.lower() not in NOT_SENSITIVE else "not sensitive"
                tier_bytes[tier] = tier_bytes.get(tier, 0) + (stored or 0)
        has_rule = t.name in rules or path in rules
        for col in cols:
            if col.cold and col.sensitivity and col.sensitivity.lower() not in NOT_SENSITIVE and not has_rule:
                cc = cat_cols.get(col.column)
                sensitive.append(
                    SensitiveColdItem(
                        table=t.name,
                        column=col.column,
                        entity=col.entity,
                        sensitivity=col.sensitivity,
                        bytes_stored=col.bytes_stored,
                        last_read=col.last_read,
                        table_cold=reads == 0,
                        reviewed=getattr(cc, "reviewed", None),
                    )
                )
        tables.append(
            TableUsage(
                table=t.name,
                path=path,
                bytes_stored=t.total_bytes,
                files=len(files),
                bytes_read=bytes_read,
                reads=reads,
                last_read=max(lasts) if lasts else None,
                readers=readers,
                utilization=_largest([g["cover"] for g in biz], stored=t.total_bytes),
                touched_share=touched,
                cold=reads == 0,
                governance_reads=sum(int(g["reads"] or 0) for g in gov),
                governance_last_read=max((g["last"] for g in gov if g["last"] is not None), default=None),
                has_retention_rule=has_rule,
                partitions=parts,
                columns=cols,
            )
        )

    sensitive.sort(key=lambda s: (_tier_rank(s.sensitivity), -(s.bytes_stored or 0), s.table, s.column))
    stored_series = _stored_series(history_points, start, now)
    util_series = _utilization_series(daily, history_points, start, now)
    total = sum(t.bytes_stored for t in tables)
    read = sum(t.bytes_read for t in tables)
    gov_bytes = sum(int(g["bytes"] or 0) for g in groups if g["kind"] != "business" and g["table_path"] in live)
    lake = LakeUsage(
        root=str(Path(local_path(settings.lake.root)).absolute()),
        tables=len(tables),
        bytes_stored=total,
        bytes_read=read,
        reads=sum(t.reads for t in tables),
        utilization=(sum((t.utilization or 0.0) * t.bytes_stored for t in tables) / total) if total else None,
        touched_share=(sum((t.touched_share or 0) * t.bytes_stored for t in tables) / total) if total else None,
        cold_tables=sum(1 for t in tables if t.cold),
        cold_bytes=sum(t.bytes_stored for t in tables if t.cold),
        governance_reads=sum(t.governance_reads for t in tables),
        governance_bytes=gov_bytes,
    )
    if not cat and catalog_columns is None and not any("catalog" in n for n in notes):
        notes.append("the classification catalog lists no columns yet: sensitive cold data cannot be identified")
    return UsageReport(
        generated_at=now,
        window=window,
        window_start=start,
        lake=lake,
        sensitive_cold=sensitive,
        tables=tables,
        stored_over_time=stored_series,
        utilization_over_time=util_series,
        cold_bytes_by_tier=dict(sorted(tier_bytes.items(), key=lambda kv: _tier_rank(kv[0]))),
        missing_tables=sorted(merged_missing.values(), key=lambda m: m["table"] or ""),
        notes=notes,
        has_evidence=bool(groups),
    )


def _stored_now(mapper: LakeMapper, path: str) -> int:
    t = mapper.table(path)
    return 0 if t is None else t.total_bytes


def _selection_versions(
    groups: list[Any], *, mapper: LakeMapper, commits: dict[str, list[_Commit]], now: datetime
) -> dict[tuple[str, str], list[tuple[datetime, int]]]:
    """Stored-bytes history of each selection of partitions that business reads in the window made.

    A table with no commit file left keeps each selection at its current bytes (a point at ``now``).
    """
    wanted: dict[str, set[str]] = {}
    for g in groups:
        if g["kind"] == "business" and g["pkey"] != "*" and int(g["reads"] or 0) and g["table_path"] in commits:
            wanted.setdefault(g["table_path"], set()).add(g["pkey"])
    out: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    for path, sels in wanted.items():
        t = mapper.table(path)
        if t is None:
            continue
        for sel, pts in _selection_history(commits[path], t.partition_bytes, sorted(sels)).items():
            out[(path, sel)] = pts or [(now, sum(t.partition_bytes.get(k, 0) for k in _unkey(sel) or []))]
    return out


def _interval_frame(spark: "SparkSession", versions: dict[tuple[str, str], list[tuple[datetime, int]]]) -> "DataFrame":
    """A small DataFrame of ``(_iv_path, _iv_key, _iv_from, _iv_to, _iv_bytes)``: stored bytes per interval of time.

    Args:
        spark: Session.
        versions: History points (newest first) per ``(table path, selection key)``; the key is
            ``*`` for the whole table.
    """
    rows = [
        (path, key, None if lo is None else lo.replace(tzinfo=timezone.utc), None if hi is None else hi.replace(tzinfo=timezone.utc), b)
        for (path, key), pts in versions.items()
        for lo, hi, b in _intervals(pts)
    ]
    return spark.createDataFrame(rows, _INTERVALS_SCHEMA)


def _with_coverage(reads: "DataFrame", intervals: "DataFrame", *, by_selection: bool, outer: bool) -> "DataFrame":
    """``reads`` with ``_cover`` = ``min(1, bytes_read / bytes stored at read_time)``.

    Args:
        reads: Usage rows (with ``pkey``).
        intervals: :func:`_interval_frame` of the tables (key ``*``) or of partition selections.
        by_selection: Match the interval of the read's selection (``pkey``) instead of the table's.
        outer: Keep reads that match no interval (``_cover`` null) instead of dropping them.
    """
    from pyspark.sql import functions as F

    on = (
        (F.col("table_path") == F.col("_iv_path"))
        & (F.col("_iv_from").isNull() | (F.col("read_time") >= F.col("_iv_from")))
        & (F.col("_iv_to").isNull() | (F.col("read_time") < F.col("_iv_to")))
    )
    if by_selection:
        on = on & (F.col("pkey") == F.col("_iv_key"))
    stored = F.col("_iv_bytes")
    cover = F.when(stored > 0, F.least(F.lit(1.0), F.col("bytes_read").cast("double") / stored.cast("double")))
    joined = reads.join(intervals, on, "left" if outer else "inner").withColumn("_cover", cover)
    return joined.drop("_iv_path", "_iv_key", "_iv_from", "_iv_to", "_iv_bytes")


def _as_of(points: list[tuple[datetime, int]], when: datetime) -> int:
    for ts, b in points:  # newest first
        if ts <= when:
            return b
    return 0


def _stored_series(history: dict[str, list[tuple[datetime, int]]], start: datetime, now: datetime) -> list[SeriesPoint]:
    stamps = sorted({ts for pts in history.values() for ts, _ in pts if start <= ts <= now} | {start, now})
    days: dict[str, int] = {}
    for ts in stamps:
        days[ts.date().isoformat()] = sum(_as_of(pts, ts) for pts in history.values())
    return [SeriesPoint(date=d, bytes_stored=b) for d, b in sorted(days.items())]


def _utilization_series(daily: list[Any], history: dict[str, list[tuple[datetime, int]]], start: datetime, now: datetime) -> list[SeriesPoint]:
    """Weekly buckets over the window, each utilization a share in [0, 1].

    A bucket's utilization is, per table, the largest coverage of a business read that week,
    weighted by the table's stored bytes at the week's end (tables not read count 0);
    ``bytes_read`` is the raw sum of the week's business reads.

    Args:
        daily: Rows of ``(table_path, day, bytes, cover)``: business reads per table and day.
        history: Stored bytes of each table after each commit (newest first).
        start: Start of the window.
        now: End of the window.
    """
    out: list[SeriesPoint] = []
    cur = start
    while cur < now:
        end = min(cur + timedelta(days=7), now)
        week = [r for r in daily if cur.date() <= r["day"] <= end.date() and not (r["day"] == end.date() and end != now)]
        read = sum(int(r["bytes"] or 0) for r in week)
        cover: dict[str, float] = {}
        for r in week:
            if r["cover"] is not None:
                cover[r["table_path"]] = max(cover.get(r["table_path"], 0.0), float(r["cover"]))
        stored = {p: _as_of(pts, end) for p, pts in history.items()}
        st = sum(stored.values())
        util = (sum(cover.get(p, 0.0) * b for p, b in stored.items()) / st) if st else None
        out.append(SeriesPoint(date=cur.date().isoformat(), bytes_stored=st, bytes_read=read, utilization=util))
        cur = end
    return out


# --------------------------------------------------------------------------- text
def human_bytes(n: int | float | None) -> str:
    """``1536`` -> ``1.5 KiB``."""
    if n is None:
        return "?"
    v = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(v) < 1024 or unit == "PiB":
            return f"{v:.0f} {unit}" if unit == "B" else f"{v:.1f} {unit}"
        v /= 1024
    return f"{v:.1f} PiB"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def _when(d: datetime | None) -> str:
    return "never" if d is None else d.strftime("%Y-%m-%d %H:%M")


def render_text(report: UsageReport, *, top: int = 20) -> list[str]:
    """The report as plain-text lines (sections in the order the issue asks for)."""
    lines: list[str] = []
    lines.append(f"SENSITIVE COLD DATA WITH NO RETENTION RULE (not read by the business in the last {report.window})")
    if report.sensitive_cold:
        for s in report.sensitive_cold[: max(top, 1) * 3]:
            lines.append(
                f"  {s.sensitivity:<12} {s.table + '.' + s.column:<40} {s.entity or '-':<16} {human_bytes(s.bytes_stored):>10}  "
                f"last read {_when(s.last_read)}{'  (whole table cold)' if s.table_cold else ''}"
            )
        if len(report.sensitive_cold) > top * 3:
            lines.append(f"  ... {len(report.sensitive_cold) - top * 3} more (see --json)")
    else:
        lines.append("  (none)")
    lake = report.lake
    lines.append("")
    lines.append(f"LAKE {lake.root}  window {report.window} ({report.window_start:%Y-%m-%d} .. {report.generated_at:%Y-%m-%d})")
    lines.append(
        f"  stored {human_bytes(lake.bytes_stored)} in {lake.tables} table(s); read {human_bytes(lake.bytes_read)} "
        f"in {lake.reads} business read(s); utilization {_pct(lake.utilization)}; share of stored bytes touched {_pct(lake.touched_share)}"
    )
    lines.append(
        f"  cold: {lake.cold_tables} table(s), {human_bytes(lake.cold_bytes)}; governance reads (excluded): "
        f"{lake.governance_reads}, {human_bytes(lake.governance_bytes)}"
    )
    lines.append("")
    lines.append("TABLES")
    head = f"  {'table':<28} {'stored':>10} {'read':>10} {'util':>7} {'reads':>6} {'last read':<16} {'cold':<5} readers"
    lines.append(head)
    for t in sorted(report.tables, key=lambda t: (t.utilization or 0, -t.bytes_stored))[:top]:
        lines.append(
            f"  {t.table:<28} {human_bytes(t.bytes_stored):>10} {human_bytes(t.bytes_read):>10} {_pct(t.utilization):>7} "
            f"{t.reads:>6} {_when(t.last_read):<16} {'yes' if t.cold else 'no':<5} {', '.join(t.readers[:3])}"
        )
    lines.append("")
    lines.append("PARTITIONS (partitioned tables)")
    any_parts = False
    for t in report.tables:
        if not t.partitions:
            continue
        any_parts = True
        cold = [p for p in t.partitions if p.cold]
        lines.append(f"  {t.table}: {len(t.partitions)} partition(s), {len(cold)} cold ({human_bytes(sum(p.bytes_stored for p in cold))})")
        for p in sorted(t.partitions, key=lambda p: (p.cold, -p.bytes_read, p.partition))[:top]:
            lines.append(
                f"    {p.partition:<30} {human_bytes(p.bytes_stored):>10} read {human_bytes(p.bytes_read):>10} util {_pct(p.utilization):>7} "
                f"reads {p.reads:<4} last {_when(p.last_read)}"
            )
    if not any_parts:
        lines.append("  (none)")
    lines.append("")
    lines.append("COLUMNS")
    for t in report.tables:
        cold_cols = [c.column for c in t.columns if c.cold]
        used = [f"{c.column} {_pct(c.utilization)}" for c in t.columns if not c.cold]
        lines.append(f"  {t.table}: read {', '.join(used) or '-'}; cold {', '.join(cold_cols) or '-'}")
    lines.append("")
    lines.append("STORED BYTES OVER TIME (from Delta history)")
    for point in report.stored_over_time[-12:]:
        lines.append(f"  {point.date}  {human_bytes(point.bytes_stored)}")
    if report.missing_tables:
        lines.append("")
        lines.append("READS OF TABLES NO LONGER IN THE LAKE")
        for m in report.missing_tables:
            lines.append(f"  {m['table']}: {m['reads']} read(s) in window, last {_when(m['last_read'])}")
    if report.notes:
        lines.append("")
        lines.append("NOTES")
        lines.extend(f"  - {n}" for n in report.notes)
    return lines
