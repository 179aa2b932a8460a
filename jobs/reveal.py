"""``lakewarden reveal TABLE --columns A,B --reason WHY``: plaintext for the revealer role, audited."""

from __future__ import annotations

import argparse
import hashlib
import json
import re

from governance.context import JobContext
from governance.errors import AccessDeniedError, AuthenticationError, InputError
from governance.keys.manager import KeyManager, key_tables, open_provider
from governance.lake import locate_table
from governance.protection.reveal import reveal

HELP = "reveal protected columns as plaintext (revealer role; --reason required; audited)"
DESCRIPTION = (
    "Decrypts tokenized, encrypted and per-subject encrypted columns, and free text protected span by span "
    "(its exact original text), for the rows matching --where, casting each back to its original type. Only the 'revealer' key role can unwrap the keys: the "
    "key server refuses every other role. Each run writes an audit entry naming who, which table and "
    "columns, how many rows, and the reason. Values whose subject key was destroyed stay NULL."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", metavar="TABLE", help="table name under the lake root, or a path/URL")
    parser.add_argument("--columns", required=True, help="comma-separated protected columns to reveal")
    parser.add_argument("--reason", required=True, help="why the plaintext is needed (recorded in the audit log)")
    parser.add_argument("--where", metavar="SQL", help="Spark SQL filter on the stored values (match tokens, not plaintext)")
    parser.add_argument("--also", default="", help="comma-separated columns to show as stored, to identify rows")
    parser.add_argument("--limit", type=int, default=100, help="maximum rows returned (default 100)")
    parser.add_argument("--version", type=int, default=None, help="Delta version to read (default latest)")
    parser.add_argument("--json", dest="json_out", action="store_true", help="one JSON object per row")


def redact_filter(where: str | None) -> dict[str, str] | None:
    """The filter for the audit log: string and number literals replaced, plus a hash of the full text."""
    if not where:
        return None
    shape = re.sub(r"'(?:[^']|'')*'", "'?'", where)
    shape = re.sub(r"\b\d[\d.]*\b", "?", shape)
    return {"shape": shape, "sha256": hashlib.sha256(where.encode()).hexdigest()}


def _split(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    reason = (args.reason or "").strip()
    if len(reason) < 3:
        raise InputError("--reason must say why the plaintext is needed (at least 3 characters)")
    columns = _split(args.columns)
    if not columns:
        raise InputError("--columns names no column")
    path = locate_table(ctx.settings, args.table, spark=lambda: ctx.spark).path
    from governance.feature_policy import check_for_job

    check_for_job(ctx.settings, path, "reveal")
    km = KeyManager(open_provider(ctx.settings, "revealer"), key_tables(ctx.settings))
    base = {"reason": reason, "filter": redact_filter(args.where), "role": km.provider.role,
            "key_provider": km.provider.describe(), "version": args.version}
    try:
        km.provider.check()  # prove the revealer role before anything is read
        with ctx.progress.task("reveal"):
            result = reveal(ctx.spark, km, path, columns=columns, where=args.where, also=_split(args.also),
                            limit=args.limit, version=args.version)
    except (AccessDeniedError, AuthenticationError) as exc:
        ctx.audit.append(action="reveal_denied", table=path, columns=columns, details=base | {"error": str(exc)})
        raise
    finally:
        km.forget()
        km.provider.close()
    counts = {"rows": result.matched_rows}
    for c in result.columns:
        counts[f"{c.column}.revealed"] = c.revealed
        if c.shredded:
            counts[f"{c.column}.shredded"] = c.shredded
        if c.irreversible:
            counts[f"{c.column}.irreversible"] = c.irreversible
    ctx.audit.append(action="reveal", table=path, columns=columns, counts=counts,
                     details=base | {"version": result.version, "keys": result.key_refs})
    if args.json_out:
        for row in result.rows:
            ctx.out.print(json.dumps(row, default=str))
    else:
        ctx.out.table([{k: ("" if v is None else str(v)) for k, v in r.items()} for r in result.rows])
    for c in result.columns:
        extra = []
        if c.shredded:
            extra.append(f"{c.shredded} unreadable: subject key destroyed")
        if c.irreversible:
            extra.append(f"{c.irreversible} irreversible (hashed or masked)")
        if extra:
            ctx.out.print(f"note: column {c.column!r}: " + "; ".join(extra))
    ctx.out.print(f"revealed {result.matched_rows} row(s) of {path} (version {result.version}); audited with reason")
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("reveal"))
