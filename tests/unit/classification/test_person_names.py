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


def test_cyrillic_names_are_read_through_their_transliteration() -> None:
    assert PROF.is_name("Александра") and PROF.is_name("Борис Корабальникова") and PROF.is_name("АНДРЕЕВ, Логгин")


def test_a_title_before_a_name_is_skipped() -> None:
    assert PROF.is_name("Г-ца Маруся Сопаджиева") and PROF.is_name("Dr. Jan Nowak") and PROF.is_name("Quý cô Hương Phạm")


def test_patronymic_and_family_name_endings_are_names_whatever_the_stem() -> None:
    for v in ("Stígsdóttir", "Arnkelsson", "Vəziroğlu", "Əkbərzadə", "Rəhimli", "Сопаджиева", "Мамбетов"):
        assert PROF.is_name(v), v


def test_words_without_a_name_ending_or_in_lower_case_are_not_names() -> None:
    for v in ("season", "больница", "Договор", "Платёж", "Квитанция", "Quarterly Report", "stígsdóttir"):
        assert not PROF.is_name(v), v


def test_icelandic_surnames_make_a_person_column() -> None:
    surnames = [f"{stem}{end}" for stem in ("Arnkel", "Auðberg", "Bjarnfinn", "Eldgrím", "Gunnlaug", "Hallgrím", "Ingimund",
                                            "Kolbein", "Sigurbjörn", "Þorgeir", "Valgeir", "Steinþór") for end in ("sson", "sdóttir", "sdottir")]
    f = profile(PROF, "c7", surnames * 2)
    assert f is not None and f.label == "PERSON"


def test_surnames_the_model_tags_as_locations_still_make_a_person_column_and_towns_do_not() -> None:
    # the model tags every other surname LOCATION; a third of these surnames are also the names of towns
    loc = [frozenset({"LOCATION"}) if i % 2 else frozenset() for i in range(len(CZECH_PT_FR_SURNAMES))]
    f = profile(PROF, "Geburtsname", CZECH_PT_FR_SURNAMES, nlp=loc)
    assert f is not None and f.label == "PERSON"
    towns = ["Brno", "Porto", "Lisboa", "Praha", "Ostrava", "Coimbra", "Braga", "Plzeň", "Olomouc", "Liberec", "Faro", "Aveiro",
             "Nantes", "Lyon", "Lille", "Rennes", "Dijon", "Angers", "Toulon", "Grenoble"] * 2
    assert profile(PROF, "c3", towns, nlp=[frozenset({"LOCATION"})] * len(towns)) is None


def test_surnames_under_an_employer_column_name_of_another_language_are_companies() -> None:
    for column in ("Zamestnavatel", "Tyonantaja", "Pracodawca", "werkgever"):
        assert profile(PROF, column, CZECH_PT_FR_SURNAMES) is None, column


@pytest.mark.parametrize("text,found", [
    ("Refund agreed - Nereu Bolzan", ["Nereu Bolzan"]),
    ("Normand Nichols: call back on Monday", ["Normand Nichols"]),
    ("Card blocked (Raquelina Herculano).", ["Raquelina Herculano"]),
    ("Documents sent / Agnelo Emeli, 19.10.", ["Agnelo Emeli"]),
    ("We met Normand Nichols today", []),  # in running text a rare first name is not enough
    ("Das ist Berlin Mitte - ok", []),
    ("Intro - Lorem Ipsum", []),  # set apart, but not both names
    ("Refund agreed - Luigina Cappola", []),  # one word in no dictionary: only a span the model found counts
])
def test_two_names_set_apart_by_punctuation_are_a_full_name(text: str, found: list[str]) -> None:
    assert [text[s:e] for s, e in PROF.find_spans(text)] == found


def test_greek_names_are_read_through_their_transliteration() -> None:
    assert PROF.is_name("Αγγέλικα Αθανασίου") and PROF.is_name("Μάνος Αποστολίδου")
    assert not PROF.is_name("Υπολογιστής")  # "computer"
    text = "Επικοινωνία με τον πελάτη (Μάνος Αποστολίδου)."
    assert [text[s:e] for s, e in PROF.find_spans(text)] == ["Μάνος Αποστολίδου"]


def test_a_span_the_model_tagged_set_apart_needs_all_words_but_one_to_be_names() -> None:
    text = "Refund agreed - Luigina Cappola"
    s = text.index("Luigina")
    assert PROF.confirms_span(text, s, len(text))  # the model's span, set apart: Cappola is unknown, Luigina a name
    mid = "We met Luigina Cappola today"
    assert not PROF.confirms_span(mid, 7, 22)  # not set apart
    lorem = "Intro - Consectetur Vestibulum"
    assert not PROF.confirms_span(lorem, 8, len(lorem))  # no dictionary name at all


def test_a_whole_cell_is_not_a_name_set_apart() -> None:
    assert PROF.confirms_span("Sent (Luigina Cappola).", 6, 21) is False  # one word beside it: not a note
    assert PROF.confirms_span("Card sent (Luigina Cappola).", 11, 26)
