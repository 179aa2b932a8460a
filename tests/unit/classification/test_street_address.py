from classification.recognizers.contact.street_address import StreetAddressRecognizer
from tests.unit.classification.helpers import entities

REC = StreetAddressRecognizer()


def test_house_number_and_street_type() -> None:
    for v in ("221B Baker Street", "1600 Pennsylvania Ave NW", "10 Downing St", "42 Oak Lane, Apt 7", "PO Box 1234"):
        assert entities(REC, v) == {"STREET_ADDRESS"}, v


def test_text_without_a_street_is_not_an_address() -> None:
    for v in ("Premium steel water bottle, 750 ml", "3 items shipped", "Main"):
        assert REC.best_score(v) == 0.0, v
