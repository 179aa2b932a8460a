"""MB/s of the every-byte verification scan (``scan_lake``) against the pure Parquet decode ceiling.

Scans a lake left by ``erase_bench.py --verify --verify-only --keep`` (or any directory) for a
subject that is not there, medians of ``--runs`` runs, and prints MB/s over the lake's bytes, files
and values checked. Baselines in the same run: ``pyarrow.parquet.read_table`` of every Parquet file
plus reading every other file (the decode ceiling, threads on), and optionally a previous
``verify.py`` (``--previous /path/to/verify.py``).

Usage::

    .venv/bin/python benchmarks/erase_bench.py --rows 1000000 --files 8 --verify --verify-only --keep --dir /tmp/erase-bench-h
    .venv/bin/python benchmarks/verify_bench.py --dir /tmp/erase-bench-h/lakewarden [--workers 2] [--runs 3] [--subject full]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SUBJECTS = {
    "customer": ["customer_id=-1"],
    "email": ["EMAIL_ADDRESS=nobody.here@bench.test"],
    "phone": ["PHONE_NUMBER=(415) 555-0199"],
    "ssn": ["US_SSN=321-54-9876"],
    "full": ["EMAIL_ADDRESS=nobody.here@bench.test", "US_SSN=321-54-9876", "customer_id=-1", "PHONE_NUMBER=(415) 555-0199"],
}


def _decode_all(root: Path) -> None:
    import pyarrow.parquet as pq

    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        if p.suffix == ".parquet":
            pq.read_table(p)
        else:
            p.read_bytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/erase-bench-h/lakewarden")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--subject", choices=sorted(SUBJECTS), default="email",
                    help="identifiers of the subject looked for (customer: an id compared whole in its own columns; "
                         "email, phone, ssn: one entity searched in every text; full: all four)")
    ap.add_argument("--skip-ceiling", action="store_true", help="do not time the read_table ceiling")
    ap.add_argument("--previous", help="a previous verify.py to time in the same run")
    args = ap.parse_args(argv)

    from retention.erasure.identifiers import Hasher, parse_subject
    from retention.erasure.verify import scan_lake

    root = Path(args.dir)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    hasher = Hasher(os.urandom(32))
    ids: list[dict[str, Any]] = [{"key": i.key, "kind": i.kind, "entity": i.is_entity, "hash": hasher.identifier(i)}
                                 for i in parse_subject(SUBJECTS[args.subject])]
    scans: dict[str, Any] = {"scan_lake": scan_lake}
    if args.previous:
        spec = importlib.util.spec_from_file_location("verify_previous", args.previous)
        assert spec is not None and spec.loader is not None
        prev = importlib.util.module_from_spec(spec)
        sys.modules["verify_previous"] = prev
        spec.loader.exec_module(prev)
        scans["previous"] = prev.scan_lake

    def timed(fn: Any) -> tuple[float, Any]:
        secs, out = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = fn()
            secs.append(time.perf_counter() - t0)
        return statistics.median(secs), out

    print(f"lake {root}: {size / 1e6:.1f} MB; subject kinds {sorted({i['kind'] for i in ids})}; workers {args.workers}; "
          f"median of {args.runs}")
    if not args.skip_ceiling:
        secs, _ = timed(lambda: _decode_all(root))
        print(f"{'read_table of every file (ceiling)':38} {secs:7.2f}s {size / 1e6 / secs:7.1f} MB/s")
    for name, scan in scans.items():
        secs, rep = timed(lambda scan=scan: scan(str(root), hasher=hasher, idents=ids, tokens=set(), workers=args.workers))
        print(f"{name:38} {secs:7.2f}s {size / 1e6 / secs:7.1f} MB/s  files {rep.files}, values checked "
              f"{rep.values_checked:,}, findings {len(rep.findings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
