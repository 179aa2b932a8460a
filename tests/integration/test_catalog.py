"""The catalog and reviews Delta tables: effective labels, reviews win, incremental scans."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from governance.catalog import Catalog, ColumnRecord
from governance.config import Settings
from governance.errors import ColumnNotFoundError, InputError
from governance.lake import is_delta
from governance.risk import load_classification_policy

REPO = Path(__file__).parents[2]
POLICY = load_classification_policy(REPO / "conf" / "classification.yaml")


@pytest.fixture()
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(Settings(lake={"root": str(tmp_path)}), policy=POLICY)


def _scan(cat: Catalog, table: str, version: int, entity: str | None, *, recognizers: str = "r1", at: datetime | None = None) -> str:
    return cat.record_scan(
        table=table, table_name=Path(table).name, delta_version=version, recognizers=recognizers, nlp="no_op", scanned_at=at,
        columns=[
            ColumnRecord("email", entity, [entity] if entity else [], 0.9, POLICY.max_sensitivity([entity] if entity else []), {"signals": ["s"]}),
            ColumnRecord("amount", None, [], 1.0, "public", {}),
        ],
    )


def test_scan_is_written_under_the_system_folder_and_read_back(catalog: Catalog, tmp_path: Path) -> None:
    _scan(catalog, "/lake/customers", 3, "EMAIL_ADDRESS")
    assert is_delta(str(tmp_path / "_lakewarden" / "catalog"))
    cols = {c.column: c for c in catalog.effective_columns("/lake/customers")}
    assert cols["email"].entity == "EMAIL_ADDRESS" and cols["email"].sensitivity == "confidential"
    assert cols["email"].delta_version == 3 and not cols["email"].reviewed and cols["email"].evidence == {"signals": ["s"]}
    assert catalog.last_scanned_version("/lake/customers") == 3
    assert catalog.last_scanned_version("/lake/other") is None


def test_latest_scan_wins_and_dropped_columns_disappear(catalog: Catalog) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    _scan(catalog, "/lake/t", 1, "EMAIL_ADDRESS", at=t0)
    catalog.record_scan(table="/lake/t", table_name="t", delta_version=2, recognizers="r1", nlp="no_op", scanned_at=t0 + timedelta(days=1),
                        columns=[ColumnRecord("phone", "PHONE_NUMBER", ["PHONE_NUMBER"], 0.8, "confidential", {})])
    cols = catalog.effective_columns("/lake/t")
    assert [c.column for c in cols] == ["phone"] and cols[0].first_scanned_at == t0


def test_reviewed_label_wins_over_a_later_scan(catalog: Catalog) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    _scan(catalog, "/lake/t", 1, None, at=t0)
    col = catalog.record_review(table="/lake/t", column="email", decision="set", entity="EMAIL_ADDRESS", by="Ada", note="checked by hand",
                                reviewed_at=t0 + timedelta(hours=1))
    assert col.entity == "EMAIL_ADDRESS" and col.reviewed and col.sensitivity == "confidential" and col.confidence == 1.0
    _scan(catalog, "/lake/t", 2, None, at=t0 + timedelta(days=1))  # a later scan says "none" again
    eff = {c.column: c for c in catalog.effective_columns("/lake/t")}
    assert eff["email"].entity == "EMAIL_ADDRESS" and eff["email"].scanned_entity is None and eff["email"].reviewed_by == "Ada"
    assert eff["amount"].entity is None and not eff["amount"].reviewed


def test_not_personal_and_confirm_decisions(catalog: Catalog) -> None:
    _scan(catalog, "/lake/t", 1, "PHONE_NUMBER")
    assert catalog.record_review(table="/lake/t", column="email", decision="not_personal", by="Ada").entity is None
    assert catalog.record_review(table="/lake/t", column="amount", decision="confirm", by="Bob").entity is None
    assert len(catalog.reviews("/lake/t")) == 2
    assert {c.column for c in catalog.all_effective_columns() if c.reviewed} == {"email", "amount"}


def test_review_errors_are_specific(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="classify"):
        catalog.record_review(table="/lake/never", column="x", decision="confirm", by="Ada")
    _scan(catalog, "/lake/t", 1, None)
    with pytest.raises(ColumnNotFoundError, match="no column 'nope'"):
        catalog.record_review(table="/lake/t", column="nope", decision="confirm", by="Ada")
    with pytest.raises(InputError, match="upper case"):
        catalog.record_review(table="/lake/t", column="email", decision="set", entity="email", by="Ada")
    with pytest.raises(InputError, match="reviewer"):
        catalog.record_review(table="/lake/t", column="email", decision="confirm", by=" ")


def test_incremental_scan_decision(catalog: Catalog) -> None:
    assert catalog.needs_scan("/lake/t", version=1, recognizers="r1", nlp="no_op") == (True, "never scanned")
    _scan(catalog, "/lake/t", 1, None)
    assert catalog.needs_scan("/lake/t", version=1, recognizers="r1", nlp="no_op")[0] is False
    assert "new commits" in catalog.needs_scan("/lake/t", version=2, recognizers="r1", nlp="no_op")[1]
    assert "recognizers changed" in catalog.needs_scan("/lake/t", version=1, recognizers="r2", nlp="no_op")[1]
    assert "NLP tier" in catalog.needs_scan("/lake/t", version=1, recognizers="r1", nlp="spacy_small")[1]
