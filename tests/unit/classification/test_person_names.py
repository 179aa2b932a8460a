"""PersonNameProfiler: names of many countries from names-dataset; categories, places and prose words are not names."""

import pytest

from classification.profilers.person_names import PersonNameProfiler
from tests.unit.classification.profiler_helpers import profile

PROF = PersonNameProfiler()

CZECH_PT_FR_SURNAMES = [
    "Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Pokorný", "Marek",
    "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš", "Fiala", "Sedláček", "Nováková", "Svobodová", "Dvořáková",
    "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Jesus", "Sousa", "Fernandes",
    "Gonçalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro", "Pinto", "Carvalho", "Teixeira", "Moreira",
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
]


def test_surnames_of_several_countries_are_a_person_column() -> None:
    f = profile(PROF, "MothersMaidenName", CZECH_PT_FR_SURNAMES)
    assert f is not None and f.label == "PERSON" and f.share > 0.9


def test_names_without_diacritics_and_in_capitals_still_match() -> None:
    assert PROF.is_name("NOVAKOVA") and PROF.is_name("Goncalves") and PROF.is_name("J. Silva") and PROF.is_name("van Dijk")


def test_a_category_column_of_few_name_like_labels_is_not_a_person_column() -> None:
    labels = ["Gold", "Silver", "Green", "Premium", "Standard", "Basic"] * 20
    assert profile(PROF, "tier", labels) is None


def test_lower_case_words_and_codes_are_not_names() -> None:
    assert not PROF.is_name("blue") and not PROF.is_name("ABC-123") and not PROF.is_name("john@example.com")


def test_a_column_of_places_is_not_a_person_column() -> None:
    places = ["France", "Germany", "Portugal", "Jordan", "Chad", "Georgia", "India", "Paris", "Bayern", "Texas"] * 5
    assert profile(PROF, "where", places + CZECH_PT_FR_SURNAMES[:10]) is None


@pytest.mark.parametrize("text,found", [
    ("Paid to Jana Nováková for rent", ["Jana Nováková"]),
    ("Zahlung an Hans Müller, Danke", ["Hans Müller"]),
    ("Oma Baum oft krank schenken Haare Schule", []),
    ("Wald Jahr baden langsam dann lernen", []),
])
def test_full_names_in_prose_are_found_and_capitalised_nouns_are_not(text: str, found: list[str]) -> None:
    assert [text[s:e] for s, e in PROF.find_spans(text)] == found


def test_a_single_name_in_prose_needs_a_title() -> None:
    text = "Call back Mr Smith tomorrow"
    s = text.index("Smith")
    assert PROF.confirms_span(text, s, s + 5)
    text2 = "Smith tomorrow call back"
    assert not PROF.confirms_span(text2, 0, 5)


def test_a_location_span_in_prose_counts_only_for_a_country_or_region() -> None:
    text = "Transfer to Portugal and Quisque"
    assert PROF.confirms_span(text, 12, 20, entity="LOCATION")
    assert not PROF.confirms_span(text, 25, 32, entity="LOCATION")
