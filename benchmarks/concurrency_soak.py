"""Soak: table-changing commands run again and again on a table another process keeps appending to.

One run, two phases on fresh copies of the same ``people`` table (``--rows`` rows, id/email/ssn/joined):

* ``quiet``    the command cycle with nobody else writing: the baseline.
* ``appender`` the same cycle while a separate process (``tests/fixtures/appender.py``, delta-rs)
               appends 50-row batches every ``--every-ms`` ms, for ``--minutes`` minutes.

The cycle: ``protect people --apply`` (later rounds catch up appended rows), ``retention apply
--apply`` (deletes rows older than five years), ``erase request`` + ``erase run --apply`` for a
different person each round, and ``keys reencrypt people --apply`` after a ``keys rotate``.
Commands run in this process through ``jobs.cli.main`` on one engine session.

Printed per phase: commands run, succeeded, failed (with exit codes), conflicts retried (by
``governance.retry``), median seconds per command, rows appended by the other writer and rows
lost (expected rows missing at the end, or a row twice): it must be 0. Figures only, nothing
asserted; the machine may be shared, so compare the two phases of the same run.

Run::

    .venv/bin/python benchmarks/concurrency_soak.py [--minutes 3] [--every-ms 50] [--rows 20000] [--engine embedded|classic]

Writes ``benchmarks/results/concurrency_soak.md``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

class _Retries(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "conflict with another writer" in record.getMessage():
            self.count += 1


def _cli(cfg: Path, *args: str) -> tuple[int, str]:
    from jobs.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["--config", str(cfg), "--quiet", *args])
    return rc, out.getvalue() + err.getvalue()


def _phase(spark: Any, work: Path, *, rows: int, minutes: float, every_ms: int | None, retries: _Retries) -> dict[str, Any]:
    from tests.fixtures.appender import Appender, people_lake

    cfg = people_lake(spark, work, rows)
    table = work / "lake" / "people"
    start_rows = {r["id"]: r["joined"] for r in spark.read.format("delta").load(str(table)).collect()}
    due = {i for i, j in start_rows.items() if (date.today() - j).days > 1825}
    app = Appender(str(table), work, every_ms=every_ms) if every_ms else None
    if app:
        app.wait_for_commits(2)
    retries.count = 0
    ran: Counter[str] = Counter()
    ok: Counter[str] = Counter()
    failed: list[str] = []
    secs: list[float] = []
    erased: set[int] = set()
    deadline = time.monotonic() + minutes * 60
    k = 0
    while time.monotonic() < deadline:
        k += 1
        person = 7 + 13 * k
        steps: list[tuple[str, list[str]]] = [
            ("protect", ["protect", "people", "--apply"]),
            ("retention apply", ["retention", "apply", "--apply"]),
        ]
        rc, out = _cli(cfg, "erase", "request", "--subject", f"EMAIL_ADDRESS=person{person}@example.com")
        if rc == 0:
            steps.append(("erase run", ["erase", "run", out.split()[-1], "--apply"]))
        _cli(cfg, "keys", "rotate", "pii")
        steps.append(("keys reencrypt", ["keys", "reencrypt", "people", "--apply"]))
        for name, args in steps:
            t0 = time.monotonic()
            rc, out = _cli(cfg, *args)
            secs.append(time.monotonic() - t0)
            ran[name] += 1
            if rc == 0:
                ok[name] += 1
                if name == "erase run":
                    erased.add(person)
            else:
                failed.append(f"{name}: exit {rc}: {out.strip().splitlines()[-1][:160] if out.strip() else ''}")
            print(f"  round {k} {name}: exit {rc} in {secs[-1]:.1f}s", flush=True)
    appended, app_fails = (app.stop() if app else ([], []))
    ids = [r[0] for r in spark.read.format("delta").load(str(table)).select("id").collect()]
    expected = (set(start_rows) - due - erased) | set(appended)
    lost = len(expected - set(ids)) + (len(ids) - len(set(ids)))
    return {"commands": sum(ran.values()), "succeeded": sum(ok.values()), "failed": failed, "retried": retries.count,
            "median_s": statistics.median(secs) if secs else 0.0, "appended": len(appended),
            "appender_fails": len(app_fails), "appender_fail_messages": sorted(set(app_fails))[:3], "appender_retried": app.retried if app else 0, "lost": lost,
            "by_command": {n: f"{ok[n]}/{ran[n]}" for n in ran}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0, help="minutes per phase (default 3)")
    ap.add_argument("--every-ms", type=int, default=50, help="the other writer appends a 50-row batch this often")
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--engine", choices=["embedded", "classic"], default="embedded")
    ap.add_argument("--work", help="working folder (default: a temporary one, removed afterwards)")
    args = ap.parse_args()
    os.environ.setdefault("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    os.environ["LAKEWARDEN_ENGINE__KIND"] = args.engine
    from governance.config import EngineSettings
    from governance.engine import get_session

    retries = _Retries()
    logging.getLogger("governance.retry").addHandler(retries)
    logging.getLogger("governance.retry").setLevel(logging.INFO)
    spark = get_session(EngineSettings(kind=args.engine))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="lw-soak-"))
    results = {}
    try:
        for phase, every in (("quiet", None), ("appender", args.every_ms)):
            print(f"phase {phase}: {args.minutes} min", flush=True)
            d = work / phase
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            results[phase] = _phase(spark, d, rows=args.rows, minutes=args.minutes, every_ms=every, retries=retries)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    q, a = results["quiet"], results["appender"]
    lines = [
        f"# Concurrency soak ({args.engine} engine, {args.rows:,} rows, {args.minutes} min per phase, "
        f"appends of 50 rows every {args.every_ms} ms)",
        "",
        "| phase | commands | succeeded | failed | conflicts retried | median s/command | rows appended | "
        "appender conflicts retried | appender failures | rows lost |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['commands']} | {r['succeeded']} | {len(r['failed'])} | {r['retried']} | "
                     f"{r['median_s']:.2f} | {r['appended']:,} | {r['appender_retried']} | {r['appender_fails']} | {r['lost']} |")
    ratio = a["median_s"] / q["median_s"] if q["median_s"] else float("nan")
    lines += ["", f"Median seconds per command with the appender / quiet: {ratio:.2f}x.", "",
              "Succeeded per command: " + "; ".join(f"{p}: " + ", ".join(f"{n} {v}" for n, v in r["by_command"].items())
                                                    for p, r in results.items())]
    for p, r in results.items():
        for f in r["failed"][:10]:
            lines.append(f"- {p} failure: {f}")
        for f in r["appender_fail_messages"]:
            lines.append(f"- {p}, the other writer's failed append (it retried the batch): {f}")
    text = "\n".join(lines)
    print(text)
    out = REPO / "benchmarks" / "results" / "concurrency_soak.md"
    out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
