"""``lakewarden audit``: show and verify the hash-chained audit log."""

from __future__ import annotations

import argparse
import json

from governance.context import JobContext
from governance.errors import AuditIntegrityError

HELP = "show the audit log or verify its hash chain"
DESCRIPTION = (
    "The audit log records every action that reads plaintext, changes a table, touches a key or "
    "answers a request. 'verify' recomputes the hash chain and names any entry that was removed, "
    "reordered or edited, and compares its head with the anchor kept outside the lake (the key server, "
    "or a signed file): a deleted log, a removed tail, a rewritten head or a missing anchor fail too (exit code 9)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    sub.add_parser("verify", help="check the hash chain; exit 9 if broken")
    show = sub.add_parser("show", help="print the latest entries")
    show.add_argument("--limit", type=int, default=20, help="number of entries (default 20)")
    show.add_argument("--json", dest="json_out", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    if args.audit_command == "verify":
        report = ctx.audit.verify()
        if not report.ok:
            for problem in report.problems:
                ctx.out.print(f"BROKEN: {problem}")
            raise AuditIntegrityError(
                f"{ctx.audit.sink.location}: audit chain broken in {len(report.problems)} place(s) among {report.entries} entries"
            )
        anchored = f"; its head matches the anchor at {ctx.audit.anchor.location}" if ctx.audit.anchor is not None else ""
        ctx.out.print(f"audit log intact: {report.entries} entries verified ({ctx.audit.sink.location}){anchored}")
        return 0
    entries = ctx.audit.entries()[-args.limit:]
    if args.json_out:
        for e in entries:
            ctx.out.print(json.dumps(e.body() | {"hash": e.hash}, default=str))
        return 0
    ctx.out.table(
        [
            {"seq": e.seq, "time": e.ts[:19], "actor": e.actor, "job": e.job, "action": e.action,
             "table": e.table or "", "columns": ",".join(e.columns), "counts": json.dumps(e.counts)}
            for e in entries
        ]
    )
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("audit"))
