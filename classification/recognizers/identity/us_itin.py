"""US_ITIN: individual taxpayer identification numbers (9xx-[50-65,70-88,90-92,94-99]-xxxx)."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer


class UsItinNumberRecognizer(LakewardenPatternRecognizer):
    """An ITIN starts with 9 and has a group in 50-65, 70-88, 90-92 or 94-99 (which no SSN has)."""

    ENTITY = "US_ITIN"
    PATTERNS = [
        ("itin dashed", r"\b9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}\b", 0.6),
        ("itin spaced", r"\b9\d{2} (?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9]) \d{4}\b", 0.4),
        ("itin bare (weak)", r"\b9\d{2}(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\d{4}\b", 0.05),
    ]
    CONTEXT = ["itin", "taxpayer", "tax", "tin", "individual"]
