"""CREDIT_CARD: payment card numbers (PAN), validated by Luhn."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer, digits_only
from classification.recognizers.validators import all_same, luhn_ok


class PaymentCardRecognizer(LakewardenPatternRecognizer):
    """13-19 digits with optional space/dash groups, a known issuer prefix, and a passing Luhn check.

    A 16-digit reference that fails Luhn is dropped, so random references come out as at
    most ~10% of cells (chance Luhn passes), below any column threshold.
    """

    ENTITY = "CREDIT_CARD"
    PATTERNS = [
        (
            "card (weak)",
            r"\b(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|6(?:011|5\d{2}|4[4-9]\d)|3[47]\d{2}|3(?:0[0-5]|[68]\d)\d|35\d{2})"
            r"(?:[- ]?\d{4}){2}[- ]?\d{1,7}\b",
            0.3,
        ),
    ]
    CONTEXT = ["credit", "card", "visa", "mastercard", "amex", "pan", "cc", "debit", "discover"]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        d = digits_only(pattern_text)
        if not 13 <= len(d) <= 19 or all_same(d):
            return False
        return luhn_ok(d)
