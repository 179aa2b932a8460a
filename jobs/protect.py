"""``lakewarden protect TABLE``: tokenize/encrypt/hash/mask sensitive columns by policy, in one commit."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from governance.context import JobContext
from governance.feature_policy import check_for_job
from governance.locks import table_lock
from governance.keys.base import NoKeyAccess
from governance.keys.manager import KeyManager, key_tables, open_provider
from governance.lake import locate_table
from governance.policy import load_policy
from governance.protection.apply import ProtectResult, apply_plan, check_span_detector
from governance.protection.history import purge_plaintext_history
from governance.protection.plan import ProtectPlan, build_plan
from governance.retry import with_conflict_retries
from jobs._spans import PresidioSpanDetector

HELP = "protect sensitive columns of a table by policy (dry-run plan unless --apply)"
DESCRIPTION = (
    "Plans, and with --apply performs, the protection of a Delta table's sensitive columns as "
    "conf/policy.yaml says (tokenize, encrypt, encrypt_per_subject, hash, mask, protect_spans, drop, keep). "
    "The table is rewritten in ONE verified Delta commit; nulls stay null, other columns are untouched, "
    "already protected values are never protected twice. protect_spans (free text: memos, notes) "
    "protects only the entity spans Presidio finds in each value and keeps the other words. Runs as "
    "the 'protector' key role.\n\n"
    "--purge-history then removes what older versions still hold (their data files and the "
    "_delta_log statistics and predicates): time travel to versions before the protected one is lost."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", metavar="TABLE", help="table name under the lake root, or a path/URL")
    parser.add_argument("--policy", metavar="FILE", help="policy file (default: settings 'policy', conf/policy.yaml)")
    parser.add_argument("--apply", action="store_true", help="rewrite the table (default: print the plan only)")
    parser.add_argument(
        "--purge-history", action="store_true",
        help="after protecting, remove older versions' plaintext (data files and log); with --apply only",
    )


def print_plan(ctx: JobContext, plan: ProtectPlan) -> None:
    ctx.out.print(f"table {plan.table} at version {plan.version}: {plan.rows} row(s)"
                  + (f", data subject column {plan.subject_column!r}" if plan.subject_column else ""))
    if plan.columns:
        ctx.out.table(plan.as_rows())
    else:
        ctx.out.print("no column of this table has a protection rule (policy tables/entities/sensitivity)")
    for note in plan.notes:
        ctx.out.print(f"note: {note}")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    settings = ctx.settings
    path = locate_table(settings, args.table, spark=lambda: ctx.spark).path
    # Delta features: refused here, by name, before anything is planned or written.
    check_for_job(settings, path, "protect.apply" if args.apply else "protect.plan",
                  *(["purge_history"] if args.apply and args.purge_history else []))
    policy = load_policy(args.policy or settings.policy).protection
    tables = key_tables(settings)
    readonly = KeyManager(NoKeyAccess(role="protector", why="dry-run plans read the key table only"), tables)
    # --apply holds the table's Lakewarden lock from the plan on (another protect or erase waits)
    with table_lock(settings, path, job="protect") if args.apply else contextlib.nullcontext():
        with ctx.progress.task("plan protection"):
            plan = build_plan(ctx.spark, settings, policy, path, keys=readonly)
        detector = _span_detector(settings, plan)
        print_plan(ctx, plan)
        if not args.apply:
            ctx.out.print(f"dry run: {len(plan.work)} column(s) would change; nothing was written. Rerun with --apply.")
            if args.purge_history:
                report = purge_plaintext_history(ctx.maintenance, path, dry_run=True)
                ctx.out.print("with --apply, --purge-history would then: " + report.statement())
            return 0
        return _apply(ctx, args, settings, policy, path, plan, readonly, tables, detector)


def _span_detector(settings: Any, plan: ProtectPlan) -> PresidioSpanDetector | None:
    """The entity detector of ``protect_spans`` columns (None when the plan has none), checked against the plan.

    Raises:
        PolicyError: A rule names an entity the detector cannot find.
        ConfigError: A bad recognizer file, or the spaCy model missing.
    """
    spans = [c for c in plan.work if c.action == "protect_spans"]
    if not spans:
        return None
    detector = PresidioSpanDetector.from_settings(settings)
    check_span_detector(plan, detector)
    missing = sorted({"PERSON", "LOCATION"} - detector.supported_entities())
    if missing and any(c.rule.entities is None for c in spans):
        plan.notes.append(f"classification.nlp is {settings.classification.nlp}: {', '.join(missing)} cannot be found in "
                          "free text on this tier (set classification.nlp: spacy_small)")
    return detector


def _apply(ctx: JobContext, args: argparse.Namespace, settings: Any, policy: Any, path: str, plan: ProtectPlan,
           readonly: KeyManager, tables: Any, detector: PresidioSpanDetector | None) -> int:
    work = plan.work
    if work:
        km = KeyManager(open_provider(settings, "protector"), tables)
        try:
            first = [plan]

            def attempt() -> ProtectResult:
                # a retry re-reads the table: another writer changed the files the last attempt read
                p = first.pop() if first else build_plan(ctx.spark, settings, policy, path, keys=readonly)
                d = detector if detector is not None else _span_detector(settings, p)
                return apply_plan(ctx.spark, p, km, description=f"protect {len(p.work)} column(s)", detector=d,
                                  udf_processes=settings.engine.udf_processes)

            with ctx.progress.task("protect", total=len(work)) as t:
                result = with_conflict_retries(attempt, what=f"protect {path}", attempts=settings.engine.commit_attempts)
                t.advance(len(work))
        finally:
            km.forget()
            km.provider.close()
        ctx.audit.append(
            action="protect",
            table=path,
            columns=sorted(result.columns),
            counts={"rows": result.rows, "columns": len(result.columns), "subjects": result.subjects,
                    "caught_up_rows": result.caught_up_rows, "appended_after_rows": result.appended_after_rows},
            details={
                "version": result.version, "previous_version": result.previous_version,
                "actions": result.columns, "keys": result.keys, "original_types": result.original_types,
                "skipped": [c.column for c in plan.columns if c.status.startswith("skip")],
                "key_provider": km.provider.describe(),
            },
        )
        ctx.out.print(f"protected {len(result.columns)} column(s) of {path}: version {result.version} "
                      f"({result.rows} rows read at version {result.previous_version})")
        if result.caught_up_rows:
            ctx.out.print(f"  {result.caught_up_rows} row(s) other writers appended meanwhile were protected too (catch-up)")
        after = (f"; other writers committed {result.appended_after_rows} row(s) after it, left as they came: rerun "
                 "protect, or protect at ingest" if result.appended_after_rows else "")
        ctx.out.print(f"  every row through version {result.protected_through} is protected{after}")
    else:
        ctx.out.print("nothing to protect: every planned column is already protected or kept")
    if args.purge_history:
        report = purge_plaintext_history(ctx.maintenance, path, dry_run=False)
        ctx.audit.append(
            action="purge_history", table=path,
            counts={"data_files": len(report.data_files), "log_files": len(report.log_files)},
            details={"kept_version": report.version},
        )
        ctx.out.print(report.statement())
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("protect"))
