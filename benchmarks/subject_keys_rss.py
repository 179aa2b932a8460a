"""Peak RSS of storing subject keys (protect's keying), per chunk size and key-table row group size.

``protect`` with an ``encrypt_per_subject`` column gives every distinct subject of the table a key of
its own before it rewrites anything: the identities are streamed from the engine in chunks of
``apply._KEY_CHUNK``, each chunk's keys are derived, referenced and wrapped in Python
(:meth:`governance.keys.manager.KeyManager.store_subject_keys`), and delta-rs streams every chunk
into ``_lakewarden/subject_keys`` in one commit, in Parquet row groups of
``store._ROW_GROUP_ROWS`` rows. A 100M-row bank lake has 2M subjects, a 1M-row one 20,000, so this
is the part of protect's memory that grows with the table.

For each setting given (``chunk/rowgroup``) and each number of subjects, a child process opens the
embedded key provider on a scratch lake (no engine: this measures the key store alone) and stores the
keys of that many synthetic identities with that chunk size and row group size. It prints the
child's peak RSS (``ru_maxrss``), its RSS before the call (imports and the keyring), the wall time,
the key table's files, then per setting the ratio of the peak at the largest number of subjects to
the peak at the smallest (flat: 1.0), and each setting's peaks against the first setting's (the
baseline: the values before this benchmark existed, 20000/65536).

Usage::

    .venv/bin/python benchmarks/subject_keys_rss.py [--subjects 20000,200000,2000000]
        [--settings 20000/65536,5000/16384] [--runs 1]

Medians of ``--runs`` children per setting and size. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_MARK = "SUBJECT_KEYS_RSS "


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(work: str, subjects: int, chunk: int, row_group: int) -> None:
    from governance.allocators import configure_delta_rs

    configure_delta_rs()  # as lakewarden's main() does before any job imports deltalake
    from governance.config import Settings
    from governance.keys import store
    from governance.keys.manager import KeyManager

    store._ROW_GROUP_ROWS = row_group
    lake = Path(work, "lake")
    lake.mkdir()
    km = KeyManager.from_settings(Settings.model_validate({"lake": {"root": str(lake)}, "keys": {"provider": "local"}}), "protector")
    km.provider.subject_refs(["warm-up"])  # the keyring is opened before the clock starts
    import deltalake  # noqa: F401 - imported before the figure "before", as a protect job has it

    def chunks() -> Iterator[list[str]]:
        for start in range(0, subjects, chunk):
            yield [str(100_000_000 + i) for i in range(start, min(subjects, start + chunk))]

    before, t0 = _peak_mb(), time.perf_counter()
    stored = km.store_subject_keys(os.urandom(32), chunks())
    wall = time.perf_counter() - t0
    files = list(Path(lake, "_lakewarden", "subject_keys").glob("*.parquet"))
    print(_MARK + json.dumps({"stored": stored, "peak_mb": _peak_mb(), "before_mb": before, "wall_s": wall,
                              "files": len(files), "bytes": sum(f.stat().st_size for f in files)}), flush=True)


def _run(subjects: int, chunk: int, row_group: int) -> dict[str, float]:
    work = tempfile.mkdtemp(prefix="lw-subject-keys-")
    env = dict(os.environ)
    env["LAKEWARDEN_MASTER_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode("ascii")  # this run only
    try:
        out = subprocess.run([sys.executable, __file__, "--child", work, "--n", str(subjects), "--chunk", str(chunk),
                              "--row-group", str(row_group)], capture_output=True, text=True, env=env, check=False)
        lines = [ln[len(_MARK):] for ln in out.stdout.splitlines() if ln.startswith(_MARK)]
        if out.returncode or not lines:
            raise SystemExit(f"child failed (exit {out.returncode}):\n{out.stderr[-2000:]}")
        doc: dict[str, float] = json.loads(lines[-1])
        if doc["stored"] != subjects:
            raise SystemExit(f"child stored {doc['stored']} keys, not {subjects}")
        return doc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subjects", default="20000,200000,2000000", help="numbers of subjects (default 20000,200000,2000000)")
    ap.add_argument("--settings", default="20000/65536,5000/16384",
                    help="chunk/rowgroup settings, the first is the baseline (default 20000/65536,5000/16384)")
    ap.add_argument("--runs", type=int, default=1, help="children per setting and size; medians are printed (default 1)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--chunk", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--row-group", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.n, args.chunk, args.row_group)
        return
    sizes = [int(s) for s in args.subjects.split(",")]
    settings = [(int(s.split("/")[0]), int(s.split("/")[1])) for s in args.settings.split(",")]
    print(f"subject keys: {', '.join(f'{n:,}' for n in sizes)} subjects; settings (chunk/rowgroup) "
          f"{', '.join(f'{c}/{r}' for c, r in settings)}; {args.runs} run(s) each; {os.cpu_count()} cores")
    print(f"{'setting':>13} {'subjects':>10} {'peak RSS MB':>12} {'before MB':>10} {'wall s':>8} {'keys/s':>9} {'files':>6} {'MB':>7}")
    peaks: dict[tuple[int, int], dict[int, float]] = {}
    for chunk, row_group in settings:
        for n in sizes:
            docs = [_run(n, chunk, row_group) for _ in range(args.runs)]
            med = {k: statistics.median(d[k] for d in docs) for k in ("peak_mb", "before_mb", "wall_s", "files", "bytes")}
            peaks.setdefault((chunk, row_group), {})[n] = med["peak_mb"]
            print(f"{f'{chunk}/{row_group}':>13} {n:>10,} {med['peak_mb']:>12,.0f} {med['before_mb']:>10,.0f} "
                  f"{med['wall_s']:>8.1f} {n / med['wall_s']:>9,.0f} {med['files']:>6.0f} {med['bytes'] / 1e6:>7.1f}", flush=True)
    base = peaks[settings[0]]
    print(f"peak RSS, largest / smallest number of subjects ({sizes[-1]:,} / {sizes[0]:,}), and against {settings[0][0]}/{settings[0][1]}:")
    for setting, p in peaks.items():
        versus = " ".join(f"{n:,}: {p[n] / base[n]:.2f}x" for n in sizes)
        print(f"{f'{setting[0]}/{setting[1]}':>13}  growth {p[sizes[-1]] / p[sizes[0]]:.2f}x   vs baseline  {versus}")


if __name__ == "__main__":
    main()
