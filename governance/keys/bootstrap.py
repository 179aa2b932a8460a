"""Least-privilege set-up on Vault/OpenBao: Transit keys, one policy and one AppRole per job role.

Roles (policy ``lakewarden-<role>``, AppRole of the same name):

* ``classifier`` - no Transit access at all (only its own token's lookup/renewal).
* ``protector`` - generates domain data keys (``datakey``) and unwraps them to tokenize
  (AES-SIV is symmetric: whoever tokenizes a domain can also read that domain's tokens,
  which is why ``encrypt`` uses public-key wrapping); wraps new subject keys (``encrypt`` on
  the subject KEK, no ``decrypt``); reads the *public* half of the RSA ``encrypt`` key; computes
  subject references (``hmac``); re-wraps stored data keys (``rewrap`` never shows them).
  It cannot decrypt with the subject KEK or the RSA key.
* ``revealer`` - unwraps every kind of data key (``decrypt``) and reads the public key (for
  ``keys reencrypt``); every use is written to the audit log by the jobs.
* ``eraser`` - computes subject references (``hmac``) to find and destroy subject keys.

The privacy officers' workspace (``lakewarden serve``) signs people in with the ``userpass``
auth method (``workspace.userpass_mount``). Two policies decide what a signed-in person may do,
and neither grants any Transit, KV or other secret path:

* ``lakewarden-viewer`` - ``read`` on the ``workspace.read_path`` marker path.
* ``lakewarden-reviewer`` - the same, plus ``update`` on the ``workspace.review_path`` marker path.

Nothing is stored at the marker paths: the workspace asks ``sys/capabilities-self`` what the
signed-in token may do there, so the key server's ACL is the only authority.

Only an administrator token (``VAULT_TOKEN`` or ``--token-file``; never stored in the repo)
runs the bootstrap and rotates KEKs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import hvac
import hvac.exceptions
import requests

from governance.config import VaultSettings, WorkspaceSettings
from governance.errors import AccessDeniedError, AuthenticationError, ConfigError, KeyProviderError, KeyServerUnavailableError
from governance.keys.base import ROLES
from governance.keys.vault import key_names, policy_name

#: Token TTLs of every AppRole: short-lived, renewed by the jobs.
TOKEN_TTL = "15m"
TOKEN_MAX_TTL = "1h"

_SELF = '''path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
'''


def _path(mount: str, endpoint: str, key: str, caps: str, why: str) -> str:
    return f'# {why}\npath "{mount}/{endpoint}/{key}" {{\n  capabilities = [{caps}]\n}}\n'


def role_policies(settings: VaultSettings) -> dict[str, str]:
    """The HCL policy of every role, keyed by role name (what ``keys policies`` prints)."""
    m = settings.transit_mount
    n = key_names(settings.kek_name)
    upd, rd = '"update"', '"read"'
    protector = "".join([
        _path(m, "datakey/plaintext", n["data"], upd, "new domain data keys (token/HMAC keys), stored wrapped"),
        _path(m, "decrypt", n["data"], upd, "unwrap its domains' token/HMAC keys to tokenize (symmetric: it can read those tokens)"),
        _path(m, "encrypt", n["subject"], upd, "wrap new per-subject keys; no decrypt on the subject KEK"),
        _path(m, "hmac", n["index"], upd, "pseudonymous subject references"),
        _path(m, "keys", n["encrypt"], rd, "read the PUBLIC half of the RSA key for encrypt actions"),
        _path(m, "keys", n["data"], rd, "key metadata (versions) for status"),
        _path(m, "keys", n["subject"], rd, "key metadata (versions) for status"),
        _path(m, "keys", n["index"], rd, "key metadata (versions) for status"),
        _path(m, "rewrap", n["data"], upd, "re-wrap stored data keys under the newest KEK (keys never leave Vault)"),
        _path(m, "rewrap", n["subject"], upd, "re-wrap stored subject keys"),
        _path(m, "rewrap", n["encrypt"], upd, "re-wrap stored encrypt data keys"),
    ])
    revealer = "".join([
        _path(m, "decrypt", n["data"], upd, "unwrap token keys to detokenize"),
        _path(m, "decrypt", n["subject"], upd, "unwrap subject keys (destroyed keys stay unreadable)"),
        _path(m, "decrypt", n["encrypt"], upd, "unwrap encrypt data keys with the RSA private half (inside Vault)"),
        _path(m, "keys", n["encrypt"], rd, "public key, to re-encrypt under a new data key"),
        _path(m, "keys", n["data"], rd, "key metadata (versions)"),
        _path(m, "keys", n["subject"], rd, "key metadata (versions)"),
        _path(m, "keys", n["index"], rd, "key metadata (versions)"),
        _path(m, "encrypt", n["subject"], upd, "wrap subject keys when re-encrypting"),
    ])
    eraser = _path(m, "hmac", n["index"], upd, "find a data subject's keys by reference; destruction happens in the key table")
    classifier = "# classification needs no key at all: no transit path is granted\n"
    anchor = (f'# every job appends to the audit log and records its head here, outside the lake\n'
              f'path "{settings.audit_kv_mount}/data/anchors/*" {{\n  capabilities = ["create", "update", "read"]\n}}\n')
    return {
        "classifier": classifier + anchor + _SELF,
        "protector": protector + anchor + _SELF,
        "revealer": revealer + anchor + _SELF,
        "eraser": eraser + anchor + _SELF,
    }


#: The workspace roles, each with a policy of the same name (``lakewarden-reviewer``, ``lakewarden-viewer``).
WORKSPACE_ROLES: tuple[str, ...] = ("reviewer", "viewer")

#: Prefixes a marker path must not use: they are the key server's own (auth, system, identity, per-token storage).
_RESERVED_PREFIXES = ("auth", "sys", "identity", "cubbyhole")
_MARKER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9._-]+)*$")


def _marker_path(what: str, path: str) -> str:
    if not _MARKER.fullmatch(path) or ".." in path.split("/"):
        raise ConfigError(f"workspace.{what} {path!r} must be a plain path (letters, digits, '.', '_', '-', '/'; "
                          "no glob, quote or leading slash)")
    if path.split("/", 1)[0] in _RESERVED_PREFIXES:
        raise ConfigError(f"workspace.{what} {path!r} lies under the key server's reserved {path.split('/', 1)[0]}/ "
                          "paths; choose a marker path under no mount (e.g. lakewarden-workspace/...)")
    return path


def workspace_policies(workspace: WorkspaceSettings) -> dict[str, str]:
    """The HCL policy of each workspace role, keyed by role (``reviewer``, ``viewer``).

    The viewer may ``read`` the ``read_path`` marker; the reviewer may also ``update`` the
    ``review_path`` marker. Both may ask ``sys/capabilities-self`` and look up, renew and revoke
    their own token. No Transit, KV or other path is granted.

    Raises:
        ConfigError: A marker path is not a plain path, or lies under the key server's own paths.
    """
    read = _marker_path("read_path", workspace.read_path)
    review = _marker_path("review_path", workspace.review_path)
    viewer = (
        f'# workspace marker (nothing stored here): "read" makes a signed-in person a viewer\n'
        f'path "{read}" {{\n  capabilities = ["read"]\n}}\n'
        '# the workspace asks the key server what this token may do, at every request\n'
        'path "sys/capabilities-self" {\n  capabilities = ["update"]\n}\n'
    )
    reviewer = viewer + (
        f'# workspace marker (nothing stored here): "update" lets a signed-in person confirm/override classifications\n'
        f'path "{review}" {{\n  capabilities = ["update"]\n}}\n'
    )
    return {"reviewer": reviewer + _SELF, "viewer": viewer + _SELF}


@dataclass(frozen=True)
class RoleCredentials:
    """AppRole credentials of one role (the secret id is shown once, at bootstrap)."""

    role: str
    role_id: str
    secret_id: str

    def __repr__(self) -> str:
        return f"RoleCredentials(role={self.role!r}, role_id=<hidden>, secret_id=<hidden>)"


@dataclass
class BootstrapReport:
    """What ``keys bootstrap`` created or found."""

    created_keys: list[str]
    existing_keys: list[str]
    policies: list[str]
    roles: list[str]
    credentials: dict[str, RoleCredentials]
    credential_files: list[str]
    #: Workspace sign-in policies written (``lakewarden-reviewer``, ``lakewarden-viewer``).
    workspace_policies: list[str] = field(default_factory=list)
    #: The ``userpass`` mount the workspace signs in with, and whether this run enabled it.
    userpass_mount: str = ""
    userpass_enabled: bool = False


def admin_client(settings: VaultSettings, token: str) -> hvac.Client:
    """An hvac client with an administrator token (bootstrap and KEK rotation only)."""
    from governance.keys.vault import vault_client

    return vault_client(settings, token=token)


def bootstrap(
    client: hvac.Client,
    settings: VaultSettings,
    *,
    credentials_dir: str | None = None,
    token_ttl: str = TOKEN_TTL,
    token_max_ttl: str = TOKEN_MAX_TTL,
    workspace: WorkspaceSettings | None = None,
) -> BootstrapReport:
    """Create (idempotently) the Transit keys, the role policies and the AppRoles, and the workspace sign-in.

    Touches ``sys/mounts`` (Transit, KV), ``sys/auth`` (AppRole, userpass), ``sys/policies/acl``
    (job role and workspace policies), ``<transit>/keys/*`` and ``auth/<approle>/role/*``.

    Args:
        client: hvac client holding an administrator token.
        settings: ``keys.vault`` settings (mounts and KEK name).
        credentials_dir: If given, write ``<role>.role_id``/``<role>.secret_id`` there (mode 0600).
        token_ttl: TTL of role tokens. token_max_ttl: their renewal cap.
        workspace: ``workspace`` settings (userpass mount, marker paths); default ``WorkspaceSettings()``.

    Raises:
        KeyServerUnavailableError: Server unreachable. AccessDeniedError: token not an admin.
        ConfigError: A workspace marker path is not usable (see :func:`workspace_policies`).
    """
    ws = workspace if workspace is not None else WorkspaceSettings()
    ws_policies = workspace_policies(ws)
    try:
        _check_markers_unmounted(client, settings, ws)
        report = _bootstrap(client, settings, credentials_dir, token_ttl, token_max_ttl)
        enabled = _bootstrap_workspace(client, ws, ws_policies)
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, hvac.exceptions.VaultDown) as exc:
        raise KeyServerUnavailableError(f"key server {settings.url} unreachable during bootstrap: {type(exc).__name__}") from None
    except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
        raise AccessDeniedError(f"bootstrap on {settings.url} needs an administrator token (policy management, auth and mounts)") from None
    report.workspace_policies = [policy_name(r) for r in ws_policies]
    report.userpass_mount = ws.userpass_mount
    report.userpass_enabled = enabled
    return report


def bootstrap_workspace(client: hvac.Client, settings: VaultSettings, workspace: WorkspaceSettings) -> bool:
    """Only the workspace sign-in part of :func:`bootstrap` (idempotent): the userpass mount and the two policies.

    For lakes whose keys are local (``keys.provider: local``) but whose people sign in to a key server.
    Touches ``sys/auth`` (userpass) and ``sys/policies/acl/lakewarden-reviewer``, ``lakewarden-viewer``.

    Returns:
        True when this call enabled the userpass mount.

    Raises:
        KeyServerUnavailableError: Server unreachable. AccessDeniedError: token not an admin.
        ConfigError: A workspace marker path is not usable.
    """
    policies = workspace_policies(workspace)
    try:
        _check_markers_unmounted(client, settings, workspace)
        return _bootstrap_workspace(client, workspace, policies)
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, hvac.exceptions.VaultDown) as exc:
        raise KeyServerUnavailableError(f"key server {settings.url} unreachable: {type(exc).__name__}") from None
    except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
        raise AccessDeniedError(f"workspace set-up on {settings.url} needs an administrator token (auth methods and policies)") from None


def _check_markers_unmounted(client: hvac.Client, s: VaultSettings, ws: WorkspaceSettings) -> None:
    mounts = client.sys.list_mounted_secrets_engines()
    taken = set(mounts.get("data", mounts)) | {f"{s.transit_mount}/", f"{s.audit_kv_mount}/"}
    for what, marker in (("review_path", ws.review_path), ("read_path", ws.read_path)):
        top = marker.split("/", 1)[0]
        if f"{top}/" in taken:
            raise ConfigError(f"workspace.{what} {marker!r} lies under the secrets engine mounted at {top}/: a marker path "
                              "must hold nothing, or the workspace roles would reach that engine; choose a path under no mount")


def _bootstrap_workspace(client: hvac.Client, ws: WorkspaceSettings, policies: dict[str, str]) -> bool:
    auths = client.sys.list_auth_methods()
    auths = auths.get("data", auths)
    enabled = f"{ws.userpass_mount}/" not in auths
    if enabled:
        client.sys.enable_auth_method("userpass", path=ws.userpass_mount)
    for role, hcl in policies.items():
        client.sys.create_or_update_policy(policy_name(role), hcl)
    return enabled


def _bootstrap(client: hvac.Client, s: VaultSettings, credentials_dir: str | None, ttl: str, max_ttl: str) -> BootstrapReport:
    mounts = client.sys.list_mounted_secrets_engines()
    mounts = mounts.get("data", mounts)
    if f"{s.transit_mount}/" not in mounts:
        client.sys.enable_secrets_engine("transit", path=s.transit_mount)
    if f"{s.audit_kv_mount}/" not in mounts:
        client.sys.enable_secrets_engine("kv", path=s.audit_kv_mount, options={"version": "2"})
    auths = client.sys.list_auth_methods()
    auths = auths.get("data", auths)
    if f"{s.approle_mount}/" not in auths:
        client.sys.enable_auth_method("approle", path=s.approle_mount)
    created, existing = [], []
    types = {"data": "aes256-gcm96", "subject": "aes256-gcm96", "index": "aes256-gcm96", "encrypt": "rsa-3072"}
    for kek, name in key_names(s.kek_name).items():
        try:
            client.secrets.transit.read_key(name, mount_point=s.transit_mount)
            existing.append(name)
        except hvac.exceptions.InvalidPath:
            client.secrets.transit.create_key(name, key_type=types[kek], exportable=False, mount_point=s.transit_mount)
            created.append(name)
    pols = role_policies(s)
    creds: dict[str, RoleCredentials] = {}
    files: list[str] = []
    for role in ROLES:
        pname = policy_name(role)
        client.sys.create_or_update_policy(pname, pols[role])
        client.auth.approle.create_or_update_approle(
            pname,
            token_policies=[pname],
            token_ttl=ttl,
            token_max_ttl=max_ttl,
            token_type="service",
            mount_point=s.approle_mount,
            token_no_default_policy=True,
        )
        role_id = client.auth.approle.read_role_id(pname, mount_point=s.approle_mount)["data"]["role_id"]
        secret_id = client.auth.approle.generate_secret_id(pname, mount_point=s.approle_mount)["data"]["secret_id"]
        creds[role] = RoleCredentials(role=role, role_id=role_id, secret_id=secret_id)
        if credentials_dir:
            files += _write_credentials(Path(credentials_dir), creds[role])
    return BootstrapReport(created, existing, [policy_name(r) for r in ROLES], [policy_name(r) for r in ROLES], creds, files)


def _write_credentials(folder: Path, cred: RoleCredentials) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    out = []
    for suffix, value in (("role_id", cred.role_id), ("secret_id", cred.secret_id)):
        p = folder / f"{cred.role}.{suffix}"
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
        os.chmod(p, 0o600)
        out.append(str(p))
    return out


def admin_token(*, token_file: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The administrator token for bootstrap: ``--token-file`` or ``$VAULT_TOKEN``/``$BAO_TOKEN``.

    Raises:
        AuthenticationError: None given.
    """
    env = dict(os.environ if environ is None else environ)
    if token_file:
        try:
            return Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuthenticationError(f"admin: cannot read token file {token_file} ({exc.strerror})") from None
    for name in ("VAULT_TOKEN", "BAO_TOKEN"):
        if env.get(name):
            return env[name].strip()
    raise AuthenticationError("admin: bootstrap needs an administrator token in $VAULT_TOKEN or --token-file")


__all__ = ["BootstrapReport", "RoleCredentials", "WORKSPACE_ROLES", "admin_client", "admin_token", "bootstrap", "role_policies",
           "workspace_policies", "KeyProviderError", "bootstrap_workspace"]
