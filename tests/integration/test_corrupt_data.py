"""A damaged data file or Delta log entry is named (table, file, version) with exit 12, and nothing is written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from governance.corrupt import find_damaged_files
from tests.fixtures.delta_features import run_cli

pytestmark = pytest.mark.both_engines


@pytest.fixture
def lake(spark: Any, tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    spark.sql("SELECT id, concat('person', id, '@example.com') AS email, concat('note ', id) AS note FROM range(4000)") \
        .repartition(4).write.format("delta").save(str(root / "people"))
    (tmp_path / "policy.yaml").write_text("protection:\n  tables:\n    people:\n      columns:\n        email: {action: tokenize}\n",
                                          encoding="utf-8")
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {root}\naudit:\n  sink: jsonl\nkeys:\n  provider: local\npolicy: {tmp_path / 'policy.yaml'}\n"
                   "classification:\n  nlp: no_op\n", encoding="utf-8")
    return cfg


def _damage(table: Path, how: str) -> str:
    """FAKE disk damage (no engine writes a broken file): truncate one data file, or overwrite bytes of its pages."""
    victim = sorted(table.glob("*.parquet"))[1]
    data = bytearray(victim.read_bytes())
    if how == "truncated":
        victim.write_bytes(bytes(data[: len(data) // 2]))
    else:
        start = 4 + 16  # inside the first column chunk, after the magic bytes
        data[start:start + 200] = os.urandom(200)
        victim.write_bytes(bytes(data))
    return victim.name


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_damaged_data_file_is_named_with_exit_12_and_nothing_is_written(
        spark: Any, lake: Path, capsys: pytest.CaptureFixture[str], how: str) -> None:
    table = lake.parent / "lake" / "people"
    victim = _damage(table, how)
    log_before = sorted(p.name for p in (table / "_delta_log").iterdir())
    version, bad = find_damaged_files(str(table))
    assert [f for f, _ in bad] == [victim]
    for args in (["classify", "people", "--full"], ["protect", "people", "--apply"]):
        rc, out, err = run_cli(capsys, lake, *args)
        text = out + err
        assert rc == 12, f"{args}: {text}"
        assert "people" in text and victim in text and f"version {version}" in text and "FSCK REPAIR TABLE" in text
        assert "Python worker" not in text
    assert sorted(p.name for p in (table / "_delta_log").iterdir()) == log_before  # nothing committed


def test_a_torn_log_entry_is_named_with_exit_12(spark: Any, lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = lake.parent / "lake" / "people"
    commit = sorted((table / "_delta_log").glob("*.json"))[-1]
    # FAKE: a torn commit line, as a crashed copy or a broken writer leaves it
    commit.write_text(commit.read_text(encoding="utf-8") + '{"add": {"path": "x.parquet", \n', encoding="utf-8")
    rc, out, err = run_cli(capsys, lake, "classify", "people")
    assert rc == 12, out + err
    assert f"_delta_log/{commit.name}" in out + err and "malformed JSON" in out + err
