"""``lakewarden review``: record a privacy officer's decision on one column's classification."""

from __future__ import annotations

import argparse

from governance.context import JobContext

HELP = "confirm or override the classification of a column (reviewed labels win over later scans)"
DESCRIPTION = (
    "Records a privacy officer's decision in <root>/_lakewarden/classification_reviews and the audit log. "
    "--confirm keeps the current label, --set ENTITY replaces it, --not-personal clears it. Later scans "
    "never override a reviewed label; `lakewarden report` shows who decided what and when. With no "
    "decision, lists the table's columns with their review status."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", metavar="TABLE", help="table path or name under the lake root")
    parser.add_argument("column", metavar="COLUMN", nargs="?", help="column (leaf path for nested columns, e.g. address.street)")
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--confirm", action="store_true", help="confirm the current label")
    g.add_argument("--set", dest="set_entity", metavar="ENTITY", help="set the entity (e.g. PERSON, IBAN_CODE)")
    g.add_argument("--not-personal", action="store_true", help="mark the column as holding no personal data")
    parser.add_argument("--by", metavar="NAME", help="who decides (required with a decision)")
    parser.add_argument("--note", metavar="TEXT", help="why (kept with the review)")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    from governance.catalog import Catalog, Decision
    from governance.errors import InputError
    from governance.lake import locate_table
    from governance.risk import classification_policy_path, load_classification_policy

    s = ctx.settings
    path = locate_table(s, args.table, spark=lambda: ctx.spark).path
    catalog = Catalog(s, policy=load_classification_policy(classification_policy_path(s)))
    decided = args.confirm or args.set_entity or args.not_personal
    if not decided:
        cols = catalog.effective_columns(path)
        if not cols:
            raise InputError(f"{path}: not in the catalog; run `lakewarden classify {args.table}` first")
        ctx.out.table([
            {"column": c.column, "entity": c.entity or "-", "confidence": f"{c.confidence:.2f}", "sensitivity": c.sensitivity,
             "reviewed": f"{c.review_decision} by {c.reviewed_by}" if c.reviewed else ""}
            for c in cols if args.column in (None, c.column)
        ])
        return 0
    if not args.column:
        raise InputError("a review decision needs a COLUMN")
    if not args.by:
        raise InputError("a review decision needs --by NAME")
    decision: Decision = "confirm" if args.confirm else ("set" if args.set_entity else "not_personal")
    col = catalog.record_review(table=path, column=args.column, decision=decision, by=args.by, entity=args.set_entity, note=args.note)
    ctx.audit.append(
        action="classification_review",
        table=path,
        columns=[args.column],
        details={"decision": decision, "entity": col.entity, "scanned_entity": col.scanned_entity, "by": args.by, "note": args.note},
    )
    ctx.out.print(f"{args.table}.{args.column}: {decision} -> {col.entity or 'not personal'} ({col.sensitivity}), reviewed by {args.by}")
    return 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("review"))
