"""``lakewarden report``: the self-contained HTML classification report for privacy officers."""

from __future__ import annotations

import argparse

from governance.context import JobContext

HELP = "write the HTML classification report (verdicts, evidence, review status, overdue reviews)"
DESCRIPTION = (
    "Reads the catalog (latest scans with reviews applied) and the review cadence of "
    "conf/classification.yaml, and writes one self-contained HTML file: summary, charts, per-table and "
    "per-column verdicts with confidence and evidence, redacted examples only, review status and the "
    "tables overdue for review. --overdue lists overdue tables on stdout (exit 0 either way)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE", default="lakewarden-report.html", help="HTML file to write (default lakewarden-report.html)")
    parser.add_argument("--overdue", action="store_true", help="also list the tables whose review is overdue")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    from classification.reports import html_report, write_html
    from governance.catalog import Catalog
    from governance.risk import classification_policy_path, load_classification_policy, overdue_reviews, rate_tables

    s = ctx.settings
    policy = load_classification_policy(classification_policy_path(s))
    cols = Catalog(s, policy=policy).all_effective_columns()
    risks = rate_tables(cols, policy)
    write_html(args.out, html_report(cols, risks))
    ctx.out.print(f"wrote {args.out}: {len(risks)} table(s), {sum(1 for c in cols if c.entity)} personal column(s)")
    late = overdue_reviews(cols, policy)
    if args.overdue or late:
        for r in late:
            ctx.out.print(f"overdue: {r.table} ({r.tier} risk, due {r.review_due.date() if r.review_due else '?'}, {r.days_overdue} day(s) late)")
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("report"))
