"""The jobs on a real Spark standalone cluster, through the README's exact spark-submit line.

A master and two workers (1 core, 2 GB each) run on 127.0.0.1 from pyspark's own ``spark-class``;
Lakewarden's wheel goes to the executors through ``--py-files``, the executors run this
virtualenv's Python. Over a small demo lake: classify, ``protect customers --apply
--purge-history``, then erase one customer (request, run --apply, verify). Everything classic runs
in spark-submit's own processes, so this test lives in the embedded pytest run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.fixtures.standalone import (
    REPO,
    README_MASTER,
    README_PYTHON,
    README_WHEEL,
    StandaloneCluster,
    build_wheel,
    leftover_pids,
    readme_submit_line,
    spark_env,
    submit_command,
)
from tests.fixtures.lake_scan import grep_lake

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="the standalone cluster needs Java 17+")

DEMO_ROWS = 2000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    """A standalone master and two 1-core workers on 127.0.0.1; every process is gone afterwards."""
    work = tmp_path_factory.mktemp("spark-cluster")
    c = StandaloneCluster(work=work, workers=2, cores=1, memory="2g").start()
    try:
        yield c
    finally:
        c.stop()
        assert leftover_pids(work) == [], "cluster processes left behind"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel") / "dist")


def _files(table: Path) -> list[str]:
    """The data files of the table's current version (read through its log, not the folder)."""
    from deltalake import DeltaTable

    return [u.removeprefix("file://") for u in DeltaTable(str(table)).file_uris()]


def _read(table: Path) -> list[dict[str, Any]]:
    return [r for f in _files(table) for r in pq.read_table(f).to_pylist()]


def test_readme_spark_submit_line_names_the_delta_jar_of_the_installed_pyspark() -> None:
    from governance.engine import delta_package

    argv = readme_submit_line()
    assert argv[argv.index("--packages") + 1] == delta_package() == "io.delta:delta-spark_4.2_2.13:4.4.0"
    assert argv[argv.index("--master") + 1] == README_MASTER
    assert argv[argv.index("--py-files") + 1] == README_WHEEL
    assert f"spark.pyspark.python={README_PYTHON}" in argv
    assert "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension" in argv


@pytest.mark.slow
def test_readme_line_classifies_protects_and_erases_a_demo_lake_on_a_two_worker_cluster(
    cluster: StandaloneCluster, wheel: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"  # the operator's folder: conf/ as shipped, spark-submit's working directory
    shutil.copytree(REPO / "conf", run_dir / "conf")
    root = tmp_path / "lake"
    env = spark_env(cluster.work)
    env["LAKEWARDEN_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    env["TLDEXTRACT_CACHE"] = os.environ.get("TLDEXTRACT_CACHE", str(REPO / ".cache" / "tldextract"))

    gen = subprocess.run([sys.executable, "-m", "jobs.cli", "demo", "--lake", str(root), "--rows", str(DEMO_ROWS), "--skip-steps"],
                         cwd=run_dir, env=env, capture_output=True, text=True, timeout=600)
    assert gen.returncode == 0, gen.stderr[-3000:]

    def submit(job: str, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = submit_command(master=cluster.master_url, wheel=wheel, job=job, job_args=["--lake", str(root), *args])
        proc = subprocess.run(cmd, cwd=run_dir, env=env, capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, f"{job} {args}: rc {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-5000:]}"
        return proc

    # classify: Presidio runs inside mapInPandas on both executors
    verdicts_json = tmp_path / "classification.json"
    proc = submit("classify", "--json", str(verdicts_json))
    doc = json.loads(verdicts_json.read_text())
    assert doc["engine"]["kind"] == "classic"
    verdicts = {(Path(t["path"]).name, c["name"]): c["entity"] for t in doc["tables"] for c in t["columns"]}
    assert {k: verdicts[k] for k in [("customers", "email"), ("customers", "ssn"), ("accounts", "iban"), ("cards", "card_number"),
                                     ("accounts", "balance")]} == {
        ("customers", "email"): "EMAIL_ADDRESS", ("customers", "ssn"): "US_SSN", ("accounts", "iban"): "IBAN_CODE",
        ("cards", "card_number"): "CREDIT_CARD", ("accounts", "balance"): None}
    assert {t.name for t in root.iterdir() if (t / "_delta_log").is_dir()} <= {Path(t["path"]).name for t in doc["tables"]}
    executors = set(re.findall(r"Finished task \S+ in stage \S+ \(TID \d+\) in \d+ ms on \S+ \(executor (\d+)\)", proc.stderr))
    assert executors == {"0", "1"}, "tasks must run on both workers' executors"

    # the subject: a customer with accounts and cards; identifiers read before protection tokenizes them
    customers = _read(root / "customers")
    accounts = _read(root / "accounts")
    cards = _read(root / "cards")
    with_cards = {a["customer_id"] for a in accounts if any(c["account_id"] == a["account_id"] for c in cards)}
    subject = next(c for c in sorted(customers, key=lambda c: c["customer_id"]) if c["customer_id"] in with_cards)
    own_accounts = [a for a in accounts if a["customer_id"] == subject["customer_id"]]
    own_cards = [c["card_number"] for c in cards if c["account_id"] in {a["account_id"] for a in own_accounts}]
    needles = [subject["email"], subject["ssn"], *[a["iban"] for a in own_accounts], *own_cards]

    # protect customers, with the plaintext history purged
    submit("protect", "customers", "--apply", "--purge-history")
    protected = _read(root / "customers")
    assert len(protected) == len(customers)
    for column in ("email", "ssn", "first_name", "last_name", "phone"):
        values = [r[column] for r in protected if r[column] is not None]
        assert values and all(str(v).startswith("lw1:") for v in values), column
    assert grep_lake(root / "customers", [subject["email"], subject["ssn"]]) == []
    assert grep_lake(root, needles), "the subject's accounts and cards are still plain before erasure"

    # erase the subject: request, run --apply, verify the receipt (signature and a scan of every file)
    proc = submit("erase", "request", "--subject", f"EMAIL_ADDRESS={subject['email']}", f"customer_id={subject['customer_id']}")
    # spark-submit's Python driver writes stdout and stderr into one stream: the id is the line of its own
    ids = re.findall(r"^(er-[0-9a-f]+)$", proc.stdout, re.M)
    assert len(ids) == 1, proc.stdout[-2000:]
    request_id = ids[0]
    proc = submit("erase", "run", request_id, "--apply")
    receipt = root / "_lakewarden" / "erasure_receipts" / f"{request_id}.json"
    assert f"{request_id}: done; receipt {receipt}" in proc.stdout
    proc = submit("erase", "verify", str(receipt))
    assert "signature valid" in proc.stdout and "none of the subject's identifiers found" in proc.stdout
    assert grep_lake(root, needles) == []
    assert not any(r["customer_id"] == subject["customer_id"] for r in _read(root / "customers"))
    assert len(_read(root / "customers")) == len(customers) - 1

    # the Spark master ran the applications on the cluster, with an executor on each worker
    apps = [a for a in cluster.master_json()["completedapps"] if a["state"] == "FINISHED"]
    assert len(apps) >= 3 and {a["name"] for a in apps} == {"lakewarden"}  # classify, protect, erase run
    for i in range(2):
        worker = cluster.worker_json(i)
        assert {a["id"] for a in apps} <= {e["appid"] for e in worker["finishedexecutors"]}, f"worker {i}"
        for app in apps:
            shipped = {p.name for p in (cluster.work / f"worker{i}" / app["id"]).glob("*/*")}
            assert {wheel.name, "io.delta_delta-spark_4.2_2.13-4.4.0.jar"} <= shipped, (i, app["id"])
