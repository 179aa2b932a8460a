"""PERSON from name dictionaries: a column whose cells are first or last names of any country.

The small spaCy model reads names of many nationalities poorly (a Czech or Portuguese surname
alone in a cell is rarely tagged PERSON). This profiler looks every token of a short cell up in
the ``names-dataset`` dictionary (105 countries). A column is PERSON when most of its values
are names and few are places, and it holds enough distinct values to tell a name column from a
category column whose labels happen to be names ("Gold", "Green").
"""

from __future__ import annotations

from typing import ClassVar

import regex as re

from classification.dictionaries.cities import is_city
from classification.dictionaries.names import PARTICLES, load_names
from classification.dictionaries.places import is_place
from classification.dictionaries.text import fold, is_greek, strip_accents, to_latin
from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump

_TOKEN = re.compile(r"[\p{L}'’]+\.?")
#: Rank within which a first name may start a two-word PERSON span in prose.
PROSE_FIRST_NAME_RANK = 300
#: Titles after which a single capitalised name in prose is a person.
TITLES = frozenset("mr mrs ms miss dr prof sir madam herr frau m mme mlle sr sra srta don dona pan pani sig signor signora dhr mevr "
                   "г-н г-жа г-ца г-ѓа г-ѓица др проф".split())
#: A title before a name in a name cell ("Г-ца Маруся Сопаджиева", "Quý cô Hương Phạm", "Dr. Jan Nowak").
_LEADING_TITLE = re.compile(r"^(?:(?:" + "|".join(sorted((re.escape(t) for t in TITLES if len(t) > 1), key=len, reverse=True))
                            + r"|quý\s+(?:cô|ông|bà))\.?\s+)+", re.IGNORECASE)
#: Surname endings that say patronymic or family name whatever the stem: Icelandic "Arnkelsson",
#: "Stígsdóttir"; Azerbaijani "Vəziroğlu", "Əkbərzadə"; East Slavic "Petrovich"; Polish and Macedonian "-owski", "-ovska".
_SURNAME_ENDING = re.compile(r"\p{Lu}\p{Ll}{2,}(?:sson|sdóttir|sdottir|dóttir|dottir|oğlu|oglu|qızı|qizi|zadə|zade|"
                             r"ovich|evich|ovna|evna|owski|ewski|owska|ewska|ovski|evski|ovska|evska)")
_CAPITALISED_RUN = re.compile(r"\b\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}]+)?(?:\s+(?:(?:van|von|de|da|dos|del|der|den|di|du|la|le)\s+)?\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}]+)?){1,2}\b")
#: Column names that say organisation: bare surnames there are company names ("Dupont", "Leroy et Fils").
_ORG_COLUMN = re.compile(r"compan|societe|société|firma|firm|empresa|azienda|bedrijf|spole|employer|vendor|supplier|merchant|"
                         r"razao|raison|ragione|unternehmen|arbeitgeber|poduzece|etaireia|yritys|foretag|selskab|ceg|"
                         r"organi[sz]ation|(^|_)(org|corp|business|brand|store|shop|bank)(_|$)|"
                         # "employer" and "company" in the languages of Europe
                         r"employeur|empleador|empregador|datore_?di_?lavoro|werkgever|pracodawca|zamestnavatel|munkaltato|angajator|"
                         r"arbetsgivare|arbejdsgiver|arbeidsgiver|tyonantaja|isveren|delodajalec|poslodavac|tooandja|darbdavys|"
                         r"darba_?devejs|rabotodatel|ergodotis|vinnuveitandi|spolecnost|spolocnost|societa|societate|spolka|sirket|"
                         r"podjetje|tvrtka|ettevote|imone|uznemums|kompania|fyrirtaeki|vinnustadur", re.IGNORECASE)
_AZERI_ENDINGS = ("li", "lı", "lu", "lü", "ov", "ova", "yev", "yeva", "ev", "eva")
_SLAVIC_ENDINGS = ("ov", "ova", "ev", "eva", "yev", "yeva", "in", "ina", "ski", "ska", "skiy", "skaya", "sky", "enko", "vich", "vna", "ich")
_NON_NAME = re.compile(r"[\d@/\\:;#%&=+_|<>\[\]{}]")


_BEFORE_APART = re.compile(r"(?:^|[(\[:/\-–—;\n]|\.\s)\s*$")
_REST_WORD = re.compile(r"\p{L}{2,}")
_AFTER_APART = re.compile(r"^\s*(?:$|[)\]:,/\-–—;\n])")


def _set_apart(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands alone between punctuation beside words of its own: a signature or an
    attribution in a note ("Blocked - Ana Lopes"), not a whole cell ("Barbosa de Novaes" is a town)."""
    rest = text[:start] + " " + text[end:]
    return (len(_REST_WORD.findall(rest)) >= 2 and bool(_BEFORE_APART.search(text[max(0, start - 4):start]))
            and bool(_AFTER_APART.match(text[end:end + 4])))


class PersonNameProfiler(ColumnProfiler):
    """Counts cells made of 1-4 dictionary names (initials and particles allowed).

    Args:
        max_rank: Names ranked within this in at least one country are in the dictionary.
        min_share: Share of distinct values that must be names.
        hinted_min_share: The same when the column name says PERSON.
        min_distinct: Distinct values needed without a name hint.
        max_place_share: Above this share of places (or NLP LOCATION) the column is not names.
    """

    NAME: ClassVar[str] = "person_names"

    def __init__(self, *, max_rank: int = 30000, min_share: float = 0.7, hinted_min_share: float = 0.4,
                 min_distinct: int = 30, max_place_share: float = 0.3) -> None:
        self.max_rank = max_rank
        self.min_share = min_share
        self.hinted_min_share = hinted_min_share
        self.min_distinct = min_distinct
        self.max_place_share = max_place_share
        self._names: frozenset[str] | None = None
        self._first: frozenset[str] | None = None

    @property
    def names(self) -> frozenset[str]:
        """The dictionary (loaded on first use in this process)."""
        if self._names is None:
            self._names = load_names(max_rank=self.max_rank)
        return self._names

    @property
    def prose_first_names(self) -> frozenset[str]:
        """First names common enough (rank <= 300 in some country) to start a name in prose."""
        if self._first is None:
            self._first = load_names(max_rank=PROSE_FIRST_NAME_RANK, kind="first")
        return self._first

    def is_name(self, value: str) -> bool:
        """True when ``value`` is a short run of dictionary names: ``"Nováková"``, ``"J. Silva"``, ``"van Dijk"``."""
        v = value.strip()
        if not v or len(v) > 60 or _NON_NAME.search(v):
            return False
        v = _LEADING_TITLE.sub("", v)
        toks = [t.rstrip(".").strip("'’") for t in _TOKEN.findall(v.replace("-", " "))]
        toks = [t for t in toks if t]
        if not 1 <= len(toks) <= 4:
            return False
        known = 0
        words = 0
        for t in toks:
            f = fold(t)
            if len(f) == 1 or f in PARTICLES:
                continue
            words += 1
            if t.islower():
                return False  # names are capitalised; "blue", "debit" are words
            if self._known(t, f):
                known += 1
        if words == 0:
            return False
        return known == words or (words >= 3 and known >= words - 1)

    def _known(self, token: str, folded: str) -> bool:
        names = self.names
        if folded in names or strip_accents(folded) in names:
            return True
        latin = to_latin(folded)  # the same string unless the token is Cyrillic or Greek
        if latin != folded and latin in names:
            return True  # "Александра", "Алексовска", "Μάνος": the dictionary holds Latin transliterations
        cyrillic = latin != folded and not is_greek(folded)
        if _SURNAME_ENDING.fullmatch(token.capitalize()) or _SURNAME_ENDING.fullmatch(latin.capitalize()):
            return True
        if "ə" in folded or "ı" in folded:
            return folded.endswith(_AZERI_ENDINGS)  # "Rəhimli", "Musalı", "Rövşənov"
        return cyrillic and latin.endswith(_SLAVIC_ENDINGS)  # "Сопаджиева", "Мамбетов"

    def confirms_span(self, text: str, start: int, end: int, *, entity: str = "PERSON", nlp: bool = True) -> bool:
        """Whether an NLP span inside prose holds up against the dictionaries.

        The small English model tags capitalised words of other languages (German nouns, Latin
        filler text) as PERSON or LOCATION. In prose a PERSON span counts only when every word
        is a capitalised dictionary name and it has two words, or one word after a title
        (``Mr``, ``Frau``, ``Mme`` ...), or (``nlp``: the span is the model's) when it stands apart
        between punctuation with all its words but one dictionary names; a LOCATION span only when
        it names a country or a region. Other entities pass.
        """
        span = text[start:end]
        if entity == "LOCATION":
            return is_place(span)
        if entity != "PERSON":
            return True
        if nlp and _set_apart(text, start, end) and self._full_name(span, unknown=1):
            return True  # the model's name, set apart as notes are signed, all but one word dictionary names ("Luigina Cappola")
        if not self.is_name(span):
            return False
        words = [t.rstrip(".") for t in _TOKEN.findall(span) if len(t.rstrip(".")) > 1 and fold(t) not in PARTICLES]
        if len(words) >= 2:
            # "John Smith": a common first name, then names (German nouns are names somewhere, rarely common first names)
            return fold(words[0]) in self.prose_first_names or strip_accents(fold(words[0])) in self.prose_first_names
        before = _TOKEN.findall(text[max(0, start - 12):start])
        return bool(before) and fold(before[-1]).rstrip(".") in TITLES

    def find_spans(self, text: str) -> list[tuple[int, int]]:
        """Full names in prose found by the dictionaries alone: a common first name followed by
        one or two capitalised names (``Paid to Jana Nováková for rent``), or two or three dictionary
        names set apart by punctuation, as notes are signed (``Refund agreed - Nereu Bolzan``,
        ``(Αγγέλικα Αθανασίου)``, ``Normand Nichols: call back``)."""
        out: list[tuple[int, int]] = []
        for m in _CAPITALISED_RUN.finditer(text):
            s, e = m.span()
            if (_set_apart(text, s, e) and self._full_name(text[s:e])) or self.confirms_span(text, s, e, nlp=False):
                out.append((s, e))
        return out

    def _full_name(self, span: str, *, unknown: int = 0) -> bool:
        """Two or three capitalised words, all dictionary names but ``unknown`` of them."""
        words = [t.rstrip(".").strip("'’") for t in _TOKEN.findall(span) if len(t.rstrip(".")) > 1 and fold(t) not in PARTICLES]
        if not 2 <= len(words) <= 3 or _NON_NAME.search(span) or any(w.islower() for w in words):
            return False
        return sum(self._known(w, fold(w)) for w in words) >= len(words) - unknown

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        bump(stats, "values")
        bump(stats, "cells", count)
        if ctx.pattern_entities - {"PERSON"}:
            return
        name = self.is_name(value)
        # the small model tags many foreign surnames LOCATION ("Armińska"); a dictionary name is a place only
        # when it names a country, a region or a town
        if is_place(value) or ("LOCATION" in ctx.nlp_entities and (not name or is_city(value))):
            bump(stats, "place_values")
            return
        if name:
            bump(stats, "name_values")
            bump(stats, "name_cells", count)

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        values = stats.get("values", 0)
        if not values:
            return None
        share = stats.get("name_values", 0) / values
        place_share = stats.get("place_values", 0) / values
        hinted = "PERSON" in ctx.hints
        if not hinted and (_ORG_COLUMN.search(ctx.column.split(".")[-1]) or ctx.hints & {"LOCATION", "STREET_ADDRESS"}):
            return None  # a town or street named after people, a company named after its founder
        need = self.hinted_min_share if hinted else self.min_share
        if share < need or place_share > self.max_place_share:
            return None
        if not hinted and values < self.min_distinct:
            return None
        cell_share = stats.get("name_cells", 0) / max(1, stats.get("cells", 0))
        return Finding(
            kind="entity", label="PERSON", share=cell_share, score=0.6 if hinted else 0.5, profiler=self.NAME,
            signal=f"{share:.0%} of {values} distinct values are first or last names (names-dataset, 105 countries)",
        )
