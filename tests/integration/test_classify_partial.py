"""One table never stops the others: a broken table is reported with its reason, the rest of the
lake is classified, the exit code says "partial" (11), and ``--json`` holds every table asked for,
unchanged ones with their catalog verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from governance.catalog import Catalog
from governance.config import load_settings
from jobs.cli import main

REPO = Path(__file__).parents[2]
pytestmark = pytest.mark.both_engines


def _write_customers(spark: Any, path: Path) -> None:
    rows = [(f"c{i}@example.com", ["4111 1111 1111 1111", "5500 0000 0000 0004"][i % 2], i * 2.5) for i in range(40)]
    spark.createDataFrame(rows, "email string, card string, amount double").write.format("delta").save(str(path))


def _write_half_committed_table(spark: Any, path: Path) -> None:
    """A table written by the engine (two commits), whose latest commit file is then cut in half.

    A real Delta writer never leaves this behind (a commit file appears whole, put-if-absent);
    the damage is made by hand to stand for a log corrupted on storage.
    """
    spark.createDataFrame([(i, f"note {i}") for i in range(10)], "id long, note string").write.format("delta").save(str(path))
    spark.createDataFrame([(i, f"more {i}") for i in range(10, 20)], "id long, note string").write.format("delta").mode("append").save(str(path))
    latest = path / "_delta_log" / f"{1:020d}.json"
    text = latest.read_text(encoding="utf-8")
    latest.write_text(text[: len(text) // 2], encoding="utf-8")


@pytest.fixture()
def lake(tmp_path: Path, spark: Any) -> tuple[Path, Path]:
    root = tmp_path / "lake"
    _write_customers(spark, root / "customers")
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(
        f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n"
        f"classification:\n  nlp: no_op\n  sample_rows: 100\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n"
    )
    return root, cfg


def test_classify_lake_with_a_broken_table_classifies_the_good_one_and_exits_partial(
    lake: tuple[Path, Path], tmp_path: Path, spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root, cfg = lake
    _write_half_committed_table(spark, root / "ledger")
    out = tmp_path / "report.json"
    capsys.readouterr()
    assert main(["classify", "--config", str(cfg), "--quiet", "--json", str(out)]) == 11
    stdout, stderr = capsys.readouterr()
    assert "failed ledger: " in stdout
    assert "1 of 2 table(s) failed: ledger" in stderr
    doc = json.loads(out.read_text())
    assert doc["status"] == "partial"
    tables = {t["table"]: t for t in doc["tables"]}
    assert set(tables) == {"customers", "ledger"}
    assert tables["customers"]["status"] == "scanned"
    cols = {c["name"]: c["entity"] for c in tables["customers"]["columns"]}
    assert cols == {"email": "EMAIL_ADDRESS", "card": "CREDIT_CARD", "amount": None}
    broken = tables["ledger"]
    assert broken["status"] == "failed" and broken["columns"] == [] and broken["reason"]
    assert broken["path"] == str(root / "ledger") and broken["exit_code"] not in (0, 11)
    assert doc["failed"] == [{k: broken[k] for k in ("table", "path", "reason", "error", "exit_code")}]
    catalog = Catalog(load_settings(cfg))
    assert catalog.tables() == [str(root / "customers")]  # the broken table left no verdicts behind


def test_classify_of_only_a_broken_table_exits_with_its_own_error_code(
    lake: tuple[Path, Path], tmp_path: Path, spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root, cfg = lake
    _write_half_committed_table(spark, root / "ledger")
    out = tmp_path / "report.json"
    capsys.readouterr()
    rc = main(["classify", "--config", str(cfg), "--quiet", "--json", str(out), "ledger"])
    err = capsys.readouterr().err
    doc = json.loads(out.read_text())
    (only,) = doc["tables"]
    assert rc == only["exit_code"] and rc not in (0, 1, 11)
    assert doc["status"] == "failed" and only["status"] == "failed"
    assert "ledger" in err


def test_classify_json_lists_an_unchanged_table_with_its_catalog_verdicts_and_reviews(
    lake: tuple[Path, Path], tmp_path: Path
) -> None:
    root, cfg = lake
    assert main(["classify", "--config", str(cfg), "--quiet"]) == 0
    assert main(["review", "--config", str(cfg), "customers", "amount", "--set", "US_BANK_NUMBER", "--by", "Ada"]) == 0
    out = tmp_path / "again.json"
    assert main(["classify", "--config", str(cfg), "--quiet", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["status"] == "complete" and doc["failed"] == []
    (table,) = doc["tables"]
    assert table["table"] == "customers" and table["status"] == "unchanged" and table["delta_version"] == 0
    assert table["reason"].startswith("unchanged since the scan of version 0")
    cols = {c["name"]: c for c in table["columns"]}
    assert cols["email"]["entity"] == "EMAIL_ADDRESS" and cols["card"]["sensitivity"] == "restricted"
    assert cols["amount"]["entity"] == "US_BANK_NUMBER" and cols["amount"]["reviewed"] is True
    assert cols["amount"]["evidence"]["review"]["by"] == "Ada"
    assert doc["skipped"] == [{"table": "customers", "path": str(root / "customers"), "reason": table["reason"]}]
