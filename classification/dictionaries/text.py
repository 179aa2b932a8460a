"""Normalization shared by the dictionaries: case-folded, with and without diacritics."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-fold and trim: ``"  NOVÁK "`` -> ``"novák"``."""
    return " ".join(text.split()).casefold()


def strip_accents(text: str) -> str:
    """Remove combining marks: ``"nováková"`` -> ``"novakova"`` (``ł``, ``ø``, ``ß`` are mapped too)."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.translate(_EXTRA)


_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def variants(text: str) -> set[str]:
    """The folded form and its accent-free form (messy exports lose diacritics)."""
    f = fold(text)
    return {f, strip_accents(f)}
