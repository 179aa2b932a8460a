"""The audit chain detects a removed, a reordered and an edited entry, and says which."""

import json
from pathlib import Path

import pytest

from governance.audit import AuditLog, JsonlAuditSink, verify_entries


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(JsonlAuditSink(str(tmp_path / "audit.jsonl")), job="test", actor="tester")
    for i in range(5):
        audit.append(action="protect", table=f"t{i}", columns=["email"], counts={"rows": i})
    return audit


def _rewrite(path: str, lines: list[str]) -> None:
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_intact_chain_verifies(log: AuditLog) -> None:
    report = log.verify()
    assert report.ok and report.entries == 5


def test_removed_entry_is_detected_and_named(log: AuditLog) -> None:
    lines = Path(log.sink.location).read_text().splitlines()
    _rewrite(log.sink.location, lines[:2] + lines[3:])
    report = log.verify()
    assert not report.ok
    assert any("#3 removed" in p for p in report.problems), report.problems


def test_reordered_entries_are_detected(log: AuditLog) -> None:
    lines = Path(log.sink.location).read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    _rewrite(log.sink.location, lines)
    report = log.verify()
    assert not report.ok
    assert any("out of order" in p for p in report.problems), report.problems


def test_edited_entry_is_detected_and_named(log: AuditLog) -> None:
    lines = Path(log.sink.location).read_text().splitlines()
    entry = json.loads(lines[3])
    entry["counts"] = {"rows": 999}
    lines[3] = json.dumps(entry)
    _rewrite(log.sink.location, lines)
    report = log.verify()
    assert report.problems == ["entry #4 (position 4) was edited: its content no longer matches its hash"]


def test_edit_with_recomputed_hash_breaks_the_next_link(log: AuditLog) -> None:
    entries = log.entries()
    forged = entries[1].__class__(**{**entries[1].__dict__, "table": "forged"})
    forged = forged.__class__(**{**forged.__dict__, "hash": forged.compute_hash()})
    report = verify_entries([entries[0], forged, *entries[2:]])
    assert any("#3 does not link" in p for p in report.problems), report.problems


def test_appends_continue_the_chain_across_instances(tmp_path: Path) -> None:
    path = str(tmp_path / "a.jsonl")
    AuditLog(JsonlAuditSink(path), job="a").append(action="x")
    entry = AuditLog(JsonlAuditSink(path), job="b").append(action="y")
    assert entry.seq == 2
    assert AuditLog(JsonlAuditSink(path), job="c").verify().ok
