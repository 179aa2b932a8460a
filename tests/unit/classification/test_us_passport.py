from classification.recognizers.identity.us_passport import UsPassportNumberRecognizer
from tests.unit.classification.helpers import entities

REC = UsPassportNumberRecognizer()


def test_passport_formats_need_context() -> None:
    assert entities(REC, "A12345678") == set()
    assert entities(REC, "A12345678", context={"passport"}) == {"US_PASSPORT"}
    assert entities(REC, "912345678", context={"passport"}) == {"US_PASSPORT"}


def test_repeated_digits_are_dropped() -> None:
    assert REC.best_score("000000000", context_words={"passport"}) == 0.0
