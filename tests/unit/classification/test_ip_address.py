from classification.recognizers.contact.ip_address import IpAddressRecognizer
from tests.unit.classification.helpers import entities

REC = IpAddressRecognizer()


def test_ipv4_and_ipv6_are_found() -> None:
    for v in ("192.168.1.20", "8.8.8.8", "2001:db8::1", "2001:db8:85a3:0:0:8a2e:370:7334"):
        assert entities(REC, v) == {"IP_ADDRESS"}, v


def test_out_of_range_octets_and_versions_are_rejected() -> None:
    assert REC.best_score("999.168.1.20") == 0.0
    assert REC.best_score("1.2.3") == 0.0
    assert REC.best_score("1.2.3.4.5") == 0.0
