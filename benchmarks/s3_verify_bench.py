"""Erasure verification on S3: ranged reads of the chunks that can hold an identifier vs reading every byte.

One run, one table written twice by the embedded engine (a transactions-like table: ids, an e-mail,
a free-text memo, and the amounts, rates, flags, dates and timestamps a bank table is mostly made
of), once on local disk and once in a bucket of a real MinIO server on loopback (built by
``make minio``; started and stopped here). Three scans of the same lake by
``retention.erasure.verify.scan_lake``, each looking for one subject:

* ``s3 ranged``: the default on object stores (footer + the column chunks that can hold an identifier);
* ``s3 every byte``: the baseline, every object fetched in full (``ranged=False``);
* ``local``: the same files on local disk.

Usage::

    .venv/bin/python benchmarks/s3_verify_bench.py [--rows 2000000] [--files 16] [--repeat 3] [--dir /tmp/s3-verify-bench]

Prints, per way: seconds (median of ``--repeat``), MB of objects covered, MB fetched, MB/s over the
lake's bytes, and the ratio to the every-byte baseline. Loopback MinIO has no network latency, so
the gain on a real bucket (tens of ms per request, bandwidth-bound) is larger than shown here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/s3-verify-bench")
    args = ap.parse_args(argv)

    from tests.fixtures.minio import start_minio  # sets the session's made-up AWS credentials

    from governance import storage
    from governance.config import EngineSettings
    from governance.engine import get_session
    from retention.erasure.identifiers import Hasher, parse_subject
    from retention.erasure.verify import scan_lake

    base = Path(args.dir)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    server = start_minio(base / "minio" / "data")
    try:
        storage.configure(storage.StorageSettings.model_validate(server.settings_overrides()))
        spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=4))
        local, remote = str(base / "lake"), "s3://lw-plain/bench-lake"
        df = spark.range(args.rows).selectExpr(
            "id AS txn_id", "id % 100000 AS customer_id", "concat('user', id % 100000, '@bench.test') AS email",
            "concat('card payment ', id % 977, ' at merchant ', id % 313) AS memo",
            *[f"CAST(id % {97 + i} AS DOUBLE) * {1.5 + i} AS amount_{i}" for i in range(8)],
            "id % 2 = 0 AS settled", "date_add(DATE'2020-01-01', CAST(id % 1500 AS INT)) AS booking_date",
            "timestamp_seconds(1600000000 + id) AS booked_at",
        ).repartition(args.files)
        t0 = time.perf_counter()
        df.write.format("delta").save(f"{local}/transactions")
        df.write.format("delta").save(f"{remote}/transactions")
        print(f"wrote {args.rows:,} rows x 2 in {time.perf_counter() - t0:.1f}s")

        hasher = Hasher(os.urandom(32))
        ids = [{"key": i.key, "kind": i.kind, "entity": True, "hash": hasher.identifier(i)}
               for i in parse_subject(["EMAIL_ADDRESS=user4242@bench.test"], known_entities=["EMAIL_ADDRESS"])]
        ways = {"s3 every byte": (remote, False), "s3 ranged": (remote, True), "local": (local, True)}
        results: dict[str, tuple[float, int, int, int]] = {}
        for name, (root, ranged) in ways.items():
            times = []
            rep = None
            for _ in range(args.repeat):
                t = time.perf_counter()
                rep = scan_lake(root, hasher=hasher, idents=ids, tokens=set(), ranged=ranged)
                times.append(time.perf_counter() - t)
            assert rep is not None
            results[name] = (statistics.median(times), rep.bytes, rep.bytes_fetched or rep.bytes, len(rep.findings))
        base_s = results["s3 every byte"][0]
        print(f"{'way':<15} {'median s':>9} {'MB covered':>11} {'MB fetched':>11} {'MB/s':>8} {'vs every byte':>14} {'findings':>9}")
        for name, (sec, covered, fetched, findings) in results.items():
            print(f"{name:<15} {sec:>9.2f} {covered / 1e6:>11.1f} {fetched / 1e6:>11.1f} {covered / 1e6 / sec:>8.1f} "
                  f"{base_s / sec:>13.2f}x {findings:>9}")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
