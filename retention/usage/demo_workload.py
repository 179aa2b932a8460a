"""A scripted read workload on a lake, with the bytes it must read, to check the usage figures.

``plan_workload`` picks reads from the lake's own Delta logs: for each partitioned table two
partitions and two columns, for the first half of the other tables two columns of the whole
table; the rest stays unread (cold). ``run_workload`` runs the reads with classic local Spark
in a subprocess (a classic session cannot start in a process that used Spark Connect) with
``spark.eventLog.enabled``, so the evidence is a real event log. ``verify`` ingests that log
and compares the usage report with the plan: each table's bytes read must equal the size of
the Parquet files its reads selected (what Spark's ``size of files read`` counts).

Run on the demo lake (``lakewarden demo --skip-steps`` first)::

    .venv/bin/python -m retention.usage.demo_workload --lake demo-lake [--logs DIR]

Touches: reads the lake's tables; writes the event log folder and ``<root>/_lakewarden/usage*``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path

from governance.config import Settings
from governance.lake import list_tables
from governance.maintenance import DeltaMaintenance, DeltaRsMaintenance


@dataclass
class PlannedRead:
    """One read of the workload and the bytes it selects."""

    table: str
    path: str
    columns: list[str]
    partition_column: str | None = None
    partition_values: list[str] = field(default_factory=list)
    #: Bytes of the Parquet files under the selected folders (what Spark will count).
    expected_bytes: int = 0


def _files_on_disk(folder: Path) -> int:
    total = 0
    for dirpath, dirnames, names in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(("_", "."))]
        total += sum((Path(dirpath) / n).stat().st_size for n in names if not n.startswith(("_", ".")) and n.endswith(".parquet"))
    return total


def plan_workload(lake: str, *, maintenance: DeltaMaintenance | None = None) -> list[PlannedRead]:
    """Choose the workload's reads from the Delta logs of the tables under ``lake``."""
    maint = maintenance or DeltaRsMaintenance()
    plans: list[PlannedRead] = []
    unpartitioned = 0
    tables = list_tables(lake)
    plain = [t for t in tables if not any(f.partition_values for f in maint.files(t)[:1])]
    for path in tables:
        files = maint.files(path)
        from deltalake import DeltaTable

        fields = [f.name for f in DeltaTable(path).schema().fields]
        name = Path(path).name
        part_cols = list(files[0].partition_values) if files and files[0].partition_values else []
        if part_cols:
            col = part_cols[0]
            values = sorted({str(f.partition_values[col]) for f in files if f.partition_values.get(col) is not None})[-2:]
            data_cols = [f for f in fields if f not in part_cols][:2]
            expected = sum(_files_on_disk(Path(path) / f"{col}={v}") for v in values)
            plans.append(PlannedRead(name, path, data_cols, col, values, expected))
        elif unpartitioned < max(1, len(plain) // 2):
            unpartitioned += 1
            plans.append(PlannedRead(name, path, fields[:2], expected_bytes=_files_on_disk(Path(path))))
    return plans


_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pyspark.sql import SparkSession, functions as F
    plans, logs = json.loads(sys.argv[1]), sys.argv[2]
    s = (SparkSession.builder.master("local[2]").appName("demo-analytics")
         .config("spark.ui.enabled", "false").config("spark.eventLog.enabled", "true")
         .config("spark.eventLog.dir", "file://" + logs).getOrCreate())
    for p in plans:
        df = s.read.parquet(p["path"])
        if p["partition_column"]:
            df = df.where(F.col(p["partition_column"]).cast("string").isin(p["partition_values"]))
        df.select(*p["columns"]).collect()
    s.stop()
    """
)


def run_workload(plans: list[PlannedRead], logs: str) -> None:
    """Run the planned reads with classic local Spark (subprocess) writing an event log to ``logs``.

    Raises:
        RuntimeError: The Spark run failed (its last error lines are in the message).
    """
    Path(logs).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps([asdict(p) for p in plans]), str(Path(logs).absolute())],
        env=env, capture_output=True, text=True, timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"classic Spark workload failed: {proc.stderr[-2000:]}")


def verify(settings: Settings, plans: list[PlannedRead], logs: str) -> list[dict[str, object]]:
    """Ingest ``logs`` and compare each table's reported bytes read with the plan."""
    from governance.engine import get_session
    from retention.usage.ingest import ingest
    from retention.usage.report import build_usage_report
    from retention.usage.sources.spark_eventlog import SparkEventLogSource

    spark = get_session(settings.engine)
    maint = DeltaRsMaintenance()
    ingest(spark, settings, [SparkEventLogSource(logs)], maintenance=maint)
    report = build_usage_report(spark, settings, maintenance=maint, window="1d")
    by_name = {t.table: t for t in report.tables}
    rows: list[dict[str, object]] = []
    for t in report.tables:
        want = sum(p.expected_bytes for p in plans if p.path == t.path)
        rows.append({"table": t.table, "stored": t.bytes_stored, "expected_read": want, "reported_read": t.bytes_read,
                     "utilization": t.utilization, "cold": t.cold, "match": want == t.bytes_read})
    missing = [p.table for p in plans if p.table not in by_name]
    if missing:
        rows.append({"table": ",".join(missing), "match": False, "note": "planned but not in the report"})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Plan, run and verify the workload; prints one line per table; exit 1 on a mismatch."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lake", default="demo-lake", help="lake root (default demo-lake)")
    ap.add_argument("--logs", help="event log folder (default: a new temporary folder)")
    args = ap.parse_args(argv)
    settings = Settings.model_validate({"lake": {"root": str(Path(args.lake).absolute())}})
    plans = plan_workload(settings.lake.root)
    logs = args.logs or tempfile.mkdtemp(prefix="lw-demo-events-")
    run_workload(plans, logs)
    rows = verify(settings, plans, logs)
    for r in rows:
        print(json.dumps(r))
    return 0 if all(r["match"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
