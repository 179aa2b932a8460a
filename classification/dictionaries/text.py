"""Normalization shared by the dictionaries: case-folded, with and without diacritics."""

from __future__ import annotations

import gzip
import os
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable


def fold(text: str) -> str:
    """Case-fold and trim: ``"  NOVÁK "`` -> ``"novák"``."""
    return " ".join(text.split()).casefold()


def strip_accents(text: str) -> str:
    """Remove combining marks: ``"nováková"`` -> ``"novakova"`` (``ł``, ``ø``, ``ß`` are mapped too)."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.translate(_EXTRA)


_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ə": "a", "Ə": "A"})


_CYRILLIC = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian, Belarusian, Serbian, Macedonian, Kazakh letters
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz",
    "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
})


_GREEK = str.maketrans({
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k", "λ": "l",
    "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f",
    "χ": "ch", "ψ": "ps", "ω": "o",
})
#: Greek letter pairs read as one sound (ELOT 743): "Αθανασίου" -> "athanasiou", "Αγγέλικα" -> "angelika".
_GREEK_PAIRS = (("ου", "ou"), ("αυ", "av"), ("ευ", "ev"), ("γγ", "ng"), ("γκ", "gk"), ("γχ", "nch"))


def is_greek(text: str) -> bool:
    """True when ``text`` has a Greek letter."""
    return any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in text)


def to_latin(text: str) -> str:
    """A case-folded Cyrillic or Greek word in Latin letters (``"Алексовска"`` -> ``"aleksovska"``,
    ``"Αποστολίδου"`` -> ``"apostolidou"``); other text unchanged."""
    folded = fold(text)
    if is_greek(folded):
        folded = strip_accents(folded)
        for pair, latin in _GREEK_PAIRS:
            folded = folded.replace(pair, latin)
        return folded.translate(_GREEK)
    return folded.translate(_CYRILLIC)


def variants(text: str) -> set[str]:
    """The folded form and its accent-free form (messy exports lose diacritics)."""
    f = fold(text)
    return {f, strip_accents(f)}


def cached_set(path: Path, build: Callable[[], set[str]]) -> frozenset[str]:
    """The set of lines of the gzip file ``path``; built with ``build`` and written there
    (atomically, readable by all) when the file does not exist yet."""
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return frozenset(line.rstrip("\n") for line in fh)
    built = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".build-", suffix=".tmp")
    with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(sorted(built)))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return frozenset(built)
