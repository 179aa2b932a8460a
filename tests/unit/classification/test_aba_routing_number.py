from classification.recognizers.financial.aba_routing_number import AbaRoutingNumberRecognizer
from tests.unit.classification.helpers import entities

REC = AbaRoutingNumberRecognizer()


def test_valid_routing_numbers_pass_the_checksum() -> None:
    for v in ("021000021", "011000015", "122105155", "0210-0002-1"):
        assert entities(REC, v) == {"ABA_ROUTING_NUMBER"}, v


def test_checksum_failure_or_bad_prefix_is_dropped() -> None:
    for v in ("021000022", "123456789", "000000000", "991000021"):
        assert entities(REC, v, min_score=0.01) == set(), v


def test_validated_score_is_below_presidio_max_so_chance_hits_need_volume() -> None:
    assert REC.best_score("021000021") == AbaRoutingNumberRecognizer.VALIDATED_SCORE < 1.0
