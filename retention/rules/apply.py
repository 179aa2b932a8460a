"""Carry out a retention plan: one verified Delta commit per table, then history purge.

Deletes go through :func:`governance.safe_write.safe_delete` (the predicate holds dates and
hold conditions only, never identifiers); anonymization (with any deletes of the same
table) is one :func:`governance.safe_write.safe_write` overwrite of the table. Afterwards
the table's history is purged (vacuum with zero retention, checkpoint, log clean-up) so the
old files and the log statistics no longer hold what was deleted or anonymized. Every
change is audited. Dry run unless ``dry_run=False``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from governance.retention_policy import RetentionPolicy
from governance.retry import with_conflict_retries
from retention.rules.plan import RetentionPlan, anonymized_frame, effective_predicates

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from governance.audit import AuditLog
    from governance.maintenance import DeltaMaintenance


@dataclass
class Applied:
    """What apply did to one table."""

    table: str
    version: int | None
    rows_deleted: int
    rows_anonymized: int
    purged_data_files: int
    purged_log_files: int
    skipped: str | None = None


@dataclass
class ApplyReport:
    """What apply did (or would do)."""

    dry_run: bool
    tables: list[Applied] = field(default_factory=list)


def apply_plan(
    spark: "SparkSession",
    plan: RetentionPlan,
    policy: RetentionPolicy,
    *,
    maintenance: "DeltaMaintenance",
    audit: "AuditLog | None" = None,
    dry_run: bool = True,
    commit_attempts: int = 5,
    lock: "Callable[[str], AbstractContextManager[Any]] | None" = None,
) -> ApplyReport:
    """Apply ``plan`` (built from ``policy``); a dry run (the default) changes nothing.

    Touches: every table of the plan that changes (one commit each, then history purge), the audit log.
    """
    from pyspark.sql import functions as F

    from governance.safe_write import read_files, safe_delete, safe_write
    from retention.rules.anonymize import result_is_string

    today = date.fromisoformat(plan.today)
    report = ApplyReport(dry_run=dry_run)
    for tp in plan.tables:
        if not tp.changes:
            report.tables.append(Applied(tp.table, None, 0, 0, 0, 0, skipped=tp.blocked or "nothing to change"))
            continue
        if dry_run:
            report.tables.append(Applied(tp.table, None, tp.rows_delete, tp.rows_anonymize, 0, 0, skipped="dry run"))
            continue
        dele, anon = effective_predicates(tp, policy, today)
        rule_names = [c.rule for c in (tp.delete, tp.anonymize) if c]
        desc = f"retention {', '.join(rule_names)}"

        def write(tp: Any = tp, dele: str | None = dele, anon: str | None = anon, desc: str = desc) -> tuple[int, int, int]:
            """One verified commit of this table's changes, read afresh (a retry follows a lost race)."""
            if anon and tp.rows_anonymize:
                from deltalake import DeltaTable

                read_version = maintenance.version(tp.path)
                df = spark.read.format("delta").option("versionAsOf", read_version).load(tp.path)
                rule = next(r for r in policy.rules if r.name == tp.anonymize.rule)  # type: ignore[union-attr]
                types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
                retype = any(result_is_string(a) and types.get(c) != "string" for c, a in rule.anonymize.items())
                salt = os.urandom(16).hex()

                def rewrite(rows: "DataFrame") -> "DataFrame":
                    kept = rows.where(F.expr(f"NOT coalesce(({dele}), FALSE)")) if dele and tp.rows_delete else rows
                    return anonymized_frame(kept, tp, policy, anon, salt=salt)

                parts = list(DeltaTable(tp.path).metadata().partition_columns)
                res = safe_write(spark, rewrite(df), tp.path, mode="overwrite", partition_by=parts or None,
                                 overwrite_schema=retype, description=desc, maintenance=maintenance,
                                 read_version=read_version,
                                 rewrite_files=lambda adds: rewrite(read_files(spark, tp.path, adds, df.schema)))
                version, deleted, anonymized = res.version, tp.rows_delete if dele else 0, tp.rows_anonymize
            else:
                assert dele is not None
                res = safe_delete(spark, tp.path, where=dele, description=desc, maintenance=maintenance)
                version, deleted, anonymized = res.version, res.rows, 0
            return version, deleted, anonymized

        with lock(tp.path) if lock is not None else contextlib.nullcontext():
            version, deleted, anonymized = with_conflict_retries(write, what=f"retention apply {tp.table}", attempts=commit_attempts)
            purge = maintenance.purge_history(tp.path, dry_run=False)
        applied = Applied(tp.table, version, deleted, anonymized, len(purge.data_files), len(purge.log_files))
        report.tables.append(applied)
        if audit is not None:
            audit.append(action="retention.apply", table=tp.path, columns=tp.anonymize_columns,
                         counts={"rows_deleted": deleted, "rows_anonymized": anonymized,
                                 "purged_data_files": applied.purged_data_files, "purged_log_files": applied.purged_log_files},
                         details={"rules": rule_names, "version": version, "partitions": tp.partitions_delete[:50]})
    return report

