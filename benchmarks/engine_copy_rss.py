"""Peak RSS of the embedded engine copying one Delta table, no Lakewarden code in the query: the memory floor.

For each lake given, a child process starts the embedded engine (Sail), reads ``<lake>/<table>`` and
overwrites a scratch Delta table with it (``df.write.format("delta").mode("overwrite")``), then prints
the table's rows, the wall time and the process's peak RSS (``ru_maxrss``, the engine runs inside it).
Protect's rewrite is this query plus its UDFs, so its peak RSS cannot be flatter than this one's.

Usage (the scale bench's generated lakes, ``benchmarks/scale_bench.py --keep``)::

    .venv/bin/python benchmarks/engine_copy_rss.py --table customers \\
        /tmp/lw-scale/gen-1000000-seed7-chunk1000000/lake /tmp/lw-scale/gen-10000000-seed7-chunk1000000/lake \\
        /tmp/lw-scale/gen-100000000-seed7-chunk1000000/lake

Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _child(lake: str, table: str, out: str) -> None:
    from governance.config import EngineSettings
    from governance.engine import get_session, stop_embedded

    spark = get_session(EngineSettings(kind="embedded"))
    spark.range(1).collect()  # engine start-up, not counted in the wall time
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    df = spark.read.format("delta").load(f"{lake}/{table}")
    df.write.format("delta").mode("overwrite").save(out)
    wall = time.perf_counter() - t0
    rows = spark.read.format("delta").load(out).count()
    print(json.dumps({"rows": rows, "wall_s": wall, "rss_before_mb": before,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
    stop_embedded()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lakes", nargs="*", help="lake directories holding the table")
    ap.add_argument("--table", default="customers")
    ap.add_argument("--child", nargs=2, metavar=("LAKE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child[0], args.table, args.child[1])
        return 0
    if not args.lakes:
        ap.error("give at least one lake directory")
    print(f"{'lake':60} {'rows':>12} {'wall s':>8} {'peak RSS MB':>12}")
    first = None
    for lake in args.lakes:
        scratch = tempfile.mkdtemp(prefix="lw-copy-rss-")
        try:
            proc = subprocess.run([sys.executable, __file__, "--table", args.table, "--child", lake, f"{scratch}/out"],
                                  capture_output=True, text=True, env={**os.environ, "RUST_LOG": "error"}, check=False)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            print(f"{lake:60} FAILED (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
            continue
        fig = json.loads(lines[-1])
        first = first or fig["peak_rss_mb"]
        print(f"{lake[-60:]:60} {fig['rows']:>12,} {fig['wall_s']:>8.1f} {fig['peak_rss_mb']:>12,.0f}"
              f"  ({fig['peak_rss_mb'] / first:.2f}x the first)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
