"""The HTML report's Protection column and summary, from given protection states (no table read)."""

from __future__ import annotations

from datetime import datetime, timezone

from classification.reports import html_report
from governance.catalog import CatalogColumn
from governance.protection.state import ColumnProtection, TableProtection
from governance.risk import ClassificationPolicy, rate_tables

T = "/lake/customers"


def _col(column: str, entity: str | None, *, table: str = T) -> CatalogColumn:
    return CatalogColumn(
        table=table, column=column, entity=entity, entities=[entity] if entity else [], confidence=0.9,
        sensitivity="confidential" if entity else "public", reviewed=False, delta_version=0,
        scanned_at=datetime(2026, 1, 1, tzinfo=timezone.utc), table_name=table.rsplit("/", 1)[-1],
    )


def _row(page: str, column: str) -> str:
    start = page.index(f"<tr><td><code>{column}</code>")
    return page[start:page.index("</tr>", start)]


def test_personal_plaintext_column_is_flagged_and_counted_and_protected_one_is_labelled() -> None:
    cols = [_col("email", "EMAIL_ADDRESS"), _col("iban", "IBAN_CODE"), _col("amount", None)]
    prot = {T: TableProtection(T, 4, {
        "email": ColumnProtection("email", "tokenized", 3, 3, {"tok": 3}, ["pii v1"], {"tok": ["pii v1"]}),
        "iban": ColumnProtection("iban", "plaintext", 3, 0, {}, []),
        "amount": ColumnProtection("amount", "plaintext", 3, 0, {}, []),
    }, None)}
    page = html_report(cols, rate_tables(cols, ClassificationPolicy()), protection=prot)
    assert "<th>Protection</th>" in page and "protection read at version 4" in page
    assert "tokenized (pii v1)" in _row(page, "email") and "unprotected" not in _row(page, "email")
    assert 'class="unprotected"' in _row(page, "iban") and "plaintext" in _row(page, "iban")
    assert "unprotected" not in _row(page, "amount")
    assert '<b class="protected">1/2</b>personal columns protected' in page
    assert '<b class="unprotected">1</b>personal columns with plaintext values' in page


def test_unreadable_table_is_named_instead_of_failing() -> None:
    cols = [_col("email", "EMAIL_ADDRESS")]
    prot = {T: TableProtection(T, None, {"email": ColumnProtection("email", "unreadable", 0, 0, {}, [])},
                               "delta-rs could not open the table: feature deletionVectors")}
    page = html_report(cols, rate_tables(cols, ClassificationPolicy()), protection=prot)
    assert "Protection state unknown: the table could not be read (delta-rs could not open the table: feature deletionVectors)" in page
    assert "unreadable" in _row(page, "email")


def test_report_without_protection_has_no_protection_column() -> None:
    cols = [_col("email", "EMAIL_ADDRESS")]
    page = html_report(cols, rate_tables(cols, ClassificationPolicy()))
    assert "<th>Protection</th>" not in page and "personal columns protected" not in page


def test_table_missing_from_the_protection_map_says_not_checked() -> None:
    cols = [_col("email", "EMAIL_ADDRESS", table="/lake/other")]
    page = html_report(cols, rate_tables(cols, ClassificationPolicy()), protection={})
    assert "not checked" in _row(page, "email") and '<b class="protected">0/1</b>' in page
