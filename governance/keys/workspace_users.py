"""Workspace users on the key server: ``userpass`` users holding one workspace policy each.

A reviewer holds ``lakewarden-reviewer``, a viewer ``lakewarden-viewer`` (see
:func:`governance.keys.bootstrap.workspace_policies`); their tokens carry that policy only (no
``default`` policy) and live ``workspace.session_minutes``, renewable up to
:data:`WORKSPACE_TOKEN_MAX_TTL`. Lakewarden stores no password: the key server does.
Every function here needs an administrator token; userpass users that hold no workspace
policy (other uses of the same mount) are never changed or removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import hvac
import hvac.exceptions
import requests

from governance.config import WorkspaceSettings
from governance.errors import AccessDeniedError, InputError, KeyProviderError, KeyServerUnavailableError
from governance.keys.bootstrap import WORKSPACE_ROLES
from governance.keys.vault import policy_name

T = TypeVar("T")

WorkspaceRole = Literal["reviewer", "viewer"]

#: Accepted user names (the key server lower-cases userpass names; Lakewarden accepts lower case only).
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Shortest password accepted for a workspace user.
MIN_PASSWORD_LENGTH = 12
#: Renewal cap of a workspace token: a signed-in person signs in again at least this often.
WORKSPACE_TOKEN_MAX_TTL = "8h"


@dataclass(frozen=True)
class WorkspaceUser:
    """A userpass user on the workspace's mount and the workspace role its policies give it (None: no workspace policy)."""

    username: str
    role: WorkspaceRole | None
    policies: tuple[str, ...]


def check_username(username: str) -> str:
    """``username`` if it is an acceptable workspace user name.

    Raises:
        InputError: Not 1-64 characters of ``a-z 0-9 . _ -`` starting with a letter or digit (the value is named).
    """
    if not isinstance(username, str) or not USERNAME_RE.fullmatch(username):
        raise InputError(f"workspace user name {username!r} is not valid: 1-64 characters of a-z, 0-9, '.', '_', '-', "
                         "starting with a letter or digit")
    return username


def _check_role(role: str) -> WorkspaceRole:
    if role == "reviewer":
        return "reviewer"
    if role == "viewer":
        return "viewer"
    raise InputError(f"workspace role {role!r} is not valid: use reviewer or viewer")


def role_of(policies: tuple[str, ...] | list[str]) -> WorkspaceRole | None:
    """The workspace role a set of key-server policies gives (the reviewer policy wins), or None."""
    if policy_name("reviewer") in policies:
        return "reviewer"
    if policy_name("viewer") in policies:
        return "viewer"
    return None


def _url(client: hvac.Client) -> str:
    return str(getattr(client.adapter, "base_uri", "") or "the key server")


def _admin_call(client: hvac.Client, what: str, path: str, fn: Callable[[], T]) -> T:
    url = _url(client)
    try:
        return fn()
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, hvac.exceptions.VaultDown,
            hvac.exceptions.BadGateway) as exc:
        raise KeyServerUnavailableError(f"key server {url} unreachable during {what}: {type(exc).__name__}; retry later") from None
    except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
        raise AccessDeniedError(f"{what} on {url} needs an administrator token ({path})") from None
    except hvac.exceptions.VaultError as exc:
        raise KeyProviderError(f"key server {url} refused {what} ({path}): {type(exc).__name__}") from None


def _read_user(client: hvac.Client, workspace: WorkspaceSettings, username: str) -> WorkspaceUser | None:
    mount = workspace.userpass_mount

    def read() -> dict[str, Any] | None:
        try:
            return dict(client.auth.userpass.read_user(username, mount_point=mount))
        except hvac.exceptions.InvalidPath:
            return None

    got = _admin_call(client, f"reading workspace user {username}", f"auth/{mount}/users/{username}", read)
    if got is None:
        return None
    data = got.get("data") or {}
    policies = tuple(sorted(set(data.get("token_policies") or []) | set(data.get("policies") or [])))
    return WorkspaceUser(username=username, role=role_of(policies), policies=policies)


def _require_userpass(client: hvac.Client, workspace: WorkspaceSettings) -> None:
    auths = _admin_call(client, "listing auth methods", "sys/auth", client.sys.list_auth_methods)
    if f"{workspace.userpass_mount}/" not in auths.get("data", auths):
        raise KeyProviderError(f"no userpass auth method at auth/{workspace.userpass_mount} on {_url(client)}: "
                               "run `lakewarden keys bootstrap` first")


def add_workspace_user(
    client: hvac.Client,
    *,
    workspace: WorkspaceSettings,
    username: str,
    password: str,
    role: WorkspaceRole,
) -> bool:
    """Create, or update (password and role), a workspace user.

    Touches ``sys/auth`` and ``sys/policies/acl/lakewarden-<role>`` (both read: the bootstrap must
    have run) and ``auth/<userpass_mount>/users/<username>`` (written). The user's tokens carry only
    ``lakewarden-<role>``, live ``workspace.session_minutes`` and renew up to 8 hours.

    Args:
        client: hvac client holding an administrator token.
        workspace: ``workspace`` settings (userpass mount, session length).
        username: The user name (see :func:`check_username`).
        password: The user's password (at least :data:`MIN_PASSWORD_LENGTH` characters; never logged).
        role: ``reviewer`` (may confirm/override classifications) or ``viewer`` (reads only).

    Returns:
        True if the user was created, False if an existing workspace user was updated.

    Raises:
        InputError: Bad user name, role or password (the password is never shown), or the name
            belongs to a userpass user without a workspace policy.
        AccessDeniedError: The token may not manage users or read policies.
        KeyProviderError: Userpass or the role's policy is missing (run ``keys bootstrap``).
        KeyServerUnavailableError: The key server cannot be reached.
    """
    check_username(username)
    wrole = _check_role(role)
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password for workspace user {username} is too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if any(c in password for c in "\r\n\0"):
        raise InputError(f"the password for workspace user {username} holds a line break or NUL character")
    _require_userpass(client, workspace)
    pname = policy_name(wrole)

    def read_policy() -> bool:
        try:
            client.sys.read_policy(pname)
            return True
        except hvac.exceptions.InvalidPath:
            return False

    if not _admin_call(client, f"reading policy {pname}", f"sys/policy/{pname}", read_policy):
        raise KeyProviderError(f"policy {pname} does not exist on {_url(client)}: run `lakewarden keys bootstrap` first")
    existing = _read_user(client, workspace, username)
    if existing is not None and existing.role is None:
        raise InputError(f"userpass user {username} at auth/{workspace.userpass_mount} holds no workspace policy "
                         f"({', '.join(existing.policies) or 'none'}); it is not a workspace user and is left unchanged")
    mount = workspace.userpass_mount
    _admin_call(client, f"writing workspace user {username}", f"auth/{mount}/users/{username}",
                lambda: client.auth.userpass.create_or_update_user(
                    username,
                    password=password,
                    mount_point=mount,
                    token_policies=[pname],
                    token_no_default_policy=True,
                    token_ttl=f"{workspace.session_minutes}m",
                    token_max_ttl=WORKSPACE_TOKEN_MAX_TTL,
                    token_type="service",
                ))
    return existing is None


def remove_workspace_user(client: hvac.Client, *, workspace: WorkspaceSettings, username: str) -> bool:
    """Delete a workspace user and revoke every token it signed in with (its open sessions end at once).

    Touches ``auth/<userpass_mount>/users/<username>`` (read, deleted) and
    ``sys/leases/revoke-prefix/auth/<userpass_mount>/login/<username>`` (needs ``sudo``).

    Returns:
        True if the user existed and was removed, False if there was no such user.

    Raises:
        InputError: Bad user name, or the user holds no workspace policy (it is left alone).
        AccessDeniedError: The token may not delete users or revoke leases.
        KeyServerUnavailableError: The key server cannot be reached.
    """
    check_username(username)
    mount = workspace.userpass_mount
    existing = _read_user(client, workspace, username)
    if existing is None:
        return False
    if existing.role is None:
        raise InputError(f"userpass user {username} at auth/{mount} holds no workspace policy "
                         f"({', '.join(existing.policies) or 'none'}); it is not a workspace user and is not removed")
    _admin_call(client, f"removing workspace user {username}", f"auth/{mount}/users/{username}",
                lambda: client.auth.userpass.delete_user(username, mount_point=mount))
    prefix = f"auth/{mount}/login/{username}"
    _admin_call(client, f"revoking the tokens of workspace user {username}", f"sys/leases/revoke-prefix/{prefix}",
                lambda: client.sys.revoke_prefix(prefix))
    return True


def list_workspace_users(client: hvac.Client, *, workspace: WorkspaceSettings) -> list[WorkspaceUser]:
    """Every userpass user on the workspace's mount, by name, with its workspace role (None: no workspace policy).

    Touches ``auth/<userpass_mount>/users`` (list) and ``auth/<userpass_mount>/users/<name>`` (read each).

    Raises:
        AccessDeniedError: The token may not list or read users.
        KeyProviderError: No userpass method at the mount (run ``keys bootstrap``).
        KeyServerUnavailableError: The key server cannot be reached.
    """
    _require_userpass(client, workspace)
    mount = workspace.userpass_mount

    def names() -> list[str]:
        try:
            got = client.auth.userpass.list_user(mount_point=mount)
        except hvac.exceptions.InvalidPath:  # no user yet
            return []
        return sorted(str(n) for n in (got.get("data") or {}).get("keys") or [])

    users = []
    for name in _admin_call(client, "listing workspace users", f"auth/{mount}/users", names):
        user = _read_user(client, workspace, name)
        if user is not None:
            users.append(user)
    return users


__all__ = ["MIN_PASSWORD_LENGTH", "USERNAME_RE", "WORKSPACE_ROLES", "WORKSPACE_TOKEN_MAX_TTL", "WorkspaceRole", "WorkspaceUser",
           "add_workspace_user", "check_username", "list_workspace_users", "remove_workspace_user", "role_of"]
