"""CardNumberShapeProfiler: card-named columns of mangled card numbers; never without the name."""

from classification.profilers.card_numbers import CardNumberShapeProfiler
from tests.unit.classification.profiler_helpers import profile

PROF = CardNumberShapeProfiler()
MANGLED = ["4.53212345678E+15", "5.4123456789E+15", "453212345678901", "4532123456789010", "3782 822463 10005"] * 6


def test_spreadsheet_mangled_card_numbers_under_a_card_name_are_credit_card() -> None:
    f = profile(PROF, "KORTNR", MANGLED, hints=frozenset({"CREDIT_CARD"}))
    assert f is not None and f.label == "CREDIT_CARD" and f.score < 0.5


def test_the_same_numbers_without_a_card_name_are_not_claimed() -> None:
    assert profile(PROF, "reference", MANGLED) is None


def test_short_numbers_under_a_card_name_are_not_card_numbers() -> None:
    assert profile(PROF, "card_id", [str(1000 + i) for i in range(40)], hints=frozenset({"CREDIT_CARD"})) is None
