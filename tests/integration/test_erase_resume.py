"""Crash tests: kill the erasure at each step, resume, and reach the same end state as an uninterrupted run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from governance.errors import ConcurrentWriteError
from retention.erasure.executor import FaultInjector, InjectedCrash
from retention.erasure.ledger import Ledger
from retention.erasure.receipt import load_receipt
from tests.fixtures.lake_scan import grep_lake
from tests.integration.test_erase_e2e import NEEDLES, build_lake, make_runner, new_request, others_checksums

_VOLATILE = {"request_id", "received", "deadline", "timestamps", "signature", "verification"}


def _comparable(receipt: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in receipt.items() if k not in _VOLATILE}


@pytest.fixture(scope="module")
def baseline(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        lake = build_lake(spark, tmp_path_factory.mktemp("baseline"), mp)
        runner, provider = make_runner(spark, lake)
        out = runner.run(new_request(lake, runner, provider), apply=True)
        return _comparable(load_receipt(out.receipt_path))


@pytest.mark.parametrize("point", ["after_locate", "after_delete", "before_vacuum", "before_key_destruction", "before_verify", "before_receipt"])
def test_crash_at_each_step_then_resume_reaches_the_uninterrupted_end_state(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline: dict[str, Any], point: str
) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch)
    before = others_checksums(spark, lake)
    runner, provider = make_runner(spark, lake, faults=FaultInjector(crash_at=point))
    req = new_request(lake, runner, provider)
    with pytest.raises(InjectedCrash):
        runner.run(req, apply=True)
    crashed = Ledger(lake.settings).get(req.request_id)
    assert crashed.state != "done"
    runner2, _ = make_runner(spark, lake)
    out = runner2.run(Ledger(lake.settings).get(req.request_id), apply=True)
    assert out.request.state == "done"
    assert _comparable(load_receipt(out.receipt_path)) == baseline
    assert grep_lake(lake.root, NEEDLES + lake.tokens) == []
    assert others_checksums(spark, lake) == before
    # finished steps are not repeated: one erasure commit per table that held the subject
    assert all(t.get("commits", 0) <= 1 for t in out.request.progress["tables"].values())


def test_crash_between_commit_and_ledger_record_is_recovered_from_table_history(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline: dict[str, Any]
) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch)
    import retention.erasure.executor as ex

    real = ex.rewrite_files

    def commit_then_die(*a: Any, **kw: Any) -> Any:
        real(*a, **kw)
        raise InjectedCrash("killed after the commit, before the ledger heard of it")

    monkeypatch.setattr(ex, "rewrite_files", commit_then_die)
    runner, provider = make_runner(spark, lake)
    req = new_request(lake, runner, provider)
    with pytest.raises(InjectedCrash):
        runner.run(req, apply=True)
    monkeypatch.setattr(ex, "rewrite_files", real)
    runner2, _ = make_runner(spark, lake)
    out = runner2.run(Ledger(lake.settings).get(req.request_id), apply=True)
    assert _comparable(load_receipt(out.receipt_path)) == baseline


def test_concurrent_writer_conflict_is_retried(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    import retention.erasure.executor as ex

    real = ex.rewrite_files
    calls = {"n": 0}

    def conflict_once(*a: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConcurrentWriteError("customers: another writer committed first; locate again")
        return real(*a, **kw)

    monkeypatch.setattr(ex, "rewrite_files", conflict_once)
    runner, provider = make_runner(spark, lake)
    out = runner.run(new_request(lake, runner, provider), apply=True)
    assert out.request.state == "done" and calls["n"] > 1


def test_concurrent_append_of_the_subject_during_the_run_is_erased_too(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    from tests.integration.test_erase_e2e import _subject_row, _write

    done = {"once": False}

    def append_subject(table: str | None) -> None:
        if table == "customers" and not done["once"]:
            done["once"] = True
            _write(spark, _subject_row(), lake.tables["customers"], parts=1)

    runner, provider = make_runner(spark, lake, faults=FaultInjector(hooks={"after_delete": append_subject}))
    out = runner.run(new_request(lake, runner, provider), apply=True)
    assert out.request.progress["tables"]["customers"]["rows_removed"] == 2
    assert grep_lake(lake.root, NEEDLES) == []


def test_killed_process_resumes_from_the_ledger(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    cfg = tmp_path / "lakewarden.yaml"
    cfg.write_text(json.dumps({"lake": {"root": str(lake.root)}, "policy": lake.settings.policy, "audit": {"sink": "jsonl"}}))
    env = {**os.environ, "LAKEWARDEN_CONFIG": str(cfg), "PYTHONPATH": str(Path.cwd())}
    run = [sys.executable, "-m", "jobs.cli", "--engine", "embedded", "--quiet", "erase"]
    rid = subprocess.run(run + ["request", "--subject", f"EMAIL_ADDRESS={NEEDLES[0]}"], env=env, capture_output=True, text=True, check=True).stdout.strip()
    killed = subprocess.run(run + ["run", rid, "--apply"], env={**env, "LAKEWARDEN_FAULT_INJECT": "before_key_destruction"},
                            capture_output=True, text=True)
    assert killed.returncode == 99, killed.stderr
    assert Ledger(lake.settings).get(rid).state == "purged"
    resumed = subprocess.run(run + ["run", rid, "--apply"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert Ledger(lake.settings).get(rid).state == "done"
    receipt = lake.root / "_lakewarden" / "erasure_receipts" / f"{rid}.json"
    ok = subprocess.run(run + ["verify", str(receipt)], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "none of the subject's identifiers found" in ok.stdout


def test_real_concurrent_rewrite_of_the_same_files_conflicts_and_is_retried(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    seen: list[str] = []

    def rewrite_table(table: str | None) -> None:
        if table == "customers" and not seen:
            seen.append(table)
            pdf = spark.read.format("delta").load(lake.tables["customers"]).toPandas()
            spark.createDataFrame(pdf).repartition(2).write.format("delta").mode("overwrite").save(lake.tables["customers"])

    runner, provider = make_runner(spark, lake, faults=FaultInjector(hooks={"before_commit": rewrite_table}))
    out = runner.run(new_request(lake, runner, provider), apply=True)
    assert seen == ["customers"]
    assert out.request.state == "done" and out.request.progress["tables"]["customers"]["rows_removed"] == 1
    located = [e for e in Ledger(lake.settings).events(out.request.request_id) if e["event"] == "located customers"]
    assert len(located) == 2  # the first commit conflicted with the concurrent rewrite and was located again
    assert spark.read.format("delta").load(lake.tables["customers"]).count() == 60
    assert grep_lake(lake.root, NEEDLES) == []


def test_a_half_written_file_of_a_killed_run_is_cleared_before_the_rerun_verifies(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # found by the kill -9 test of test_concurrent_writers: a rewrite killed mid-write left a truncated
    # Parquet file, and the rerun's every-byte scan could not decode it ("unreadable parquet")
    lake = build_lake(spark, tmp_path, monkeypatch)
    customers = Path(lake.tables["customers"])
    sample = next(customers.glob("*.parquet")).read_bytes()
    staged = customers / "_lakewarden_staging" / "erase-killed.parquet"
    staged.parent.mkdir()
    staged.write_bytes(sample[: len(sample) // 2])  # FAKE: what kill -9 during pq.write_table leaves
    runner, provider = make_runner(spark, lake)
    out = runner.run(new_request(lake, runner, provider), apply=True)
    assert out.request.state == "done"
    assert not staged.exists()
    assert grep_lake(lake.root, NEEDLES) == []
