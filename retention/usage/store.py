"""The usage tables in the lake's system area.

- ``<root>/_lakewarden/usage``: one row per read of a table (per scan of one query, per
  object GET, per Lakewarden job step). ``read_id`` is a hash of the source, the evidence
  key and the table, so re-ingesting the same evidence adds nothing.
- ``<root>/_lakewarden/usage_files``: the evidence files already ingested (path, size,
  modification time), so a later ingest only reads what is new or has grown.
- ``<root>/_lakewarden/usage_staging_<source>``: scratch tables overwritten by each ingest.

Every write goes through :func:`governance.safe_write.safe_write`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from governance.config import Settings
from governance.lake import is_delta

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The usage table (Spark DDL).
USAGE_SCHEMA = (
    "read_id string, source string, kind string, app_id string, app_name string, user string, "
    "execution_id long, read_time timestamp, table string, table_path string, table_status string, "
    "partitions array<string>, partition_scope string, columns array<string>, bytes_read long, "
    "bytes_source string, files_read long, spark_version string, origin string, ingested_at timestamp"
)
USAGE_COLUMNS = [c.strip().split(" ")[0] for c in USAGE_SCHEMA.split(", ")]

FILES_SCHEMA = "source string, path string, size long, mtime_ms long, ingested_at timestamp"


@dataclass(frozen=True)
class UsagePaths:
    """Where the usage tables of one lake live."""

    usage: str
    files: str
    staging_prefix: str

    def staging(self, source: str) -> str:
        """Scratch table of one source."""
        return f"{self.staging_prefix}_{source}"


def usage_paths(settings: Settings) -> UsagePaths:
    """The usage table paths under ``settings.system_table``."""
    return UsagePaths(
        usage=settings.system_table("usage"),
        files=settings.system_table("usage_files"),
        staging_prefix=settings.system_table("usage_staging"),
    )


def read_usage(spark: "SparkSession", settings: Settings) -> "DataFrame | None":
    """The usage table as a DataFrame, or None when nothing was ingested yet."""
    path = usage_paths(settings).usage
    if not is_delta(path):
        return None
    return spark.read.format("delta").load(path)


def ingested_files(spark: "SparkSession", settings: Settings, source: str) -> dict[str, tuple[int, int]]:
    """``path -> (size, mtime_ms)`` of the evidence files of ``source`` already ingested."""
    from pyspark.sql import functions as F

    path = usage_paths(settings).files
    if not is_delta(path):
        return {}
    rows = (
        spark.read.format("delta")
        .load(path)
        .where(F.col("source") == source)
        .groupBy("path")
        .agg(F.max(F.struct("ingested_at", "size", "mtime_ms")).alias("s"))
        .select("path", "s.size", "s.mtime_ms")
        .collect()
    )
    return {r["path"]: (int(r["size"]), int(r["mtime_ms"])) for r in rows}
