"""toponym_shaped: values built as place names are, in several languages; names, words and codes are not."""

import pytest

from classification.dictionaries.toponyms import toponym_shaped


@pytest.mark.parametrize("value", [
    "Kelseyhaven", "East Tracifort", "NORTH SAMANTHA", "Masson-sur-Mer", "Alves do Sul", "San Anabel los bajos",
    "Bad Kreuznach", "Nowy Targ", "Oberhausen", "Nieuwveen", "Lindqvistköping", "Balatonligetbánya", "Akçaköy",
    "Aubry-la-Forêt", "Frankfurt am Main", "Villanueva de Abajo",
])
def test_values_built_as_place_names_are_toponym_shaped(value: str) -> None:
    assert toponym_shaped(value)


@pytest.mark.parametrize("value", [
    "Maria", "Jean Dupont", "Gold", "Premium", "blue", "ABC-123", "12345", "Software Engineer", "jane@example.com",
    "Lorem ipsum dolor sit amet consectetur", "",
])
def test_names_words_and_codes_are_not_toponym_shaped(value: str) -> None:
    assert not toponym_shaped(value)
