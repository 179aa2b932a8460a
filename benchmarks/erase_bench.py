"""Erase one subject from a large table: Lakewarden's file-proportional erasure vs rewriting the table.

One run, three ways on identical copies of the same table (default 10M rows, 40 files):

* ``lakewarden``: locate by keyed hash in Spark (only the target column is scanned), prune
  files by log statistics, rewrite only the files that hold the subject, one commit
  (then, timed separately, the history purge every erasure ends with).
* ``sail DELETE``: ``DELETE FROM delta.`t` WHERE email = '<raw value>'`` (what a naive job
  does; it also writes the raw identifier into the log).
* ``full rewrite``: read, filter out the subject, overwrite the whole table.

Usage::

    .venv/bin/python benchmarks/erase_bench.py [--rows 10000000] [--files 40] [--extra-columns 6] [--verify] [--dir /tmp/erase-bench]

Prints rows, files rewritten and seconds for each; the baseline figures come from the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--dir", default="/tmp/erase-bench")
    ap.add_argument("--verify", action="store_true", help="also time the every-byte verification scan of the erased table")
    ap.add_argument("--verify-only", action="store_true",
                    help="with --verify: skip the sail DELETE and full-rewrite baselines (erase, then verify only)")
    ap.add_argument("--keep", action="store_true", help="keep the generated lake under --dir (for verify_bench.py)")
    ap.add_argument("--extra-columns", type=int, default=6, help="extra text columns (real customer tables are wide)")
    args = ap.parse_args(argv)

    from deltalake import DeltaTable

    from governance.config import EngineSettings, Settings
    from governance.engine import get_session
    from governance.maintenance import DeltaRsMaintenance
    from retention.erasure.identifiers import Hasher, parse_subject
    from retention.erasure.locate import TableTargets, Target, file_masks, find_rows
    from retention.erasure.rewrite import rewrite_files

    spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=4))
    base = Path(args.dir)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    src = str(base / "source")
    subject_id = args.rows // 2 + 7
    email = f"user{subject_id}@bench.test"
    t0 = time.perf_counter()
    spark.range(args.rows).selectExpr(
        "id AS customer_id", "concat('user', id, '@bench.test') AS email", "concat('Name ', id % 1000) AS name",
        "CAST(id % 997 AS DOUBLE) * 1.5 AS balance", "concat('note ', id) AS note",
        *[f"concat('free text field {i} of customer ', id, ' with some padding to look like data') AS extra_{i}"
          for i in range(args.extra_columns)],
    ).repartition(args.files).write.format("delta").save(src)
    gen = time.perf_counter() - t0
    files = len(DeltaTable(src).file_uris())
    size = sum(f.stat().st_size for f in Path(src).glob("*.parquet"))
    print(f"table: {args.rows:,} rows, {files} files, {size / 1e6:.0f} MB (generated in {gen:.1f}s); subject rows: 1")

    def copy(name: str) -> str:
        dst = str(base / name)
        shutil.copytree(src, dst)
        return dst

    m = DeltaRsMaintenance()
    results = []

    # Lakewarden
    path = copy("lakewarden")
    hasher = Hasher(os.urandom(32))
    ident = parse_subject([f"EMAIL_ADDRESS={email}"])[0]
    idents = [{"key": ident.key, "kind": ident.kind, "entity": True, "hash": hasher.identifier(ident)}]
    tt = TableTargets(path=path, name="lakewarden", targets=[Target("email", ("email",), False, "bench")],
                      string_columns=["email", "name", "note"])
    t0 = time.perf_counter()
    version = m.version(path)
    _, values = find_rows(spark, tt, version=version, hasher=hasher, idents=idents, tokens=set())
    t_scan = time.perf_counter() - t0
    all_files = m.files(path, version=version)
    hits, read = file_masks(all_files, values, partition_cols=[])
    t_loc = time.perf_counter() - t0
    res = rewrite_files(path, hits, read_version=version, maintenance=m, metadata={"request": "bench"})
    t_lw = time.perf_counter() - t0
    t1 = time.perf_counter()
    purge = m.purge_history(path, dry_run=False)
    t_purge = time.perf_counter() - t1
    results.append(("lakewarden erase", res.rows_removed, res.files_rewritten, read, t_lw))
    if args.verify:
        from retention.erasure.verify import scan_lake

        t1 = time.perf_counter()
        scan = scan_lake(path, hasher=hasher, idents=idents, tokens=set())
        print(f"verify (every byte of the erased table, {scan.files} files, {scan.bytes / 1e6:.0f} MB, "
              f"{scan.values_checked:,} values checked): {time.perf_counter() - t1:.1f}s, findings {len(scan.findings)}")
    print(f"lakewarden: keyed-hash scan of the email column {t_scan:.2f}s, exact match in candidate files {t_loc - t_scan:.2f}s "
          f"({read}/{len(all_files)} files after statistics pruning, email column only), rewrite+commit of "
          f"{res.files_removed} file(s) {t_lw - t_loc:.2f}s; history purge {t_purge:.2f}s ({len(purge.data_files)} old file(s) deleted)")

    if args.verify_only:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        return 0

    # Sail DELETE with the raw identifier
    path = copy("sail_delete")
    t0 = time.perf_counter()
    spark.sql(f"DELETE FROM delta.`{path}` WHERE email = '{email}'").collect()
    t_del = time.perf_counter() - t0
    hist = DeltaTable(path).history(1)[0]
    met = hist.get("operationMetrics", {})
    results.append(("sail DELETE (raw predicate)", int(met.get("numDeletedRows", 0)), int(met.get("numAddedFiles", 0)),
                    int(met.get("numRemovedFiles", 0)), t_del))

    # Full rewrite
    path = copy("full_rewrite")
    t0 = time.perf_counter()
    df = spark.read.format("delta").load(path)
    kept = df.where(f"customer_id <> {subject_id}")
    kept.write.format("delta").mode("overwrite").save(path)
    t_full = time.perf_counter() - t0
    results.append(("full table rewrite", args.rows - spark.read.format("delta").load(path).count(), len(DeltaTable(path).file_uris()), files, t_full))

    print()
    print(f"{'method':30} {'rows removed':>12} {'files written':>13} {'files read':>10} {'seconds':>8}")
    for name, rows, written, read, secs in results:
        print(f"{name:30} {rows:>12} {written:>13} {read:>10} {secs:>8.2f}")
    lw = results[0][4]
    print(f"\nlakewarden vs full rewrite: {results[2][4] / lw:.1f}x faster, {results[0][2]} vs {results[2][2]} file(s) written")
    print(f"lakewarden vs sail DELETE:  {results[1][4] / lw:.1f}x faster, {results[0][2]} vs {results[1][2]} file(s) written")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
