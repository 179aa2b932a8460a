from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from governance.catalog import CatalogColumn
from governance.errors import ConfigError
from governance.risk import load_classification_policy, overdue_reviews, rate_tables

REPO = Path(__file__).parents[3]
POLICY = load_classification_policy(REPO / "conf" / "classification.yaml")
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _col(table: str, column: str, entity: str | None, *, reviewed_at: datetime | None = None, scanned: datetime = NOW - timedelta(days=100)) -> CatalogColumn:
    return CatalogColumn(
        table=table, column=column, entity=entity, entities=[entity] if entity else [], confidence=0.9,
        sensitivity=POLICY.max_sensitivity([entity] if entity else []), reviewed=reviewed_at is not None,
        delta_version=1, scanned_at=scanned, reviewed_at=reviewed_at, first_scanned_at=scanned,
    )


def test_tier_comes_from_the_most_sensitive_column() -> None:
    rated = {r.table: r for r in rate_tables([_col("t1", "a", "EMAIL_ADDRESS"), _col("t1", "b", "CREDIT_CARD"), _col("t2", "c", None)], POLICY, now=NOW)}
    assert rated["t1"].tier == "high" and rated["t1"].sensitivity == "restricted"
    assert rated["t2"].tier == "low" and not rated["t2"].overdue


def test_unreviewed_table_is_overdue_after_the_first_review_window() -> None:
    late = overdue_reviews([_col("t1", "b", "CREDIT_CARD")], POLICY, now=NOW)
    assert [r.table for r in late] == ["t1"] and late[0].days_overdue == 70


def test_high_risk_table_reviewed_within_90_days_is_not_overdue() -> None:
    cols = [_col("t1", "b", "CREDIT_CARD", reviewed_at=NOW - timedelta(days=30))]
    assert overdue_reviews(cols, POLICY, now=NOW) == []
    cols = [_col("t1", "b", "CREDIT_CARD", reviewed_at=NOW - timedelta(days=91))]
    assert overdue_reviews(cols, POLICY, now=NOW)[0].days_overdue == 1


def test_bad_policy_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("sensitivity:\n  entities:\n    PERSON: secret\n")
    with pytest.raises(ConfigError, match=r"c.yaml:3: sensitivity.entities.PERSON.*valid choices"):
        load_classification_policy(p)
