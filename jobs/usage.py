"""``lakewarden usage``: measure how much of the lake is read; surface sensitive cold data.

``usage ingest`` reads evidence (Spark event logs, S3 access logs, Lakewarden's audit log)
into ``<root>/_lakewarden/usage``; ``usage report`` shows bytes stored and read per table,
partition and column, utilization, cold data, and first of all the sensitive cold data that
has no retention rule.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from governance.errors import InputError

if TYPE_CHECKING:
    from governance.context import JobContext

HELP = "measure how much of the lake is read (ingest read evidence, report utilization and cold data)"
DESCRIPTION = (
    "Measure lake usage from read evidence and surface sensitive data that sits cold.\n\n"
    "  lakewarden usage ingest --event-logs /var/log/spark-events [--access-logs DIR --format s3]\n"
    "  lakewarden usage report [--window 90d] [--json FILE] [--html FILE]\n\n"
    "Ingest is incremental and idempotent: files already ingested are skipped, and re-reading\n"
    "the same evidence adds nothing. Malformed or truncated log lines are counted and skipped."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``ingest`` and ``report`` sub-commands."""
    sub = parser.add_subparsers(dest="usage_command", required=True, metavar="{ingest,report}")
    ing = sub.add_parser("ingest", help="read evidence into the usage table", description="Read evidence into <root>/_lakewarden/usage.")
    ing.add_argument("--event-logs", metavar="PATH", action="append", default=[], help="Spark event log file or folder (repeatable)")
    ing.add_argument("--access-logs", metavar="PATH", action="append", default=[], help="object-store access log file or folder (repeatable)")
    ing.add_argument("--format", choices=["s3"], default="s3", help="access log format (default: s3)")
    ing.add_argument(
        "--path-alias",
        metavar="FROM=TO",
        action="append",
        default=[],
        help="rewrite evidence paths starting with FROM to TO (e.g. s3://bank-lake/prod=/mnt/lake)",
    )
    ing.add_argument(
        "--governance-app",
        metavar="PREFIX",
        action="append",
        default=None,
        help="application-name prefix of Lakewarden's own Spark jobs (default: lakewarden); their reads are governance reads",
    )
    ing.add_argument("--no-audit-reads", action="store_true", help="do not record Lakewarden jobs from the audit log as governance reads")
    ing.add_argument(
        "--round-mb",
        type=int,
        default=256,
        help="log MB parsed per round (default 256): bounds memory; each finished round is kept if a later one fails",
    )
    ing.add_argument("--full", action="store_true", help="re-read every file, not only new or changed ones (still idempotent)")
    rep = sub.add_parser("report", help="show utilization and cold data", description="Show usage per lake, table, partition and column.")
    rep.add_argument("--window", default="90d", help="how far back reads count: 90d (default), 12w, 36h, 6m, 1y")
    rep.add_argument("--json", metavar="FILE", help="also write the full report as JSON to FILE ('-' for stdout only)")
    rep.add_argument("--html", metavar="FILE", help="also write the usage section as a standalone HTML page")
    rep.add_argument("--top", type=int, default=20, help="rows per section in the text output (default 20)")


def _aliases(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for v in values:
        if "=" not in v or v.startswith("=") or v.endswith("="):
            raise InputError(f"--path-alias {v!r}: expected FROM=TO, e.g. s3://bank-lake/prod=/mnt/lake")
        a, b = v.split("=", 1)
        out.append((a, b))
    return out


def _ingest(args: argparse.Namespace, ctx: "JobContext") -> int:
    from retention.usage.ingest import ingest
    from retention.usage.report import human_bytes
    from retention.usage.sources.base import UsageSource
    from retention.usage.sources.lakewarden_jobs import LakewardenJobsSource
    from retention.usage.sources.s3_access import S3AccessLogSource
    from retention.usage.sources.spark_eventlog import SparkEventLogSource

    if not args.event_logs and not args.access_logs:
        raise InputError("usage ingest: give --event-logs PATH and/or --access-logs PATH")
    apps = tuple(args.governance_app or ["lakewarden"])
    sources: list[UsageSource] = [SparkEventLogSource(p, governance_apps=apps) for p in args.event_logs]
    sources += [S3AccessLogSource(p, governance_agents=apps) for p in args.access_logs]
    if not args.no_audit_reads:
        sources.append(LakewardenJobsSource(ctx.settings))
    result = ingest(
        ctx.spark,
        ctx.settings,
        sources,
        maintenance=ctx.maintenance,
        aliases=_aliases(args.path_alias),
        full=args.full,
        progress=ctx.progress,
        round_bytes=max(1, args.round_mb) << 20,
    )
    out = ctx.out
    for s in result.sources:
        out.print(f"{s.source} {s.path}:")
        out.print(f"  files: {s.files_found} found, {s.files_read} read, {s.files_skipped_unchanged} unchanged since the last ingest")
        st = s.stats
        if st is not None:
            out.print(
                f"  read {human_bytes(st.bytes)} in {st.lines} line(s); {st.malformed} malformed and {st.truncated} truncated line(s) skipped"
                + (f"; {len(st.corrupt_files)} corrupt file(s)" if st.corrupt_files else "")
            )
            if st.versions:
                out.print("  Spark versions: " + ", ".join(f"{v} ({n} file(s))" for v, n in sorted(st.versions.items())))
            for m in st.messages:
                out.print(f"  ! {m}")
        out.print(
            f"  reads: {s.reads_found} found, {s.reads_new} new ({s.governance_reads} governance), "
            f"{s.reads_already_ingested} already ingested"
        )
        labels = {
            "outside_lake": "outside the lake root (skipped)",
            "not_delta": "inside the lake but not a Delta table (skipped)",
            "missing": "of tables no longer in the lake (recorded)",
            "system": "of Lakewarden's own tables (skipped)",
            "delta_log": "of Delta log files (skipped)",
        }
        for status, label in labels.items():
            if s.by_status.get(status):
                ex = ", ".join(s.examples.get(status, [])[:3])
                out.print(f"  {s.by_status[status]} read(s) {label}: {ex}")
        for m in s.messages:
            out.print(f"  {m}")
    ctx.audit.append(action="usage.ingest", counts=result.counts(), details={"sources": [s.path for s in result.sources]})
    return 0


def _report(args: argparse.Namespace, ctx: "JobContext") -> int:
    from retention.usage.html import render_usage_page
    from retention.usage.report import build_usage_report, render_text

    report = build_usage_report(ctx.spark, ctx.settings, maintenance=ctx.maintenance, window=args.window)
    if args.json == "-":
        ctx.out.print(json.dumps(report.to_dict(), indent=2))
    else:
        for line in render_text(report, top=args.top):
            ctx.out.print(line)
        if args.json:
            Path(args.json).write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
            ctx.out.print(f"\nJSON report written to {args.json}")
    if args.html:
        Path(args.html).write_text(render_usage_page(report), encoding="utf-8")
        if args.json != "-":
            ctx.out.print(f"HTML usage section written to {args.html}")
    return 0


def run(args: argparse.Namespace, ctx: "JobContext") -> int:
    """Run ``usage ingest`` or ``usage report``."""
    if args.usage_command == "ingest":
        return _ingest(args, ctx)
    return _report(args, ctx)


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("usage"))
