from classification.recognizers.identity.us_driver_license import UsDriverLicenseRecognizer
from tests.unit.classification.helpers import entities

REC = UsDriverLicenseRecognizer()


def test_licence_formats_need_context() -> None:
    assert entities(REC, "D1234567") == set()
    assert entities(REC, "D1234567", context={"driver", "license"}) == {"US_DRIVER_LICENSE"}


def test_plain_words_do_not_match() -> None:
    assert REC.best_score("driver", context_words={"driver"}) == 0.0
