"""CityProfiler: a column of town names is LOCATION; villages count only under a town column name."""

from classification.profilers.cities import CityProfiler
from tests.unit.classification.profiler_helpers import profile

PROF = CityProfiler()
TOWNS = ["Brno", "Székesfehérvár", "Kraków", "Porto", "Tampere", "Ostrava", "Coimbra", "Plzeň", "Olomouc", "Liberec",
         "Gdańsk", "Poznań", "Debrecen", "Győr", "Braga", "Aveiro", "Turku", "Oulu", "Espoo", "Vantaa", "Азов", "四平市"]
#: Icelandic villages of 1,000 to 5,000 people
VILLAGES = ["Dalvík", "Blönduós", "Bolungarvík", "Grindavík", "Hveragerði", "Húsavík", "Sauðárkrókur", "Vogar", "Hella",
            "Höfn", "Ólafsvík", "Siglufjörður", "Eyrarbakki", "Vopnafjörður", "Stykkishólmur", "Hvolsvöllur"]
PRODUCTS = ["Premium", "Standard", "Gold", "Basic", "Plus", "Pro", "Lite", "Max", "Mini", "Ultra", "Family", "Student",
            "Senior", "Junior", "Business", "Personal", "Starter", "Enterprise", "Classic", "Select", "Flex", "Saver"]


def test_a_column_of_towns_under_an_opaque_name_is_location() -> None:
    f = profile(PROF, "c9", TOWNS)
    assert f is not None and f.label == "LOCATION" and f.share > 0.9


def test_villages_are_location_only_under_a_town_column_name() -> None:
    assert profile(PROF, "c9", VILLAGES + TOWNS[:6]) is None
    f = profile(PROF, "Baer", VILLAGES + TOWNS[:6], hints=frozenset({"LOCATION"}))
    assert f is not None and f.label == "LOCATION" and "1,000" in f.signal


def test_words_and_too_few_values_are_not_location() -> None:
    assert profile(PROF, "plan", PRODUCTS) is None
    assert profile(PROF, "c9", TOWNS[:8]) is None  # fewer than min_distinct without a name hint
