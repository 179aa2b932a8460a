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


def test_version_numbers_in_user_agents_are_not_addresses() -> None:
    for v in ("Mozilla/5.0 (X11; Linux i686; rv:1.9.7.20) Gecko/2012-06-10 Firefox/3.6.19",
              "Mozilla/5.0 (Windows NT 5.1) AppleWebKit/535.1 (KHTML, like Gecko) Chrome/13.0.887.0 Safari/535.1",
              "build v10.2.0.1 released"):
        assert REC.best_score(v) == 0.0, v


def test_addresses_after_a_url_scheme_or_a_colon_label_are_still_found() -> None:
    for v in ("http://10.1.2.3/login", "client=192.168.1.20", "from 8.8.8.8, port 53", "ip:172.16.0.4"):
        assert entities(REC, v) == {"IP_ADDRESS"}, v
