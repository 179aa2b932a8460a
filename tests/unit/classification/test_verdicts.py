from pathlib import Path

import pytest

from classification.detect import ColumnEvidence, scan_values
from classification.engine import get_engine
from classification.registry import RecognizerConfig
from classification.verdicts import fuse
from governance.risk import load_classification_policy

REPO = Path(__file__).parents[3]
POLICY = load_classification_policy(REPO / "conf" / "classification.yaml")
ENGINE = get_engine(RecognizerConfig(), nlp="no_op")


def _verdict(column: str, values: list[str | None], **kw: object):  # type: ignore[no-untyped-def]
    ev = scan_values(ENGINE, column, values, sample_values=1000, min_share=0.5)
    return fuse(ev, POLICY, min_share=0.5)


def test_amount_column_with_a_few_phone_like_values_is_not_personal() -> None:
    values = [f"{i * 13.37:.2f}" for i in range(500)] + ["212-555-0147"] * 4
    v = _verdict("amount", values)
    assert v.entity is None and v.sensitivity == "public"


def test_card_column_is_restricted_with_validator_evidence() -> None:
    from benchmarks.labelled.generate import luhn_digit

    cards = [body + luhn_digit(body) for body in (f"4{i:014d}" for i in range(123456, 123556))]
    v = _verdict("c3", cards)
    assert v.entity == "CREDIT_CARD" and v.sensitivity == "restricted" and v.confidence > 0.8
    assert any("validator" in s for s in v.evidence["signals"])


def test_mixed_contact_column_gets_primary_and_secondary() -> None:
    values = [f"u{i}@example.com" for i in range(40)] + [f"(212) 555-{1000 + i:04d}" for i in range(35)]
    v = _verdict("contact", values)
    assert v.entity == "EMAIL_ADDRESS" and "PHONE_NUMBER" in v.entities


def test_all_null_column_is_a_verdict_with_a_note() -> None:
    v = _verdict("fax", [None] * 50)
    assert v.entity is None and v.confidence == 0.0
    assert any("no non-null values" in n for n in v.evidence["notes"])


def test_binary_column_is_skipped_with_a_note() -> None:
    v = fuse(ColumnEvidence(column="blob", kind="binary"), POLICY, min_share=0.5)
    assert v.entity is None and any("binary" in n for n in v.evidence["notes"])


def test_no_op_tier_flags_a_name_column_from_its_name_with_low_confidence() -> None:
    v = _verdict("first_name", ["Maria", "James", "Olivia"] * 20)
    assert v.entity == "PERSON" and v.confidence < 0.5
    assert any("no NLP model" in s for s in v.evidence["signals"])


def test_dates_need_birth_context() -> None:
    dates = [f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}" for i in range(100)]
    assert _verdict("created", dates).entity is None
    assert _verdict("date_of_birth", dates).entity == "DATE_OF_BIRTH"


@pytest.mark.parametrize("column", ["order_id", "c12"])
def test_nine_digit_order_numbers_are_not_personal(column: str) -> None:
    values = [str(100000000 + i * 7919) for i in range(300)]
    assert _verdict(column, values).entity is None
