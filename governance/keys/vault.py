"""The Vault/OpenBao key provider: hvac against the Transit engine, authenticated by AppRole.

KEKs live in Transit and never leave it (``exportable`` is false). Data keys come from
``transit/datakey/plaintext`` (the job keeps the plaintext in memory, stores the wrapped
form), subject keys are wrapped with ``transit/encrypt`` and unwrapped with
``transit/decrypt`` in batches of at most 200, the subject index is ``transit/hmac``.
Randomized ``encrypt`` actions wrap their data key locally with the *public* half of the
Transit RSA key; only a role allowed ``transit/decrypt`` on that key can unwrap it.

Each job logs in with its own AppRole (role id and secret id from the environment or a
file, never from a config file). Tokens are short-lived: the provider renews its token when
a third of its TTL is left and logs in again when renewal is no longer possible.
Errors never echo server bodies (a batch error body can hold plaintext).
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import hvac
import hvac.exceptions
import requests
import requests.adapters

from governance.config import VaultSettings
from governance.errors import (
    KeyServerTLSError,
    AccessDeniedError,
    AuthenticationError,
    KeyNotFoundError,
    KeyProviderError,
    KeyServerUnavailableError,
)
from governance.keys.base import MAX_BATCH, Kek, KeyProvider, Role, WrapKek

T = TypeVar("T")


def key_names(kek_name: str) -> dict[Kek, str]:
    """Transit key names derived from ``keys.vault.kek_name``."""
    return {
        "data": kek_name,
        "subject": f"{kek_name}-subject",
        "encrypt": f"{kek_name}-encrypt",
        "index": f"{kek_name}-index",
    }


def policy_name(role: str) -> str:
    """Vault policy (and AppRole) name of a Lakewarden job role."""
    return f"lakewarden-{role}"


def _read_secret(role: str, what: str, env_names: list[str], file_name: str | None, environ: dict[str, str]) -> tuple[str, str]:
    for name in env_names:
        value = environ.get(name, "").strip()
        if value:
            return value, f"${name}"
    if file_name:
        p = Path(file_name)
        try:
            value = p.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuthenticationError(f"role '{role}': cannot read the AppRole {what} file {p} ({exc.strerror})") from None
        if value:
            return value, str(p)
    raise AuthenticationError(
        f"role '{role}': no AppRole {what}; set ${env_names[0]} (or ${env_names[-1]}) or keys.vault.{what.replace(' ', '_')}_file"
    )


def approle_credentials(settings: VaultSettings, role: str, environ: dict[str, str] | None = None) -> tuple[str, str, str]:
    """Find ``(role_id, secret_id, source)`` for ``role``.

    Looks at ``LAKEWARDEN_VAULT_<ROLE>_ROLE_ID``/``..._SECRET_ID`` first, then the generic
    variables named in the settings, then the settings' files.

    Raises:
        AuthenticationError: Nothing found (naming the role and where to put it).
    """
    env = dict(os.environ if environ is None else environ)
    up = role.upper()
    role_id, src = _read_secret(role, "role id", [f"LAKEWARDEN_VAULT_{up}_ROLE_ID", settings.role_id_env], settings.role_id_file, env)
    secret_id, _ = _read_secret(role, "secret id", [f"LAKEWARDEN_VAULT_{up}_SECRET_ID", settings.secret_id_env], settings.secret_id_file, env)
    return role_id, secret_id, src


class _ServerNameAdapter(requests.adapters.HTTPAdapter):
    """Checks the server certificate against (and sends SNI for) a name other than the URL's host."""

    def __init__(self, server_name: str) -> None:
        self._server_name = server_name
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._server_name
        kwargs["assert_hostname"] = self._server_name
        super().init_poolmanager(*args, **kwargs)


def tls_failure(settings: VaultSettings, exc: BaseException, what: str) -> str:
    """What failed in the TLS handshake with the key server, and which setting fixes it."""
    text = str(exc)
    low = text.lower()
    if any(w in low for w in ("mismatch", "not valid for", "hostname", "doesn't match")):
        why = "its certificate does not carry the host name (set keys.vault.tls_server_name)"
    elif "certificate_verify_failed" in low or "certificate verify failed" in low:
        why = "its certificate is not signed by a trusted CA (set keys.vault.ca_cert)"
    elif any(w in low for w in ("certificate required", "bad certificate", "unknown ca", "handshake failure",
                                "connection reset", "eof occurred")):
        why = "it requires a client certificate it trusts (set keys.vault.client_cert and client_key)"
    else:
        why = "the TLS handshake failed"
    return f"TLS to key server {settings.url} failed during {what}: {why}; nothing was sent ({text[:300]})"


def vault_client(settings: VaultSettings, *, token: str | None = None) -> hvac.Client:
    """An hvac client for ``settings.url`` with its TLS settings (CA bundle, client certificate, server name).

    Raises:
        ConfigError: A named certificate or key file does not exist.
    """
    from governance.errors import ConfigError

    for what in ("ca_cert", "client_cert", "client_key"):
        f = getattr(settings, what)
        if f is not None and not Path(f).is_file():
            raise ConfigError(f"keys.vault.{what}: file {f} does not exist")
    session = requests.Session()
    if settings.tls_server_name:
        session.mount("https://", _ServerNameAdapter(settings.tls_server_name))
    cert = (settings.client_cert, settings.client_key) if settings.client_cert and settings.client_key else None
    session.verify = settings.ca_cert or True  # hvac leaves a given session's TLS settings as they are
    session.cert = cert
    return hvac.Client(url=settings.url, token=token, timeout=settings.timeout_s, verify=settings.ca_cert or True, cert=cert,
                       session=session)


class VaultKeyProvider(KeyProvider):
    """KEKs in Vault/OpenBao Transit. See the module docstring.

    Args:
        settings: ``keys.vault`` settings.
        role: The job role this provider acts as (named in every error).
        role_id: AppRole role id (with ``secret_id``); or
        token: an existing token (admin/bootstrap use only; not renewed).
    """

    scheme = "vault"

    def __init__(
        self,
        settings: VaultSettings,
        *,
        role: Role,
        role_id: str | None = None,
        secret_id: str | None = None,
        token: str | None = None,
        credential_source: str = "arguments",
    ) -> None:
        super().__init__(role=role)
        self.settings = settings
        self.names = key_names(settings.kek_name)
        self._role_id = role_id
        self._secret_id = secret_id
        self._source = credential_source
        self._client = vault_client(settings)
        self._static = token is not None
        if token is not None:
            self._client.token = token
        elif not (role_id and secret_id):
            raise AuthenticationError(f"role '{role}': AppRole role id and secret id are required")
        self._expires_at = 0.0
        self._ttl = 0.0
        self._renewable = False
        self._logged_in = False
        self._public: tuple[int, bytes] | None = None
        self.logins = 0
        self.renewals = 0

    @classmethod
    def for_role(cls, settings: VaultSettings, role: Role, *, environ: dict[str, str] | None = None) -> "VaultKeyProvider":
        """A provider logged in (lazily) with ``role``'s AppRole credentials from env or file."""
        role_id, secret_id, source = approle_credentials(settings, role, environ)
        return cls(settings, role=role, role_id=role_id, secret_id=secret_id, credential_source=source)

    def describe(self) -> str:
        return f"vault {self.settings.url} transit mount '{self.settings.transit_mount}' as role '{self.role}'"

    # -- token lifecycle ------------------------------------------------------------------
    def _unavailable(self, exc: BaseException, what: str) -> KeyProviderError:
        if isinstance(exc, requests.exceptions.SSLError):
            return KeyServerTLSError(tls_failure(self.settings, exc, what))
        return KeyServerUnavailableError(
            f"key server {self.settings.url} unreachable during {what} (role '{self.role}'): {type(exc).__name__}; retry later"
        )

    def _login(self) -> None:
        try:
            resp = self._client.auth.approle.login(
                role_id=self._role_id, secret_id=self._secret_id, mount_point=self.settings.approle_mount
            )
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, hvac.exceptions.VaultDown) as exc:
            raise self._unavailable(exc, "AppRole login") from None
        except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized, hvac.exceptions.InvalidPath):
            raise AuthenticationError(
                f"role '{self.role}': AppRole login at {self.settings.url} refused: wrong or expired role id / secret id "
                f"(credentials from {self._source})"
            ) from None
        auth = resp["auth"]
        expected = policy_name(self.role)
        if expected not in auth.get("token_policies", []):
            self._client.token = None
            raise AuthenticationError(
                f"role '{self.role}': the AppRole credentials from {self._source} do not carry policy {expected} "
                f"(they carry {sorted(auth.get('token_policies', []))}); use the {self.role} role's credentials"
            )
        self._ttl = float(auth.get("lease_duration") or 0)
        self._expires_at = time.monotonic() + self._ttl
        self._renewable = bool(auth.get("renewable"))
        self._logged_in = True
        self.logins += 1

    def _ensure_token(self) -> None:
        if self._static:
            return
        if not self._logged_in:
            self._login()
            return
        left = self._expires_at - time.monotonic()
        if self._ttl and left < max(self._ttl / 3.0, 2.0):
            if self._renewable and left > 1.0:
                try:
                    resp = self._client.auth.token.renew_self()
                    self._ttl = float(resp["auth"]["lease_duration"])
                    self._expires_at = time.monotonic() + self._ttl
                    self.renewals += 1
                    # Vault caps renewals at token_max_ttl: log in again when the cap is near.
                    if self._ttl >= max(left, 2.0) * 1.01:
                        return
                except (hvac.exceptions.VaultError, requests.exceptions.RequestException):
                    pass
            self._login()

    def _token_valid(self) -> bool:
        try:
            self._client.auth.token.lookup_self()
            return True
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException):
            return False

    def _call(self, what: str, path: str, fn: Callable[[], T]) -> T:
        for attempt in (1, 2):
            self._ensure_token()
            try:
                return fn()
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, hvac.exceptions.VaultDown,
                    hvac.exceptions.BadGateway) as exc:
                raise self._unavailable(exc, what) from None
            except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
                if self._token_valid():
                    raise AccessDeniedError(
                        f"role '{self.role}' is not permitted to {what} ({path}) by policy {policy_name(self.role)}"
                    ) from None
                if self._static or attempt == 2:
                    raise AuthenticationError(
                        f"role '{self.role}': the Vault token is expired or revoked and could not be renewed ({what})"
                    ) from None
                self._logged_in = False  # expired: log in again once with the AppRole
            except hvac.exceptions.InvalidPath:
                raise KeyNotFoundError(f"{path} not found on {self.settings.url} (role '{self.role}'); run `lakewarden keys bootstrap`") from None
            except hvac.exceptions.InvalidRequest as exc:
                raise KeyProviderError(f"key server rejected {what} ({path}) for role '{self.role}': {_batch_errors(exc)}") from None
            except hvac.exceptions.VaultError as exc:
                raise KeyProviderError(f"key server error during {what} ({path}) for role '{self.role}': {type(exc).__name__}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, what: str, endpoint: str, key: Kek, body: dict[str, Any]) -> dict[str, Any]:
        path = f"{self.settings.transit_mount}/{endpoint}/{self.names[key]}"
        resp = self._call(what, path, lambda: self._client.adapter.post(f"/v1/{path}", json=body))
        return dict(resp["data"])

    def _batch(self, what: str, endpoint: str, key: Kek, items: list[dict[str, Any]], field: str, extra: dict[str, Any] | None = None) -> list[str]:
        out: list[str] = []
        for i in range(0, len(items), MAX_BATCH):
            data = self._post(what, endpoint, key, {"batch_input": items[i: i + MAX_BATCH], **(extra or {})})
            results = data["batch_results"]
            bad = [r.get("error") for r in results if r.get("error")]
            if bad:
                raise KeyProviderError(f"key server rejected {len(bad)} item(s) of {what} for role '{self.role}': {bad[0]}")
            out.extend(r[field] for r in results)
        return out

    # -- interface ------------------------------------------------------------------------
    def check(self) -> None:
        self._ensure_token()
        if not self._static:
            try:
                self._client.auth.token.lookup_self()
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                raise self._unavailable(exc, "token lookup") from None

    def generate_data_key(self, *, bits: int) -> tuple[bytes, str]:
        data = self._post("generate a data key", "datakey/plaintext", "data", {"bits": bits})
        return base64.b64decode(data["plaintext"]), str(data["ciphertext"])

    def wrap(self, kek: Literal["data", "subject"], keys: Sequence[bytes]) -> list[str]:
        items = [{"plaintext": base64.b64encode(k).decode()} for k in keys]
        return self._batch(f"wrap {kek} keys", "encrypt", kek, items, "ciphertext")

    def unwrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[bytes]:
        items = [{"ciphertext": w} for w in wrapped]
        return [base64.b64decode(p) for p in self._batch(f"unwrap {kek} keys", "decrypt", kek, items, "plaintext")]

    def rewrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[str]:
        items = [{"ciphertext": w} for w in wrapped]
        return self._batch(f"rewrap {kek} keys", "rewrap", kek, items, "ciphertext")

    def subject_refs(self, subjects: Sequence[str]) -> list[str]:
        items = [{"input": base64.b64encode(s.encode()).decode()} for s in subjects]
        macs = self._batch("compute subject references", "hmac", "index", items, "hmac", {"key_version": 1})
        return [base64.b64decode(m.split(":", 2)[2]).hex()[:32] for m in macs]

    def _read_key(self, key: Kek) -> dict[str, Any]:
        path = f"{self.settings.transit_mount}/keys/{self.names[key]}"
        resp = self._call("read key metadata", path, lambda: self._client.adapter.get(f"/v1/{path}"))
        return dict(resp["data"])

    def public_key_pem(self) -> tuple[int, bytes]:
        if self._public is None:
            data = self._read_key("encrypt")
            v = int(data["latest_version"])
            self._public = (v, str(data["keys"][str(v)]["public_key"]).encode())
        return self._public

    def kek_versions(self) -> dict[str, int]:
        keks: tuple[Kek, ...] = ("data", "subject", "encrypt", "index")
        return {k: int(self._read_key(k)["latest_version"]) for k in keks}

    def rotate_kek(self, kek: WrapKek) -> int:
        path = f"{self.settings.transit_mount}/keys/{self.names[kek]}/rotate"
        self._call("rotate a key-encryption key", path, lambda: self._client.adapter.post(f"/v1/{path}"))
        self._public = None
        return int(self._read_key(kek)["latest_version"])

    def kv_write(self, mount: str, path: str, data: dict[str, Any]) -> None:
        """Write a KV v2 secret (a new version) at ``mount``/``path`` with this role's token."""
        self._call("write a KV secret", f"{mount}/data/{path}",
                   lambda: self._client.secrets.kv.v2.create_or_update_secret(path=path, secret=data, mount_point=mount))

    def kv_read(self, mount: str, path: str) -> dict[str, Any] | None:
        """The latest version of the KV v2 secret at ``mount``/``path`` (None: there is none)."""
        try:
            got = self._call("read a KV secret", f"{mount}/data/{path}",
                             lambda: self._client.secrets.kv.v2.read_secret_version(
                                 path=path, mount_point=mount, raise_on_deleted_version=True))
        except KeyNotFoundError:
            return None
        return dict(got["data"]["data"])

    def raw_post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST any path as this role (used by tests and ``keys bootstrap`` to prove refusals)."""
        resp = self._call(f"POST {path}", path, lambda: self._client.adapter.post(f"/v1/{path}", json=body or {}))
        return dict(resp or {})

    def raw_get(self, path: str) -> dict[str, Any]:
        """GET any path as this role."""
        resp = self._call(f"GET {path}", path, lambda: self._client.adapter.get(f"/v1/{path}"))
        return dict(resp or {})

    @property
    def token_accessor_ttl(self) -> float:
        """Seconds the current token has left (0 before login)."""
        return max(0.0, self._expires_at - time.monotonic()) if self._logged_in else 0.0

    def close(self) -> None:
        if not self._static and self._logged_in:
            try:
                self._client.auth.token.revoke_self()
            except (hvac.exceptions.VaultError, requests.exceptions.RequestException):
                pass
        self._client.token = None
        self._logged_in = False


def _batch_errors(exc: hvac.exceptions.InvalidRequest) -> str:
    """Summarise a rejected request without echoing its body (which may hold plaintext)."""
    errors = [e for e in (getattr(exc, "errors", None) or []) if isinstance(e, str)]
    safe = [e for e in errors if not e.lstrip().startswith("{")]
    if safe:
        return "; ".join(s[:200] for s in safe[:3])
    return "request rejected (details withheld: the response may contain key material)"

