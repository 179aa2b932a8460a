from classification.recognizers.identity.us_ssn import UsSocialSecurityNumberRecognizer
from tests.unit.classification.helpers import entities

REC = UsSocialSecurityNumberRecognizer()


def test_dashed_ssn_is_found() -> None:
    assert entities(REC, "536-90-4399") == {"US_SSN"}


def test_structurally_impossible_ssns_are_rejected() -> None:
    for v in ("000-12-3456", "666-12-3456", "912-12-3456", "536-00-4399", "536-90-0000", "123-45-6789", "111-11-1111"):
        assert REC.best_score(v) == 0.0, v


def test_bare_nine_digits_need_context() -> None:
    assert REC.best_score("536904399") < 0.1
    assert entities(REC, "536904399", context={"ssn"}) == {"US_SSN"}


def test_mixed_separators_are_rejected() -> None:
    assert REC.best_score("536-90 4399") == 0.0
