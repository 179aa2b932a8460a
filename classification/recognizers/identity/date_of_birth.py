"""DATE_OF_BIRTH: a calendar date that context (column name or text) says is a birth date."""

from __future__ import annotations

from datetime import date

import regex as re

from classification.recognizers.base import LakewardenPatternRecognizer

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_EU = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(text: str) -> date | None:
    """Parse ISO ``yyyy-mm-dd``, US ``mm/dd/yyyy`` or European ``dd.mm.yyyy``; None when invalid."""
    t = text.strip()[:10]
    for rx, order in ((_ISO, "ymd"), (_US, "mdy"), (_EU, "dmy")):
        m = rx.match(t)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups())))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


class DateOfBirthRecognizer(LakewardenPatternRecognizer):
    """A plausible birth date (1900 to today). Any date matches weakly; only birth context
    (``dob``, ``birth``, ``born``) makes it DATE_OF_BIRTH, so order and event dates stay unflagged."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = [
        ("iso date", r"\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\b", 0.05),
        ("us date", r"\b\d{1,2}/\d{1,2}/(?:19|20)\d{2}\b", 0.05),
        ("eu date", r"\b\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}\b", 0.05),
    ]
    CONTEXT = ["birth", "dob", "born", "birthday", "birthdate", "date_of_birth", "bday", "geburtsdatum"]

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        d = parse_date(pattern_text)
        if d is None or not (date(1900, 1, 1) <= d <= date.today()):
            return False
        return None
