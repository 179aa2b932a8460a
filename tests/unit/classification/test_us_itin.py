from classification.recognizers.identity.us_itin import UsItinNumberRecognizer
from tests.unit.classification.helpers import entities

REC = UsItinNumberRecognizer()


def test_itin_groups_are_recognized() -> None:
    for v in ("912-70-1234", "999-88-0001", "900-50-1234"):
        assert entities(REC, v) == {"US_ITIN"}, v


def test_ssn_like_group_is_not_an_itin() -> None:
    assert REC.best_score("912-12-1234") == 0.0
    assert REC.best_score("536-70-1234") == 0.0


def test_bare_itin_needs_context() -> None:
    assert REC.best_score("912701234") < 0.1
    assert entities(REC, "912701234", context={"itin"}) == {"US_ITIN"}
