"""PHONE_NUMBER: telephone numbers in international or national formats, validated with libphonenumber."""

from __future__ import annotations

import phonenumbers

from classification.recognizers.base import LakewardenPatternRecognizer, digits_only

_REGIONS = ("US", "GB", "DE", "FR")


class PhoneNumberRecognizer(LakewardenPatternRecognizer):
    """Formatted numbers (``+44 20 7946 0958``, ``(212) 555-0147``, ``212-555-0147``) checked by
    ``phonenumbers``. Bare digit runs are not phone numbers without context: amounts, IDs and
    order numbers are digit runs too."""

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        ("international", r"(?<![\w+])\+\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?){2,5}\d(?!\w)", 0.5),
        ("us parenthesized", r"(?<!\w)\(\d{3}\) ?\d{3}[ .\-]\d{4}\b", 0.6),
        ("national grouped", r"\b\d{3}[.\- ]\d{3}[.\- ]\d{4}\b", 0.4),
        ("bare (weak)", r"\b\d{10,11}\b", 0.05),
    ]
    CONTEXT = ["phone", "telephone", "tel", "mobile", "cell", "fax", "msisdn", "contact", "call"]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        d = digits_only(pattern_text)
        if not 7 <= len(d) <= 15:
            return False
        text = pattern_text.strip()
        regions = (None,) if text.startswith("+") else _REGIONS
        for region in regions:
            try:
                num = phonenumbers.parse(text, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return None  # plausible: keep the pattern's score
        return False
