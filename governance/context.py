"""What a job receives: settings, a lazily started Spark session, the audit log, output."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from governance.audit import AuditLog, make_sink
from governance.config import Settings
from governance.engine import get_session
from governance.lake import is_remote
from governance.maintenance import DeltaMaintenance, get_maintenance
from governance.progress import Output, Progress
from governance import storage

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class JobContext:
    """Everything a job needs, created once per run.

    Attributes:
        settings: The typed platform settings.
        job: The job's name (recorded in audit entries).
        progress: Progress reporter (stderr).
        out: Result printer (stdout).
    """

    def __init__(self, settings: Settings, *, job: str, progress: Progress | None = None, out: Output | None = None) -> None:
        self.settings = settings
        storage.configure(settings.storage)
        self.job = job
        self.progress = progress or Progress("quiet")
        self.out = out or Output()

    @cached_property
    def spark(self) -> "SparkSession":
        """The Spark session of the configured engine, started on first use."""
        return get_session(self.settings.engine, object_store=is_remote(self.settings.lake.root))

    @cached_property
    def audit(self) -> AuditLog:
        """The lake's audit log, with entries attributed to this job."""
        from governance.audit_anchor import make_anchor

        return AuditLog(make_sink(self.settings), job=self.job, anchor=make_anchor(self.settings, job=self.job))

    @cached_property
    def maintenance(self) -> DeltaMaintenance:
        """The configured Delta maintenance backend."""
        spark = self.spark if self.settings.engine.maintenance == "delta_spark" else None
        return get_maintenance(self.settings, spark)
