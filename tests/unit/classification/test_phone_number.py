from classification.recognizers.contact.phone_number import PhoneNumberRecognizer
from tests.unit.classification.helpers import entities

REC = PhoneNumberRecognizer()


def test_formatted_numbers_are_found() -> None:
    for v in ("(212) 555-0147", "415-555-2671", "+44 20 7946 0958", "+1 312 555 0199"):
        assert entities(REC, v) == {"PHONE_NUMBER"}, v


def test_amounts_dates_and_ids_are_not_phones() -> None:
    for v in ("1234.56", "2024-03-15", "ORD-2024-000123", "99.95"):
        assert REC.best_score(v) == 0.0, v


def test_bare_digits_need_context() -> None:
    assert REC.best_score("2125550147") < 0.1
    assert entities(REC, "2125550147", context={"phone"}) == {"PHONE_NUMBER"}


def test_invalid_numbers_fail_libphonenumber() -> None:
    assert REC.best_score("+1 000 000 0000") == 0.0
