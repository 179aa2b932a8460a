from classification.recognizers.contact.email_address import EmailAddressRecognizer
from tests.unit.classification.helpers import entities

REC = EmailAddressRecognizer()


def test_addresses_are_found_and_validated() -> None:
    for v in ("jane.doe@example.com", "j+tag@mail.example.co.uk", "maria.müller@example.de"):
        assert entities(REC, v) == {"EMAIL_ADDRESS"}, v
    assert REC.best_score("jane.doe@example.com") == 1.0


def test_malformed_addresses_are_rejected() -> None:
    for v in ("jane..doe@example.com", "@example.com", "jane@localhost", "jane@example.c0m"):
        assert REC.best_score(v) == 0.0, v


def test_address_inside_text_is_found() -> None:
    assert entities(REC, "write to jane@example.org please") == {"EMAIL_ADDRESS"}
