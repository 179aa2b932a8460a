from classification.recognizers.financial.iban_code import IbanCodeRecognizer
from tests.unit.classification.helpers import entities

REC = IbanCodeRecognizer()


def test_valid_ibans_compact_and_grouped() -> None:
    for v in ("DE89370400440532013000", "GB29NWBK60161331926819", "GB29 NWBK 6016 1331 9268 19", "FR1420041010050500013M02606"):
        assert entities(REC, v) == {"IBAN_CODE"}, v


def test_wrong_check_digits_fail_mod97() -> None:
    assert entities(REC, "DE89370400440532013001", min_score=0.01) == set()


def test_wrong_length_for_the_country_fails() -> None:
    assert entities(REC, "DE8937040044053201300", min_score=0.01) == set()
