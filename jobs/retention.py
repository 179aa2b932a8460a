"""``lakewarden retention``: plan and apply retention/anonymization rules; k-anonymity risk."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from governance.context import JobContext
from governance.locks import table_lock

HELP = "plan and apply retention and anonymization rules; measure k-anonymity"
DESCRIPTION = (
    "Retention rules live under 'retention:' in conf/policy.yaml. 'plan' shows, per table, which rule "
    "would delete or anonymize which rows (and partitions, bytes), which rule won a conflict and why, "
    "and what legal holds keep. 'apply' carries the plan out (dry run unless --apply): one verified "
    "Delta commit per table, then vacuum and log clean-up so old files and log statistics follow. "
    "'risk' reports the k-anonymity of a table over its quasi-identifiers."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    plan = sub.add_parser("plan", help="what retention would change, by which rule and why")
    plan.add_argument("--json", dest="json_file", metavar="FILE", help="also write the plan as JSON to FILE")
    ap = sub.add_parser("apply", help="apply the plan (dry run unless --apply)")
    ap.add_argument("--apply", action="store_true", help="really change the tables")
    risk = sub.add_parser("risk", help="k-anonymity of TABLE over quasi-identifier columns")
    risk.add_argument("table", metavar="TABLE", help="table name under the lake root, or a path")
    risk.add_argument("--quasi", metavar="COL,COL",
                      help="quasi-identifier columns (default: the columns classify reported as quasi-identifiers)")
    risk.add_argument("--k", type=int, default=5, help="threshold for 'small' groups (default 5)")
    risk.add_argument("--top", type=int, default=10, help="smallest groups to list (default 10)")


def _plan(ctx: JobContext):  # type: ignore[no-untyped-def]
    from retention.rules.model import load_retention
    from retention.rules.plan import build_plan

    policy = load_retention(ctx.settings)
    return policy, build_plan(ctx.spark, ctx.settings, policy, maintenance=ctx.maintenance)


def _print_plan(ctx: JobContext, plan) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for t in plan.tables:
        rows.append({
            "table": t.table,
            "delete": f"{t.rows_delete} row(s) by {t.delete.rule}" if t.delete else "",
            "anonymize": f"{t.rows_anonymize} row(s) by {t.anonymize.rule} ({','.join(t.anonymize_columns)})" if t.anonymize else "",
            "held": t.rows_held or "",
            "bytes": t.bytes_affected,
            "partitions": len(t.partitions_delete) or "",
            "status": t.blocked or ("will change" if t.changes else "nothing to change"),
        })
    ctx.out.table(rows)
    for t in plan.tables:
        for choice in (t.delete, t.anonymize):
            if choice is not None:
                ctx.out.print(f"{t.table}: {choice.action} by {choice.rule}: {choice.why}; rows where {choice.predicate}")
        for h in t.holds:
            ctx.out.print(f"{t.table}: hold {h}")
        if t.partitions_delete:
            ctx.out.print(f"{t.table}: partitions deleted: {', '.join(t.partitions_delete[:20])}"
                          + (" ..." if len(t.partitions_delete) > 20 else ""))
    for h in plan.expired_holds:
        ctx.out.print(f"expired hold ignored: {h}")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    if args.retention_command == "risk":
        from governance.lake import locate_table, require_delta
        from retention.rules.risk import catalog_quasi_identifiers, k_anonymity, parse_quasi

        ref = locate_table(ctx.settings, args.table, spark=lambda: ctx.spark)
        path = ref.path
        require_delta(path)
        quasi = parse_quasi(args.quasi) if args.quasi else catalog_quasi_identifiers(ctx.settings, path, table=ref.name)
        rep = k_anonymity(ctx.spark.read.format("delta").load(path), quasi, threshold=args.k,
                          top=args.top, table=ref.name)
        ctx.out.print(f"{args.table}: k = {rep.k} over ({', '.join(rep.quasi)}); {rep.groups} group(s), {rep.rows} row(s); "
                      f"{rep.groups_below} group(s) below {rep.threshold} hold {rep.rows_below} row(s)")
        ctx.out.table(rep.smallest)
        ctx.audit.append(action="retention.risk", table=path, columns=rep.quasi, counts={"k": rep.k, "rows_below": rep.rows_below})
        return 0
    policy, plan = _plan(ctx)
    if args.retention_command == "plan":
        _print_plan(ctx, plan)
        if args.json_file:
            Path(args.json_file).write_text(json.dumps(plan.to_dict(), indent=2, default=str), encoding="utf-8")
            ctx.out.print(f"plan written to {args.json_file}")
        _raise_if_partial(plan, done="planned")
        return 0
    from retention.rules.apply import apply_plan

    if args.apply:  # Delta features: every table that will change is checked before the first write
        from governance.feature_policy import check_for_job

        for tp in plan.tables:
            if tp.changes:
                check_for_job(ctx.settings, tp.path, "retention.apply", table=tp.table)
    report = apply_plan(ctx.spark, plan, policy, maintenance=ctx.maintenance, audit=ctx.audit, dry_run=not args.apply,
                        commit_attempts=ctx.settings.engine.commit_attempts,
                        lock=lambda path: table_lock(ctx.settings, path, job="retention apply"))
    if report.dry_run:
        ctx.out.print("dry run: nothing changed (add --apply)")
    ctx.out.table([{"table": a.table, "version": a.version, "deleted": a.rows_deleted, "anonymized": a.rows_anonymized,
                    "purged_files": a.purged_data_files, "purged_log": a.purged_log_files, "note": a.skipped or ""}
                   for a in report.tables])
    _raise_if_partial(plan, done="applied" if args.apply else "planned")
    return 0


def _raise_if_partial(plan, *, done: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 11 (partial) when some tables could not be planned; the others were handled and printed."""
    from governance.errors import PartialFailureError

    failed = [t for t in plan.tables if t.failed]
    if failed:
        raise PartialFailureError(
            f"{len(failed)} of {len(plan.tables)} table(s) could not be planned: "
            + "; ".join(f"{t.table}: {t.failed}" for t in failed) + f"; the others were {done}"
        )


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("retention"))
