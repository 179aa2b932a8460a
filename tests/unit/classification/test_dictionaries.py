"""The reference dictionaries: derived once, cached, read back; places and towns in many languages."""

from pathlib import Path

from classification.dictionaries.cities import is_city
from classification.dictionaries.places import country_code, is_country_name, is_subdivision, is_subdivision_code
from classification.dictionaries.text import cached_set, strip_accents


def test_a_derived_set_is_built_once_then_read_from_its_cache_file(tmp_path: Path) -> None:
    calls: list[int] = []

    def build() -> set[str]:
        calls.append(1)
        return {"novák", "silva"}

    path = tmp_path / "sub" / "names.txt.gz"
    assert cached_set(path, build) == {"novák", "silva"}
    assert cached_set(path, build) == {"novák", "silva"} and len(calls) == 1
    assert oct(path.stat().st_mode & 0o777) == "0o644" and not list(path.parent.glob(".build-*"))


def test_accents_and_special_letters_are_stripped() -> None:
    assert strip_accents("łódź ørsted straße") == "lodz orsted strasse"


def test_countries_in_their_own_languages_and_codes() -> None:
    assert country_code("Magyarország") == "HU" and country_code("Sverige") == "SE" and country_code("PRT") == "PT"
    assert is_country_name("Bermudes (Les)") and not is_country_name("Paris") and not is_country_name("")
    assert country_code("Smith") is None


def test_subdivisions_and_their_codes() -> None:
    assert is_subdivision("Mazowieckie") and is_subdivision("Bayern") and not is_subdivision("")
    assert is_subdivision_code("IL") and not is_subdivision_code("ILLINOIS")


def test_towns_of_many_countries_are_found_and_words_are_not() -> None:
    assert all(is_city(t) for t in ("Brno", "Székesfehérvár", "Kraków", "Krakow", "Porto", "Tampere"))
    assert not any(is_city(w) for w in ("Premium", "Debit", "", "Novák"))


def test_towns_in_other_scripts_and_after_a_locality_word_are_found() -> None:
    for t in ("Азов", "г. Азов", "四平市", "四平", "Ağcabədi", "TP. Hà Nội", "Thành phố Đà Nẵng"):
        assert is_city(t), t
    assert not any(is_city(w) for w in ("г. Премиум", "市", "Lake Janeburgh"))
