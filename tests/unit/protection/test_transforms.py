"""Protection transforms and the value format (pure Python)."""

from __future__ import annotations

import os
import pickle

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from governance.errors import InputError
from governance.protection.codec import is_protected, parse_value, spark_type, type_code
from governance.protection.transforms import (
    EncryptTransform,
    HashTransform,
    MaskTransform,
    Reencryptor,
    Revealer,
    SubjectKeying,
    SubjectTransform,
    TokenTransform,
    b64d,
    token_aad,
)

K64 = os.urandom(64)
K32 = os.urandom(32)


def test_tokens_are_deterministic_joinable_and_prefixed() -> None:
    t = TokenTransform("pii", 1, K64, "s")
    a, b, c = t.apply(["a@x.test", "a@x.test", "b@x.test"])
    assert a == b != c
    assert a is not None and a.startswith("lw1:tok:pii.1:s:") and is_protected(a)


def test_token_associated_data_names_the_domain() -> None:
    tok = TokenTransform("pii", 1, K64, "s").apply(["v"])[0]
    other = TokenTransform("finance", 1, K64, "s").apply(["v"])[0]
    assert tok is not None and other is not None
    assert tok.split(":")[-1] != other.split(":")[-1]  # same key, different domain -> different token
    raw = b64d(tok.split(":", 4)[4])
    assert AESSIV(K64).decrypt(raw, [token_aad("pii")]) == b"v"
    with pytest.raises(Exception):
        AESSIV(K64).decrypt(raw, [token_aad("finance")])


def test_nulls_stay_null_and_protected_values_are_never_protected_twice() -> None:
    t = TokenTransform("pii", 1, K64, "s")
    once = t.apply(["x", None])
    assert once[1] is None
    assert t.apply(once) == once
    for other in (EncryptTransform("e1", K32, "s"), HashTransform("pii", 1, K32, "s"), MaskTransform(0, 4, "*", "s")):
        assert other.apply(once) == once


def test_encryption_is_randomized_and_reveals() -> None:
    e = EncryptTransform("e1", K32, "i")
    a, b = e.apply(["42", "42"])
    assert a != b and a is not None and a.startswith("lw1:enc:e1:i:")
    r = Revealer({}, {"e1": K32}, {})
    assert r.apply([a, b, None]) == ["42", "42", None]
    assert r.counts.revealed == 2


def test_type_code_is_bound_to_ciphertext() -> None:
    v = EncryptTransform("e1", K32, "i").apply(["42"])[0]
    assert v is not None
    forged = v.replace(":i:", ":s:", 1)
    r = Revealer({}, {"e1": K32}, {})
    assert r.apply([forged]) == [None] and r.counts.failed == 1


def test_per_subject_values_become_unreadable_when_the_subject_key_is_gone() -> None:
    keying = SubjectKeying(secret=os.urandom(32))
    t = SubjectTransform(keying, "s")
    a, b = t.apply(["note a", "note b"], ["alice", "bob"])
    a_id, _ = keying.key_of("alice")
    b_id, b_key = keying.key_of("bob")
    assert a is not None and a.startswith(f"lw1:sub:{a_id}:s:") and a_id != b_id
    r = Revealer({}, {}, {b_id: b_key})
    assert r.apply([a, b]) == [None, "note b"]
    assert r.counts.shredded == 1 and r.counts.revealed == 1
    with pytest.raises(ValueError, match="subject column is NULL"):
        t.apply(["x"], [None])


def test_subject_keys_are_one_per_identity_within_a_pass_and_new_in_the_next() -> None:
    first, second = SubjectKeying(secret=os.urandom(32)), SubjectKeying(secret=os.urandom(32))
    assert first.key_of("alice") == first.key_of("alice")
    assert first.key_of("alice") != first.key_of("bob")
    assert first.key_of("alice")[0] != second.key_of("alice")[0] and first.key_of("alice")[1] != second.key_of("alice")[1]
    ids = {first.key_of(str(i))[0] for i in range(20_000)}
    assert len(ids) == 20_000 and all(len(i) == 20 and i.startswith("s") for i in ids)


def test_a_tokenized_subject_gets_the_key_of_its_plaintext_identity() -> None:
    tok = TokenTransform("pii", 3, K64, "s")
    (token,) = tok.apply(["alice"])
    assert token is not None
    keying = SubjectKeying(secret=os.urandom(32), token_keys={"pii.3": K64})
    assert keying.apply([token, "alice", None]) == ["alice", "alice", None]
    enc_tok, enc_plain = SubjectTransform(keying, "s").apply(["n1", "n2"], [token, "alice"])
    assert enc_tok is not None and enc_plain is not None
    assert enc_tok.split(":")[2] == enc_plain.split(":")[2] == keying.key_of("alice")[0]
    blind = SubjectKeying(secret=os.urandom(32))
    assert blind.apply([token]) == [None]
    with pytest.raises(ValueError, match="cannot be detokenized"):
        SubjectTransform(blind, "s").apply(["n1"], [token])


def test_subject_transform_pickles_as_one_secret_whatever_the_number_of_subjects() -> None:
    keying = SubjectKeying(secret=os.urandom(32))
    t = SubjectTransform(keying, "s")
    before = len(pickle.dumps(t))
    t.apply(["v"] * 5000, [str(i) for i in range(5000)])
    after = pickle.loads(pickle.dumps(t))
    assert len(pickle.dumps(t)) == before < 1000
    (v,) = after.apply(["note"], ["42"])
    assert v is not None and v.split(":")[2] == keying.key_of("42")[0]
    assert "secret" not in repr(t) and keying.secret.hex() not in repr(t)


def test_hash_is_keyed_and_irreversible() -> None:
    h = HashTransform("pii", 1, K32, "s")
    a, b = h.apply(["123-45-6789", "123-45-6789"])
    assert a == b and a is not None and a.startswith("lw1:hsh:pii.1:s:")
    assert HashTransform("pii", 1, os.urandom(32), "s").apply(["123-45-6789"])[0] != a
    r = Revealer({}, {}, {})
    assert r.apply([a]) == [None] and r.counts.irreversible == 1


def test_mask_keeps_shape_and_last_digits() -> None:
    m = MaskTransform(0, 4, "*", "s")
    assert m.apply(["4111-1111-1111-1234"]) == ["lw1:msk:-:s:****-****-****-1234"]
    assert MaskTransform(1, 2, "#", "s").apply(["AB12"]) == ["lw1:msk:-:s:A#12"]
    assert MaskTransform(0, 0, "x", "s").apply(["ab-c"]) == ["lw1:msk:-:s:xx-x"]


def test_transforms_pickle_without_ciphers_and_never_show_keys() -> None:
    t = TokenTransform("pii", 3, K64, "l")
    t2 = pickle.loads(pickle.dumps(t))
    assert t2.apply(["7"]) == t.apply(["7"])
    for obj in (t, EncryptTransform("e", K32, "s"), Revealer({"pii.1": K64}, {}, {})):
        assert K64.hex() not in repr(obj) and "keys hidden" in repr(obj)


def test_reencryptor_moves_tokens_to_the_newest_version_and_keeps_values() -> None:
    k1, k2, ke_old, ke_new = os.urandom(64), os.urandom(64), os.urandom(32), os.urandom(32)
    old_tok = TokenTransform("pii", 1, k1, "s").apply(["a", "b"])
    old_enc = EncryptTransform("eOld", ke_old, "m10.2").apply(["1.50"])
    rev = Revealer({"pii.1": k1}, {"eOld": ke_old}, {})
    re = Reencryptor(rev, {"pii": (2, k2)}, ("eNew", ke_new))
    out = re.apply([*old_tok, *old_enc, None])
    assert out[0] == TokenTransform("pii", 2, k2, "s").apply(["a"])[0]
    assert out[2] is not None and out[2].startswith("lw1:enc:eNew:m10.2:") and out[3] is None
    assert Revealer({"pii.2": k2}, {"eNew": ke_new}, {}).apply(out[:3]) == ["a", "b", "1.50"]
    with pytest.raises(ValueError, match="could not be decrypted"):
        Reencryptor(Revealer({}, {}, {}), {"pii": (2, k2)}, None).apply(old_tok)


def test_type_codes_round_trip_and_reject_nested_types() -> None:
    for t in ("string", "bigint", "int", "smallint", "tinyint", "double", "float", "boolean", "date", "timestamp",
              "timestamp_ntz", "binary", "decimal(18,4)"):
        assert spark_type(type_code(t)) == t
    with pytest.raises(InputError):
        type_code("array<int>")
    with pytest.raises(InputError, match="not in the lw1"):
        parse_value("hello")
    p = parse_value("lw1:tok:pii.2:m10.2:abc")
    assert (p.kind, p.keyref, p.type_code, p.payload) == ("tok", "pii.2", "m10.2", "abc")
    assert not is_protected("lw1:xyz:pii.1:s:abc") and not is_protected(None)
