"""``lakewarden demo``: build a synthetic retail-bank lake and run every lifecycle step on it."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Callable

from governance.context import JobContext
from governance.errors import InputError

HELP = "generate the synthetic bank lake under demo-lake/ and run the whole lifecycle on it"
DESCRIPTION = (
    "Generates a realistic synthetic retail bank (customers, accounts, cards, transactions with free-text "
    "memos, support tickets; about 1M rows by default) as Delta tables, then runs every lifecycle step: "
    "classification, report, protection (customers; transactions memos span by span), usage, retention, an "
    "erasure request, audit verification. "
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


def _usage_workload(ctx: JobContext, root: Path, logs: Path) -> int:
    """Run a scripted read workload with classic Spark so the usage report has real evidence."""
    import shutil as _sh

    from retention.usage.demo_workload import plan_workload, run_workload

    if _sh.which("java") is None:
        ctx.out.print("  (no Java on PATH: the classic-Spark read workload is skipped; usage shows every table cold)")
        return 0
    plans = plan_workload(str(root))
    run_workload(plans, str(logs))
    ctx.out.print(f"  read workload: {len(plans)} scripted read(s) on classic Spark, event log in {logs}")
    return 0


def _demo_subject(ctx: JobContext, root: Path) -> list[str]:
    row = ctx.spark.read.format("delta").load(str(root / "customers")).where("customer_id = 42").select("email").first()
    return [f"EMAIL_ADDRESS={row['email']}"] if row else ["customer_id=42"]


def _verify_receipts(root: Path) -> int:
    from jobs.cli import main

    receipts = sorted((root / "_lakewarden" / "erasure_receipts").glob("*.json"))
    rc = 0
    for receipt in receipts:
        rc = max(rc, main(["erase", "--lake", str(root), "verify", str(receipt)]))
    return rc


def _steps(ctx: JobContext, root: Path, reports: Path) -> list[tuple[str, Callable[[], int]]]:
    from jobs.cli import main

    lake = ["--lake", str(root)]
    logs = root / "_events"
    subject = _demo_subject(ctx, root)  # chosen before protection tokenizes customer_id

    def cli(*argv: str) -> Callable[[], int]:
        return lambda: main([argv[0], *lake, *argv[1:]])

    return [
        ("classify", cli("classify", "--json", str(reports / "classification.json"))),
        ("usage: read workload", lambda: _usage_workload(ctx, root, logs)),
        ("usage ingest", lambda: main(["usage", *lake, "ingest", "--event-logs", str(logs)]) if logs.exists() else 0),
        ("usage report", cli("usage", "report", "--json", str(reports / "usage.json"), "--html", str(reports / "usage.html"))),
        ("protect customers (plan)", cli("protect", "customers")),
        ("protect customers", cli("protect", "customers", "--apply", "--purge-history")),
        ("reveal one customer (audited)", cli("reveal", "customers", "--columns", "email", "--limit", "1",
                                              "--reason", "demo: show that reveal is audited")),
        ("retention plan", cli("retention", "plan", "--json", str(reports / "retention-plan.json"))),
        ("retention apply", cli("retention", "apply", "--apply")),
        ("usage report after retention", cli("usage", "report", "--json", str(reports / "usage-after-retention.json"))),
        # Free text, span by span: after retention nulled the memos older than 90 days, so Presidio reads
        # only the memos the lake keeps; names and phone numbers become tokens, the other words stay.
        ("protect transactions memo (span by span)", cli("protect", "transactions", "--apply", "--purge-history")),
        ("reveal memos (audited)", cli("reveal", "transactions", "--columns", "memo", "--where", "memo LIKE 'lw1:spn:%'",
                                       "--limit", "3", "--reason", "demo: show that span tokens reveal the exact memo")),
        ("erase request (demo subject)", lambda: main(["erase", *lake, "request", "--subject", *subject])),
        ("erase run", cli("erase", "run", "--all-due", "--apply")),
        ("erase verify", lambda: _verify_receipts(root)),
        ("erase status", cli("erase", "status")),
        ("HTML report", cli("report", "--out", str(reports / "lakewarden-report.html"))),
        ("audit verify", cli("audit", "verify")),
    ]


def _demo_master_key(ctx: JobContext, root: Path) -> None:
    """Give the demo a local master key when none is set (demo only: production keys come from Vault)."""
    import base64
    import os
    import secrets

    env = ctx.settings.keys.local.master_key_env
    if ctx.settings.keys.provider != "local" or os.environ.get(env):
        return
    key_file = root / "_lakewarden" / "demo-master.key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
    os.environ[env] = key_file.read_text().strip()
    ctx.out.print(f"demo: ${env} was not set; using a generated demo key kept in {key_file} (mode 600). "
                  "Never do this with real data: use keys.provider=vault.")


def _print_workspace_help(ctx: JobContext, root: Path) -> None:
    """How to open the privacy officer's workspace on the demo lake (sign-in needs a key server)."""
    ws, vault = ctx.settings.workspace, ctx.settings.keys.vault
    lw = ".venv/bin/lakewarden --lake demo-lake" if root == Path("demo-lake").absolute() else f".venv/bin/lakewarden --lake {root}"
    key_file = root / "_lakewarden" / "demo-master.key"
    ctx.out.print("")
    ctx.out.print("Open the privacy officer's workspace (people sign in with key-server accounts):")
    ctx.out.print(f"  1. a key server at {vault.url}; to try it here, in another terminal: "
                  ".venv/bin/bao server -dev -dev-root-token-id=demo-only-root")
    if key_file.exists():
        ctx.out.print(f"  2. export {ctx.settings.keys.local.master_key_env}=$(cat {key_file})   (the demo's throw-away key; "
                      "the audit log is signed with it)")
    ctx.out.print(f"  3. VAULT_TOKEN=demo-only-root {lw} keys users add officer --role reviewer   (asks for a password)")
    ctx.out.print(f"  4. {lw} serve   then open http://{ws.host}:{ws.port}/ and sign in as officer")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    from jobs.cli import available_commands

    if args.rows < 1000:
        raise InputError(f"--rows {args.rows}: the demo needs at least 1000 rows")
    root = Path(ctx.settings.lake.root).absolute()
    reports = root / "reports"
    started = time.monotonic()
    if root.exists() and not args.keep:
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    reports.mkdir(exist_ok=True)
    # before anything is audited: the audit anchor is signed with a key derived from the master key
    _demo_master_key(ctx, root)
    if not args.keep or not any(root.iterdir()):
        counts = _generate(ctx, root, rows=args.rows, seed=args.seed)
        ctx.out.print(f"demo lake: {sum(counts.values()):,} rows in {len(counts)} tables under {root}")
        for name, n in counts.items():
            ctx.out.print(f"  {name:<16} {n:>9,} rows")
    failures = 0
    if not args.skip_steps:
        have = set(available_commands())
        for label, step in _steps(ctx, root, reports):
            if label.split()[0].rstrip(":") not in have | {"HTML"}:  # "HTML report" is the report command
                ctx.out.print(f"- {label}: not part of this build, skipped")
                continue
            ctx.out.print(f"- {label} ...")
            t0 = time.monotonic()
            try:
                rc = step()
            except Exception as exc:  # noqa: BLE001 - one failing step must not hide the others
                ctx.out.print(f"  failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
                rc = 1
            ctx.out.print(f"- {label}: {'ok' if rc == 0 else f'exit code {rc}'} ({time.monotonic() - t0:.1f}s)")
            failures += rc != 0
    ctx.out.print(f"done in {time.monotonic() - started:.0f}s. Reports: {reports}")
    for p in sorted(reports.iterdir()):
        ctx.out.print(f"  {p}")
    _print_workspace_help(ctx, root)
    return 1 if failures else 0


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("demo"))
