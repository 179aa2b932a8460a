"""US_PASSPORT: US passport numbers (9 digits, or a letter and 8 digits); context needed."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer, digits_only
from classification.recognizers.validators import all_same


class UsPassportNumberRecognizer(LakewardenPatternRecognizer):
    """The formats are indistinguishable from other identifiers, so scores stay low without ``passport`` context."""

    ENTITY = "US_PASSPORT"
    PATTERNS = [
        ("passport digits (weak)", r"\b\d{9}\b", 0.05),
        ("passport next-gen (weak)", r"\b[A-Z]\d{8}\b", 0.1),
    ]
    CONTEXT = ["passport", "travel", "passport_number", "ppn"]

    def invalidate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        return all_same(digits_only(pattern_text))
