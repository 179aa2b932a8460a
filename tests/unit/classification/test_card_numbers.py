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


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d for i, d in enumerate(int(c) for c in reversed(digits)))
        if total % 10 == 0:
            return digits
    raise AssertionError(body)


def test_card_numbers_that_pass_luhn_among_spreadsheet_mangled_ones_are_credit_card_under_any_name() -> None:
    import random

    r = random.Random(3)
    whole = [_luhn_complete(f"4{r.randint(10**13, 10**14 - 1)}") for _ in range(40)]
    cut = [w[:15] + "0" for w in whole[:30]]  # the 16th digit lost: Luhn fails on most
    sci = [f"{int(w):.6E}" for w in whole[:30]]
    f = profile(PROF, "q17", whole + cut + sci)
    assert f is not None and f.label == "CREDIT_CARD" and f.score < 0.5 and "Luhn" in f.signal


def test_identifiers_of_card_length_without_a_card_name_are_not_claimed() -> None:
    import random

    r = random.Random(5)
    ids = [str(r.randint(10**15, 10**16 - 1)) for _ in range(300)]  # about one in ten passes Luhn by chance
    eans = [f"{r.randint(10**12, 10**13 - 1)}" for _ in range(300)]
    for values in (ids, eans, ids[:100] + [f"{int(v):.6E}" for v in ids[100:]]):
        assert profile(PROF, "ref_no", values) is None, values[:2]
