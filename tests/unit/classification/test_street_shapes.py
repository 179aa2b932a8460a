"""StreetShapeProfiler: streets without a type word under an address name; never without the name."""

from classification.profilers.street_shapes import StreetShapeProfiler
from tests.unit.classification.profiler_helpers import profile

PROF = StreetShapeProfiler()
STREETS = ["Husova 12", "Nádražní 1234/5", "Mannerheimintie 3 A", "Kossuth Lajos 7", "Andrássy 22", "Marszałkowska 104/122",
           "Vinohradská 1511/230", "Dlouhá 3", "Na Příkopě 33", "Ilica 5"] * 3


def test_streets_without_a_type_word_under_an_address_name_are_street_address() -> None:
    f = profile(PROF, "Ulice", STREETS, hints=frozenset({"STREET_ADDRESS"}))
    assert f is not None and f.label == "STREET_ADDRESS" and f.score < 0.5


def test_the_same_shape_without_an_address_name_is_not_claimed() -> None:
    assert profile(PROF, "product", ["Model 3", "Galaxy 22", "Pixel 8", "Series 7"] * 10) is None
    assert profile(PROF, "Ulice_x", STREETS) is None


def test_free_text_under_an_address_name_is_not_street_shaped() -> None:
    notes = ["please deliver to the back door after six", "call before delivery, the bell is broken"] * 10
    assert profile(PROF, "address", notes, hints=frozenset({"STREET_ADDRESS"})) is None


def test_chinese_and_japanese_street_numbers_are_street_shaped() -> None:
    cjk = ["二七九条490号", "狮子山八条441号", "花果八条518号", "中山路12号", "銀座4丁目", "本町3-2-1番地"] * 5
    f = profile(PROF, "ship_to", cjk, hints=frozenset({"STREET_ADDRESS"}))
    assert f is not None and f.label == "STREET_ADDRESS"
    assert profile(PROF, "ship_to", ["二七九条", "价格490元", "第3章"] * 10, hints=frozenset({"STREET_ADDRESS"})) is None
