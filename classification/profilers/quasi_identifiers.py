"""Quasi-identifiers: coarse attributes that identify a person only in combination.

Country, state or region, postcode, gender, birth year and occupation are not personal
entities on their own, so they are not reported as PII (a country column is not LOCATION).
They are reported as quasi-identifiers, which retention's k-anonymity check uses.

- ``country``: values are country names (many languages) or ISO codes.
- ``state``: values are ISO 3166-2 subdivision names.
- ``gender``: values come from a small set of gender words and letters in several languages.
- ``postcode``, ``birth_year``, ``occupation``: the column name says so (``quasi_hints`` in
  ``conf/classification.yaml``) and the values have the shape (postcodes: short codes with
  digits; birth years: years 16-110 years back; occupations: short words).

Under an opaque name, only values that can be nothing else count: ISO alpha-2 country codes or
calling codes ("+351") in nearly every cell, gender words in nearly every non-blank cell, and birth
years (every value 16-110 years back, spread over decades).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import regex as re

from classification.dictionaries.places import country_code, is_country_name, is_subdivision, is_subdivision_code
from classification.dictionaries.text import fold
from classification.profilers.national_phones import region_of
from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump

GENDER_WORDS = frozenset(
    "m f w d x u male female man woman men women other unknown diverse nonbinary non-binary "
    "männlich maennlich weiblich divers homme femme masculin féminin feminin masculino femenino feminino hombre mujer "
    "muž žena muz zena mężczyzna kobieta mezczyzna maschio femmina uomo donna man vrouw mand kvinde kvinna kvinne mies "
    "nainen férfi nő no erkek kadın kadin bărbat femeie barbat andere mann frau herr autre otro outro altro anders "
    "męski żeński nijaki meski zenski feminine masculine neuter feminino masculino transgênero transgenero neutro mannelijk "
    "vrouwelijk onzijdig annat kvinna han hun kvinde neutral mies muut egyéb egyeb diğer diger kadın 女性 男性 その他 "
    "féminin masculin femenina masculina mužské ženské mužský ženský".split()
)
#: Letters that mean a gender only under a gender column name (Polish K, Hungarian N, Turkish E/K ...).
GENDER_LETTERS = frozenset("k n e z ž v h w o".split())
_POSTCODE = re.compile(r"^(?=.*\d)[A-Za-z0-9]{2,7}(?:[\s\-][A-Za-z0-9]{2,4})?$")
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)(?:\.0)?$")
_WORDS = re.compile(r"^[\p{L}][\p{L}\s,.'&/()\-]{1,80}$")
_ISO2 = re.compile(r"^[A-Z]{2}$")
_CALLING = re.compile(r"^(?:\+|00)\d{1,3}$")
#: Distinct values an opaque-named column needs before its values alone make it a quasi-identifier.
OPAQUE_MIN_VALUES = 15
#: Spread of ages (years) of a birth-year column: people of several generations, not one cohort or recent years.
BIRTH_YEAR_MIN_SD = 8.0


class QuasiIdentifierProfiler(ColumnProfiler):
    """Finds country, state, gender, postcode, birth-year and occupation columns.

    Args:
        min_share: Share of distinct values (of cells, for gender) that must fit the kind.
    """

    NAME: ClassVar[str] = "quasi_identifiers"

    def __init__(self, *, min_share: float = 0.8) -> None:
        self.min_share = min_share

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        v = value.strip()
        bump(stats, "values")
        bump(stats, "cells", count)
        if not v:
            return
        bump(stats, "nonblank")
        bump(stats, "nonblank_cells", count)
        if (_ISO2.match(v) and country_code(v) is not None) or (_CALLING.match(v) and region_of(v) is not None):
            bump(stats, "strict_country_codes")
        if is_country_name(v):
            bump(stats, "country_names")
        elif country_code(v) is not None or region_of(v) is not None:
            bump(stats, "country_codes")  # ISO codes and calling codes ("351", "+420")
        if is_subdivision(v):
            bump(stats, "subdivisions")
        elif is_subdivision_code(v):
            bump(stats, "subdivision_codes")
        if fold(v) in GENDER_WORDS:
            bump(stats, "gender_cells", count)
        elif fold(v) in GENDER_LETTERS:
            bump(stats, "gender_letter_cells", count)
        if _POSTCODE.match(v):
            bump(stats, "postcodes")
        m = _YEAR.match(v)
        if m:
            bump(stats, "years")
            age = date.today().year - int(m.group(1))
            if 16 <= age <= 110:
                bump(stats, "birth_years")
                bump(stats, "birth_year_sum", age)
                bump(stats, "birth_year_sq", age * age)
        if _WORDS.match(v) and not ctx.pattern_entities:
            bump(stats, "wordy")

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        values = stats.get("nonblank", 0)
        if not values:
            return None

        def share(key: str) -> float:
            return stats.get(key, 0) / values

        def found(kind: str, s: float, why: str) -> Finding:
            return Finding(kind="quasi_identifier", label=kind, share=s, score=0.8, profiler=self.NAME, signal=why)

        hints = ctx.quasi_hints
        nonblank_cells: int = stats.get("nonblank_cells") or 1
        g = stats.get("gender_cells", 0) / nonblank_cells
        if "gender" in hints:
            g += stats.get("gender_letter_cells", 0) / nonblank_cells
        if g >= 0.95 or ("gender" in hints and g >= self.min_share):
            return found("gender", g, f"{g:.0%} of cells are gender values")
        countries = share("country_names") + (share("country_codes") if "country" in hints else 0.0)
        if (countries >= self.min_share and share("country_names") >= 0.5) or ("country" in hints and countries >= 0.6):
            return found("country", countries, f"{countries:.0%} of distinct values are countries")
        codes = share("strict_country_codes")
        if codes >= 0.95 and values >= OPAQUE_MIN_VALUES:
            return found("country", codes, f"{codes:.0%} of distinct values are ISO country codes or calling codes")
        subs = share("subdivisions")
        if "state" in hints:
            subs += share("subdivision_codes")  # "IL", "BY": codes count only when the name says state
        if subs >= self.min_share or ("state" in hints and subs >= 0.5):
            return found("state", subs, f"{subs:.0%} of distinct values are states, provinces or regions (ISO 3166-2)")
        if "postcode" in hints and share("postcodes") >= self.min_share:
            return found("postcode", share("postcodes"), "column name says postcode and values have the shape")
        if "birth_year" in hints and share("birth_years") >= self.min_share:
            return found("birth_year", share("birth_years"), "column name says birth year and values are plausible birth years")
        n = stats.get("birth_years", 0)
        if n and share("birth_years") >= 0.98 and values >= OPAQUE_MIN_VALUES:
            mean = stats.get("birth_year_sum", 0) / n
            sd = max(0.0, stats.get("birth_year_sq", 0) / n - mean * mean) ** 0.5
            if sd >= BIRTH_YEAR_MIN_SD:
                return found("birth_year", share("birth_years"), f"every value is a year 16-110 years back, spread over decades "
                             f"(ages {mean:.0f} ± {sd:.0f})")
        if "occupation" in hints and share("wordy") >= self.min_share:
            return found("occupation", share("wordy"), "column name says occupation and values are words")
        return None
