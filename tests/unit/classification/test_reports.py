from datetime import datetime, timezone

from classification.reports import html_report
from governance.catalog import CatalogColumn
from governance.risk import ClassificationPolicy, rate_tables


def test_html_is_self_contained_and_holds_only_redacted_examples() -> None:
    col = CatalogColumn(
        table="/lake/customers", column="email", entity="EMAIL_ADDRESS", entities=["EMAIL_ADDRESS"], confidence=0.97,
        sensitivity="confidential", reviewed=False, delta_version=3, scanned_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        table_name="customers", evidence={"signals": ["EMAIL_ADDRESS in 97% of sampled cells"], "redacted_examples": ["<EMAIL_ADDRESS>"],
                                          "shares": {"EMAIL_ADDRESS": {"cell_share": 0.97}}},
    )
    page = html_report([col], rate_tables([col], ClassificationPolicy()))
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page and "&lt;EMAIL_ADDRESS&gt;" in page


def test_html_escapes_names() -> None:
    col = CatalogColumn(
        table="/lake/<t>", column="<b>x</b>", entity=None, entities=[], confidence=1.0, sensitivity="public",
        reviewed=False, delta_version=None, scanned_at=None, table_name="<t>",
    )
    page = html_report([col], rate_tables([col], ClassificationPolicy()))
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_html_shows_quasi_identifiers_and_free_text_shares() -> None:
    def col(name: str, entity: str | None, evidence: dict) -> CatalogColumn:
        return CatalogColumn(
            table="/lake/customers", column=name, entity=entity, entities=[entity] if entity else [], confidence=0.8,
            sensitivity="confidential" if entity else "public", reviewed=False, delta_version=1, scanned_at=None,
            table_name="customers", evidence=evidence,
        )

    cols = [col("country", None, {"quasi_identifier": "country"}),
            col("memo", "PERSON", {"free_text": True, "free_text_entities": {"PERSON": 0.24, "PHONE_NUMBER": 0.12}}),
            col("email", "EMAIL_ADDRESS", {})]
    page = html_report(cols, rate_tables(cols, ClassificationPolicy()))
    assert "quasi-identifier: country" in page
    assert "free text: PERSON 24%, PHONE_NUMBER 12% of rows" in page
    assert page.count("free text") == 1
