"""``lakewarden erase``: GDPR/CCPA erasure requests with a ledger, signed receipts and proof."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, timezone
from typing import Any

from governance.context import JobContext
from governance.errors import InputError

HELP = "record, run, verify and list GDPR/CCPA erasure requests"
DESCRIPTION = (
    "Erasure requests. 'request' records a data subject's identifiers (stored only as keyed hashes) "
    "with the legal deadline (GDPR one month, CCPA 45 days) and prints the request id. 'run' finds "
    "every row of the subject in every classified table (tokenized columns by token), removes it "
    "(only the files that hold it are rewritten), purges old versions and log statistics, destroys "
    "the subject's keys, re-scans every byte under the lake and writes a signed receipt; it is a "
    "dry run unless --apply and resumes a crashed run where it stopped. 'verify' re-checks a receipt's "
    "signature and re-scans the lake. 'status' lists requests, overdue first."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="erase_command", metavar="ACTION", required=True)
    req = sub.add_parser("request", help="record an erasure request; prints its id")
    req.add_argument("--subject", nargs="+", required=True, metavar="KEY=VALUE",
                     help="identifiers: an entity (EMAIL_ADDRESS=..., US_SSN=...) or a column name (customer_id=...)")
    req.add_argument("--regulation", default="gdpr", help="gdpr (one month) or ccpa (45 days); default gdpr")
    req.add_argument("--received", metavar="DATE", help="day the request was received (YYYY-MM-DD; default today)")
    run = sub.add_parser("run", help="erase one request or every due one (dry run unless --apply)")
    run.add_argument("request_id", nargs="?", metavar="ID", help="request id (from 'erase request')")
    run.add_argument("--all-due", action="store_true", help="every open request, earliest deadline first")
    run.add_argument("--apply", action="store_true", help="really erase (default: show what would be erased)")
    ver = sub.add_parser("verify", help="check a receipt's signature and re-scan every file under the lake")
    ver.add_argument("receipt", metavar="RECEIPT", help="receipt file (_lakewarden/erasure_receipts/<id>.json)")
    st = sub.add_parser("status", help="list requests with their deadlines, overdue first")
    st.add_argument("--json", dest="json_out", action="store_true", help="one JSON object per line")


def _keys(ctx: JobContext) -> tuple[Any, Any]:
    from governance.keys.manager import open_provider
    from retention.erasure.secrets import load_or_create

    provider = open_provider(ctx.settings, "eraser")
    return provider, load_or_create(ctx.settings, provider)


def build_runner(ctx: JobContext, *, provider: Any, keys: Any, faults: Any = None) -> Any:
    """The erasure runner for a job context."""
    from retention.erasure.executor import ErasureRunner, FaultInjector, key_access_from_settings
    from retention.erasure.ledger import Ledger
    from retention.rules.model import load_retention

    return ErasureRunner(
        settings=ctx.settings, spark=ctx.spark, maintenance=ctx.maintenance, ledger=Ledger(ctx.settings), keys=keys,
        key_access=key_access_from_settings(ctx.settings, provider), policy=load_retention(ctx.settings),
        audit=ctx.audit, faults=faults or FaultInjector.from_env(), log=lambda m: ctx.progress.event("erase", note=m),
    )


def _parse_date(text: str | None) -> date:
    if not text:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--received {text!r} is not a date (YYYY-MM-DD)") from None


def _request(args: argparse.Namespace, ctx: JobContext) -> int:
    from governance.keys.manager import KeyManager, key_tables
    from retention.erasure.identifiers import Hasher
    from retention.erasure.service import create_request

    provider, keys = _keys(ctx)
    req = create_request(ctx.settings, subject=args.subject, regulation=args.regulation.lower(), received=_parse_date(args.received),
                         hasher=Hasher(keys.hash_key), provider=provider, manager=KeyManager(provider, key_tables(ctx.settings)))
    ctx.audit.append(action="erase.request", counts={"identifiers": len(req.identifiers["ids"])},
                     details={"request": req.request_id, "regulation": req.regulation, "deadline": req.deadline.isoformat(),
                              "keys": sorted({i["key"] for i in req.identifiers["ids"]})})
    ctx.out.print(req.request_id)
    ctx.progress.event("erase", note=f"request {req.request_id} recorded; {req.regulation.upper()} deadline {req.deadline.isoformat()}")
    return 0


def _run(args: argparse.Namespace, ctx: JobContext) -> int:
    from retention.erasure.ledger import Ledger

    if bool(args.request_id) == bool(args.all_due):
        raise InputError("give one request ID or --all-due")
    ledger = Ledger(ctx.settings)
    reqs = ledger.due() if args.all_due else [ledger.get(args.request_id)]
    provider, keys = _keys(ctx)
    runner = build_runner(ctx, provider=provider, keys=keys)
    failures: list[Exception] = []
    for req in reqs:
        try:
            out = runner.run(req, apply=args.apply)
        except Exception as exc:  # noqa: BLE001 - with --all-due one request's failure must not stop the others
            from governance.errors import LakewardenError

            if not isinstance(exc, LakewardenError) or not args.all_due:
                raise
            ctx.out.print(f"{req.request_id}: {exc}")
            failures.append(exc)
            continue
        if out.dry_run:
            ctx.audit.append(action="erase.plan", counts={"rows": sum(int(p["rows"]) for p in out.planned),
                                                          "tables": sum(1 for p in out.planned if p["rows"])},
                             details={"request": req.request_id})
            ctx.out.print(f"{req.request_id} (dry run: nothing changed; add --apply)")
            ctx.out.table(out.planned)
        else:
            r = out.request
            ctx.out.print(f"{r.request_id}: {r.state}; receipt {out.receipt_path}")
            if r.state == "not_found":
                ctx.out.print(f"{r.request_id}: NOT FOUND: nothing in the lake matched the identifiers, nothing was erased; "
                              "the receipt lists what was searched. Check the identifiers (a typo matches nothing).")
    if failures:
        raise failures[0]
    return 0


def _verify(args: argparse.Namespace, ctx: JobContext) -> int:
    from governance.errors import VerificationFailedError
    from retention.erasure.identifiers import Hasher
    from retention.erasure.ledger import Ledger
    from retention.erasure.receipt import check_signature, load_receipt
    from retention.erasure.verify import scan_lake

    doc = load_receipt(args.receipt)
    provider, keys = _keys(ctx)
    check_signature(ctx.settings, doc, keys=keys)
    req = Ledger(ctx.settings).get(doc["request_id"])
    scan = scan_lake(ctx.settings.lake.root, hasher=Hasher(keys.hash_key), idents=req.all_ids(),
                     tokens=set(req.identifiers.get("tokens", [])))
    from retention.erasure.executor import key_access_from_settings
    from retention.erasure.verify import Finding

    destroyed = set(req.progress.get("keys", {}).get("key_ids", []))
    if destroyed:
        alive = sorted(r.key_id for r in key_access_from_settings(ctx.settings, provider).subject_rows(key_ids=destroyed))
        scan.findings += [Finding("subject key table", f"subject key {k} still exists", "key") for k in alive]
    ctx.audit.append(action="erase.verify", counts={"files": scan.files, "bytes": scan.bytes, "findings": len(scan.findings),
                                                     "scan_ms": round(scan.seconds * 1000)},
                     details={"request": req.request_id, "receipt": args.receipt})
    if not scan.clean:
        for f in scan.findings[:20]:
            ctx.out.print(f"FOUND {f.key}: {f.file} ({f.where})")
        raise VerificationFailedError(f"request {req.request_id}: the subject is readable in {len(scan.findings)} place(s)")
    ctx.out.print(f"receipt {doc['request_id']}: signature valid ({doc['signature']['alg']}); scanned {scan.files} file(s), "
                  f"{scan.bytes} byte(s) under {scan.root}: none of the subject's identifiers found"
                  + (f"; {len(destroyed)} subject key(s) confirmed destroyed" if destroyed else ""))
    return 0


def _status(args: argparse.Namespace, ctx: JobContext) -> int:
    from retention.erasure.ledger import Ledger

    today = datetime.now(timezone.utc).date()
    reqs = Ledger(ctx.settings).all()
    reqs.sort(key=lambda r: (not (r.open and r.deadline < today), not r.open, r.deadline, r.request_id))
    rows = []
    for r in reqs:
        days = r.days_left(today)
        rows.append({
            "request": r.request_id, "regulation": r.regulation, "received": r.received.isoformat(),
            "deadline": r.deadline.isoformat(), "state": r.state,
            "due": ((r.state.replace("_", " ")) if not r.open else (f"OVERDUE {-days}d" if days < 0 else f"{days}d left")),
            "hold": ",".join(sorted({str(h.get('hold')) for h in r.progress.get("holds", {}).values()})),
            "rows_removed": sum(int(t.get("rows_removed", 0)) for t in r.progress.get("tables", {}).values()),
        })
    if args.json_out:
        for row in rows:
            ctx.out.print(json.dumps(row))
    else:
        ctx.out.table(rows)
    return 0


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    return {"request": _request, "run": _run, "verify": _verify, "status": _status}[args.erase_command](args, ctx)


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("erase"))
