"""Who is signed in to the workspace, and what they may do: asked of the key server, never stored here.

People sign in with their ``userpass`` account on the key server of ``keys.vault`` (whatever
``keys.provider`` is). Their role follows from the key server's ACL: ``update`` on
``workspace.review_path`` makes a reviewer, ``read`` on ``workspace.read_path`` a viewer; both
are asked through ``sys/capabilities-self`` with the person's own token, at sign-in and again at
every :meth:`SignIn.allowed` call (an administrator's change or revocation takes effect at the
next request). There is no other, embedded or fake sign-in.

The person's token is held in :class:`Identity` only (never in the hvac client, never in a
repr, a log line or a page) and sent per request.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeVar

import hvac
import hvac.exceptions
import requests

from governance.config import VaultSettings, WorkspaceSettings
from governance.errors import (
    AccessDeniedError,
    AuthenticationError,
    InputError,
    KeyProviderError,
    KeyServerTLSError,
    KeyServerUnavailableError,
)
from governance.keys.vault import policy_name, tls_failure, vault_client
from governance.keys.workspace_users import USERNAME_RE

T = TypeVar("T")

Role = Literal["reviewer", "viewer"]
Action = Literal["read", "review"]


@dataclass(frozen=True)
class Identity:
    """A signed-in person.

    Attributes:
        username: The userpass user name.
        role: ``reviewer`` or ``viewer``, as the key server's ACL said at sign-in.
        token: The key-server token of this sign-in (never logged, never in a page, not in ``repr``).
        expires_at: When the token expires (UTC), from its lease duration at sign-in.
        policies: The token's policies, as the key server reported them.
    """

    username: str
    role: Role
    token: str = field(repr=False)
    expires_at: datetime
    policies: tuple[str, ...]


class SignIn(ABC):
    """Where workspace identities and permissions come from."""

    @abstractmethod
    def sign_in(self, *, username: str, password: str) -> Identity:
        """Check ``username``/``password`` and return the identity with its role.

        Raises:
            AuthenticationError: Wrong user name or password (one message for both).
            AccessDeniedError: Signed in, but no workspace policy.
            KeyServerUnavailableError: The key server cannot be reached.
        """

    @abstractmethod
    def allowed(self, identity: Identity, action: Action) -> bool:
        """Whether ``identity`` may ``action`` now: asked of the key server at every call, no caching.

        An expired or revoked token is False, not an error.

        Raises:
            KeyServerUnavailableError: The key server cannot be reached.
        """

    @abstractmethod
    def sign_out(self, identity: Identity) -> None:
        """Revoke the identity's token; an already expired or revoked token is fine.

        Raises:
            KeyServerUnavailableError: The key server cannot be reached (the token may live until ``expires_at``).
        """


    @abstractmethod
    def renew(self, identity: Identity) -> Identity:
        """The identity with its token's life extended by the key server (up to the token's maximum);
        the same identity when the server will not extend it."""


class VaultUserpassSignIn(SignIn):
    """Sign-in with the key server's ``userpass`` method (``auth/<workspace.userpass_mount>``).

    Args:
        vault: ``keys.vault`` settings: URL, TLS settings, timeout.
        workspace: ``workspace`` settings: userpass mount and marker paths.
    """

    def __init__(self, vault: VaultSettings, workspace: WorkspaceSettings) -> None:
        self.vault = vault
        self.workspace = workspace
        self._client = vault_client(vault)
        # hvac falls back to $VAULT_TOKEN or ~/.vault-token (an administrator's, often) and would send it instead of
        # the person's token: this client must hold none, each request carries its person's token
        self._client.token = None

    def __repr__(self) -> str:
        return f"VaultUserpassSignIn(url={self.vault.url!r}, mount={self.workspace.userpass_mount!r})"

    def _paths(self) -> dict[Action, tuple[str, str]]:
        return {"review": (self.workspace.review_path, "update"), "read": (self.workspace.read_path, "read")}

    def _server(self, what: str, fn: Callable[[], T]) -> T:
        """Run ``fn``, turning transport failures into KeyServerUnavailableError / KeyServerTLSError."""
        try:
            return fn()
        except requests.exceptions.SSLError as exc:
            raise KeyServerTLSError(tls_failure(self.vault, exc, what)) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, hvac.exceptions.VaultDown,
                hvac.exceptions.BadGateway) as exc:
            raise KeyServerUnavailableError(
                f"key server {self.vault.url} unreachable during {what}: {type(exc).__name__}; retry later") from None

    def _capabilities(self, token: str, paths: list[str]) -> dict[str, list[str]] | None:
        """Capabilities of ``token`` on ``paths`` (POST ``sys/capabilities-self``); None if the server refuses the token."""

        def ask() -> dict[str, Any] | None:
            try:
                resp = self._client.adapter.post("/v1/sys/capabilities-self", json={"paths": paths},
                                                 headers={"X-Vault-Token": token})
            except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
                return None
            except hvac.exceptions.VaultError as exc:
                raise KeyProviderError(
                    f"key server {self.vault.url} failed sys/capabilities-self: {type(exc).__name__}") from None
            return dict(resp)

        got = self._server("a permission check (sys/capabilities-self)", ask)
        if got is None:
            return None
        data = got.get("data") or got
        return {p: [str(c) for c in (data.get(p) or [])] for p in paths}

    @staticmethod
    def _grants(caps: list[str], capability: str) -> bool:
        return "deny" not in caps and (capability in caps or "root" in caps)

    def _revoke(self, token: str) -> None:
        """POST ``auth/token/revoke-self`` with ``token``; a token the server already refuses is fine."""

        def revoke() -> None:
            try:
                self._client.adapter.post("/v1/auth/token/revoke-self", headers={"X-Vault-Token": token})
            except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized, hvac.exceptions.InvalidRequest):
                pass  # expired, revoked, or its policy lacks revoke-self: nothing more this token can do
            except hvac.exceptions.VaultError as exc:
                raise KeyProviderError(f"key server {self.vault.url} failed to revoke a token: {type(exc).__name__}") from None

        self._server("sign-out (auth/token/revoke-self)", revoke)

    def sign_in(self, *, username: str, password: str) -> Identity:
        """Log in at ``auth/<userpass_mount>/login/<username>``, then ask ``sys/capabilities-self`` for the role.

        The user name is lower-cased (the key server does the same). A token without any
        workspace permission is revoked before :class:`AccessDeniedError` is raised.

        Raises:
            AuthenticationError: Wrong user name or password, or a user name that cannot exist.
            AccessDeniedError: The user holds neither ``lakewarden-reviewer`` nor ``lakewarden-viewer``.
            KeyServerUnavailableError: The key server cannot be reached or timed out.
            KeyServerTLSError: The TLS handshake failed (see ``keys.vault`` TLS settings).
            KeyProviderError: No userpass method at the mount, or another server failure.
        """
        name = username.strip().lower() if isinstance(username, str) else ""
        if not USERNAME_RE.fullmatch(name):
            # never put an arbitrary string into the login URL, nor echo it
            raise AuthenticationError("sign-in refused for an invalid user name")
        if not password:
            raise AuthenticationError(f"sign-in refused for {name}")
        mount = self.workspace.userpass_mount

        def login() -> dict[str, Any]:
            try:
                return dict(self._client.auth.userpass.login(name, password, use_token=False, mount_point=mount))
            except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
                raise AuthenticationError(f"sign-in refused for {name}") from None
            except hvac.exceptions.InvalidPath:
                raise KeyProviderError(f"no userpass auth method at auth/{mount} on {self.vault.url}: "
                                       "run `lakewarden keys bootstrap`") from None
            except hvac.exceptions.VaultError as exc:
                raise KeyProviderError(f"key server {self.vault.url} failed the sign-in of {name}: {type(exc).__name__}") from None

        auth = self._server(f"the sign-in of {name}", login).get("auth") or {}
        token = str(auth.get("client_token") or "")
        if not token:
            raise KeyProviderError(f"key server {self.vault.url} returned no token for the sign-in of {name}")
        expires_at = datetime.now(timezone.utc) + timedelta(seconds=int(auth.get("lease_duration") or 0))
        policies = tuple(sorted(str(p) for p in (auth.get("token_policies") or auth.get("policies") or [])))
        try:
            role = self._role(token)
        except KeyProviderError:
            self._revoke_quietly(token)
            raise
        if role is None:
            self._revoke_quietly(token)
            raise AccessDeniedError(f"{name} has no Lakewarden workspace policy "
                                    f"({policy_name('reviewer')} or {policy_name('viewer')})")
        return Identity(username=name, role=role, token=token, expires_at=expires_at, policies=policies)

    def _role(self, token: str) -> Role | None:
        review, read = self._paths()["review"], self._paths()["read"]
        caps = self._capabilities(token, [review[0], read[0]])
        if caps is None:
            return None
        if self._grants(caps[review[0]], review[1]):
            return "reviewer"
        if self._grants(caps[read[0]], read[1]):
            return "viewer"
        return None

    def _revoke_quietly(self, token: str) -> None:
        try:
            self._revoke(token)
        except KeyProviderError:
            pass  # the sign-in already failed; the token cannot be used by anyone and expires with its TTL

    def allowed(self, identity: Identity, action: Action) -> bool:
        """Ask ``sys/capabilities-self`` with the identity's token: ``review`` needs ``update`` on
        ``review_path``, ``read`` needs ``read`` on ``read_path``.

        Raises:
            KeyServerUnavailableError: The key server cannot be reached or timed out.
            KeyServerTLSError: The TLS handshake failed.
            InputError: ``action`` is neither ``read`` nor ``review``.
        """
        paths = self._paths()
        if action not in paths:
            raise InputError(f"unknown workspace action {action!r}: read or review")
        path, capability = paths[action]
        caps = self._capabilities(identity.token, [path])
        return caps is not None and self._grants(caps[path], capability)

    def sign_out(self, identity: Identity) -> None:
        """Revoke the identity's token (POST ``auth/token/revoke-self``); an expired or revoked token is fine.

        Raises:
            KeyServerUnavailableError: The key server cannot be reached (the token may live until ``expires_at``).
            KeyServerTLSError: The TLS handshake failed.
        """
        self._revoke(identity.token)

    def renew(self, identity: Identity) -> Identity:
        """Renew the identity's token (POST ``auth/token/renew-self``) up to its ``token_max_ttl``.

        Raises:
            KeyServerUnavailableError: The key server cannot be reached or timed out.
            KeyServerTLSError: The TLS handshake failed.
        """

        def renew() -> dict[str, Any] | None:
            try:
                return dict(self._client.adapter.post("/v1/auth/token/renew-self", headers={"X-Vault-Token": identity.token}))
            except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized, hvac.exceptions.InvalidRequest):
                return None
            except hvac.exceptions.VaultError as exc:
                raise KeyProviderError(f"key server {self.vault.url} failed to renew a token: {type(exc).__name__}") from None

        got = self._server("a session renewal (auth/token/renew-self)", renew)
        lease = int(((got or {}).get("auth") or {}).get("lease_duration") or 0)
        if lease <= 0:
            return identity
        return replace(identity, expires_at=datetime.now(timezone.utc) + timedelta(seconds=lease))


__all__ = ["Action", "Identity", "Role", "SignIn", "VaultUserpassSignIn"]
