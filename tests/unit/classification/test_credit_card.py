from classification.recognizers.financial.credit_card import PaymentCardRecognizer
from tests.unit.classification.helpers import entities

REC = PaymentCardRecognizer()


def test_luhn_valid_cards_in_several_formats_are_found() -> None:
    for v in ("4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"):
        assert entities(REC, v) == {"CREDIT_CARD"}, v
    assert REC.best_score("4111111111111111") == 1.0


def test_sixteen_digit_reference_failing_luhn_is_dropped() -> None:
    assert entities(REC, "4111111111111112", min_score=0.01) == set()


def test_card_inside_free_text_is_found() -> None:
    assert entities(REC, "paid with 4111 1111 1111 1111 yesterday") == {"CREDIT_CARD"}


def test_repeated_digit_numbers_are_not_cards() -> None:
    assert entities(REC, "4444444444444448", min_score=0.01) == set() or REC.best_score("4444444444444444") == 0.0
