"""Retention policy models: validation with file:line errors, holds, SQL of conditions (no Spark)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from governance.errors import ConfigError
from governance.retention_policy import Condition, RetentionPolicy, TableSelector
from retention.rules.holds import condition_mask
from retention.rules.model import load_retention_text

GOOD = """
protection: {}
retention:
  rules:
    - name: txn-2y
      match: {table: transactions}
      age: {column: txn_month, older_than_days: 730, format: yyyy-MM}
      action: delete
  holds:
    - name: lit-1
      table: accounts
      where: {column: customer_id, op: in, value: [1, 2]}
      reason: litigation
      until: 2027-01-01
"""


def test_valid_section_loads_and_other_sections_are_ignored() -> None:
    pol = load_retention_text(GOOD, source="policy.yaml")
    assert pol.rules[0].age is not None and pol.rules[0].age.sql(date(2026, 11, 28)) == "`txn_month` < '2024-11'"
    assert pol.active_holds("accounts", date(2026, 1, 1))[0].name == "lit-1"
    assert pol.active_holds("accounts", date(2027, 1, 2)) == []


def test_missing_section_means_no_rules() -> None:
    assert load_retention_text("protection: {}\n", source="p.yaml") == RetentionPolicy()


@pytest.mark.parametrize("text,msg", [
    ("retention:\n  rules:\n    - name: a\n      action: remove\n      age: {column: ts, older_than_days: 1}\n", "p.yaml:4: retention.rules[0].action"),
    ("retention:\n  rules:\n    - name: a\n      action: delete\n", "give 'age' and/or 'cold'"),
    ("retention:\n  rules:\n    - name: a\n      action: anonymize\n      age: {column: ts, older_than_days: 1}\n", "needs 'anonymize' columns"),
    ("retention:\n  rules:\n    - name: a\n      action: anonymize\n      age: {column: ts, older_than_days: 1}\n"
     "      anonymize: {ts: {action: generalize_date}}\n", "needs 'to'"),
    ("retention:\n  holds:\n    - name: h\n      table: t\n      reason: x\n      until: 2027-01-01\n", "reason"),
    ("retention:\n  holds:\n    - name: h\n      table: t\n      reason: litigation\n      until: 2027-01-01\n"
     "      where: {column: 'a; drop', op: '==', value: 1}\n", "not a plain column name"),
    ("retention:\n  rulez: []\n", "unknown key"),
])
def test_invalid_sections_fail_with_file_line_and_key(text: str, msg: str) -> None:
    with pytest.raises(ConfigError, match=msg.replace("[", r"\[").replace("]", r"\]")):
        load_retention_text(text, source="p.yaml")


def test_condition_sql_quotes_values() -> None:
    assert Condition(column="name", op="==", value="O'Brien").sql() == "`name` = 'O\\'Brien'"
    assert Condition(column="d", op="<", value=date(2025, 1, 1)).sql() == "`d` < DATE '2025-01-01'"
    assert Condition(column="x", op="not_in", value=[1, 2]).sql() == "`x` NOT IN (1, 2)"


def test_selector_by_name_pattern_and_sensitivity() -> None:
    sel = TableSelector(table="txn_*", sensitivity="confidential")
    assert sel.matches("txn_2025", sensitivity="restricted")
    assert not sel.matches("txn_2025", sensitivity="internal")
    assert not sel.matches("accounts", sensitivity="restricted")


def test_condition_mask_on_arrow_and_partition_values() -> None:
    t = pa.table({"customer_id": [1, 2, 3, None]})
    assert condition_mask(t, Condition(column="customer_id", op="in", value=[1, 3])).tolist() == [True, False, True, False]
    assert condition_mask(t, Condition(column="customer_id", op=">=", value=2)).tolist() == [False, True, True, False]
    assert condition_mask(t, Condition(column="m", op="==", value="2025-02"), partition_values={"m": "2025-02"}).tolist() == [True] * 4
