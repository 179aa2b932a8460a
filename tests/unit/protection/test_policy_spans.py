"""The ``protect_spans`` action and the ``free_text`` section of the policy: parsing and rule resolution (no Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from governance.catalog import CatalogColumn
from governance.config import Settings
from governance.errors import ConfigError
from governance.policy import load_policy
from governance.protection.plan import CatalogLabel, catalog_labels, resolve_rules


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_span_operator_fails_naming_file_line_key_and_valid_choices(tmp_path: Path) -> None:
    p = _write(tmp_path, "protection:\n  free_text:\n    action: protect_spans\n    operator: scramble\n")
    with pytest.raises(ConfigError) as exc:
        load_policy(p)
    msg = str(exc.value)
    assert f"{p}:4: protection.free_text.operator: invalid value 'scramble'" in msg
    assert "valid choices: 'token', 'replace' or 'mask'" in msg


def test_bad_span_operator_in_a_table_rule_names_the_table_column_key(tmp_path: Path) -> None:
    p = _write(tmp_path, "protection:\n  tables:\n    transactions:\n      columns:\n        memo: {action: protect_spans, operator: hide}\n")
    with pytest.raises(ConfigError, match=r"policy.yaml:5: protection.tables.transactions.columns.memo.operator: invalid value 'hide'; valid choices"):
        load_policy(p)


def test_protect_spans_defaults_to_the_reversible_token_operator_for_every_entity(tmp_path: Path) -> None:
    rule = load_policy(_write(tmp_path, "protection:\n  entities:\n    PERSON: {action: protect_spans}\n")).protection.entities["PERSON"]
    assert (rule.action, rule.operator, rule.entities) == ("protect_spans", "token", None)


def test_free_text_rule_defaults_to_protect_spans_with_tokens_under_the_default_domain(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, "protection:\n  default_domain: people\n")).protection
    rule = pol.free_text_rule()
    assert (rule.action, rule.operator) == ("protect_spans", "token") and pol.domain_of(rule) == "people"


def test_span_options_on_another_action_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'operator' is only for action 'protect_spans', not 'tokenize'"):
        load_policy(_write(tmp_path, "protection:\n  entities:\n    PERSON: {action: tokenize, operator: mask}\n"))
    with pytest.raises(ConfigError, match="'entities' is only for action 'protect_spans'"):
        load_policy(_write(tmp_path, "protection:\n  entities:\n    PERSON: {action: hash, entities: [PERSON]}\n"))


def test_domain_with_an_irreversible_span_operator_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'domain' has no meaning for protect_spans with operator 'replace'"):
        load_policy(_write(tmp_path, "protection:\n  free_text: {action: protect_spans, operator: replace, domain: pii}\n"))
    ok = load_policy(_write(tmp_path, "protection:\n  free_text: {action: protect_spans, domain: notes}\n")).protection
    assert ok.free_text is not None and ok.domain_of(ok.free_text) == "notes"


def test_mask_shape_options_on_protect_spans_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'keep_last' has no meaning for protect_spans"):
        load_policy(_write(tmp_path, "protection:\n  free_text: {action: protect_spans, operator: mask, keep_last: 4}\n"))


def test_unknown_span_entity_is_refused_unless_declared(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="protection.free_text.entities: unknown entity LOYALTY_ID"):
        load_policy(_write(tmp_path, "protection:\n  free_text: {action: protect_spans, entities: [PERSON, LOYALTY_ID]}\n"))
    pol = load_policy(_write(tmp_path, "protection:\n  custom_entities: [LOYALTY_ID]\n"
                                       "  free_text: {action: protect_spans, entities: [PERSON, LOYALTY_ID]}\n")).protection
    assert pol.free_text is not None and pol.free_text.entities == ["PERSON", "LOYALTY_ID"]
    with pytest.raises(ConfigError, match="UPPER_SNAKE_CASE"):
        load_policy(_write(tmp_path, "protection:\n  free_text: {action: protect_spans, entities: [person]}\n"))


def test_shipped_policy_protects_free_text_span_by_span_from_the_catalog_not_a_table_rule() -> None:
    pol = load_policy(Path(__file__).parents[3] / "conf" / "policy.yaml").protection
    assert pol.free_text is not None and (pol.free_text.action, pol.free_text.operator) == ("protect_spans", "token")
    # the demo's memos are protected because classify marks them free text, not by a hand-written rule
    assert "transactions" not in pol.tables or "memo" not in pol.tables["transactions"].columns


POLICY = """protection:
  entities:
    PERSON: {action: tokenize}
  sensitivity:
    confidential: {action: encrypt}
  free_text: {action: protect_spans, operator: replace}
  tables:
    tickets:
      columns:
        subject: {action: keep}
"""


def test_free_text_label_gets_the_free_text_rule_instead_of_its_entity_rule(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, POLICY)).protection
    labels = [
        CatalogLabel("body", "PERSON", "confidential", False, True, (("PERSON", 0.25), ("EMAIL_ADDRESS", 0.1))),
        CatalogLabel("subject", "PERSON", "confidential", True, True, (("PERSON", 0.5),)),
        CatalogLabel("name", "PERSON", "confidential", True),
        CatalogLabel("chatter", None, "public", False, True, ()),
        CatalogLabel("remark", None, "confidential", False, True, (("PERSON", 0.05),)),
    ]
    rules, _, _ = resolve_rules(pol, "/lake/tickets", ["body", "subject", "name", "chatter", "remark"], labels)
    got = {r.column: (r.rule.action, r.rule.operator if r.rule.action == "protect_spans" else None, r.source) for r in rules}
    assert got == {
        "body": ("protect_spans", "replace", "free text: PERSON 25%, EMAIL_ADDRESS 10% (unreviewed)"),
        "subject": ("keep", None, "table rule"),  # table rules still come first
        "name": ("tokenize", None, "entity PERSON (reviewed)"),
        "remark": ("protect_spans", "replace", "free text: PERSON 5% (unreviewed)"),
    }  # free text mentioning no entity ('chatter') is not personal: no rule


def test_free_text_label_without_a_free_text_section_gets_span_tokens(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, "protection:\n  entities:\n    PERSON: {action: tokenize}\n")).protection
    rules, _, _ = resolve_rules(pol, "/lake/t", ["memo"], [CatalogLabel("memo", "PERSON", "confidential", True, True, (("PERSON", 0.3),))])
    assert [(r.column, r.rule.action, r.rule.operator) for r in rules] == [("memo", "protect_spans", "token")]


class _FakeCatalog:
    columns: list[CatalogColumn] = []

    def __init__(self, settings: Any) -> None:
        pass

    def effective_columns(self, table_path: str) -> list[CatalogColumn]:
        return self.columns


def _col(name: str, evidence: dict[str, Any], *, decision: str | None = None) -> CatalogColumn:
    return CatalogColumn(table="/lake/t", column=name, entity=None if decision == "not_personal" else "PERSON",
                         entities=["PERSON"], confidence=0.8, sensitivity="confidential", reviewed=decision is not None,
                         delta_version=0, scanned_at=None, review_decision=decision, evidence=evidence)


def test_catalog_labels_read_free_text_evidence_and_its_entity_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    import governance.catalog

    monkeypatch.setattr(_FakeCatalog, "columns", [
        _col("memo", {"free_text": True, "free_text_entities": {"PERSON": 0.25, "PHONE_NUMBER": 0.4, "BAD": "x"}}),
        _col("name", {"free_text": False}),
        _col("notes", {"free_text": True, "free_text_entities": {"PERSON": 0.2}}, decision="not_personal"),
        _col("plain", {}),
    ])
    monkeypatch.setattr(governance.catalog, "Catalog", _FakeCatalog)
    labels = {lab.column: lab for lab in catalog_labels(Settings(), "/lake/t")}
    assert labels["memo"].free_text and labels["memo"].free_text_entities == (("PHONE_NUMBER", 0.4), ("PERSON", 0.25))
    assert not labels["name"].free_text and not labels["plain"].free_text
    assert not labels["notes"].free_text  # a reviewer said nothing personal is in it
