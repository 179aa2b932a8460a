"""SWIFT_CODE: business identifier codes (BIC), validated by structure and ISO country code."""

from __future__ import annotations

import regex as re

from classification.recognizers.base import LakewardenPatternRecognizer
from classification.recognizers.countries import ISO_COUNTRIES


class SwiftCodeRecognizer(LakewardenPatternRecognizer):
    """``AAAA CC LL [BBB]``: 4-letter institution, ISO country, 2-character location, optional branch.

    Upper case only (lower-case words are not BICs). An all-letter 8-character code such
    as ``DECLINED`` is structurally a BIC, so those score low and need context (a column
    named ``swift``/``bic``); codes with a digit in the location or a branch part score higher.
    """

    ENTITY = "SWIFT_CODE"
    PATTERNS = [
        ("bic11", r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}[A-Z0-9]{3}\b", 0.5),
        ("bic8 with digit in location", r"\b[A-Z]{6}(?:\d[A-Z0-9]|[A-Z]\d)\b", 0.45),
        ("bic8 (weak)", r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}\b", 0.15),
    ]
    CONTEXT = ["swift", "bic", "swift_code", "bank", "correspondent"]
    FLAGS = re.DOTALL | re.MULTILINE

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        code = pattern_text.strip()
        if code[4:6] not in ISO_COUNTRIES:
            return False
        loc = code[6:8]
        if loc[1] == "O":  # the letter O is not allowed as the 2nd location character
            return False
        return None
