"""US_SSN: US social security numbers, with the SSA's structural rules."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer, digits_only
from classification.recognizers.validators import all_same

_KNOWN_FAKE = {"123456789", "078051120", "219099999"}


class UsSocialSecurityNumberRecognizer(LakewardenPatternRecognizer):
    """``AAA-GG-SSSS``: area not 000/666/9xx, group not 00, serial not 0000; bare 9 digits need context."""

    ENTITY = "US_SSN"
    PATTERNS = [
        ("ssn dashed", r"\b\d{3}-\d{2}-\d{4}\b", 0.5),
        ("ssn spaced/dotted", r"\b\d{3}[ .]\d{2}[ .]\d{4}\b", 0.3),
        ("ssn bare (weak)", r"\b\d{9}\b", 0.05),
    ]
    CONTEXT = ["ssn", "social", "security", "ssns", "ssid", "social_security"]

    def invalidate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        seps = {ch for ch in pattern_text if not ch.isdigit()}
        if len(seps) > 1:
            return True
        d = digits_only(pattern_text)
        if len(d) != 9 or all_same(d) or d in _KNOWN_FAKE:
            return True
        area, group, serial = d[:3], d[3:5], d[5:]
        return area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000"
