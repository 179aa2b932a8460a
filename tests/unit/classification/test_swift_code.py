from classification.recognizers.financial.swift_code import SwiftCodeRecognizer
from tests.unit.classification.helpers import entities

REC = SwiftCodeRecognizer()


def test_bic11_and_bic8_with_digit_location_are_found() -> None:
    assert entities(REC, "DEUTDEFF500") == {"SWIFT_CODE"}
    assert entities(REC, "BOFAUS3N") == {"SWIFT_CODE"}


def test_all_letter_bic8_needs_context() -> None:
    assert entities(REC, "DEUTDEFF") == set()
    assert entities(REC, "DEUTDEFF", context={"swift"}) == {"SWIFT_CODE"}


def test_unknown_country_and_lower_case_are_rejected() -> None:
    assert entities(REC, "DEUTZZFF500", min_score=0.01) == set()
    assert entities(REC, "deutdeff500", min_score=0.01) == set()


def test_status_words_stay_below_the_threshold() -> None:
    assert REC.best_score("DECLINED") < 0.3
