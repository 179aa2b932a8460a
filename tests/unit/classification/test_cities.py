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


#: Towns no gazetteer knows, built as place names are (invented, as Faker's are)
BUILT = ["Kelseyhaven", "East Tracifort", "Masson-sur-Mer", "Alves do Sul", "San Anabel los Bajos", "Akgündüzmouth",
         "Bakonyligetbánya", "Aubry-la-Forêt", "North Samantha", "Lake Janeburgh", "Nieuwveen", "Somogyszékharaszti",
         "Lindqvistköping", "Port Maryview"]


def test_towns_beside_values_built_as_place_names_are_location_when_values_seldom_repeat() -> None:
    values = TOWNS[:12] + BUILT
    assert profile(PROF, "c9", TOWNS[:12] + PRODUCTS[:14]) is None  # the same towns beside plain words: no
    f = profile(PROF, "c9", values)
    assert f is not None and f.label == "LOCATION" and f.score < 0.5 and "built as place names" in f.signal
    # states or surnames of one country repeat: the shapes do not count there
    assert profile(PROF, "c9", values, distinct_share=0.2) is None


def test_place_shaped_values_without_towns_confirmed_by_the_gazetteer_are_not_location() -> None:
    assert profile(PROF, "c9", BUILT + ["Ashford", "Lindberg", "Hamilton", "Washington", "Holmberg", "Eriksson"]) is None


def test_under_a_town_column_name_values_built_as_place_names_count_as_towns() -> None:
    invented = BUILT + ["Almeida da Mata", "Barbosa da Serra", "Costa do Sul", "Lake Annaborough", "Ostermünde"] + PRODUCTS[:19]
    assert profile(PROF, "c9", invented) is None
    f = profile(PROF, "Municipio", invented, hints=frozenset({"LOCATION"}))
    assert f is not None and f.label == "LOCATION" and "built as place names" in f.signal
