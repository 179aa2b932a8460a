from pathlib import Path

import pytest

from classification.engine import build_engine
from classification.registry import BUILTIN, RecognizerConfig, build_pattern_recognizers, load_recognizer_config
from governance.errors import ConfigError

REPO = Path(__file__).parents[3]


def test_repo_recognizers_yaml_loads_every_builtin_and_the_custom_example() -> None:
    cfg = load_recognizer_config(REPO / "conf" / "recognizers.yaml")
    assert set(cfg.builtin) == set(BUILTIN)
    entities = {r.ENTITY for r in build_pattern_recognizers(cfg)}
    assert {"CREDIT_CARD", "IBAN_CODE", "ABA_ROUTING_NUMBER", "SWIFT_CODE", "EMPLOYEE_ID"} <= entities


def test_unknown_builtin_names_the_line_and_the_choices(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text("builtin:\n  - credit_card\n  - uk_nhs\n")
    with pytest.raises(ConfigError, match=r"r.yaml:\d+: builtin.*uk_nhs.*valid choices"):
        load_recognizer_config(p)


def test_bad_regex_and_unknown_validator_are_config_errors(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text("custom:\n  - name: x\n    entity: X\n    patterns: [{name: a, regex: '(', score: 0.5}]\n")
    with pytest.raises(ConfigError, match="does not compile"):
        load_recognizer_config(p)
    p.write_text("custom:\n  - name: x\n    entity: X\n    patterns: [{name: a, regex: 'a', score: 0.5}]\n    validator: crc\n")
    with pytest.raises(ConfigError, match="valid choices"):
        load_recognizer_config(p)


def test_custom_recognizer_without_code_finds_its_entity(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text(
        "builtin: []\ncustom:\n  - name: loyalty_card\n    entity: LOYALTY_CARD\n"
        "    patterns: [{name: card, regex: '\\bLC\\d{12}\\b', score: 0.4}]\n    validator: luhn\n    case_sensitive: true\n"
    )
    cfg = load_recognizer_config(p)
    (rec,) = build_pattern_recognizers(cfg)
    assert type(rec).__name__ == "CustomLoyaltyCardRecognizer"
    assert {h.entity for h in rec.scan("LC411111111111")} == set()  # fails Luhn
    assert {h.entity for h in rec.scan("LC000000000018")} == {"LOYALTY_CARD"}


def test_fingerprint_changes_when_recognizers_change() -> None:
    a = RecognizerConfig()
    b = RecognizerConfig(builtin=[n for n in BUILTIN if n != "swift_code"])
    assert a.fingerprint() != b.fingerprint() and a.fingerprint() == RecognizerConfig().fingerprint()


def test_no_op_engine_is_built_without_any_model_and_only_with_configured_recognizers() -> None:
    eng = build_engine(RecognizerConfig(builtin=["credit_card", "email_address"]), nlp="no_op")
    assert not eng.has_nlp
    found = eng.analyzer.analyze("mail a@example.com card 4111 1111 1111 1111 order 123", language="en")  # type: ignore[attr-defined]
    assert {r.entity_type for r in found} == {"EMAIL_ADDRESS", "CREDIT_CARD"}
