"""Word lists for free-text columns that must not mention anyone.

Faker's lorem word lists and Mimesis's word lists are frequency lists of real text, and carry
a few first names and surnames ("jack", "eddie", "Koch"). A column meant to hold notes about no
one draws its words from those lists minus every first name and surname the two sources know
for the same language, so its ground truth (``None``) holds. Names-dataset, which Lakewarden
itself uses, is deliberately not used here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

#: Faker locales whose person names are used per language (those of the dev, tune2 and test splits).
FAKER_LOCALES = ("fr_FR", "de_DE", "es_ES", "en_GB", "cs_CZ", "pt_PT", "pl_PL", "it_IT", "nl_NL", "sv_SE",
                 "da_DK", "fi_FI", "hu_HU", "ro_RO", "tr_TR", "en_IN", "ja_JP", "en_US")
MIMESIS_LOCALES = ("fr", "de", "es", "en-gb", "en", "pl", "cs", "pt", "it", "nl", "sv", "da", "fi", "hu", "tr", "ja")
#: Locales of the tune3 split. Kept apart: their names are removed from the words of a locale outside the lists
#: above only, so the dev, tune2 and test tables stay byte for byte what they were.
TUNE3_FAKER_LOCALES = ("pt_BR", "en_US", "en_AU", "de_AT", "de_CH", "fr_CA", "fr_CH", "es_MX", "el_GR", "hr_HR",
                       "sk_SK", "sl_SI", "lt_LT", "lv_LV", "et_EE", "no_NO", "uk_UA", "id_ID")
TUNE3_MIMESIS_LOCALES = ("hr", "en", "en-au", "de-at", "de-ch", "es-mx", "pt-br", "el", "et", "no", "uk")
#: Locales of the tune4 split (in none of the lists above).
TUNE4_FAKER_LOCALES = ("es_AR", "es_CO", "es_CL", "en_NZ", "en_CA", "nl_BE", "it_CH", "bg_BG", "ru_RU", "bs_BA",
                       "vi_VN", "az_AZ", "mk_MK", "de_LI", "de_LU", "zh_TW")
TUNE4_MIMESIS_LOCALES = ("is", "nl-be", "en-ca", "ru", "kk", "sk", "az", "zh")
#: Locales of the tune5 split (drawn from the lists above, so no word list changes).
TUNE5_FAKER_LOCALES = ("en_US", "de_DE", "fr_FR", "pl_PL", "it_IT", "hu_HU", "pt_BR", "nl_NL", "tr_TR", "sv_SE", "es_MX",
                       "ro_RO", "uk_UA", "el_GR")
TUNE5_MIMESIS_LOCALES = ("en", "de", "fr", "pl", "it", "hu", "pt-br", "nl", "tr", "sv", "uk", "el")


def _flat(x: Any) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [s for v in x.keys() for s in _flat(v)] if all(isinstance(v, (int, float)) for v in x.values()) \
            else [s for v in x.values() for s in _flat(v)]
    if isinstance(x, (list, tuple, set, frozenset)):
        return [s for v in x for s in _flat(v)]
    return []


def _lang(loc: str) -> str:
    return loc.replace("-", "_").split("_")[0].lower()


@lru_cache(maxsize=None)
def names_of(lang: str, tune3: bool = False, tune4: bool = False) -> frozenset[str]:
    """Lower-cased first names and surnames of every Faker and Mimesis locale of language ``lang``
    (with ``tune3``, those of the tune3 split's locales too; with ``tune4``, those of tune3 and tune4)."""
    from faker import Faker
    from mimesis import Generic
    from mimesis.locales import Locale

    out: set[str] = set()
    for loc in FAKER_LOCALES + (TUNE3_FAKER_LOCALES if tune3 or tune4 else ()) + (TUNE4_FAKER_LOCALES if tune4 else ()):
        if _lang(loc) == lang:
            for p in Faker(loc).providers:
                if "person" in type(p).__module__:
                    for attr in ("first_names", "first_names_male", "first_names_female", "last_names",
                                 "last_names_male", "last_names_female"):
                        out.update(s.lower() for s in _flat(getattr(p, attr, ())))
    for loc in MIMESIS_LOCALES + (TUNE3_MIMESIS_LOCALES if tune3 or tune4 else ()) + (TUNE4_MIMESIS_LOCALES if tune4 else ()):
        if _lang(loc) == lang:
            ds = Generic(locale=Locale(loc)).person._dataset
            out.update(s.lower() for s in _flat(ds.get("names", {})) + _flat(ds.get("surnames", {})))
    return frozenset(out)


@lru_cache(maxsize=None)
def faker_words(locale: str) -> tuple[str, ...]:
    from faker import Faker

    names = names_of(_lang(locale), tune3=locale not in FAKER_LOCALES, tune4=locale in TUNE4_FAKER_LOCALES)
    return tuple(w for w in Faker(locale).get_words_list() if w.lower() not in names)


@lru_cache(maxsize=None)
def mimesis_words(locale: str) -> tuple[str, ...]:
    from mimesis import Generic
    from mimesis.locales import Locale

    names = names_of(_lang(locale), tune3=locale not in MIMESIS_LOCALES, tune4=locale in TUNE4_MIMESIS_LOCALES)
    return tuple(w for w in Generic(locale=Locale(locale)).text._dataset["words"] if w.lower() not in names)
