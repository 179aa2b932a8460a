"""``lakewarden demo``: build a synthetic retail-bank lake and run every lifecycle step on it."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from governance.context import JobContext
from governance.errors import InputError

HELP = "generate the synthetic bank lake under demo-lake/ and run the whole lifecycle on it"
DESCRIPTION = (
    "Generates a realistic synthetic retail bank (customers, accounts, cards, transactions with free-text "
    "memos, support tickets; about 1M rows by default) as Delta tables, then runs every lifecycle step: "
    "classification, report, protection plan, usage, retention plan, an erasure request, audit verification. "
    "Reports land in <lake>/reports/."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="total rows across all tables (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same lake)")
    parser.add_argument("--keep", action="store_true", help="keep an existing demo lake instead of regenerating it")
    parser.add_argument("--skip-steps", action="store_true", help="only generate the tables")


def _generate(ctx: JobContext, root: Path, *, rows: int, seed: int) -> dict[str, int]:
    from governance.demo.bank import PARTITIONS, generate
    from governance.safe_write import safe_write

    with ctx.progress.task("Generating synthetic bank data", total=None):
        frames = generate(total_rows=rows, seed=seed)
    counts: dict[str, int] = {}
    with ctx.progress.task("Writing Delta tables", total=len(frames)) as task:
        for name, frame in frames.items():
            df = ctx.spark.createDataFrame(frame)
            res = safe_write(ctx.spark, df, str(root / name), partition_by=PARTITIONS.get(name), description=f"demo table {name}")
            counts[name] = res.rows
            task.advance(note=name)
    ctx.audit.append(action="demo.generate", counts=counts, details={"seed": seed})
    return counts


def _steps(root: Path, reports: Path) -> list[tuple[str, list[str]]]:
    lake = ["--lake", str(root)]
    return [
        ("classify", ["classify", *lake, "--json", str(reports / "classification.json")]),
        ("report", ["report", *lake, "--out", str(reports / "lakewarden-report.html")]),
        ("protect (plan)", ["protect", *lake, "customers"]),
        ("retention (plan)", ["retention", *lake, "plan", "--json", str(reports / "retention-plan.json")]),
        ("audit verify", ["audit", *lake, "verify"]),
    ]


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    from jobs.cli import available_commands, main

    if args.rows < 1000:
        raise InputError(f"--rows {args.rows}: the demo needs at least 1000 rows")
    root = Path(ctx.settings.lake.root).absolute()
    reports = root / "reports"
    started = time.monotonic()
    if root.exists() and not args.keep:
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    reports.mkdir(exist_ok=True)
    if not args.keep or not any(root.iterdir()):
        counts = _generate(ctx, root, rows=args.rows, seed=args.seed)
        ctx.out.print(f"demo lake: {sum(counts.values()):,} rows in {len(counts)} tables under {root}")
        for name, n in counts.items():
            ctx.out.print(f"  {name:<16} {n:>9,} rows")
    failures = 0
    if not args.skip_steps:
        have = set(available_commands())
        for label, argv in _steps(root, reports):
            if argv[0] not in have:
                ctx.out.print(f"- {label}: not part of this build, skipped")
                continue
            t0 = time.monotonic()
            rc = main(argv)
            ctx.out.print(f"- {label}: {'ok' if rc == 0 else f'exit code {rc}'} ({time.monotonic() - t0:.1f}s)")
            failures += rc != 0
    ctx.out.print(f"done in {time.monotonic() - started:.0f}s. Reports: {reports}")
    for p in sorted(reports.iterdir()):
        ctx.out.print(f"  {p}")
    return 1 if failures else 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("demo"))
