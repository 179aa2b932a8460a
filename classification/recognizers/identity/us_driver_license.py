"""US_DRIVER_LICENSE: state driver's licence numbers (many formats); context needed."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer


class UsDriverLicenseRecognizer(LakewardenPatternRecognizer):
    """Common state formats: a letter and 4-14 digits, 2 letters and 5-7 digits, or 7-9 digits."""

    ENTITY = "US_DRIVER_LICENSE"
    PATTERNS = [
        ("letter+digits (weak)", r"\b[A-Z]\d{4,14}\b", 0.1),
        ("2 letters+digits (weak)", r"\b[A-Z]{2}\d{5,7}\b", 0.05),
        ("digits (weak)", r"\b\d{7,9}\b", 0.01),
    ]
    CONTEXT = ["driver", "license", "licence", "dl", "driving", "permit", "drivers"]
