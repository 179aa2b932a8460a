"""The ``classify --json`` document: every table asked for, each with its status (scanned, unchanged, failed)."""

from datetime import datetime, timezone

from classification.reports import failed_entry, json_document, unchanged_entry
from classification.scan import TableResult
from classification.verdicts import Verdict
from governance.catalog import CatalogColumn
from governance.errors import EngineError, UnsupportedTableFeatureError

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _scanned() -> TableResult:
    v = Verdict(name="email", entity="EMAIL_ADDRESS", entities=["EMAIL_ADDRESS"], confidence=0.9712, sensitivity="confidential",
                evidence={"signals": ["EMAIL_ADDRESS in 97% of sampled cells"]})
    return TableResult(table="customers", path="/lake/customers", format="delta", delta_version=4, rows_sampled=80, columns=[v])


def _catalog_columns() -> list[CatalogColumn]:
    common = dict(table="/lake/cards", delta_version=7, scanned_at=AT, table_name="cards", recognizers="abc123")
    return [
        CatalogColumn(column="pan", entity="CREDIT_CARD", entities=["CREDIT_CARD"], confidence=0.99, sensitivity="restricted",
                      reviewed=False, evidence={"signals": ["Luhn"]}, **common),  # type: ignore[arg-type]
        CatalogColumn(column="memo", entity="PERSON", entities=["PERSON"], confidence=1.0, sensitivity="confidential",
                      reviewed=True, scanned_entity=None, review_decision="set", reviewed_by="Ada", reviewed_at=AT,
                      evidence={}, **common),  # type: ignore[arg-type]
    ]


def test_unchanged_table_entry_carries_the_catalog_verdicts_in_the_scanned_column_shape() -> None:
    entry = unchanged_entry(table="cards", path="/lake/cards", reason="unchanged since the scan of version 7", columns=_catalog_columns())
    assert entry["status"] == "unchanged" and entry["delta_version"] == 7 and entry["recognizers"] == "abc123"
    assert entry["scanned_at"] == AT.isoformat()
    pan, memo = entry["columns"]
    assert set(pan) == set(_scanned().columns[0].to_dict())  # same keys as a column scanned now
    assert pan == {"name": "pan", "entity": "CREDIT_CARD", "entities": ["CREDIT_CARD"], "confidence": 0.99,
                   "sensitivity": "restricted", "reviewed": False, "quasi_identifier": None, "evidence": {"signals": ["Luhn"]}}
    assert memo["reviewed"] is True and memo["evidence"]["review"] == {"decision": "set", "by": "Ada", "at": str(AT)}
    assert memo["evidence"]["scanned_entity"] is None


def test_failed_entry_names_the_reason_error_class_and_exit_code() -> None:
    err = UnsupportedTableFeatureError("ledger: deletion vectors; use delta_spark maintenance")
    entry = failed_entry(table="ledger", path="/lake/ledger", error=err)
    assert entry == {"table": "ledger", "path": "/lake/ledger", "status": "failed", "reason": str(err),
                     "error": "UnsupportedTableFeatureError", "exit_code": 5, "columns": []}
    assert failed_entry(table="t", path="/t", error=ValueError("boom"))["exit_code"] == 1


def test_document_keeps_the_order_asked_for_and_says_partial_when_some_tables_failed() -> None:
    unchanged = unchanged_entry(table="cards", path="/lake/cards", reason="unchanged", columns=_catalog_columns())
    failed = failed_entry(table="ledger", path="/lake/ledger", error=EngineError("Spark engine failed on table ledger: bad log"))
    doc = json_document([unchanged, _scanned(), failed], cores={"kind": "embedded"})
    assert [(t["table"], t["status"]) for t in doc["tables"]] == [("cards", "unchanged"), ("customers", "scanned"), ("ledger", "failed")]
    assert doc["status"] == "partial" and doc["engine"] == {"kind": "embedded"}
    assert doc["skipped"] == [{"table": "cards", "path": "/lake/cards", "reason": "unchanged"}]
    assert doc["failed"] == [{"table": "ledger", "path": "/lake/ledger", "reason": "Spark engine failed on table ledger: bad log",
                              "error": "EngineError", "exit_code": 7}]
    assert doc["tables"][1]["columns"][0]["confidence"] == 0.971


def test_document_status_is_complete_without_failures_and_failed_when_every_table_failed() -> None:
    assert json_document([_scanned()])["status"] == "complete"
    assert json_document([])["status"] == "complete"
    only = failed_entry(table="ledger", path="/lake/ledger", error=EngineError("x"))
    assert json_document([only])["status"] == "failed"
