"""Erasure bad input: nothing matched, malformed identifier, unknown regulation, legal hold, table removed mid-run."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.errors import InputError, LegalHoldError, VerificationFailedError
from retention.erasure.executor import FaultInjector
from retention.erasure.ledger import Ledger
from retention.erasure.receipt import check_signature, load_receipt
from tests.fixtures.lake_scan import grep_lake
from tests.integration.test_erase_e2e import NEEDLES, build_lake, make_runner, new_request


def test_subject_found_nowhere_ends_not_found_with_a_receipt_of_what_was_searched(
        spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    runner, provider = make_runner(spark, lake)
    req = new_request(lake, runner, provider, subject=["EMAIL_ADDRESS=nobody.here@nowhere.test"])
    out = runner.run(req, apply=True)
    assert out.request.state == "not_found" and not out.request.open
    doc = load_receipt(out.receipt_path)
    assert doc["matched"] is False and doc["outcome"] == "not_found" and doc["rows_removed"] == 0
    assert doc["statement"].startswith("NOT FOUND: no data in the lake matched")
    searched = {t["table"]: t for t in doc["tables"]}
    assert "customers" in searched and "email" in searched["customers"]["columns_searched"]
    assert all(t["version_before"] is not None for t in doc["tables"])
    assert "done" not in json.dumps({k: v for k, v in doc.items() if k != "timestamps"}).replace("not_found", "")
    # a second run changes nothing; status shows the difference plainly
    assert runner.run(out.request, apply=True).request.state == "not_found"
    from jobs.cli import main

    capsys.readouterr()
    cfg = tmp_path / "status.yaml"
    cfg.write_text(f"lake:\n  root: {lake.root}\naudit:\n  sink: jsonl\n", encoding="utf-8")
    assert main(["--config", str(cfg), "erase", "status", "--json"]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["state"] == "not_found" and row["due"] == "not found"


def test_an_identifier_key_that_is_neither_an_entity_nor_a_column_is_refused(
        spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    runner, provider = make_runner(spark, lake)
    with pytest.raises(InputError, match=r"'EMAIL' is neither an entity .* Did you mean EMAIL_ADDRESS") as exc:
        new_request(lake, runner, provider, subject=["EMAIL=zeb.quixote@erase.test"])
    assert exc.value.exit_code == 4 and "zeb.quixote" not in str(exc.value)
    with pytest.raises(InputError, match=r"'FOO_BAR' is neither an entity.*columns: .*customer_id"):
        new_request(lake, runner, provider, subject=["FOO_BAR=1"])
    with pytest.raises(InputError, match=r"'custmer_id'.*Did you mean customer_id"):
        new_request(lake, runner, provider, subject=["custmer_id=9001"])
    assert Ledger(lake.settings).all() == []
    assert new_request(lake, runner, provider, subject=["customer_id=9001"]).state == "received"  # a real column


def test_malformed_identifier_and_unknown_regulation_are_refused(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    runner, provider = make_runner(spark, lake)
    with pytest.raises(InputError, match="EMAIL_ADDRESS.*not an e-mail"):
        new_request(lake, runner, provider, subject=["EMAIL_ADDRESS=not-an-email"])
    with pytest.raises(InputError, match="not KEY=VALUE"):
        new_request(lake, runner, provider, subject=["zeb.quixote@erase.test"])
    with pytest.raises(InputError, match="unknown regulation 'lgpd'"):
        new_request(lake, runner, provider, regulation="lgpd")
    assert Ledger(lake.settings).all() == []


def test_legal_hold_blocks_erasure_of_its_table_and_keeps_the_deadline(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    until = date.today() + timedelta(days=90)
    Path(lake.settings.policy).write_text(
        "retention:\n  holds:\n    - name: lit-2026-17\n      table: tickets\n      reason: pending litigation\n"
        f"      until: {until.isoformat()}\n", encoding="utf-8")
    runner, provider = make_runner(spark, lake)
    req = new_request(lake, runner, provider, received=date.today() - timedelta(days=3))
    with pytest.raises(LegalHoldError, match="lit-2026-17.*tickets"):
        runner.run(req, apply=True)
    held = Ledger(lake.settings).get(req.request_id)
    assert held.state == "blocked" and held.open
    assert held.deadline == req.deadline
    assert held.progress["tables"]["tickets"]["state"] == "held"
    assert held.progress["tables"]["customers"]["rows_removed"] == 1  # the rest was erased
    # the hold ends: the next run finishes the request
    Path(lake.settings.policy).write_text("retention:\n  holds: []\n", encoding="utf-8")
    runner2, _ = make_runner(spark, lake)
    out = runner2.run(Ledger(lake.settings).get(req.request_id), apply=True)
    assert out.request.state == "done"
    assert grep_lake(lake.root, NEEDLES) == []


def test_row_level_hold_keeps_only_the_rows_it_covers(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    Path(lake.settings.policy).write_text(
        "retention:\n  holds:\n    - name: chargeback\n      table: payments\n      where: {column: payment_id, op: '==', value: 500}\n"
        f"      reason: card dispute\n      until: {(date.today() + timedelta(days=30)).isoformat()}\n", encoding="utf-8")
    runner, provider = make_runner(spark, lake)
    req = new_request(lake, runner, provider)
    with pytest.raises(LegalHoldError, match="chargeback"):
        runner.run(req, apply=True)
    tp = Ledger(lake.settings).get(req.request_id).progress["tables"]["payments"]
    assert tp["rows_removed"] == 1 and tp["rows_held"] == 1
    assert spark.read.format("delta").load(lake.tables["payments"]).where("payment_id = 500").count() == 1
    Path(lake.settings.policy).write_text("retention:\n  holds: []\n", encoding="utf-8")  # the dispute is settled
    runner2, _ = make_runner(spark, lake)
    out = runner2.run(Ledger(lake.settings).get(req.request_id), apply=True)
    assert out.request.state == "done" and out.request.progress["tables"]["payments"]["rows_removed"] == 2
    assert grep_lake(lake.root, NEEDLES) == []


def test_table_removed_mid_run_is_recorded_and_the_request_completes(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)

    def drop_table(table: str | None) -> None:
        if table == "payments":
            shutil.rmtree(lake.tables["payments"])

    runner, provider = make_runner(spark, lake, faults=FaultInjector(hooks={"before_commit": drop_table}))
    out = runner.run(new_request(lake, runner, provider), apply=True)
    assert out.request.state == "done"
    assert out.request.progress["tables"]["payments"]["state"] == "gone"
    doc = load_receipt(out.receipt_path)
    assert [t for t in doc["tables"] if t["table"] == "payments"][0]["state"] == "gone"


def test_edited_receipt_fails_verification(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    runner, provider = make_runner(spark, lake)
    out = runner.run(new_request(lake, runner, provider), apply=True)
    doc = json.loads(Path(out.receipt_path).read_text())
    doc["rows_removed"] = 0
    with pytest.raises(VerificationFailedError, match="altered"):
        check_signature(lake.settings, doc)


def test_verify_fails_when_the_subject_comes_back(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    runner, provider = make_runner(spark, lake)
    out = runner.run(new_request(lake, runner, provider), apply=True)
    from tests.integration.test_erase_e2e import _subject_row, _write

    _write(spark, _subject_row(), lake.tables["customers"], parts=1)
    scan = runner.verify(out.request)
    assert not scan.clean and any("customers" in f.file for f in scan.findings)
    assert all(NEEDLES[0] not in json.dumps(f.to_dict()) for f in scan.findings)


def test_status_lists_overdue_first(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    runner, provider = make_runner(spark, lake)
    late = new_request(lake, runner, provider, subject=["EMAIL_ADDRESS=a.b@c.test"], received=date.today() - timedelta(days=60))
    soon = new_request(lake, runner, provider, subject=["EMAIL_ADDRESS=d.e@f.test"], regulation="ccpa")
    import argparse

    from governance.context import JobContext
    from jobs.erase import _status

    _status(argparse.Namespace(json_out=True), JobContext(lake.settings, job="erase"))
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["request"] for r in rows] == [late.request_id, soon.request_id]
    assert rows[0]["due"].startswith("OVERDUE") and rows[1]["deadline"] == (date.today() + timedelta(days=45)).isoformat()


def test_cli_all_due_runs_every_open_request(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import main

    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(json.dumps({"lake": {"root": str(lake.root)}, "policy": lake.settings.policy, "audit": {"sink": "jsonl"}}))
    base = ["--config", str(cfg), "--quiet", "erase"]
    capsys.readouterr()
    assert main(base + ["request", "--subject", f"EMAIL_ADDRESS={NEEDLES[0]}"]) == 0
    assert main(base + ["request", "--subject", "customer_id=7", "--regulation", "ccpa", "--received", "2026-01-02"]) == 0
    ids = capsys.readouterr().out.split()
    assert main(base + ["run"]) == 4
    assert "give one request ID or --all-due" in capsys.readouterr().err
    assert main(base + ["request", "--subject", "EMAIL_ADDRESS=x@y.test", "--regulation", "lgpd"]) == 4
    assert main(base + ["request", "--subject", "EMAIL_ADDRESS=x@y.test", "--received", "yesterday"]) == 4
    capsys.readouterr()
    assert main(base + ["status"]) == 0
    status = capsys.readouterr().out
    assert status.index(ids[1]) < status.index(ids[0]) and "OVERDUE" in status  # the January CCPA request is overdue
    assert main(base + ["run", "--all-due", "--apply"]) == 0
    assert all(Ledger(lake.settings).get(i).state == "done" for i in ids)
    assert grep_lake(lake.root, [NEEDLES[0]]) == []  # only the e-mail was given: rows without it stay
    assert spark.read.format("delta").load(lake.tables["customers"]).where("customer_id = 7").count() == 0


def test_failed_verification_leaves_the_request_open_and_a_rerun_finishes_it(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_erase_e2e import _subject_row, _write

    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    once: list[int] = []

    def late_writer(_table: str | None) -> None:
        if not once:
            once.append(1)
            _write(spark, _subject_row(), lake.tables["customers"], parts=1)  # a job writes the subject back

    runner, provider = make_runner(spark, lake, faults=FaultInjector(hooks={"before_verify": late_writer}))
    req = new_request(lake, runner, provider)
    with pytest.raises(VerificationFailedError, match="still readable"):
        runner.run(req, apply=True)
    failed = Ledger(lake.settings).get(req.request_id)
    assert failed.state == "verify_failed" and failed.open
    assert all(NEEDLES[0] not in json.dumps(f) for f in failed.progress["findings"])
    out = make_runner(spark, lake)[0].run(failed, apply=True)
    assert out.request.state == "done"
    assert out.request.progress["tables"]["customers"]["rows_removed"] == 2
    assert grep_lake(lake.root, NEEDLES) == []
