"""The audit scan (``classify --full``) against the engine's bare ``rlike`` count, on one Delta table.

A table of ``--rows`` rows and 24 string columns (values of the labelled benchmark's generator,
repeated and shuffled) is written with delta-rs. Then, on the embedded engine (Sail) or
classic Spark, with the ``no_op`` NLP tier (pattern entities only):

- baseline: the engine's bare ``rlike`` count of every entity prefilter over every column, in
  one aggregate (``classification.fullscan.count_candidates``);
- Lakewarden ``classify --full``: ``classification.scan.classify_table(full=True)`` (the sample
  scan, the exact count, the candidates validated in Python), with each audit reader: ``files``
  (the version's Parquet files read with Arrow, each distinct value of a row group matched once,
  ``classification.fullscan_files``) and ``engine`` (distinct values grouped and matched in Spark);
- with ``--big-rows``, ``classify --full`` with the ``files`` reader on a table of that many rows
  (copies of the first table appended: the same distinct values), to show the cost per row at scale;
- the previous audit path (every distinct value grouped to Python), on ``--old-rows`` rows only.

Each is run ``--repeats`` times; the medians are printed as values/s (rows x columns / seconds)
and as ratios. Run::

    .venv/bin/python -m benchmarks.fullscan_bench [--rows 100000] [--big-rows 10000000] [--old-rows 10000] [--repeats 3] [--engine embedded|classic]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

COLUMNS = 24


def build_table(path: str, rows: int, seed: int = 11, pool_rows: int = 2000) -> list[str]:
    """Write a ``rows`` x 24 string table at ``path``, each column's values drawn from ``pool_rows`` rows of the
    labelled benchmark's generator; returns its column names."""
    import pyarrow as pa
    from deltalake import write_deltalake

    from benchmarks.labelled.generate import generate

    pool: list[tuple[str, list[str | None]]] = []
    for t in generate(rows=pool_rows, seed=seed):
        for name in t.data.column_names:
            col = t.data.column(name)
            if pa.types.is_binary(col.type):
                continue
            pool.append((f"{t.name}_{name}", [None if v is None else str(v) for v in col.to_pylist()]))
    r = random.Random(seed)
    picked = r.sample(pool, COLUMNS)
    data = {name: [vals[r.randrange(len(vals))] for _ in range(rows)] for name, vals in picked}
    write_deltalake(path, pa.table({k: pa.array(v, pa.string()) for k, v in data.items()}))
    return list(data)


def _median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:  # pragma: no cover - command line
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--old-rows", type=int, default=10_000, help="rows for the previous audit path (it runs at Python speed)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engine", choices=["embedded", "classic"], default="embedded")
    ap.add_argument("--big-rows", type=int, default=0, help="also run the files reader on a table of this many rows (a multiple of --rows)")
    ap.add_argument("--workers", type=int, default=None, help="processes of the files reader (default: one per core from 32 MB of data files)")
    ap.add_argument("--pool", type=int, default=2000, help="each column's values are drawn from this many generated rows (its cardinality)")
    a = ap.parse_args()

    from classification.engine import build_pattern_recognizers
    from classification.fullscan import count_candidates
    from classification.prefilter import entity_prefilters
    from classification.registry import load_recognizer_config
    from classification.sampler import leaves, scan_dataframe
    from classification.scan import classify_table
    from governance.config import EngineSettings
    from governance.engine import get_session
    from governance.maintenance import DeltaRsMaintenance
    from governance.risk import load_classification_policy

    root = Path(__file__).resolve().parents[1]
    cfg = load_recognizer_config(root / "conf" / "recognizers.yaml")
    pol = load_classification_policy(root / "conf" / "classification.yaml")
    prefilters = entity_prefilters(build_pattern_recognizers(cfg))
    spark = get_session(EngineSettings(kind=a.engine, shuffle_partitions=2))
    work = Path(tempfile.mkdtemp(prefix="lakewarden-fullscan-"))
    big, small = str(work / "big"), str(work / "small")
    build_table(big, a.rows, pool_rows=a.pool)
    build_table(small, a.old_rows, pool_rows=a.pool)
    df = spark.read.format("delta").load(big)
    cols = leaves(df.schema)

    def baseline() -> None:
        count_candidates(spark.read.format("delta").load(big), cols, prefilters)

    maintenance = DeltaRsMaintenance()

    def lakewarden(reader: str = "engine", path: str = big) -> None:
        classify_table(spark, path, name="big", config=cfg, policy=pol, nlp="no_op", sample_rows=1000, min_share=0.5,
                       full=True, maintenance=maintenance, parallelism=2, full_scan_reader=reader,  # type: ignore[arg-type]
                       full_scan_workers=a.workers)

    def sample_only() -> None:
        classify_table(spark, big, name="big", config=cfg, policy=pol, nlp="no_op", sample_rows=1000, min_share=0.5,
                       full=False, maintenance=maintenance, parallelism=2)

    def previous() -> None:
        scan_dataframe(spark.read.format("delta").load(small), cols, config=cfg, nlp="no_op", sample_rows=1000,
                       min_share=0.5, full=True, parallelism=2)

    lakewarden("files")  # warm-up: engine start, recognizers built
    b = _median_seconds(baseline, a.repeats)
    lw = _median_seconds(lambda: lakewarden("engine"), a.repeats)
    lwf = _median_seconds(lambda: lakewarden("files"), a.repeats)
    sample = _median_seconds(sample_only, a.repeats)
    old = _median_seconds(previous, max(1, a.repeats - 2))
    cells, old_cells = a.rows * COLUMNS, a.old_rows * COLUMNS
    big_s = None
    if a.big_rows:
        import pyarrow.dataset as ds
        from deltalake import write_deltalake

        huge = str(work / "huge")
        chunk = ds.dataset(str(Path(big)), format="parquet", exclude_invalid_files=True,
                           ignore_prefixes=["_delta_log"]).to_table()
        for _ in range(max(1, a.big_rows // a.rows)):
            write_deltalake(huge, chunk, mode="append")
        big_rows = max(1, a.big_rows // a.rows) * a.rows
        big_s = _median_seconds(lambda: lakewarden("files", huge), max(1, a.repeats - 2))
    print(f"table: {a.rows} rows x {COLUMNS} string columns ({cells:,} values); {len(prefilters)} entity prefilters; "
          f"engine {a.engine}; each column drawn from {a.pool} generated values; medians of {a.repeats}")
    print(f"| path | seconds | values/s | vs bare rlike |\n|---|---|---|---|")
    print(f"| bare rlike count (baseline) | {b:.1f} | {cells / b:,.0f} | 1.00 |")
    print(f"| classify --full, reader engine (sample scan + audit) | {lw:.1f} | {cells / lw:,.0f} | {b / lw:.2f} |")
    print(f"| classify --full, reader files (sample scan + audit) | {lwf:.1f} | {cells / lwf:,.0f} | {b / lwf:.2f} |")
    print(f"| classify, sample scan only (no audit) | {sample:.1f} | - | - |")
    print(f"| audit part of classify --full, reader files (difference) | {lwf - sample:.1f} | {cells / max(1e-9, lwf - sample):,.0f} | {b / max(1e-9, lwf - sample):.2f} |")
    if big_s is not None:
        big_cells = big_rows * COLUMNS
        print(f"| classify --full, reader files, {big_rows:,} rows ({big_cells:,} values) | {big_s:.1f} | {big_cells / big_s:,.0f} | "
              f"{(big_cells / big_s) / (cells / b):.2f} (per value) |")
    print(f"| previous audit path ({a.old_rows} rows) | {old:.1f} | {old_cells / old:,.0f} | {(b / cells) / (old / old_cells):.3f} |")


if __name__ == "__main__":  # pragma: no cover
    main()
