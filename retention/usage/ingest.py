"""Ingest read evidence into the usage table: incremental, idempotent, never fatal on bad lines.

For each source: list its files, keep the groups (Spark applications, log files) that are new
or changed since the last ingest, parse them with Spark into raw reads, map every distinct
location to a table, partitions and columns, drop reads already in the usage table (by
``read_id``) and append the rest with :func:`governance.safe_write.safe_write`.

Touches: ``<root>/_lakewarden/usage``, ``usage_files`` and ``usage_staging_*`` (writes);
the lake's Delta logs (reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from governance.config import Settings
from governance.safe_write import Expectation, safe_write
from retention.usage.mapping import RECORDED, LakeMapper, MappedRead
from retention.usage.sources.base import SourceFile, SourceStats, UsageSource, estimated_bytes
from retention.usage.store import FILES_SCHEMA, USAGE_COLUMNS, read_usage, ingested_files, usage_paths

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from governance.maintenance import DeltaMaintenance
    from governance.progress import Progress

_SPEC_COLS = ("location", "partition_filters", "read_schema", "output_columns")


@dataclass
class SourceResult:
    """What one source contributed to an ingest."""

    source: str
    path: str
    files_found: int = 0
    files_read: int = 0
    files_skipped_unchanged: int = 0
    stats: SourceStats | None = None
    reads_found: int = 0
    reads_new: int = 0
    reads_already_ingested: int = 0
    governance_reads: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    """The outcome of one ingest run, one entry per source."""

    sources: list[SourceResult] = field(default_factory=list)

    @property
    def reads_new(self) -> int:
        """Reads appended to the usage table by this run."""
        return sum(s.reads_new for s in self.sources)

    def counts(self) -> dict[str, int]:
        """Totals for the audit log."""
        out: dict[str, int] = {"reads_new": self.reads_new}
        for s in self.sources:
            out[f"{s.source}_files_read"] = s.files_read
            out[f"{s.source}_reads_found"] = s.reads_found
            if s.stats:
                out[f"{s.source}_malformed_lines"] = s.stats.malformed
                out[f"{s.source}_truncated_lines"] = s.stats.truncated
        return out


def _mapping_rows(mapper: LakeMapper, specs: list[Any], result: SourceResult) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for spec in specs:
        n = int(spec["n"])
        mapped: list[MappedRead] = mapper.map(
            spec["location"] or "",
            partition_filters=spec["partition_filters"],
            read_schema=spec["read_schema"],
            output=spec["output_columns"],
        )
        for m in mapped:
            result.by_status[m.status] = result.by_status.get(m.status, 0) + n
            ex = result.examples.setdefault(m.status, [])
            if len(ex) < 5 and m.path not in ex:
                ex.append(m.path)
            if m.status == "missing" and m.table and m.table not in result.missing_tables:
                result.missing_tables.append(m.table)
            if m.status in RECORDED:
                rows.append(
                    (spec["spec_id"], m.table, m.table_path, m.status, m.partitions, m.scope, m.columns, m.est_bytes, float(m.weight))
                )
    return rows


def map_reads(spark: "SparkSession", raw: "DataFrame", mapper: LakeMapper, result: SourceResult) -> "DataFrame":
    """Join raw reads to their tables; returns rows in the usage-table layout (without dedupe)."""
    from pyspark.sql import functions as F

    spec = F.md5(F.concat_ws("\u0001", *[F.coalesce(F.col(c), F.lit("")) for c in _SPEC_COLS]))
    raw = raw.withColumn("spec_id", spec)
    specs = raw.groupBy("spec_id", *_SPEC_COLS).agg(F.count(F.lit(1)).alias("n")).collect()
    result.reads_found += sum(int(s["n"]) for s in specs)
    rows = _mapping_rows(mapper, specs, result)
    mapping = spark.createDataFrame(
        rows,
        "spec_id string, table string, table_path string, table_status string, partitions array<string>, "
        "partition_scope string, columns array<string>, est_bytes long, weight double",
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    joined = raw.join(mapping, ["spec_id"], "inner")
    measured = F.col("bytes_read").isNotNull()
    return joined.select(
        F.sha2(F.concat_ws("|", F.col("source"), F.col("read_key"), F.col("table_path")), 256).alias("read_id"),
        "source",
        "kind",
        "app_id",
        "app_name",
        "user",
        "execution_id",
        "read_time",
        "table",
        "table_path",
        "table_status",
        "partitions",
        "partition_scope",
        "columns",
        F.when(measured, F.round(F.col("bytes_read") * F.col("weight")).cast("long")).otherwise(F.col("est_bytes")).alias("bytes_read"),
        F.when(measured, F.lit("metric")).when(F.col("est_bytes").isNotNull(), F.lit("estimated")).otherwise(F.lit("unknown")).alias("bytes_source"),
        "files_read",
        "spark_version",
        "origin",
        F.lit(now).cast("timestamp").alias("ingested_at"),
    ).select(*USAGE_COLUMNS)


def ingest(
    spark: "SparkSession",
    settings: Settings,
    sources: list[UsageSource],
    *,
    maintenance: "DeltaMaintenance",
    aliases: list[tuple[str, str]] | None = None,
    full: bool = False,
    progress: "Progress | None" = None,
    round_bytes: int = 256 << 20,
) -> IngestResult:
    """Ingest every source into the usage table.

    Args:
        spark: Session used to parse and write.
        settings: Platform settings (lake root, system area).
        sources: Evidence sources to read.
        maintenance: Delta backend used to list table files for the mapping.
        aliases: Path prefix rewrites (evidence URL -> lake URL).
        full: Re-read every file, not only new or changed ones (still idempotent).
        progress: Progress reporter.
        round_bytes: Evidence (estimated uncompressed bytes) parsed per round; bounds memory.

    Returns:
        Counts per source: files, reads found and new, skipped lines, unmapped locations.

    Raises:
        InputError: A source path does not exist.
    """
    mapper = LakeMapper(settings, maintenance, aliases=aliases)
    result = IngestResult()
    for source in sources:
        sr = SourceResult(source=source.name, path=str(getattr(source, "path", "") or ""))
        result.sources.append(sr)
        files = source.discover()
        sr.files_found = len(files)
        if not files:
            what = "audit entries" if source.name == "lakewarden" else f"{source.name} files"
            sr.messages.append(f"no {what} found under {sr.path or 'the source'}: nothing to ingest")
            continue
        done = {} if full else ingested_files(spark, settings, source.name)
        changed = {f.group for f in files if not f.complete or done.get(f.path) != (f.size, f.mtime_ms)}
        todo = [f for f in files if f.group in changed]
        sr.files_read = len(todo)
        sr.files_skipped_unchanged = len(files) - len(todo)
        if not todo:
            sr.messages.append(f"all {len(files)} {source.name} file(s) already ingested and unchanged")
            continue
        rounds = plan_rounds(todo, round_bytes=round_bytes)
        with _task(progress, f"usage ingest {source.name}", len(todo)) as task:
            for chunk in rounds:
                _ingest_round(spark, settings, source, chunk, mapper, sr)
                if task is not None:
                    task.advance(len(chunk))
    return result


class _NoTask:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _task(progress: "Progress | None", label: str, total: int) -> Any:
    return progress.task(label, total=total) if progress is not None else _NoTask()


def plan_rounds(files: list[SourceFile], *, round_bytes: int) -> list[list[SourceFile]]:
    """Split files into rounds of at most ``round_bytes`` (estimated, uncompressed), never splitting a group.

    Each round is parsed, mapped and appended on its own, so memory stays bounded by the
    round size however much evidence there is, and an interrupted ingest resumes after the
    last finished round.
    """
    groups: dict[str, list[SourceFile]] = {}
    for f in files:
        groups.setdefault(f.group, []).append(f)
    rounds: list[list[SourceFile]] = []
    cur: list[SourceFile] = []
    size = 0
    for members in groups.values():
        g = sum(estimated_bytes(f) for f in members)
        if cur and size + g > round_bytes:
            rounds.append(cur)
            cur, size = [], 0
        cur.extend(members)
        size += g
    if cur:
        rounds.append(cur)
    return rounds


def _merge_stats(into: SourceStats | None, new: SourceStats) -> SourceStats:
    if into is None:
        return new
    for name in ("files", "bytes", "lines", "events", "malformed", "truncated"):
        setattr(into, name, getattr(into, name) + getattr(new, name))
    into.corrupt_files.extend(new.corrupt_files)
    into.messages.extend(m for m in new.messages if m not in into.messages)
    for v, n in new.versions.items():
        into.versions[v] = into.versions.get(v, 0) + n
    return into


def _ingest_round(
    spark: "SparkSession", settings: Settings, source: UsageSource, todo: list[SourceFile], mapper: LakeMapper, sr: SourceResult
) -> None:
    from pyspark.sql import functions as F

    paths = usage_paths(settings)
    raw, stats = source.load(spark, todo, staging=paths.staging(source.name))
    sr.stats = _merge_stats(sr.stats, stats)
    before = sum(v for k, v in sr.by_status.items() if k in RECORDED)
    rows = map_reads(spark, raw, mapper, sr).dropDuplicates(["read_id"])
    existing = read_usage(spark, settings)
    new = rows.join(existing.select("read_id"), ["read_id"], "left_anti") if existing is not None else rows
    # One pass counts what will be appended; it is also the expectation safe_write checks the commit against.
    primitive = [c for c in USAGE_COLUMNS if c not in ("partitions", "columns")]
    agg = new.agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.when(F.col("kind") == "governance", 1).otherwise(0)).alias("g"),
        *[F.count(F.col(f"`{c}`")).alias(f"nn_{c}") for c in primitive],
    ).collect()[0]
    n_new, n_gov = int(agg["n"] or 0), int(agg["g"] or 0)
    expect = Expectation(rows=n_new, non_null={c: int(agg[f"nn_{c}"] or 0) for c in primitive})
    sr.reads_new += n_new
    sr.governance_reads += n_gov
    recorded = sum(v for k, v in sr.by_status.items() if k in RECORDED) - before
    sr.reads_already_ingested += max(0, recorded - n_new)
    if n_new:
        safe_write(spark, new, paths.usage, mode="append", expect=expect, description=f"append {n_new} usage read(s) from {source.name}")
    corrupt = set(stats.corrupt_files)
    complete = [f for f in todo if f.complete and f.path not in corrupt]
    if complete:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        state = spark.createDataFrame([(source.name, f.path, int(f.size), int(f.mtime_ms), now) for f in complete], FILES_SCHEMA)
        safe_write(spark, state, paths.files, mode="append", description=f"record {len(complete)} ingested {source.name} file(s)")
