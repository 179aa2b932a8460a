"""Read evidence from Amazon S3 server access logs.

Format (AWS documentation, "Amazon S3 server access log format"): one request per line,
space-separated, with the time in brackets and some fields quoted::

    bucket_owner bucket [06/Feb/2019:00:00:38 +0000] remote_ip requester request_id operation key
    "request_uri" http_status error_code bytes_sent object_size total_time turn_around_time
    "referer" "user_agent" version_id host_id signature_version cipher_suite auth_type host_header ...

Newer fields are appended at the end over time, so the pattern anchors on the first 18
fields and ignores the rest. A read is a ``REST.GET.OBJECT`` answered with 200 or 206;
``bytes_sent`` is the bytes read (range requests of Parquet footers and column chunks count
what they fetched). The key is URL-encoded in the log. Columns are unknown (an object read
counts as reading every column of the table). The parsing is Spark SQL (``regexp_extract``)
over ``spark.read.text``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from governance.errors import InputError
from governance.lake import is_remote, local_path
from retention.usage.sources.base import SourceFile, SourceStats, UsageSource

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_LINE = (
    r'^(\S+) (\S+) \[([^\]]+)\] (\S+) (\S+) (\S+) (\S+) (\S+) "((?:[^"\\]|\\.)*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) '
    r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" (\S+)'
)
_READ_OPS = ("REST.GET.OBJECT",)


class S3AccessLogSource(UsageSource):
    """S3 server access logs (a file or a folder of log objects copied from the log bucket).

    Args:
        path: A log file or a folder (searched recursively).
        governance_agents: User-agent substrings of Lakewarden's own jobs (governance reads).
    """

    name = "s3_access"

    def __init__(self, path: str, *, governance_agents: tuple[str, ...] = ("lakewarden",)) -> None:
        self.path = path
        self.governance_agents = tuple(a.lower() for a in governance_agents)

    def discover(self) -> list[SourceFile]:
        if is_remote(self.path):
            from governance.storage import canonical, storage_for

            url = canonical(self.path).rstrip("/")
            entries = [e for e in storage_for(url).list_files(url)
                       if not any(part.startswith((".", "_")) for part in e.path[len(url) + 1:].split("/"))]
            if not entries:
                raise InputError(f"{self.path}: access log path does not exist (no objects under this prefix)")
            return [SourceFile(e.path, e.size, int((e.mtime_s or 0) * 1000), group=e.path) for e in entries]
        base = Path(local_path(self.path))
        if not base.exists():
            raise InputError(f"{self.path}: access log path does not exist")
        paths = [base] if base.is_file() else [
            Path(d, n) for d, _, names in os.walk(base) for n in sorted(names) if not n.startswith((".", "_"))
        ]
        out = []
        for p in sorted(paths):
            st = p.stat()
            out.append(SourceFile(str(p), st.st_size, int(st.st_mtime * 1000), group=str(p)))
        return out

    def load(self, spark: "SparkSession", files: list[SourceFile], *, staging: str) -> tuple["DataFrame", SourceStats]:
        from pyspark.sql import functions as F

        stats = SourceStats(source=self.name, files=len(files), bytes=sum(f.size for f in files))
        text = spark.read.text([f.path for f in files])
        g = {i: F.regexp_extract("value", _LINE, i) for i in range(1, 19)}
        parsed = text.select(
            F.col("value"),
            g[2].alias("bucket"),
            g[3].alias("time"),
            g[5].alias("requester"),
            g[6].alias("request_id"),
            g[7].alias("operation"),
            g[8].alias("key"),
            g[10].alias("status"),
            g[12].alias("bytes_sent"),
            g[17].alias("user_agent"),
        )
        ok = F.col("request_id") != ""
        is_read = ok & F.col("operation").isin(*_READ_OPS) & F.col("status").isin("200", "206") & (F.col("key") != "-")
        row = parsed.agg(
            F.count(F.lit(1)).alias("lines"),
            F.sum(F.when(~ok & (F.trim("value") != ""), 1).otherwise(0)).alias("bad"),
            F.sum(F.when(is_read, 1).otherwise(0)).alias("reads"),
        ).collect()[0]
        stats.lines = int(row["lines"] or 0)
        stats.malformed = int(row["bad"] or 0)
        stats.events = int(row["reads"] or 0)
        if stats.lines and stats.malformed == stats.lines:
            stats.messages.append(f"{self.path}: no line matched the S3 server access log format")
        agent = F.lower(F.col("user_agent"))
        is_gov = F.lit(False)
        for a in self.governance_agents:
            is_gov = is_gov | agent.contains(a)
        # try_: a damaged field reads as NULL instead of failing the whole ingest (found by tests/fuzz)
        bytes_sent = F.col("bytes_sent").try_cast("long")
        reads = parsed.where(is_read).select(
            F.lit(self.name).alias("source"),
            F.when(is_gov, F.lit("governance")).otherwise(F.lit("business")).alias("kind"),
            F.concat_ws(":", F.col("bucket"), F.col("request_id")).alias("read_key"),
            F.lit(None).cast("string").alias("app_id"),
            F.col("user_agent").alias("app_name"),
            F.col("requester").alias("user"),
            F.lit(None).cast("long").alias("execution_id"),
            F.try_to_timestamp("time", F.lit("dd/MMM/yyyy:HH:mm:ss Z")).alias("read_time"),
            F.concat(F.lit("s3://"), F.col("bucket"), F.lit("/"), F.col("key")).alias("location"),
            F.lit(None).cast("string").alias("partition_filters"),
            F.lit(None).cast("string").alias("read_schema"),
            F.lit(None).cast("string").alias("output_columns"),
            bytes_sent.alias("bytes_read"),
            F.lit(1).cast("long").alias("files_read"),
            F.lit(None).cast("string").alias("spark_version"),
            F.lit(self.path).alias("origin"),
        )
        return reads, stats
