"""Least privilege proven against a real OpenBao server: each refusal comes from the server."""

from __future__ import annotations

import stat
from pathlib import Path

import hvac
import pytest

from governance.errors import AccessDeniedError, AuthenticationError
from governance.keys.bootstrap import admin_client, bootstrap, role_policies
from governance.keys.vault import VaultKeyProvider, approle_credentials, key_names
from tests.fixtures.openbao import OpenBao


def test_bootstrap_twice_keeps_keys_and_creates_every_role(openbao: OpenBao) -> None:
    again = bootstrap(admin_client(openbao.settings(), openbao.root_token), openbao.settings())
    assert again.created_keys == []
    assert sorted(again.existing_keys) == sorted(key_names("lakewarden-kek").values())
    assert sorted(again.credentials) == ["classifier", "eraser", "protector", "revealer"]
    openbao.roles = again  # fresh secret ids are as good as the first ones


def test_protector_is_refused_decryption_by_the_server(openbao: OpenBao) -> None:
    protector = openbao.provider("protector")
    revealer = openbao.provider("revealer")
    wrapped_subject = protector.wrap("subject", [b"s" * 32])
    wrapped_enc = protector.wrap_public([b"e" * 32])
    with pytest.raises(AccessDeniedError, match="role 'protector' is not permitted to unwrap subject keys"):
        protector.unwrap("subject", wrapped_subject)
    with pytest.raises(AccessDeniedError, match="role 'protector' is not permitted to unwrap encrypt keys"):
        protector.unwrap("encrypt", wrapped_enc)
    # the same ciphertexts are readable by the revealer: the refusal is the policy, not a bad ciphertext
    assert revealer.unwrap("subject", wrapped_subject) == [b"s" * 32]
    assert revealer.unwrap("encrypt", wrapped_enc) == [b"e" * 32]


def test_classifier_is_refused_every_transit_call(openbao: OpenBao) -> None:
    classifier = openbao.provider("classifier")
    names = key_names("lakewarden-kek")
    calls = [
        ("POST", f"transit/datakey/plaintext/{names['data']}", {"bits": 256}),
        ("POST", f"transit/encrypt/{names['data']}", {"plaintext": "eA=="}),
        ("POST", f"transit/decrypt/{names['data']}", {"ciphertext": "vault:v1:AAAA"}),
        ("POST", f"transit/encrypt/{names['subject']}", {"plaintext": "eA=="}),
        ("POST", f"transit/decrypt/{names['encrypt']}", {"ciphertext": "vault:v1:AAAA"}),
        ("POST", f"transit/hmac/{names['index']}", {"input": "eA=="}),
        ("POST", f"transit/rewrap/{names['data']}", {"ciphertext": "vault:v1:AAAA"}),
        ("GET", f"transit/keys/{names['encrypt']}", None),
        ("GET", "transit/keys", None),
    ]
    for method, path, body in calls:
        with pytest.raises(AccessDeniedError, match="role 'classifier' is not permitted"):
            if method == "POST":
                classifier.raw_post(path, body)
            else:
                classifier.raw_get(path)
    with pytest.raises(AccessDeniedError):
        classifier.generate_data_key(bits=256)


def test_eraser_may_only_compute_subject_references(openbao: OpenBao) -> None:
    eraser = openbao.provider("eraser")
    protector = openbao.provider("protector")
    assert eraser.subject_refs(["c1", "c2"]) == protector.subject_refs(["c1", "c2"])
    with pytest.raises(AccessDeniedError, match="role 'eraser'"):
        eraser.unwrap("subject", protector.wrap("subject", [b"k" * 32]))
    with pytest.raises(AccessDeniedError, match="role 'eraser'"):
        eraser.generate_data_key(bits=256)


def test_wrong_secret_id_is_refused_with_an_error_naming_the_role(openbao: OpenBao) -> None:
    assert openbao.roles is not None
    good = openbao.roles.credentials["protector"]
    bad = VaultKeyProvider(openbao.settings(), role="protector", role_id=good.role_id, secret_id="not-the-secret")
    with pytest.raises(AuthenticationError, match="role 'protector': AppRole login .* refused"):
        bad.generate_data_key(bits=256)


def test_credentials_of_another_role_are_refused_naming_the_expected_role(openbao: OpenBao) -> None:
    assert openbao.roles is not None
    c = openbao.roles.credentials["protector"]
    as_revealer = VaultKeyProvider(openbao.settings(), role="revealer", role_id=c.role_id, secret_id=c.secret_id)
    with pytest.raises(AuthenticationError, match="role 'revealer'.*lakewarden-revealer"):
        as_revealer.check()


def test_expired_token_is_replaced_by_a_new_login(openbao: OpenBao) -> None:
    p = openbao.provider("protector")
    p.check()
    hvac.Client(url=openbao.url, token=openbao.root_token).auth.token.revoke(p._client.token)
    key, wrapped = p.generate_data_key(bits=256)  # 403 -> token invalid -> login again -> retry
    assert len(key) == 32 and wrapped.startswith("vault:v")
    assert p.logins == 2


def test_expired_token_without_valid_secret_id_names_the_role(openbao: OpenBao) -> None:
    admin = hvac.Client(url=openbao.url, token=openbao.root_token)
    role_id = admin.auth.approle.read_role_id("lakewarden-protector")["data"]["role_id"]
    secret = admin.auth.approle.generate_secret_id("lakewarden-protector")["data"]["secret_id"]
    p = VaultKeyProvider(openbao.settings(), role="protector", role_id=role_id, secret_id=secret)
    p.check()
    admin.auth.approle.destroy_secret_id("lakewarden-protector", secret)
    admin.auth.token.revoke(p._client.token)
    with pytest.raises(AuthenticationError, match="role 'protector'"):
        p.generate_data_key(bits=256)


def test_token_is_renewed_when_a_third_of_its_ttl_is_left(openbao: OpenBao) -> None:
    p = openbao.provider("protector")
    p.check()
    assert 0 < p.token_accessor_ttl <= 15 * 60
    p._expires_at -= p._ttl * 0.8  # pretend most of the TTL has passed
    p.generate_data_key(bits=256)
    assert p.renewals == 1 and p.logins == 1
    assert p.token_accessor_ttl > 15 * 60 * 0.5


def test_transit_batches_stay_within_200_items(openbao: OpenBao, monkeypatch: pytest.MonkeyPatch) -> None:
    p = openbao.provider("protector")
    sizes: list[int] = []
    original = p._post

    def spy(what: str, endpoint: str, key: str, body: dict) -> dict:  # type: ignore[type-arg]
        sizes.append(len(body.get("batch_input", [])))
        return original(what, endpoint, key, body)  # type: ignore[arg-type]

    monkeypatch.setattr(p, "_post", spy)
    wrapped = p.wrap("subject", [bytes([i % 256]) * 32 for i in range(450)])
    assert len(wrapped) == 450 and sizes == [200, 200, 50]


def test_bootstrap_credentials_files_are_private_and_found_by_role(openbao: OpenBao, tmp_path: Path) -> None:
    folder = tmp_path / "approle"
    report = bootstrap(admin_client(openbao.settings(), openbao.root_token), openbao.settings(), credentials_dir=str(folder))
    openbao.roles = report
    for f in report.credential_files:
        assert stat.S_IMODE(Path(f).stat().st_mode) == 0o600
    s = openbao.settings(role_id_file=str(folder / "revealer.role_id"), secret_id_file=str(folder / "revealer.secret_id"))
    role_id, secret_id, source = approle_credentials(s, "revealer", environ={})
    assert role_id == report.credentials["revealer"].role_id and source.endswith("revealer.role_id")
    VaultKeyProvider.for_role(s, "revealer", environ={}).check()
    assert "secret" not in repr(report.credentials["revealer"]).replace("secret_id=<hidden>", "")


def test_policies_grant_no_decrypt_to_protector_and_nothing_to_classifier(openbao: OpenBao) -> None:
    pols = role_policies(openbao.settings())
    assert "transit/" not in pols["classifier"]
    assert 'transit/decrypt/lakewarden-kek-subject"' not in pols["protector"]
    assert 'transit/decrypt/lakewarden-kek-encrypt"' not in pols["protector"]
    assert 'transit/decrypt/lakewarden-kek-encrypt"' in pols["revealer"]
