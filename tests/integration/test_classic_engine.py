"""The classic engine (the spark-submit path) on a local session, in its own process.

A classic session cannot follow a Spark Connect one in the same process (DESIGN.md), so each
test runs a child interpreter. No Delta jars are available here, so these run over Parquet.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]

_SHAPE = r"""
import json, sys
import pandas as pd
from governance.config import EngineSettings
from governance.engine import get_session
spark = get_session(EngineSettings(kind="classic", shuffle_partitions=2))
out = sys.argv[1]
spark.range(2000).selectExpr("id", "cast(id % 7 as string) as k").write.mode("overwrite").parquet(out)
def double(batches):
    for b in batches:
        yield pd.DataFrame({"k": b["k"], "n": b["id"] * 2})
rows = spark.read.parquet(out).mapInPandas(double, "k string, n long").groupBy("k").count().collect()
print(json.dumps({"groups": len(rows), "total": sum(r["count"] for r in rows), "kind": type(spark).__module__}))
spark.stop()
"""


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.mark.slow
def test_classic_session_runs_the_mapinpandas_after_scan_then_groupby_shape(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _SHAPE, str(tmp_path / "p")],
        capture_output=True, text=True, timeout=300, env=_child_env(), cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"groups": 7, "total": 2000, "kind": "pyspark.sql.session"}


def test_engine_error_message_says_how_to_get_java(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no Java on PATH the classic engine must fail with the install hint, not a py4j trace.
    env = _child_env()
    env["PATH"] = "/nonexistent"
    env.pop("JAVA_HOME", None)
    code = "from governance.config import EngineSettings\nfrom governance.engine import get_session\nget_session(EngineSettings(kind='classic'))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode != 0
    assert "EngineUnavailableError" in proc.stderr and "openjdk-17-jre-headless" in proc.stderr


@pytest.mark.slow
def test_classify_job_entry_point_runs_as_spark_submit_would(tmp_path: Path) -> None:
    # spark-submit runs jobs/classify.py as a script; run_job then defaults to the classic engine.
    make = (
        "from governance.config import EngineSettings\nfrom governance.engine import get_session\nimport sys\n"
        "s = get_session(EngineSettings(kind='classic', shuffle_partitions=2))\n"
        "s.range(200).selectExpr(\"concat('user', id, '@example.com') as email\", 'id * 2.5 as amount')"
        ".write.mode('overwrite').parquet(sys.argv[1])\ns.stop()\n"
    )
    legacy = tmp_path / "lake" / "legacy_contacts"
    proc = subprocess.run([sys.executable, "-c", make, str(legacy)], capture_output=True, text=True, timeout=300, env=_child_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "verdicts.json"
    env = _child_env()
    env["LAKEWARDEN_AUDIT__SINK"] = "jsonl"
    proc = subprocess.run(
        [sys.executable, str(REPO / "jobs" / "classify.py"), "--lake", str(tmp_path / "lake"), "--nlp", "no_op",
         "--quiet", "--json", str(out), str(legacy)],
        capture_output=True, text=True, timeout=600, env=env, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    tables = json.loads(out.read_text())["tables"]
    verdicts = {c["name"]: c["entity"] for c in tables[0]["columns"]}
    assert verdicts == {"email": "EMAIL_ADDRESS", "amount": None}
