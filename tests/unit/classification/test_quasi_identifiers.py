"""QuasiIdentifierProfiler: countries, states, gender by value; postcode, birth year, occupation by name and shape."""

from classification.profilers.quasi_identifiers import QuasiIdentifierProfiler
from tests.unit.classification.profiler_helpers import profile

PROF = QuasiIdentifierProfiler()


def test_country_names_in_several_languages_are_a_country_column() -> None:
    vals = ["France", "Deutschland", "Česko", "Polska", "España", "Portugal", "Jordan", "Chad", "Italia", "Sverige",
            "Bermudes (Les)", "United Kingdom"]
    f = profile(PROF, "c7", vals)
    assert f is not None and (f.kind, f.label) == ("quasi_identifier", "country")


def test_a_few_iso_codes_count_as_countries_only_when_the_name_says_country() -> None:
    codes = ["PT", "CZ", "DE", "FR", "ES", "IT", "PL", "NL", "SE", "DK"]
    assert profile(PROF, "code", codes) is None
    f = profile(PROF, "CountryCode", codes, quasi_hints=frozenset({"country"}))
    assert f is not None and f.label == "country"


def test_many_iso_or_calling_codes_are_a_country_column_under_an_opaque_name() -> None:
    codes = ["PT", "CZ", "DE", "FR", "ES", "IT", "PL", "NL", "SE", "DK", "FI", "HU", "RO", "TR", "IN", "JP", "BR", "GR"]
    assert profile(PROF, "k6", codes).label == "country"  # type: ignore[union-attr]
    calling = ["+351", "+420", "+49", "+33", "+34", "+39", "+48", "+31", "+46", "+45", "+358", "+36", "+40", "+90", "+91", "+81"]
    assert profile(PROF, "t7", calling).label == "country"  # type: ignore[union-attr]
    us_states = ["IL", "OR", "TX", "OH", "CO", "WI", "NC", "FL", "ID", "NY", "CA", "WA", "MA", "NJ", "PA", "AZ", "GA", "VA"]
    assert profile(PROF, "k6", us_states) is None  # OR, TX, OH, WI, NY, WA, NJ, PA, AZ are no countries


def test_subdivisions_are_a_state_column() -> None:
    vals = ["California", "Texas", "Bayern", "Île-de-France", "Jihomoravský kraj", "Ontario", "Lisboa", "Catalunya", "Florida", "Hessen"]
    f = profile(PROF, "r", vals)
    assert f is not None and f.label == "state"


def test_state_codes_count_only_when_the_name_says_state() -> None:
    codes = ["IL", "OR", "TX", "OH", "CO", "WI", "NC", "FL", "ID", "NY"]
    assert profile(PROF, "st", codes) is None
    assert profile(PROF, "state", codes, quasi_hints=frozenset({"state"})).label == "state"  # type: ignore[union-attr]


def test_gender_words_of_several_languages_are_a_gender_column() -> None:
    f = profile(PROF, "x", ["M", "F", "male", "female", "weiblich", "žena", "homme"] * 3)
    assert f is not None and f.label == "gender"
    with_blanks = profile(PROF, "x", ["M", "F", "male", "female", "", " "])  # blank cells do not count against it
    assert with_blanks is not None and with_blanks.label == "gender"


def test_postcode_and_occupation_need_the_column_name() -> None:
    codes = ["75001", "10115", "110 00", "1000-001", "SW1A 1AA", "00-950", "28001", "20121"]
    assert profile(PROF, "k", codes) is None
    assert profile(PROF, "postcode", codes, quasi_hints=frozenset({"postcode"})).label == "postcode"  # type: ignore[union-attr]
    jobs = ["Accountant", "Nurse", "Software engineer", "Teacher", "Plumber"]
    assert profile(PROF, "descr", jobs) is None
    assert profile(PROF, "job", jobs, quasi_hints=frozenset({"occupation"})).label == "occupation"  # type: ignore[union-attr]


def test_birth_years_under_an_opaque_name_need_every_value_plausible_and_a_spread() -> None:
    years = [str(1940 + (i * 7) % 66) for i in range(60)]
    f = profile(PROF, "c13", years)
    assert f is not None and f.label == "birth_year" and "spread" in f.signal
    assert profile(PROF, "c13", [str(1985 + i % 4) for i in range(60)]) is None  # one cohort: could be anything
    assert profile(PROF, "c13", years + [str(2023 + i % 3) for i in range(5)]) is None  # recent years among them
    assert profile(PROF, "c13", [str(1990 + i) for i in range(10)]) is None  # too few values


def test_birth_years_need_the_name_and_a_plausible_range() -> None:
    years = [str(y) for y in range(1940, 2005, 3)]
    assert profile(PROF, "yob", years, quasi_hints=frozenset({"birth_year"})).label == "birth_year"  # type: ignore[union-attr]
    assert profile(PROF, "yob", [str(y) for y in range(2020, 2026)], quasi_hints=frozenset({"birth_year"})) is None


def test_product_names_are_no_quasi_identifier() -> None:
    assert profile(PROF, "product", ["Steel bottle", "Oak table", "Desk lamp", "USB cable"] * 3) is None
