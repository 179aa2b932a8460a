"""The local keyring provider and the key manager on top of it (no Spark, no server)."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from governance.config import Settings
from governance.errors import AccessDeniedError, KeyFileError
from governance.keys.base import NoKeyAccess, chunks, wrapped_version
from governance.keys.local import LocalKeyProvider, parse_master_key
from governance.keys.manager import KeyManager, key_tables, open_provider

MASTER = os.urandom(32)


def provider(tmp_path: Path, master: bytes = MASTER) -> LocalKeyProvider:
    return LocalKeyProvider(keyring_path=str(tmp_path / "keyring.json"), master_key=master)


def test_keyring_is_created_owner_only_and_holds_no_plain_key(tmp_path: Path) -> None:
    p = provider(tmp_path)
    key, wrapped = p.generate_data_key(bits=512)
    path = tmp_path / "keyring.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64 and wrapped.startswith("local:v1:")
    assert p.unwrap("data", [wrapped]) == [key]
    text = path.read_bytes()
    assert base64.b64encode(key) not in text and b"PRIVATE KEY" not in text


def test_keyring_readable_by_others_is_refused(tmp_path: Path) -> None:
    provider(tmp_path).check()
    os.chmod(tmp_path / "keyring.json", 0o644)
    with pytest.raises(KeyFileError, match="accessible by group or others .*chmod 600"):
        provider(tmp_path).check()


def test_wrong_master_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    provider(tmp_path).check()
    other = os.urandom(32)
    with pytest.raises(KeyFileError, match="wrong master key or the file was tampered") as exc:
        provider(tmp_path, other).check()
    assert base64.b64encode(other).decode() not in str(exc.value)


def test_master_key_must_be_32_bytes_and_message_names_only_the_variable() -> None:
    assert parse_master_key(base64.b64encode(MASTER).decode(), env="X") == MASTER
    assert parse_master_key(MASTER.hex(), env="X") == MASTER
    with pytest.raises(KeyFileError, match=r"\$LW_KEY must be 32 bytes") as exc:
        parse_master_key("c2hvcnQ=", env="LW_KEY")
    assert "c2hvcnQ" not in str(exc.value)


def test_rotate_then_rewrap_moves_keys_to_the_new_version(tmp_path: Path) -> None:
    p = provider(tmp_path)
    keys = [os.urandom(32) for _ in range(3)]
    old = p.wrap("subject", keys)
    assert p.rotate_kek("subject") == 2
    new = p.rewrap("subject", old)
    assert [wrapped_version(w) for w in new] == [2, 2, 2]
    assert p.unwrap("subject", new) == keys and p.unwrap("subject", old) == keys


def test_public_wrap_is_unwrapped_only_with_the_private_half(tmp_path: Path) -> None:
    p = provider(tmp_path)
    key = os.urandom(32)
    (w,) = p.wrap_public([key])
    assert w.startswith("local:v1:")
    assert p.unwrap("encrypt", [w]) == [key]


def test_subject_refs_are_stable_and_do_not_show_the_subject(tmp_path: Path) -> None:
    p = provider(tmp_path)
    a, b = p.subject_refs(["cust-1", "cust-2"])
    assert a != b and p.subject_refs(["cust-1"]) == [a] and "cust" not in a


def test_no_key_access_provider_denies_everything() -> None:
    p = NoKeyAccess(role="classifier")
    with pytest.raises(AccessDeniedError, match="role 'classifier'"):
        p.generate_data_key(bits=256)
    with pytest.raises(AccessDeniedError):
        p.unwrap("data", ["local:v1:AA=="])


def test_chunks_never_exceed_200() -> None:
    assert [len(c) for c in chunks([str(i) for i in range(401)])] == [200, 200, 1]


def test_open_provider_without_master_key_says_which_variable(tmp_path: Path) -> None:
    s = Settings.model_validate({"lake": {"root": str(tmp_path)}})
    with pytest.raises(KeyFileError, match=r"\$LAKEWARDEN_MASTER_KEY"):
        open_provider(s, "protector", environ={})


def _manager(tmp_path: Path) -> KeyManager:
    s = Settings.model_validate({"lake": {"root": str(tmp_path)}})
    env = {"LAKEWARDEN_MASTER_KEY": base64.b64encode(MASTER).decode()}
    return KeyManager(open_provider(s, "protector", environ=env), key_tables(s))


def test_domain_keys_are_created_once_and_rotated(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    assert km.ensure_domain_key("pii", "tok") == 1
    assert km.ensure_domain_key("pii", "tok") == 1
    k1 = km.domain_keys([("tok", "pii", 1)])[("tok", "pii", 1)]
    assert km.rotate("pii") == {"tok": 2, "hsh": 1}
    again = _manager(tmp_path)  # a new job reads the key table
    assert again.latest_version("pii", "tok") == 2
    assert again.domain_keys([("tok", "pii", 1)])[("tok", "pii", 1)] == k1
    assert "wrapped" not in repr(again.tables.key_rows()[0])


def test_destroy_subjects_removes_their_keys_from_every_file(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    k1 = km.new_subject_keying(["alice", "bob"])
    first = {s: k1.key_of(s) for s in ("alice", "bob")}
    k2 = km.new_subject_keying(["alice", "carol"])
    second = {s: k2.key_of(s) for s in ("alice", "carol")}
    rows = km.tables.subject_rows()
    assert len(rows) == 4
    (ref,) = km.provider.subject_refs(["alice"])
    doomed = [r.wrapped for r in rows if r.subject_ref == ref]
    dry = km.destroy_subjects(["alice"])
    assert dry.dry_run and dry.keys == 2 and len(km.tables.subject_rows()) == 4
    rep = km.destroy_subjects(["alice"], dry_run=False)
    assert rep.keys == 2 and "destroyed 2 key(s) of 1 subject(s)" in rep.statement()
    left = km.subject_keys([first["alice"][0], second["alice"][0], first["bob"][0], second["carol"][0]])
    assert set(left) == {first["bob"][0], second["carol"][0]}
    for f in Path(km.tables.subject_keys_path).rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert not any(w.split(":")[2][:24].encode() in data for w in doomed), f


def test_encrypt_keys_unwrap_by_id(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    key_id, key = km.new_encrypt_key("finance")
    fresh = _manager(tmp_path)
    assert fresh.encrypt_keys([key_id, "e-unknown"]) == {key_id: key}
    assert fresh.encrypt_key_domain(key_id) == "finance"
