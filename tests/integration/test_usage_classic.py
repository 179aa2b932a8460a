"""The event-log parsing runs unchanged on classic Spark (the spark-submit path).

The same real logs are staged and parsed by classic local Spark in a subprocess (Java regex,
Spark's own JSON functions, a Python ``mapInPandas`` reader after ``createDataFrame``, then
Parquet instead of Delta: delta-spark jars cannot be fetched here) and by the embedded engine
(Sail, Rust regex); the raw reads must be identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from retention.usage.sources.spark_eventlog import SparkEventLogSource
from tests.fixtures.eventlogs import RealEventLogs

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pyspark.sql import SparkSession
    from retention.usage.sources.spark_eventlog import SparkEventLogSource
    logs, out = sys.argv[1], sys.argv[2]
    s = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    src = SparkEventLogSource(logs)
    files = src.discover()
    src.stage_lines(s, files).write.mode("overwrite").parquet(out)
    rows = src.reads_from_staged(s.read.parquet(out), incomplete=[]).collect()
    print(json.dumps([{k: (str(v) if v is not None else None) for k, v in r.asDict().items()} for r in rows]))
    s.stop()
    """
)

KEYS = ("kind", "read_key", "app_name", "execution_id", "location", "partition_filters", "read_schema", "output_columns", "bytes_read", "files_read")


def _key(r: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(None if r.get(k) is None else str(r[k]) for k in KEYS)


@pytest.mark.slow
def test_classic_spark_parses_the_logs_like_the_embedded_engine(spark: Any, real_eventlogs: RealEventLogs, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYSPARK_PYTHON"] = sys.executable  # the executors need pandas and pyarrow
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(real_eventlogs.logs), str(tmp_path / "staged")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    classic = sorted(_key(r) for r in json.loads(proc.stdout.strip().splitlines()[-1]))
    src = SparkEventLogSource(str(real_eventlogs.logs))
    staged = src.stage_lines(spark, src.discover())
    embedded = sorted(_key(r.asDict()) for r in src.reads_from_staged(staged, incomplete=[]).collect())
    assert len(classic) == 10 and classic == embedded
