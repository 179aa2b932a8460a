"""Run every fuzz target again and again with fresh random seeds for a fixed time.

    .venv/bin/python -m tests.fuzz.run --seconds 300        (or: make fuzz SECONDS=300)

Each round runs each target of ``tests/fuzz`` with ``--examples`` random inputs; rounds repeat
until the time is up. The first failing input stops the run with hypothesis' falsifying example
and exit 1; it becomes a regression test. Prints rounds, inputs tried per target and the time.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from collections import Counter


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--examples", type=int, default=300, help="random inputs per target per round")
    args = ap.parse_args()
    os.environ["LAKEWARDEN_FUZZ_EXAMPLES"] = str(args.examples)
    from tests.fuzz import test_fuzz_inputs as targets_module

    targets = {n: f for n, f in inspect.getmembers(targets_module, inspect.isfunction)
               if n.startswith("test_fuzz_") and hasattr(f, "hypothesis")}
    tried: Counter[str] = Counter()
    start = time.monotonic()
    rounds = 0
    while time.monotonic() - start < args.seconds:
        rounds += 1
        for name, fn in targets.items():
            if time.monotonic() - start >= args.seconds:
                break
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - a finding: report it and stop
                print(f"FINDING in {name} after {time.monotonic() - start:.0f}s: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
            tried[name] += args.examples
    took = time.monotonic() - start
    print(f"fuzzed {len(targets)} targets for {took:.0f}s in {rounds} round(s), no finding:")
    for name in targets:
        print(f"  {name}: about {tried[name]:,} inputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
