"""BirthDateProfiler: adults' birth dates under any name; event dates and timestamps are not birth dates."""

import random
from datetime import date, timedelta

from classification.profilers.birth_dates import BirthDateProfiler, parse_year
from tests.unit.classification.profiler_helpers import profile

TODAY = date(2026, 12, 1)
PROF = BirthDateProfiler(today=TODAY)


def _dates(start: date, days: int, n: int, fmt: str = "%Y-%m-%d", seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [(start + timedelta(days=rng.randrange(days))).strftime(fmt) for _ in range(n)]


def test_adult_birth_dates_under_an_opaque_name_are_date_of_birth() -> None:
    f = profile(PROF, "field_07", _dates(date(1936, 1, 1), 365 * 70, 300))
    assert f is not None and f.label == "DATE_OF_BIRTH" and f.share > 0.95


def test_european_and_us_formats_are_read() -> None:
    assert profile(PROF, "d1", _dates(date(1940, 1, 1), 365 * 60, 300, "%d.%m.%Y")) is not None
    assert profile(PROF, "d2", _dates(date(1940, 1, 1), 365 * 60, 300, "%m/%d/%Y")) is not None
    assert parse_year("12 March 1985") == (1985, False) and parse_year("2024-05-01 10:22:33") == (2024, True)


def test_recent_event_dates_are_not_birth_dates() -> None:
    assert profile(PROF, "field_08", _dates(date(2022, 1, 1), 365 * 4, 300)) is None


def test_timestamps_are_not_birth_dates_even_when_old() -> None:
    timed = [d + f" {h:02d}:17:05" for d, h in zip(_dates(date(1950, 1, 1), 365 * 50, 300), range(300))]
    assert profile(PROF, "x", [t.replace(" 0", " 1") for t in timed]) is None


def test_an_event_column_name_wins_over_a_birth_like_spread() -> None:
    old_openings = _dates(date(1950, 1, 1), 365 * 50, 300)
    assert profile(PROF, "account_opened_on", old_openings) is None
    assert profile(PROF, "account_opened_on", old_openings, hints=frozenset({"DATE_OF_BIRTH"})) is not None


def test_dates_clustered_in_one_decade_are_not_birth_dates() -> None:
    assert profile(PROF, "d", _dates(date(1975, 1, 1), 365 * 5, 300)) is None
