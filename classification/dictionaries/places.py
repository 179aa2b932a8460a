"""Country and subdivision names and codes, from the ``pycountry`` package (ISO 3166, LGPL data).

Country names are read in every language pycountry ships a translation for (``Česko``,
``Deutschland``, ``Polska`` ...), with and without diacritics. Subdivisions are ISO 3166-2
names (states, provinces, regions, counties).
"""

from __future__ import annotations

import functools
import gettext

from classification.dictionaries.text import variants

_LANGUAGES = (
    "en cs da de es et fi fr hr hu is it lt lv nl nb_NO nn pl pt pt_BR ro sk sl sv tr el ru uk bg sr ja zh_CN "
    "ca eu gl ga cy mt sq mk bs id ms vi af sw"
).split()


@functools.lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    import pycountry

    by_name: dict[str, str] = {}
    alpha2: set[str] = set()
    alpha3: set[str] = set()
    translators = []
    for lang in _LANGUAGES:
        try:
            translators.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:
            continue
    for c in pycountry.countries:
        alpha2.add(c.alpha_2)
        alpha3.add(c.alpha_3)
        names = {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)}
        for n in [x for x in names if x]:
            for t in translators:
                names = names | {t.gettext(n)}
        for n in names:
            if n:
                for v in variants(n):
                    by_name.setdefault(v, c.alpha_2)
    for extra, code in (("usa", "US"), ("uk", "GB"), ("great britain", "GB"), ("england", "GB"), ("scotland", "GB"),
                        ("wales", "GB"), ("holland", "NL"), ("czech republic", "CZ"), ("russia", "RU"), ("south korea", "KR"),
                        ("north korea", "KP"), ("vietnam", "VN"), ("iran", "IR"), ("syria", "SY"), ("bolivia", "BO"),
                        ("venezuela", "VE"), ("tanzania", "TZ"), ("moldova", "MD"), ("laos", "LA"), ("turkey", "TR"),
                        ("ivory coast", "CI"), ("macedonia", "MK"), ("the netherlands", "NL"), ("united states of america", "US")):
        by_name.setdefault(extra, code)
    return by_name, frozenset(alpha2), frozenset(alpha3)


@functools.lru_cache(maxsize=1)
def _subdivisions() -> frozenset[str]:
    import pycountry

    out: set[str] = set()
    for s in pycountry.subdivisions:
        out.update(variants(s.name))
        for part in s.name.split("/"):
            out.update(variants(part.strip()))
    return frozenset(out)


def country_code(value: str) -> str | None:
    """ISO alpha-2 code of a country written as a name in some language or as an ISO code; else None."""
    v = value.strip()
    if not v:
        return None
    by_name, alpha2, alpha3 = _countries()
    up = v.upper()
    if len(up) == 2 and up in alpha2:
        return up
    if len(up) == 3 and up in alpha3:
        import pycountry

        rec = pycountry.countries.get(alpha_3=up)
        return rec.alpha_2 if rec is not None else None
    forms = variants(v)
    if "(" in v:
        forms |= variants(v.split("(")[0])  # "Cook (Îles)", "Chine (Rép. pop.)"
    for form in forms:
        code = by_name.get(form)
        if code:
            return code
    return None


def is_country_name(value: str) -> bool:
    """True for a country written as a name (not as a code) in one of the shipped languages."""
    if not value.strip():
        return False
    by_name, _, _ = _countries()
    forms = variants(value) | (variants(value.split("(")[0]) if "(" in value else set())
    return any(form in by_name for form in forms)


def is_subdivision(value: str) -> bool:
    """True for the name of an ISO 3166-2 subdivision (a state, province, region or county)."""
    if not value.strip():
        return False
    subs = _subdivisions()
    return any(form in subs for form in variants(value))


def is_place(value: str) -> bool:
    """A country (name or code) or a subdivision name."""
    return country_code(value) is not None or is_subdivision(value)


@functools.lru_cache(maxsize=1)
def _subdivision_codes() -> frozenset[str]:
    import pycountry

    return frozenset(s.code.split("-", 1)[1].upper() for s in pycountry.subdivisions if "-" in s.code)


def is_subdivision_code(value: str) -> bool:
    """True for the local part of an ISO 3166-2 code (``IL`` of ``US-IL``, ``BY`` of ``DE-BY``)."""
    v = value.strip().upper()
    return 1 <= len(v) <= 3 and v.isalnum() and v in _subdivision_codes()
