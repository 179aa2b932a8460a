"""Identifier parsing, normalization, keyed hashes and free-text candidates (no Spark)."""

from __future__ import annotations

import os

import pytest

from governance.errors import InputError
from retention.erasure.identifiers import Hasher, candidates, normalize, parse_subject, text_matches


def test_entity_and_column_keys_are_told_apart() -> None:
    ids = parse_subject(["EMAIL_ADDRESS=Jane@X.com", "customer_id=42", "US_SSN=123-45-6789"])
    assert [(i.key, i.is_entity, i.kind) for i in ids] == [
        ("EMAIL_ADDRESS", True, "email"), ("customer_id", False, "text"), ("US_SSN", True, "compact")]


def test_repr_never_shows_the_value() -> None:
    (i,) = parse_subject(["EMAIL_ADDRESS=jane@x.com"])
    assert "jane" not in repr(i)


@pytest.mark.parametrize("bad,msg", [
    ("jane@x.com", "not KEY=VALUE"), ("EMAIL_ADDRESS=", "empty"), ("EMAIL_ADDRESS=jane", "not an e-mail"),
    ("PHONE_NUMBER=12", "not a phone"), ("bad key=q77", "not an entity or column"),
])
def test_malformed_identifiers_are_refused_without_echoing_the_value(bad: str, msg: str) -> None:
    with pytest.raises(InputError, match=msg) as exc:
        parse_subject([bad])
    value = bad.split("=", 1)[-1]
    assert not value or value not in str(exc.value) or value == bad.split("=", 1)[0]


def test_no_identifier_is_refused() -> None:
    with pytest.raises(InputError, match="at least one"):
        parse_subject([])


def test_normalization_makes_equal_identities_equal() -> None:
    assert normalize(" Jane@X.COM ", "email") == normalize("jane@x.com", "email")
    assert normalize("(415) 555-0199", "phone") == normalize("+1 415 555 0199", "phone") == "4155550199"
    assert normalize("123 45 6789", "compact") == normalize("123-45-6789", "compact")
    assert normalize("  Jane   Doe", "name") == "jane doe"


def test_free_text_candidates_find_embedded_identifiers() -> None:
    text = "Hi, Jane Doe here: mail JANE@X.com or call +1 (415) 555-0199; SSN 123-45-6789"
    assert "jane@x.com" in candidates(text, "email")
    assert "4155550199" in candidates(text, "phone")
    assert "123456789" in candidates(text, "compact")
    assert "jane doe" in candidates(text, "name")


def test_keyed_hash_depends_on_the_key_and_matches_in_text() -> None:
    a, b = Hasher(os.urandom(32)), Hasher(os.urandom(32))
    (i,) = parse_subject(["EMAIL_ADDRESS=jane@x.com"])
    assert a.identifier(i) != b.identifier(i)
    assert len(a.identifier(i)) == 64 and "jane" not in a.identifier(i)
    assert text_matches("please write to Jane@X.com", ["email"], a, {a.identifier(i)})
    assert not text_matches("please write to janet@x.com", ["email"], a, {a.identifier(i)})
    assert "key hidden" in repr(a)


def test_token_hash_uses_ref_and_payload() -> None:
    h = Hasher(os.urandom(32))
    assert text_matches("lw1:tok:pii.1:s:AbC", [], h, {h.token("pii.1", "AbC")})
    assert not text_matches("lw1:tok:pii.2:s:AbC", [], h, {h.token("pii.1", "AbC")})


def test_an_argument_without_equals_is_refused_without_echoing_it() -> None:
    # found by tests/fuzz: the whole argument (often the identifier itself) was quoted in the error
    with pytest.raises(InputError, match=r"subject identifier #2 is not KEY=VALUE") as exc:
        parse_subject(["EMAIL_ADDRESS=a@b.co", "quentin.zorg@example.com"])
    assert "quentin" not in str(exc.value)


def test_a_key_that_is_no_name_is_refused_without_echoing_it() -> None:
    # found by tests/fuzz: text before '=' that is no column name may be part of the identifier
    with pytest.raises(InputError, match=r"#1: the part before '=' is not an entity or column name") as exc:
        parse_subject(["quentin zorg@x=y"])
    assert "quentin" not in str(exc.value)


def test_span_tokens_inside_protected_text_are_token_candidates() -> None:
    from retention.erasure.identifiers import token_candidates

    text = "lw1:spn:pii.1:s:Paid to \u27e6lw1:tok:pii.1:s:AbC-d_e\u27e7 for \u27e6\u27e7 rent, \u27e6lw1:tok:pii.2:s:XyZ\u27e7"
    assert token_candidates(text) == [("pii.1", "AbC-d_e"), ("pii.2", "XyZ")]
    assert token_candidates("lw1:tok:pii.1:s:AbC") == [("pii.1", "AbC")]
    # a span token outside a span-protected value is plain text, not a token of this lake
    assert token_candidates("Paid to \u27e6lw1:tok:pii.1:s:AbC\u27e7") == [] and token_candidates("hello") == []


def test_text_matches_a_subject_named_by_a_span_token_only() -> None:
    h = Hasher(os.urandom(32))
    wanted = {h.token("pii.1", "AbC")}
    assert text_matches("lw1:spn:pii.1:s:Call \u27e6lw1:tok:pii.1:s:AbC\u27e7 today", ["name"], h, wanted)
    assert not text_matches("lw1:spn:pii.1:s:Call \u27e6lw1:tok:pii.1:s:Other\u27e7 today", ["name"], h, wanted)
