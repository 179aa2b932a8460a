from classification.recognizers.financial.us_bank_number import UsBankNumberRecognizer
from tests.unit.classification.helpers import entities

REC = UsBankNumberRecognizer()


def test_digits_alone_are_weak() -> None:
    assert REC.best_score("1234567890") < 0.1


def test_account_context_makes_a_finding() -> None:
    assert entities(REC, "1234567890", context={"account", "number"}) == {"US_BANK_NUMBER"}


def test_repeated_digits_are_not_accounts() -> None:
    assert REC.best_score("0000000000", context_words={"account"}) == 0.0


def test_too_short_or_too_long_is_ignored() -> None:
    assert REC.best_score("1234567", context_words={"account"}) == 0.0
    assert REC.best_score("123456789012345678", context_words={"account"}) == 0.0
