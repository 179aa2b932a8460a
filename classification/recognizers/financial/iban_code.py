"""IBAN_CODE: international bank account numbers, validated by length per country and mod-97."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer
from classification.recognizers.countries import IBAN_LENGTHS
from classification.recognizers.validators import iban_mod97_ok


class IbanCodeRecognizer(LakewardenPatternRecognizer):
    """Country code, two check digits, then the basic bank account number (compact or in groups of four)."""

    ENTITY = "IBAN_CODE"
    PATTERNS = [
        ("iban compact", r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b", 0.5),
        ("iban grouped", r"\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?\b", 0.5),
    ]
    CONTEXT = ["iban", "bank", "account", "transfer", "beneficiary"]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        s = "".join(pattern_text.split()).upper()
        want = IBAN_LENGTHS.get(s[:2])
        if want is not None and len(s) != want:
            return False
        return iban_mod97_ok(s)
