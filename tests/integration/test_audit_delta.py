"""The production audit sink: a Delta table in the lake, tampered with through delta-rs."""

from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from governance.audit import AuditLog, DeltaAuditSink


def _log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(DeltaAuditSink(str(tmp_path / "audit")), job="test", actor="tester")
    for i in range(4):
        audit.append(action="classify", table=f"t{i}", counts={"columns": i})
    return audit


def test_delta_audit_chain_verifies(tmp_path: Path) -> None:
    assert _log(tmp_path).verify().ok


def test_delta_audit_deleted_entry_is_detected(tmp_path: Path) -> None:
    audit = _log(tmp_path)
    DeltaTable(audit.sink.location).delete("seq = 2")
    assert any("#2 removed" in p for p in audit.verify().problems)


def test_delta_audit_edited_entry_is_detected(tmp_path: Path) -> None:
    audit = _log(tmp_path)
    DeltaTable(audit.sink.location).update(updates={"actor": "'mallory'"}, predicate="seq = 3")
    assert any("#3" in p and "edited" in p for p in audit.verify().problems)


def test_delta_audit_reordered_entries_are_detected(tmp_path: Path) -> None:
    audit = _log(tmp_path)
    rows = DeltaTable(audit.sink.location).to_pyarrow_table().to_pylist()
    rows.sort(key=lambda r: r["seq"])
    rows[1]["seq"], rows[2]["seq"] = rows[2]["seq"], rows[1]["seq"]
    write_deltalake(audit.sink.location, pa.Table.from_pylist(rows, schema=audit.sink._schema()), mode="overwrite")  # type: ignore[attr-defined]
    assert not audit.verify().ok
