"""``lakewarden report``: the self-contained HTML classification report for privacy officers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from governance.context import JobContext

if TYPE_CHECKING:
    from governance.catalog import CatalogColumn
    from governance.protection.state import TableProtection

HELP = "write the HTML classification report (verdicts, evidence, protection state, review status, overdue reviews)"
DESCRIPTION = (
    "Reads the catalog (latest scans with reviews applied) and the review cadence of "
    "conf/classification.yaml, and writes one self-contained HTML file: summary, charts, per-table and "
    "per-column verdicts with confidence and evidence, redacted examples only, review status and the "
    "tables overdue for review. Each catalog table's current version is read (delta-rs) to show every "
    "column's protection state (plaintext, tokenized, encrypted ...); personal columns still in plaintext "
    "are flagged. --overdue lists overdue tables on stdout (exit 0 either way)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE", default="lakewarden-report.html", help="HTML file to write (default lakewarden-report.html)")
    parser.add_argument("--overdue", action="store_true", help="also list the tables whose review is overdue")
    parser.add_argument("--window", default="90d", help="usage window for the usage section (default 90d)")
    parser.add_argument("--no-usage", action="store_true", help="leave out the usage and cold-data section")


def _usage_section(ctx: JobContext, cols: list[object], *, window: str) -> str:
    """The usage section (utilization over time, cold bytes by tier) when usage was ingested."""
    from retention.usage.html import render_usage_section
    from retention.usage.report import build_usage_report
    from retention.usage.store import read_usage

    if read_usage(ctx.spark, ctx.settings) is None:
        return ('<section><h2>Usage</h2><p>No usage evidence ingested yet: run '
                '<code>lakewarden usage ingest --event-logs PATH</code>.</p></section>')
    report = build_usage_report(ctx.spark, ctx.settings, maintenance=ctx.maintenance, window=window, catalog_columns=list(cols))
    return render_usage_section(report)


def _protection(ctx: JobContext, cols: "list[CatalogColumn]") -> "dict[str, TableProtection]":
    """The protection state of each catalog table's catalog columns, read from its current version."""
    from governance.protection.state import table_protection

    by_table: dict[str, list[str]] = {}
    for c in cols:
        by_table.setdefault(c.table, []).append(c.column)
    out: dict[str, TableProtection] = {}
    with ctx.progress.task("read protection state", total=len(by_table)) as task:
        for table, columns in sorted(by_table.items()):
            out[table] = table_protection(table, columns=columns)
            task.advance(1)
    return out


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    from classification.reports import html_report, write_html
    from governance.catalog import Catalog
    from governance.risk import classification_policy_path, load_classification_policy, overdue_reviews, rate_tables

    s = ctx.settings
    policy = load_classification_policy(classification_policy_path(s))
    cols = Catalog(s, policy=policy).all_effective_columns()
    risks = rate_tables(cols, policy)
    protection = _protection(ctx, list(cols))
    sections = [] if args.no_usage else [_usage_section(ctx, list(cols), window=args.window)]
    write_html(args.out, html_report(cols, risks, extra_sections=[x for x in sections if x], protection=protection))
    ctx.out.print(f"wrote {args.out}: {len(risks)} table(s), {sum(1 for c in cols if c.entity)} personal column(s)")
    names = {c.table: c.table_name or c.table for c in cols}
    for table, tp in sorted(protection.items()):
        if tp.note:
            ctx.out.print(f"note: protection state of {names.get(table, table)} unknown: {tp.note}")
    late = overdue_reviews(cols, policy)
    if args.overdue or late:
        for r in late:
            ctx.out.print(f"overdue: {r.table} ({r.tier} risk, due {r.review_due.date() if r.review_due else '?'}, {r.days_overdue} day(s) late)")
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("report"))
