"""The classify job shapes on the classic engine (the spark-submit path), in a child process.

A classic session cannot follow a Spark Connect one in the same process, and no Delta jars are
available here, so this classifies a Parquet folder: the sample shape (scan, limit, explode,
repartition, mapInPandas) and the --full shape (scan, explode, groupBy, mapInPandas), the one
DESIGN.md warns can hang after a Parquet scan on pyspark 4.2.0 classic.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]

_JOB = r"""
import json, sys
from governance.config import EngineSettings
from governance.engine import get_session
from classification.registry import load_recognizer_config
from classification.scan import classify_table
from governance.risk import load_classification_policy
repo, out = sys.argv[1], sys.argv[2]
spark = get_session(EngineSettings(kind="classic", shuffle_partitions=2))
spark.range(300).selectExpr("concat('u', id, '@example.com') as email", "id * 1.5 as amount").write.mode("overwrite").parquet(out)
cfg = load_recognizer_config(repo + "/conf/recognizers.yaml")
pol = load_classification_policy(repo + "/conf/classification.yaml")
res = {}
for full in (False, True):
    r = classify_table(spark, out, name="t", config=cfg, policy=pol, nlp="no_op", sample_rows=50, min_share=0.5, full=full)
    res["full" if full else "sample"] = {c.name: c.entity for c in r.columns}
print(json.dumps(res))
spark.stop()
"""


@pytest.mark.slow
def test_classify_shapes_run_on_classic_spark(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-c", _JOB, str(REPO), str(tmp_path / "p")], capture_output=True, text=True,
                          timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = {"email": "EMAIL_ADDRESS", "amount": None}
    assert result == {"sample": expected, "full": expected}
