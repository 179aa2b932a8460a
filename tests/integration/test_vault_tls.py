"""TLS to the key server: a real OpenBao listener with its own CA, a certificate for another name, and
client certificates required; plaintext HTTP to another machine is refused at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.config import VaultSettings, load_settings
from governance.errors import ConfigError, KeyServerTLSError
from governance.keys.vault import VaultKeyProvider
from tests.fixtures.openbao_tls import TlsOpenBao

pytest_plugins = ["tests.fixtures.openbao_tls"]


def _provider(t: TlsOpenBao, **tls: object) -> VaultKeyProvider:
    assert t.bao.roles is not None
    c = t.bao.roles.credentials["protector"]
    settings = VaultSettings(url=t.tls_url, timeout_s=10.0, **tls)  # type: ignore[arg-type]
    return VaultKeyProvider(settings, role="protector", role_id=c.role_id, secret_id=c.secret_id)


def test_mutual_tls_with_the_servers_ca_and_name_works(openbao_tls: TlsOpenBao) -> None:
    f = openbao_tls.files
    p = _provider(openbao_tls, ca_cert=str(f.ca), client_cert=str(f.client_cert), client_key=str(f.client_key),
                  tls_server_name="bao.test")
    key, wrapped = p.generate_data_key(bits=256)
    assert len(key) == 32 and wrapped.startswith(("vault:", "bao:"))


def test_an_untrusted_server_certificate_is_refused_naming_ca_cert(openbao_tls: TlsOpenBao) -> None:
    f = openbao_tls.files
    p = _provider(openbao_tls, ca_cert=str(f.other_ca), client_cert=str(f.client_cert), client_key=str(f.client_key),
                  tls_server_name="bao.test")
    with pytest.raises(KeyServerTLSError, match=r"not signed by a trusted CA \(set keys.vault.ca_cert\)") as exc:
        p.generate_data_key(bits=256)
    assert not exc.value.transient


def test_a_certificate_for_another_name_is_refused_naming_tls_server_name(openbao_tls: TlsOpenBao) -> None:
    f = openbao_tls.files
    p = _provider(openbao_tls, ca_cert=str(f.ca), client_cert=str(f.client_cert), client_key=str(f.client_key))
    with pytest.raises(KeyServerTLSError, match=r"tls_server_name"):
        p.generate_data_key(bits=256)


def test_without_a_client_certificate_the_server_refuses(openbao_tls: TlsOpenBao) -> None:
    p = _provider(openbao_tls, ca_cert=str(openbao_tls.files.ca), tls_server_name="bao.test")
    with pytest.raises(KeyServerTLSError, match=r"client certificate"):
        p.generate_data_key(bits=256)


def test_plaintext_http_to_another_machine_is_refused_at_load_with_file_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "lw.yaml"
    cfg.write_text("keys:\n  provider: vault\n  vault:\n    url: http://vault.bank.internal:8200\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lw\.yaml.*keys\.vault.*clear text.*https://.*allow_plaintext") as exc:
        load_settings(cfg, environ={})
    assert exc.value.exit_code == 3
    cfg.write_text("keys:\n  vault:\n    url: http://vault.bank.internal:8200\n    allow_plaintext: true\n", encoding="utf-8")
    assert load_settings(cfg, environ={}).keys.vault.allow_plaintext
    for loopback in ("http://127.0.0.1:8200", "http://localhost:8200", "http://[::1]:8200"):
        assert VaultSettings(url=loopback).url == loopback


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    from governance.keys.vault import vault_client

    with pytest.raises(ConfigError, match=r"keys.vault.ca_cert: file .*nope.pem does not exist"):
        vault_client(VaultSettings(url="https://127.0.0.1:8200", ca_cert=str(tmp_path / "nope.pem")))


def test_openbao_dev_tls_with_its_own_generated_ca(tmp_path: Path) -> None:
    """``bao server -dev -dev-tls``: the server makes its CA and certificate; the CA file is all a job needs."""
    import secrets
    import subprocess
    import time

    import requests

    from governance.keys.bootstrap import admin_client, bootstrap
    from tests.fixtures.openbao import _free_port, bao_binary

    port, token = _free_port(), "root-" + secrets.token_hex(8)
    log = open(tmp_path / "bao.log", "wb")
    proc = subprocess.Popen([bao_binary(), "server", "-dev", "-dev-tls", f"-dev-tls-cert-dir={tmp_path}",
                             f"-dev-listen-address=127.0.0.1:{port}", f"-dev-root-token-id={token}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        ca = tmp_path / "vault-ca.pem"
        deadline = time.monotonic() + 30
        while True:
            try:
                if ca.exists() and requests.get(f"https://127.0.0.1:{port}/v1/sys/health", verify=str(ca), timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "bao.log").read_text()[-2000:]
            time.sleep(0.2)
        settings = VaultSettings(url=f"https://127.0.0.1:{port}", ca_cert=str(ca))
        roles = bootstrap(admin_client(settings, token), settings)
        c = roles.credentials["protector"]
        p = VaultKeyProvider(settings, role="protector", role_id=c.role_id, secret_id=c.secret_id)
        key, _ = p.generate_data_key(bits=256)
        assert len(key) == 32
        with pytest.raises(KeyServerTLSError, match="ca_cert"):  # the same server without its CA: refused
            VaultKeyProvider(VaultSettings(url=settings.url), role="protector", role_id=c.role_id,
                             secret_id=c.secret_id).generate_data_key(bits=256)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
