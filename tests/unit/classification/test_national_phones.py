"""NationalPhoneProfiler: national formats validated in the row's country from a sibling column."""

from classification.profilers.national_phones import NationalPhoneProfiler, region_of, regions_of
from tests.unit.classification.profiler_helpers import profile

PROF = NationalPhoneProfiler()
PT = ["212 345 678", "213 456 789", "912 345 678", "932 123 456", "253 123 456", "226 543 210", "289 012 345", "967 654 321"] * 4
CZ = ["602 123 456", "731 234 567", "222 333 444", "603 987 654", "777 123 321", "604 555 666", "725 321 987", "212 345 987"] * 4


def test_sibling_values_name_a_region_by_iso_code_name_or_calling_code() -> None:
    assert region_of("PT") == region_of("PRT") == region_of("Portugal") == region_of("351") == region_of("+351") == "PT"
    assert region_of("Česko") == "CZ" and region_of("999") is None and regions_of("CZ|420") == ("CZ",)


def test_national_numbers_with_the_row_country_are_phone_numbers() -> None:
    values = [f"{v[:-1]}{i % 10}" for i, v in enumerate(PT + CZ)]
    regions = ["351"] * len(PT) + ["CZ"] * len(CZ)
    f = profile(PROF, "TelephoneNumber", values, regions=regions, hints=frozenset({"PHONE_NUMBER"}))
    assert f is not None and f.label == "PHONE_NUMBER" and f.share >= 0.6


def test_without_a_country_column_a_phone_named_column_is_claimed_by_shape_only() -> None:
    f = profile(PROF, "TelephoneNumber", PT, hints=frozenset({"PHONE_NUMBER"}))
    assert f is not None and f.score < 0.5 and "no country column" in f.signal
    assert profile(PROF, "measure", PT) is None  # the same values without a phone name: no claim
    with_default = NationalPhoneProfiler(default_regions=("PT",))
    validated = profile(with_default, "TelephoneNumber", PT, hints=frozenset({"PHONE_NUMBER"}))
    assert validated is not None and validated.score > f.score and "default regions" in validated.signal


def test_spreadsheet_mangled_numbers_count_as_phone_shaped() -> None:
    mangled = ["4.4207946E+11", "3.5121234E+11", "4.2060212E+11"] * 10
    f = profile(PROF, "Tel", mangled, hints=frozenset({"PHONE_NUMBER"}))
    assert f is not None and f.label == "PHONE_NUMBER"


def test_bare_digit_ids_without_a_phone_name_are_not_phone_numbers() -> None:
    ids = [str(212345600 + i) for i in range(60)]
    assert profile(PROF, "ref", ids, regions=["PT"] * 60) is None


def test_amounts_are_not_phone_numbers() -> None:
    amounts = [f"{i * 13.7:.2f}" for i in range(1, 60)]
    assert profile(PROF, "TelephoneNumber", amounts, regions=["US"] * 59, hints=frozenset({"PHONE_NUMBER"})) is None
