"""ABA_ROUTING_NUMBER: US bank routing (transit) numbers, validated by the ABA checksum."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer, digits_only
from classification.recognizers.validators import aba_ok, all_same


class AbaRoutingNumberRecognizer(LakewardenPatternRecognizer):
    """Nine digits (optionally ``dddd-dddd-d``) whose first two digits are a valid Fed district and checksum passes."""

    ENTITY = "ABA_ROUTING_NUMBER"
    PATTERNS = [
        ("aba (weak)", r"\b[0123678]\d{8}\b", 0.05),
        ("aba (formatted)", r"\b[0123678]\d{3}-\d{4}-\d\b", 0.3),
    ]
    CONTEXT = ["aba", "routing", "transit", "rtn", "abartn", "routing_number", "bank"]
    #: A checksum hit on a bare 9-digit number passes by chance one time in ten, so it is strong
    #: evidence only in aggregate: the column verdict needs a high share of validated cells.
    VALIDATED_SCORE = 0.75

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        d = digits_only(pattern_text)
        if all_same(d):
            return False
        # First two digits: 00-12 (banks), 21-32 (thrifts), 61-72 (electronic), 80 (traveler's cheques).
        prefix = int(d[:2])
        if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
            return False
        return aba_ok(d)
