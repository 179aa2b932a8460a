from classification.recognizers.identity.date_of_birth import DateOfBirthRecognizer, parse_date
from tests.unit.classification.helpers import entities

REC = DateOfBirthRecognizer()


def test_a_date_alone_is_not_a_birth_date() -> None:
    assert entities(REC, "1984-03-02") == set()


def test_birth_context_makes_it_a_date_of_birth() -> None:
    for v in ("1984-03-02", "03/02/1984", "02.03.1984"):
        assert entities(REC, v, context={"dob"}) == {"DATE_OF_BIRTH"}, v


def test_impossible_or_future_dates_are_rejected() -> None:
    assert REC.best_score("1984-13-02", context_words={"birth"}) == 0.0
    assert REC.best_score("2099-01-01", context_words={"birth"}) == 0.0


def test_parse_date_formats() -> None:
    assert parse_date("1984-03-02").isoformat() == "1984-03-02"  # type: ignore[union-attr]
    assert parse_date("03/02/1984").isoformat() == "1984-03-02"  # type: ignore[union-attr]
    assert parse_date("not a date") is None
