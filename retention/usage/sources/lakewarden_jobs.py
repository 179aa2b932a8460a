"""Lakewarden's own jobs as read evidence: governance reads, kept out of the business figure.

Every Lakewarden job that reads a table appends an entry naming the table (and columns)
to the hash-chained audit log (:mod:`governance.audit`). Each such entry becomes one
``governance`` read: classification scans, protection rewrites, erasure verification
read data too, and a privacy officer wants to see them, but they are not business use,
so the utilization figure leaves them out. Entries of the usage job itself are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.audit import AuditLog, make_sink
from governance.config import Settings
from governance.lake import resolve_table
from retention.usage.sources.base import RAW_READ_SCHEMA, SourceFile, SourceStats, UsageSource

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class LakewardenJobsSource(UsageSource):
    """Reads of tables recorded in the lake's audit log by Lakewarden jobs."""

    name = "lakewarden"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.audit_path
        self._entries: list | None = None

    def _read(self) -> list:
        if self._entries is None:
            try:
                self._entries = AuditLog(make_sink(self.settings), job="usage").entries()
            except FileNotFoundError:
                self._entries = []
        return self._entries

    def discover(self) -> list[SourceFile]:
        entries = self._read()
        if not entries:
            return []
        last = entries[-1]
        return [SourceFile(self.path, len(entries), int(last.seq), group=self.path)]

    def load(self, spark: "SparkSession", files: list[SourceFile], *, staging: str) -> tuple["DataFrame", SourceStats]:
        from datetime import datetime

        entries = self._read()
        stats = SourceStats(source=self.name, files=1, lines=len(entries), events=len(entries))
        rows = []
        for e in entries:
            if not e.table or e.action.startswith("usage"):
                continue
            try:
                when = datetime.fromisoformat(e.ts).replace(tzinfo=None)
            except ValueError:
                stats.malformed += 1
                continue
            schema = "struct<" + ",".join(f"`{c}`:string" for c in e.columns) + ">" if e.columns else None
            rows.append(
                (
                    self.name, "governance", f"audit:{e.hash}", None, f"lakewarden {e.job}:{e.action}", e.actor, None, when,
                    resolve_table(self.settings, e.table), None, schema, None, None, None, None, self.path,
                )
            )
        return spark.createDataFrame(rows, RAW_READ_SCHEMA), stats
