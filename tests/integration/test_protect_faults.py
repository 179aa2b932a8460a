"""Faults: key server stopped mid-job, wrong credentials, and no secret in logs, errors or the audit log."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from governance.errors import LakewardenError
from governance.keys.manager import KeyManager, key_tables
from governance.keys.vault import VaultKeyProvider
from governance.protection.reveal import reveal
from tests.fixtures.openbao import OpenBao, VaultLake, role_environment, start_openbao, write_lake_config
from tests.integration.test_protect_vault import CUSTOMERS, customers, policy, write_table  # noqa: F401


@pytest.fixture
def private_bao(tmp_path: Path) -> Iterator[OpenBao]:
    """A second, private OpenBao server this test may freeze or stop."""
    bao = start_openbao(tmp_path / "private-bao")
    try:
        bao.bootstrap()
        yield bao
    finally:
        bao.stop()


@pytest.fixture
def private_lake(private_bao: OpenBao, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> VaultLake:
    root = tmp_path / "plake"
    root.mkdir()
    for k, v in role_environment(private_bao).items():
        monkeypatch.setenv(k, v)
    return VaultLake(root=root, config=write_lake_config(root, private_bao, timeout_s=2.0), bao=private_bao, capsys=capsys)


def test_key_server_stopped_mid_job_commits_nothing_and_a_rerun_completes(
    spark: Any, private_lake: VaultLake, policy: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    path = private_lake.path("customers")
    write_table(spark, path, customers(6), CUSTOMERS)
    before = sorted(map(tuple, spark.read.format("delta").load(path).collect()))
    original_wrap = VaultKeyProvider.wrap
    calls: list[int] = []

    def freeze_then_wrap(self: VaultKeyProvider, kek: Any, keys: Any) -> list[str]:
        calls.append(1)
        private_lake.bao.freeze()  # the server stops answering in the middle of the job
        return original_wrap(self, kek, keys)

    monkeypatch.setattr(VaultKeyProvider, "wrap", freeze_then_wrap)
    try:
        rc, _, err = private_lake.cli("protect", path, "--policy", policy, "--apply")
    finally:
        private_lake.bao.thaw()
    assert calls and rc == 75 and "unreachable" in err and "retry" in err
    assert DeltaTable(path).version() == 0
    assert sorted(map(tuple, spark.read.format("delta").load(path).collect())) == before
    monkeypatch.setattr(VaultKeyProvider, "wrap", original_wrap)
    rc, _, err = private_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 0, err
    assert DeltaTable(path).version() == 1
    km = KeyManager.from_settings(private_lake.settings, "revealer")
    res = reveal(spark, km, path, columns=["notes"], limit=None)
    assert sorted(r["notes"] for r in res.rows) == sorted(r[4] for r in customers(6))


def test_key_server_down_fails_as_transient_before_any_commit(spark: Any, private_lake: VaultLake, policy: str) -> None:  # noqa: F811
    path = private_lake.path("customers")
    write_table(spark, path, customers(3), CUSTOMERS)
    private_lake.bao.stop()
    rc, _, err = private_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 75 and "unreachable" in err
    assert DeltaTable(path).version() == 0


def test_wrong_secret_id_fails_naming_the_role_before_any_commit(spark: Any, vault_lake: VaultLake, policy: str,  # noqa: F811
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(3), CUSTOMERS)
    monkeypatch.setenv("LAKEWARDEN_VAULT_PROTECTOR_SECRET_ID", "00000000-0000-0000-0000-000000000000")
    rc, _, err = vault_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 8 and "role 'protector'" in err and "refused" in err
    assert DeltaTable(path).version() == 0
    monkeypatch.setenv("LAKEWARDEN_VAULT_REVEALER_SECRET_ID", "wrong")
    rc, _, err = vault_lake.cli("reveal", path, "--columns", "email", "--reason", "test wrong token")
    assert rc == 8 and "role 'revealer'" in err


def _encodings(secret: bytes) -> list[bytes]:
    return [secret, secret.hex().encode(), base64.b64encode(secret), base64.urlsafe_b64encode(secret).rstrip(b"="),
            base64.b64encode(secret).rstrip(b"=")[:20]]


def test_no_key_bytes_or_plaintext_in_logs_errors_or_audit(spark: Any, vault_lake: VaultLake, policy: str,  # noqa: F811
                                                          caplog: pytest.LogCaptureFixture,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    path = vault_lake.path("customers")
    rows = customers(6)
    write_table(spark, path, rows, CUSTOMERS)
    said: list[str] = []
    for args in (["protect", path, "--policy", policy], ["protect", path, "--policy", policy, "--apply", "--purge-history"],
                 ["keys", "status", path], ["--debug", "protect", path, "--policy", policy, "--apply"]):
        rc, out, err = vault_lake.cli(*args)
        assert rc == 0, err
        said += [out, err]
    rc, out, err = vault_lake.cli("reveal", path, "--columns", "email,notes,iban", "--reason", "secret grep test")
    assert rc == 0
    said.append(err)  # stdout of reveal is the plaintext the revealer asked for
    errors: list[str] = []
    monkeypatch.setenv("LAKEWARDEN_VAULT_REVEALER_ROLE_ID", vault_lake.bao.roles.credentials["protector"].role_id)  # type: ignore[union-attr]
    monkeypatch.setenv("LAKEWARDEN_VAULT_REVEALER_SECRET_ID", vault_lake.bao.roles.credentials["protector"].secret_id)  # type: ignore[union-attr]
    rc, out, err = vault_lake.cli("reveal", path, "--columns", "notes", "--reason", "denied try")
    assert rc == 8 and "role 'revealer'" in err
    assert '"action": "reveal_denied"' in vault_lake.audit_text()  # a refused attempt is audited too
    said += [out, err]
    protector = KeyManager.from_settings(vault_lake.settings, "protector")
    try:
        reveal(spark, protector, path, columns=["iban", "notes"])
    except LakewardenError as exc:
        errors.append(str(exc))
        errors.append(repr(exc))
    assert errors
    monkeypatch.delenv("LAKEWARDEN_VAULT_REVEALER_ROLE_ID")
    monkeypatch.delenv("LAKEWARDEN_VAULT_REVEALER_SECRET_ID")
    for k, v in role_environment(vault_lake.bao).items():
        monkeypatch.setenv(k, v)
    # every key the lake uses, unwrapped by the revealer
    km = KeyManager.from_settings(vault_lake.settings, "revealer")
    tables = key_tables(vault_lake.settings)
    secrets: list[bytes] = []
    secrets += list(km.domain_keys([(r.kind, r.domain, r.version) for r in tables.key_rows() if r.kind in ("tok", "hsh")]).values())  # type: ignore[misc]
    secrets += list(km.encrypt_keys([r.key_id for r in tables.key_rows() if r.kind == "enc"]).values())
    secrets += list(km.subject_keys([r.key_id for r in tables.subject_rows()]).values())
    assert len(secrets) >= 6
    haystack = "\n".join(said + errors + [caplog.text, vault_lake.audit_text(), repr(km), repr(protector)]).encode()
    for s in secrets:
        for enc in _encodings(s):
            assert enc not in haystack
    plaintext = [v for r in rows for v in (r[0], r[1], r[2], r[4]) if v]
    for p in plaintext:
        assert p.encode() not in haystack, p
    for p in plaintext:  # nor anywhere in the lake's files (table, key tables, audit)
        for f in vault_lake.root.rglob("*"):
            if f.is_file():
                assert p.encode() not in f.read_bytes(), (p, f)
