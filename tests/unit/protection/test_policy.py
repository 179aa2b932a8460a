"""Policy loading and rule resolution (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.errors import ConfigError, PolicyError
from governance.policy import load_policy
from governance.protection.plan import CatalogLabel, resolve_rules, table_rule


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_policy_loads_with_protection_and_retention() -> None:
    pol = load_policy(Path(__file__).parents[3] / "conf" / "policy.yaml")
    assert pol.protection.tables["customers"].subject_column == "customer_id"
    assert pol.retention is not None
    covered = {r.match.table for r in pol.retention.rules}
    assert {"transactions", "support_tickets", "customers", "accounts", "cards"} <= covered


def test_retention_section_is_tolerated(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, "protection: {}\nretention:\n  rules: []\n"))
    assert pol.retention is not None


def test_unknown_action_fails_with_file_line_and_choices(tmp_path: Path) -> None:
    p = _write(tmp_path, "protection:\n  entities:\n    EMAIL_ADDRESS: {action: scramble}\n")
    with pytest.raises(ConfigError, match=r"policy.yaml:3: .*valid choices.*tokenize"):
        load_policy(p)


def test_unknown_entity_fails_naming_it_unless_declared(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown entity LOYALTY_ID"):
        load_policy(_write(tmp_path, "protection:\n  entities:\n    LOYALTY_ID: {action: hash}\n"))
    pol = load_policy(_write(tmp_path, "protection:\n  custom_entities: [LOYALTY_ID]\n  entities:\n    LOYALTY_ID: {action: hash}\n"))
    assert pol.protection.entities["LOYALTY_ID"].action == "hash"


def test_domain_on_a_keyless_action_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'domain' has no meaning for action 'mask'"):
        load_policy(_write(tmp_path, "protection:\n  entities:\n    CREDIT_CARD: {action: mask, domain: pii}\n"))


POLICY = """protection:
  entities:
    EMAIL_ADDRESS: {action: tokenize}
    IBAN_CODE: {action: encrypt, domain: finance}
  sensitivity:
    restricted: {action: hash}
  tables:
    customers:
      subject_column: id
      columns:
        notes: {action: encrypt_per_subject}
        email: {action: keep}
"""


def test_table_rule_wins_over_entity_then_entity_over_tier(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, POLICY)).protection
    labels = [
        CatalogLabel("email", "EMAIL_ADDRESS", "confidential", True),
        CatalogLabel("contact", "EMAIL_ADDRESS", "confidential", False),
        CatalogLabel("iban", "IBAN_CODE", "restricted", True),
        CatalogLabel("salary", None, "restricted", True),
        CatalogLabel("gone", "PERSON", "restricted", True),
        CatalogLabel("city", "LOCATION", "internal", False),
    ]
    rules, subject, notes = resolve_rules(pol, "/lake/customers", ["id", "email", "contact", "iban", "salary", "notes", "city"], labels)
    got = {r.column: (r.rule.action, r.source) for r in rules}
    assert got == {
        "email": ("keep", "table rule"),
        "contact": ("tokenize", "entity EMAIL_ADDRESS (unreviewed)"),
        "iban": ("encrypt", "entity IBAN_CODE (reviewed)"),
        "salary": ("hash", "sensitivity restricted"),
        "notes": ("encrypt_per_subject", "table rule"),
    }
    assert subject == "id"
    assert any("gone" in n for n in notes) and any("LOCATION" in n for n in notes)


def test_unreviewed_labels_can_be_ignored(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, POLICY.replace("protection:\n", "protection:\n  use_unreviewed_labels: false\n"))).protection
    rules, _, _ = resolve_rules(pol, "/lake/other", ["contact"], [CatalogLabel("contact", "EMAIL_ADDRESS", "confidential", False)])
    assert rules == []


def test_missing_column_and_missing_subject_fail_before_any_work(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, POLICY)).protection
    with pytest.raises(PolicyError, match="names column\\(s\\) notes .* does not have"):
        resolve_rules(pol, "/lake/customers", ["id", "email"], [])
    with pytest.raises(PolicyError, match="subject_column 'id' does not exist"):
        resolve_rules(pol, "/lake/customers", ["email", "notes"], [])
    nosubj = load_policy(_write(tmp_path, "protection:\n  tables:\n    t:\n      columns:\n        n: {action: encrypt_per_subject}\n"))
    with pytest.raises(PolicyError, match="no subject_column"):
        resolve_rules(nosubj.protection, "/lake/t", ["n"], [])


def test_tables_match_by_name_or_full_path(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, POLICY)).protection
    assert table_rule(pol, "/data/lake/customers/") is not None
    assert table_rule(pol, "s3://bucket/lake/customers") is not None
    assert table_rule(pol, "/data/lake/orders") is None
