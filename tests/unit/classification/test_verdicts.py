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


def _profiled(column: str, values: list[str | None], *, nlp: str = "no_op", regions: list[str | None] | None = None):  # type: ignore[no-untyped-def]
    from classification.registry import build_profilers

    cfg = RecognizerConfig()
    ev = scan_values(get_engine(cfg, nlp=nlp), column, values, sample_values=1000, min_share=0.5, regions=regions)  # type: ignore[arg-type]
    return fuse(ev, POLICY, min_share=0.5, profilers=build_profilers(cfg))


def test_country_column_is_a_quasi_identifier_and_not_location() -> None:
    countries = ["France", "Germany", "Portugal", "Czechia", "Poland", "Spain", "Italy", "Jordan", "Chad", "Georgia"] * 10
    v = _profiled("country", countries, nlp="spacy_small")  # the NLP model tags these LOCATION
    assert v.entity is None and v.quasi_identifier == "country" and v.sensitivity == "public"
    assert v.to_dict()["quasi_identifier"] == "country" and v.evidence["quasi_identifier"] == "country"


def test_surname_column_under_a_foreign_name_is_person_from_the_dictionary_on_the_no_op_tier() -> None:
    surnames = ["Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec",
                "Pokorný", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš", "Fiala", "Sedláček",
                "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Gomes"]
    v = _profiled("Prijmeni", surnames)
    assert v.entity == "PERSON" and any("person_names" in s for s in v.evidence["signals"])


def test_national_phone_numbers_are_read_with_the_country_column_of_their_row() -> None:
    phones = [f"21{i:01d} 345 6{i:02d}" for i in range(10)] + [f"60{i % 5 + 2} 123 4{i:02d}" for i in range(10)]
    regions = ["351"] * 10 + ["CZ"] * 10
    v = _profiled("TelephoneNumber", phones * 3, regions=regions * 3)
    assert v.entity == "PHONE_NUMBER"
    assert any("row's country" in sig for sig in v.evidence["signals"])
    unvalidated = _profiled("TelephoneNumber", phones * 3)  # no country column: claimed by shape, at lower confidence
    assert unvalidated.entity == "PHONE_NUMBER" and unvalidated.confidence < v.confidence
    assert _profiled("measurement", phones * 3).entity is None


def test_free_text_lists_each_entity_from_five_percent_of_rows_with_its_share() -> None:
    memos = [f"Monthly transfer number {i} for the flat and utilities" for i in range(90)]
    memos += [f"Paid to {n} for rent, thanks" for n in ("John Smith", "Maria Garcia", "Jana Novakova", "Peter Muller",
                                                      "Anna Kowalska", "David Brown", "Laura Rossi", "Paul Martin", "Sarah Jones", "Jan Svoboda")]
    v = _profiled("memo", memos)
    assert v.free_text and v.entity == "PERSON"
    assert 0.05 <= v.evidence["free_text_entities"]["PERSON"] <= 0.15


def test_free_text_below_five_percent_is_not_personal() -> None:
    memos = [f"Monthly transfer number {i} for the flat and utilities" for i in range(98)] + ["Paid to John Smith for rent"]
    v = _profiled("memo", memos)
    assert v.free_text and v.entity is None


def test_company_names_named_after_people_are_not_person() -> None:
    owners = ["Noelia Coll Sánchez", "Juanita Morillo Borrás", "Abraham Lago Pascual", "Ana Piñeiro Benítez", "Hans Müller",
              "Maria Rossi", "Jan Novak", "Peter Smith", "Laura Martin", "Thomas Weber"]
    forms = ["S.L.", "GmbH", "S.r.l.", "s.r.o.", "Ltd", "& Sons", "SARL", "Sp. z o.o.", "B.V.", "AB"]
    companies = [f"{o} {f}" for o in owners for f in forms]
    v = _profiled("company", companies)
    assert v.entity is None and not v.free_text


def test_one_word_cells_of_a_free_text_column_do_not_make_it_personal() -> None:
    # the names column "Herrero" is a surname; in a column of job titles it is a blacksmith
    titles = ["Herrero", "Joyero", "Minero", "Platero"] * 10 + [f"Técnico de mantenimiento nivel {i}" for i in range(60)]
    ev = scan_values(ENGINE, "puesto", titles, sample_values=1000, min_share=0.5)  # type: ignore[arg-type]
    ev.prose_entity_cells.clear()
    ev.entity_cells["PERSON"] = 40  # what the NLP model says of the one-word cells
    ev.score_sum["PERSON"] = 34.0
    v = fuse(ev, POLICY, min_share=0.5)
    assert v.free_text and v.entity is None
