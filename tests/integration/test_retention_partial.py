"""Retention over a lake with one unreadable table: the plan names it, the other table is planned and
applied, and the exit code says "partial" (11)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from jobs.cli import main

pytestmark = pytest.mark.both_engines

POLICY = """
retention:
  rules:
    - name: tickets-1y
      match: {table: tickets}
      age: {column: opened_at, older_than_days: 365}
      action: delete
    - name: ledger-1y
      match: {table: ledger}
      age: {column: opened_at, older_than_days: 365}
      action: delete
"""


def _write(spark: Any, path: Path, first: int) -> None:
    old, new = dt.datetime(2019, 1, 1), dt.datetime.now()
    rows = [(i, old if i % 2 else new) for i in range(first, first + 10)]
    spark.createDataFrame(rows, "id long, opened_at timestamp").write.format("delta").mode("append").save(str(path))


@pytest.fixture()
def lake(tmp_path: Path, spark: Any) -> Path:
    root = tmp_path / "lake"
    _write(spark, root / "tickets", 0)
    _write(spark, root / "ledger", 0)
    _write(spark, root / "ledger", 10)
    # A half-written latest commit: a fault a real Delta writer never leaves (commit files appear
    # whole); made by hand to stand for a log damaged on storage.
    latest = root / "ledger" / "_delta_log" / f"{1:020d}.json"
    text = latest.read_text(encoding="utf-8")
    latest.write_text(text[: len(text) // 2], encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(json.dumps({"lake": {"root": str(root)}, "policy": str(tmp_path / "policy.yaml"), "audit": {"sink": "jsonl"}}))
    return cfg


def test_retention_plan_and_apply_skip_an_unreadable_table_apply_the_rest_and_exit_partial(
    lake: Path, tmp_path: Path, spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    capsys.readouterr()
    assert main(["--config", str(lake), "--quiet", "retention", "plan", "--json", str(out)]) == 11
    stdout, stderr = capsys.readouterr()
    assert "1 of 2 table(s) could not be planned: ledger: " in stderr and "the others were planned" in stderr
    tables = {t["table"]: t for t in json.loads(out.read_text())["tables"]}
    assert tables["tickets"]["rows_delete"] == 5 and tables["tickets"]["failed"] is None
    assert tables["ledger"]["failed"] and tables["ledger"]["changes"] is False
    assert "failed: " in stdout
    assert main(["--config", str(lake), "--quiet", "retention", "apply", "--apply"]) == 11
    assert "the others were applied" in capsys.readouterr().err
    assert spark.read.format("delta").load(str(tmp_path / "lake" / "tickets")).count() == 5
