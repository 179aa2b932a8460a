"""Engine prefilters: rewrites the engines can run, and supersets of what the recognizers find."""

import pytest
import regex as re

from classification.prefilter import PrefilterError, engine_pattern, entity_prefilters, recognizer_prefilter
from classification.registry import build_pattern_recognizers, load_recognizer_config


def test_lookarounds_and_word_boundaries_are_dropped_and_shorthands_become_unicode_classes() -> None:
    assert engine_pattern(r"(?<![\d.])\b\d{3}\b(?!\w)") == r"[\p{Nd}]{3}"
    assert engine_pattern(r"[\w.%+\-]{1,64}@") == r"[\p{L}\p{N}_.%+\-]{1,64}@"
    assert engine_pattern(r"a\sb\S") == r"a[\s\p{Z}]b[^\s\p{Z}]"
    assert engine_pattern(r"x{2,4}+y", ignore_case=True) == r"(?i:x{2,4}y)"  # possessive -> greedy


def test_constructs_the_engines_read_differently_are_refused() -> None:
    for p in (r"(a)\1", r"(?P<n>a)", r"(?>ab)", r"(?=a)?b"):
        with pytest.raises(PrefilterError):
            engine_pattern(p)


@pytest.fixture(scope="module")
def recognizers():  # type: ignore[no-untyped-def]
    return build_pattern_recognizers(load_recognizer_config("conf/recognizers.yaml"))


VALUES = ["jane.doe@example.com", "Call +351 912 345 678 today", "(415) 555-0199", "192.168.1.20", "2001:db8::1",
          "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "DEUTDEFF500", "123-45-6789", "912-70-1234",
          "1985-04-12", "12/04/1985", "Husova 12", "Hauptstraße 12, 10115 Berlin", "742 Evergreen Terrace",
          "Chrome/41.0.887.0", "hello world", "", "Paid to John Smith for rent", "A1234567", "C12345678"]


def test_every_value_a_recognizer_finds_is_a_candidate_of_its_prefilter(recognizers) -> None:  # type: ignore[no-untyped-def]
    for rec in recognizers:
        rx = re.compile(recognizer_prefilter(rec))
        for v in VALUES:
            if rec.scan(v):
                assert rx.search(v), (type(rec).__name__, v)


def test_one_prefilter_per_entity(recognizers) -> None:  # type: ignore[no-untyped-def]
    pre = entity_prefilters(recognizers)
    entities = [p.entity for p in pre]
    assert len(entities) == len(set(entities))
    street = next(p for p in pre if p.entity == "STREET_ADDRESS")
    assert set(street.recognizers) == {"StreetAddressRecognizer", "InternationalStreetAddressRecognizer"}


def test_a_hand_written_prefilter_replaces_the_rewrite_and_still_covers_the_recognizer(recognizers) -> None:  # type: ignore[no-untyped-def]
    street = next(r for r in recognizers if type(r).__name__ == "InternationalStreetAddressRecognizer")
    pre = recognizer_prefilter(street)
    assert len(pre) < 80  # not the rewritten word tries (megabytes once compiled)
    rx = re.compile(pre)
    for v in ["Husova 12", "Calle Mayor s/n", "Andrássy út 5", "ul. Marszałkowska 1", "Rue de la Loi 16", "Kalverstraat ٩٢"]:
        if street.scan(v):
            assert rx.search(v), v
    assert not rx.search("Calle Mayor") and not rx.search("1234.50")  # no number, or no word


def test_email_prefilter_matches_what_the_recognizer_matches_and_rejects_plain_words() -> None:
    from classification.recognizers.contact.email_address import EmailAddressRecognizer

    rec = EmailAddressRecognizer()
    rx = re.compile(recognizer_prefilter(rec))
    for v in ["jane.doe@example.com", "Écrire à josé.müller@correo.es svp", "x@a.io", "JANE@EXAMPLE.COM"]:
        assert rec.scan(v) and rx.search(v), v
    for v in ["jane.doe at example dot com", "@handle", "user@localhost", "a@b.c"]:
        assert not rx.search(v), v


def test_context_words_follow_a_replaced_context_list() -> None:
    from classification.recognizers.contact.email_address import EmailAddressRecognizer

    rec = EmailAddressRecognizer()
    assert rec.context_matches({"email"}) and not rec.context_matches({"inbox"})
    rec.context = ["Inbox "]
    assert rec.context_matches({"inbox"}) and not rec.context_matches({"email"})
