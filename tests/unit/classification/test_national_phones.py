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


def _mixed_numbers(n: int) -> list[str]:
    """Numbers of several countries as people write them, with no country beside them."""
    forms = ["036 {a:03d} {b:02d} {c:02d}", "+32 {a:03d} {b:02d}{c:02d}", "{a:03d}.{b:03d}.{c:04d}", "1-{a:03d}-{b:03d}-{c:04d}",
             "(0{a:03d}) {b:03d}{c:03d}", "06 {a:02d} {b:02d} {c:02d} {a:02d}"]
    return [forms[i % len(forms)].format(a=100 + i % 800, b=10 + (i * 7) % 89, c=1000 + (i * 31) % 8999 if "{c:04d}" in forms[i % len(forms)]
                                         else (i * 13) % 99) for i in range(n)]


def test_digits_grouped_as_phone_numbers_are_phone_numbers_without_a_name_or_country() -> None:
    f = profile(PROF, "k5", _mixed_numbers(80))
    assert f is not None and f.label == "PHONE_NUMBER" and f.score < 0.45 and "grouped" in f.signal


def test_grouped_codes_that_are_not_phone_numbers_are_not_claimed() -> None:
    isbns = [f"978-{i % 9 + 1}-{60000 + i * 7}-{100 + i % 800}-{i % 10}" for i in range(60)]
    dates = [f"{1 + i % 28:02d}.{1 + i % 12:02d}.{1990 + i % 30}" for i in range(60)]
    zips = [f"{10000 + i * 37}-{1000 + i * 11}" for i in range(60)]
    decimals = [f"{1000 + i * 37}.{1000 + i * 11}" for i in range(60)]
    for values in (isbns, dates, zips, decimals):
        assert profile(PROF, "c1", values) is None, values[0]
    # a postcode column name vetoes the shape path
    assert profile(PROF, "zip", _mixed_numbers(80), quasi_hints=frozenset({"postcode"})) is None


def test_bare_digit_runs_of_several_lengths_valid_with_a_plus_are_phone_numbers() -> None:
    # numbers stored with their country code and nothing else, as a spreadsheet keeps them
    intl = ["351212345678", "420602123456", "4915112345678", "447911123456", "33612345678", "48501234567", "3222345678",
            "390612345678", "46701234567", "358401234567", "36301234567", "905321234567"]
    national = ["212345678", "602123456", "0612345678"[1:], "501234567"]
    values = [f"{v[:-2]}{i % 100:02d}" for i, v in enumerate((intl * 5)[:50])] + [f"{v[:-2]}{i:02d}" for i, v in enumerate(national * 5)]
    f = profile(PROF, "C04", values)
    assert f is not None and f.label == "PHONE_NUMBER" and "digit runs" in f.signal


def test_identifiers_of_one_length_or_rarely_valid_are_not_phone_numbers() -> None:
    import random

    r = random.Random(7)
    fixed = [str(r.randint(10**10, 10**11 - 1)) for _ in range(200)]  # 11 digits: about a fifth are valid with a +
    mixed = [str(r.randint(10**6, 10**12)) for _ in range(200)]
    eans = [f"{r.randint(10**11, 10**12 - 1)}{r.randint(0, 9)}" for _ in range(200)]
    for values in (fixed, mixed, eans):
        assert profile(PROF, "ref", values) is None, values[:3]


def test_numbers_as_a_spreadsheet_keeps_them_bare_printed_or_grouped_are_phone_numbers() -> None:
    # one export column: digit runs with their country code, the same in scientific notation, and some as typed
    intl = ["351212345678", "420602123456", "4915112345678", "447911123456", "33612345678", "48501234567", "3222345678",
            "390612345678", "46701234567", "358401234567", "36301234567", "905321234567"]
    bare = [f"{v[:-2]}{i % 100:02d}" for i, v in enumerate((intl * 4)[:40])] + [f"21234{i:04d}" for i in range(10)]
    printed = [f"{int(v):.8E}" for v in bare[:35]]
    typed = _mixed_numbers(25)
    f = profile(PROF, "COL3", bare + printed + typed)
    assert f is not None and f.label == "PHONE_NUMBER" and "digit runs" in f.signal


def test_identifiers_mixed_with_spreadsheet_printed_ones_are_not_phone_numbers() -> None:
    import random

    r = random.Random(11)
    eans = [f"{r.randint(10**12, 10**13 - 1)}" for _ in range(100)]
    assert profile(PROF, "C23", eans + [f"{int(v):.6E}" for v in eans]) is None
