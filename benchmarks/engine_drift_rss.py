"""The embedded engine's peak RSS over many appended writes, per setting of its allocator.

Protect, retention apply and erase rewrite a big table as a series of engine writes (file groups of
``safe_write.FILE_GROUP_ROWS`` rows), so their peak RSS is the engine's after its last write, not
after its first. Sail allocates with a mimalloc built into it; by default mimalloc keeps freed pages
for a delay (``MIMALLOC_PURGE_DELAY``, milliseconds) that idle engine threads never get back to,
so the process keeps what every write freed; and where the kernel allows transparent huge pages
(``/sys/kernel/mm/transparent_hugepage/enabled`` ``always`` or ``madvise``) its arenas are backed
by 2 MB pages, which stay resident while any block on them is in use. Lakewarden starts the
embedded engine with ``MIMALLOC_PURGE_DELAY=0`` and ``MIMALLOC_ALLOW_THP=0``
(:data:`governance.allocators.EMBEDDED_ENGINE`).

For each setting given (``delay/thp``: the purge delay in milliseconds and whether huge pages are
allowed), a child process starts the embedded engine through
:func:`governance.engine.get_session` with that setting in its environment, builds a one-file source
table of ``--rows`` rows (five columns like a customer's: id, name, e-mail, phone, UUID) and appends
it ``--writes`` times to one scratch Delta table, one engine write each, as ``safe_write`` stages
file groups. It prints the process's RSS after the 1st, 10th and last write, its peak RSS
(``ru_maxrss``, the engine runs inside it) and the wall time of the writes, then the ratio of each
figure to the first setting's (the baseline: mimalloc's own defaults, ``10/1``, unless told otherwise).

Usage::

    .venv/bin/python benchmarks/engine_drift_rss.py [--writes 200] [--rows 50000] [--settings 10/1,0/1,0/0] [--runs 3]

Medians of ``--runs`` children per setting. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _child(work: str, rows: int, writes: int) -> None:
    from governance.config import EngineSettings
    from governance.engine import get_session, stop_embedded

    spark = get_session(EngineSettings(kind="embedded"))
    src, out = f"{work}/source", f"{work}/staged"
    (spark.range(rows)
     .selectExpr("id", "concat('name-', id) AS name", "concat('user', id, '@example.com') AS email",
                 "lpad(cast(id * 7919 % 10000000000 AS string), 10, '0') AS phone", "uuid() AS u")
     .coalesce(1).write.format("delta").save(src))
    marks: dict[int, float] = {}
    t0 = time.perf_counter()
    for i in range(writes):
        spark.read.format("delta").load(src).write.format("delta").mode("overwrite" if i == 0 else "append").save(out)
        if i + 1 in (1, 10, writes):
            marks[i + 1] = _rss_mb()
    wall = time.perf_counter() - t0
    print(json.dumps({"marks": marks, "wall_s": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
          flush=True)
    stop_embedded()


def _run(setting: str, rows: int, writes: int) -> dict[str, float] | None:
    delay, _, thp = setting.partition("/")
    work = tempfile.mkdtemp(prefix="lw-drift-rss-")
    try:
        env = {**os.environ, "RUST_LOG": "error", "MIMALLOC_PURGE_DELAY": delay, "MIMALLOC_ALLOW_THP": thp or "1"}
        proc = subprocess.run([sys.executable, __file__, "--child", work, "--rows", str(rows), "--writes", str(writes)],
                              capture_output=True, text=True, env=env, check=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        print(f"  {setting}: FAILED (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
        return None
    fig = json.loads(lines[-1])
    marks = {int(k): v for k, v in fig["marks"].items()}
    return {"first": marks[1], "tenth": marks.get(10, marks[1]), "last": marks[writes], "peak": fig["peak_rss_mb"],
            "wall": fig["wall_s"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writes", type=int, default=200, help="appended writes per child (default 200)")
    ap.add_argument("--rows", type=int, default=50_000, help="rows per write (default 50,000: one file group)")
    ap.add_argument("--settings", default="10/1,0/1,0/0",
                    help="allocator settings as MIMALLOC_PURGE_DELAY/MIMALLOC_ALLOW_THP, baseline first (default 10/1,0/1,0/0)")
    ap.add_argument("--runs", type=int, default=3, help="children per setting; medians are printed (default 3)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, args.rows, args.writes)
        return 0
    if args.writes < 1 or args.rows < 1 or args.runs < 1:
        ap.error("--writes, --rows and --runs must be at least 1")
    settings = [d.strip() for d in args.settings.split(",") if d.strip()]
    if any(not d.partition("/")[0].isdigit() or d.partition("/")[2] not in ("", "0", "1") for d in settings):
        ap.error(f"--settings: each must be DELAY/THP with DELAY in milliseconds and THP 0 or 1, got {args.settings!r}")
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled", encoding="ascii") as fh:
            thp_mode = fh.read().strip()
    except OSError:
        thp_mode = "unknown"
    print(f"{args.writes} appended writes of {args.rows:,} rows each, {args.runs} run(s) per setting, medians; "
          f"{os.cpu_count()} cores; kernel transparent huge pages: {thp_mode}")
    head = (f"{'purge delay/allow THP':>21} {'RSS@1 MB':>9} {'RSS@10 MB':>10} {f'RSS@{args.writes} MB':>11} "
            f"{'peak MB':>8} {'last/first':>10} {'wall s':>7} {'peak vs base':>12} {'wall vs base':>12}")
    print(head)
    base: dict[str, float] | None = None
    for setting in settings:
        runs = [r for r in (_run(setting, args.rows, args.writes) for _ in range(args.runs)) if r is not None]
        if not runs:
            continue
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        base = base or med
        print(f"{setting:>21} {med['first']:>9,.0f} {med['tenth']:>10,.0f} {med['last']:>11,.0f} {med['peak']:>8,.0f} "
              f"{med['last'] / med['first']:>9.2f}x {med['wall']:>7.1f} {med['peak'] / base['peak']:>11.2f}x "
              f"{med['wall'] / base['wall']:>11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
