"""Typed platform settings (``conf/lakewarden.yaml``) with ``LAKEWARDEN_*`` overrides.

Environment overrides use ``LAKEWARDEN_<SECTION>__<KEY>`` (double underscore between
levels), e.g. ``LAKEWARDEN_LAKE__ROOT=/data/lake`` or ``LAKEWARDEN_ENGINE__KIND=connect``.
``LAKEWARDEN_CONFIG`` names the settings file itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from governance.errors import ConfigError
from governance.storage import StorageSettings
from governance.yamlconf import parse_yaml_text, validate_data

ENV_PREFIX = "LAKEWARDEN_"
DEFAULT_CONFIG = Path("conf/lakewarden.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LakeSettings(_Strict):
    """Where the lake lives."""

    root: str = "demo-lake"
    #: Folder under the root that holds Lakewarden's own tables (catalog, audit, usage, ledger).
    system_dir: str = "_lakewarden"
    @field_validator("root")
    @classmethod
    def _one_url_per_bucket(cls, v: str) -> str:
        # s3a:// (Hadoop's name) and s3n:// are the same objects as s3://: one name everywhere
        from governance.storage import canonical

        return canonical(v).rstrip("/") if "://" in v else v

    #: Seconds a job waits for another Lakewarden job's lock on the same table before exit 75.
    lock_wait_s: float = Field(default=120.0, ge=0)
    #: A lock older than this is stale (its owner died on another machine) and is broken.
    lock_stale_after_s: float = Field(default=6 * 3600.0, gt=0)


class EngineSettings(_Strict):
    """Which Spark engine to use and how Delta maintenance is done."""

    kind: Literal["embedded", "connect", "classic"] = "embedded"
    connect_url: str | None = None
    #: Maintenance backend: delta-rs (``deltalake``) or delta-spark SQL (``delta_spark``). When it is
    #: not set: ``delta_spark`` on a classic session (it reads deletion vectors and commits to every
    #: table delta-spark writes), ``deltalake`` on the others.
    maintenance: Literal["deltalake", "delta_spark"] = "deltalake"
    #: Seconds to wait for the engine before giving up with a transient error.
    connect_timeout_s: float = Field(default=30.0, gt=0)
    shuffle_partitions: int = Field(default=4, ge=1)
    #: Tries of a table write that loses its commit to another writer changing the same files.
    commit_attempts: int = Field(default=5, ge=1)
    #: Classic engine started outside spark-submit: ``fetch`` adds the matching delta-spark jar
    #: through Spark's Maven resolver (``spark.jars.packages``); ``provided`` expects it on the class path.
    delta_jars: Literal["fetch", "provided"] = "fetch"
    #: Embedded engine: worker processes for protection's per-value crypto (the engine runs Python
    #: UDFs in its own process, one core under the GIL). None: one per core; 0: none.
    udf_processes: int | None = Field(default=None, ge=0, le=256)

    @model_validator(mode="before")
    @classmethod
    def _maintenance_follows_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("maintenance") is None:
            return {**data, "maintenance": "delta_spark" if data.get("kind") == "classic" else "deltalake"}
        return data


class AuditSettings(_Strict):
    """The hash-chained audit log."""

    sink: Literal["delta", "jsonl"] = "delta"
    #: Path of the audit table or file; default ``<root>/<system_dir>/audit``.
    path: str | None = None
    #: Folder outside the lake for the signed chain-head file (keys.provider local).
    anchor_dir: str = "~/.lakewarden/anchors"


class LocalKeySettings(_Strict):
    """The embedded keyring: a file encrypted under a master key from the environment."""

    keyring_path: str | None = None
    master_key_env: str = "LAKEWARDEN_MASTER_KEY"


class VaultSettings(_Strict):
    """HashiCorp Vault / OpenBao (Transit + AppRole)."""

    url: str = "http://127.0.0.1:8200"
    transit_mount: str = "transit"
    approle_mount: str = "approle"
    kek_name: str = "lakewarden-kek"
    #: Environment variable or file holding the AppRole role id / secret id for the job's role.
    role_id_env: str = "LAKEWARDEN_VAULT_ROLE_ID"
    secret_id_env: str = "LAKEWARDEN_VAULT_SECRET_ID"
    role_id_file: str | None = None
    secret_id_file: str | None = None
    timeout_s: float = Field(default=10.0, gt=0)
    #: KV v2 mount holding the audit chain's head (``anchors/<lake id>``), written by every job role.
    audit_kv_mount: str = "lakewarden-audit"
    #: PEM bundle of the CA(s) that signed the key server's certificate (default: the system's).
    ca_cert: str | None = None
    #: Client certificate and key (PEM) when the key server requires mutual TLS.
    client_cert: str | None = None
    client_key: str | None = None
    #: Name the server certificate must carry when it differs from the URL's host (SNI and check).
    tls_server_name: str | None = None
    #: Allow ``http://`` to a key server that is not on this machine (keys and tokens in clear text).
    allow_plaintext: bool = False

    @model_validator(mode="after")
    def _transport_is_safe(self) -> "VaultSettings":
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url {self.url!r} must be http(s)://HOST[:PORT]")
        if parts.scheme == "http" and not self.allow_plaintext and not _is_loopback(parts.hostname):
            raise ValueError(
                f"url {self.url!r} sends tokens and keys in clear text to another machine; use https:// (with ca_cert, "
                "client_cert/client_key as needed), or set allow_plaintext: true if the network is trusted"
            )
        if (self.client_cert is None) != (self.client_key is None):
            raise ValueError("client_cert and client_key go together (mutual TLS needs both)")
        if parts.scheme == "http" and (self.ca_cert or self.client_cert or self.tls_server_name):
            raise ValueError(f"ca_cert, client_cert and tls_server_name need an https:// url, not {self.url!r}")
        return self


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class KeySettings(_Strict):
    """Which key provider holds the keys."""

    provider: Literal["local", "vault"] = "local"
    local: LocalKeySettings = LocalKeySettings()
    vault: VaultSettings = VaultSettings()


class ClassificationSettings(_Strict):
    """Defaults of the classify job."""

    nlp: Literal["no_op", "spacy_small"] = "spacy_small"
    sample_rows: int = Field(default=1000, ge=10)
    min_cell_share: float = Field(default=0.5, gt=0, le=1)
    #: Who reads every row in ``classify --full``: ``files`` reads the pinned Delta version's Parquet files
    #: with Arrow in worker processes on the job's machine (each distinct value of a row group matched once);
    #: ``engine`` counts inside Spark (scales with a cluster's executors); ``auto``: ``files`` on the embedded
    #: engine, ``engine`` on classic and Connect sessions.
    full_scan_reader: Literal["auto", "files", "engine"] = "auto"
    #: Worker processes of the ``files`` reader. None: one per core for tables of 32 MB or more, none below.
    full_scan_workers: int | None = Field(default=None, ge=1, le=256)


class WorkspaceSettings(_Strict):
    """The privacy officer's workspace (``lakewarden serve``).

    Sign-in goes to the key server of ``keys.vault`` (its ``url``, TLS settings), whatever
    ``keys.provider`` is: identities and roles come from Vault/OpenBao policies, never from a
    password store of Lakewarden's.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8321, ge=0, le=65535)
    #: Auth mount of the ``userpass`` method on the key server.
    userpass_mount: str = "userpass"
    #: A session ends after this many minutes without a request, and never outlives its key-server token.
    session_minutes: int = Field(default=15, ge=1, le=480)
    #: Marker paths whose capabilities on the key server decide the role: ``update`` on
    #: ``review_path`` makes a reviewer, ``read`` on ``read_path`` a viewer (nothing is stored there).
    review_path: str = "lakewarden-workspace/review"
    read_path: str = "lakewarden-workspace/read"
    #: PEM certificate and key: serve HTTPS (cookies are then ``Secure``).
    tls_cert: str | None = None
    tls_key: str | None = None

    @model_validator(mode="after")
    def _tls_pair(self) -> "WorkspaceSettings":
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if not _is_loopback(self.host) and self.tls_cert is None:
            raise ValueError(f"host {self.host!r} is reachable from other machines: serve it with tls_cert and tls_key")
        return self


class Settings(_Strict):
    """All platform settings, as read from ``conf/lakewarden.yaml``."""

    lake: LakeSettings = LakeSettings()
    engine: EngineSettings = EngineSettings()
    audit: AuditSettings = AuditSettings()
    keys: KeySettings = KeySettings()
    classification: ClassificationSettings = ClassificationSettings()
    storage: StorageSettings = StorageSettings()
    workspace: WorkspaceSettings = WorkspaceSettings()
    policy: str = "conf/policy.yaml"
    recognizers: str = "conf/recognizers.yaml"

    @property
    def system_root(self) -> str:
        """The folder holding Lakewarden's own tables."""
        return join_path(self.lake.root, self.lake.system_dir)

    def system_table(self, name: str) -> str:
        """Path of one of Lakewarden's own tables (``catalog``, ``audit``, ``usage`` ...)."""
        return join_path(self.system_root, name)

    @property
    def audit_path(self) -> str:
        """Path of the audit log."""
        if self.audit.path:
            return self.audit.path
        return self.system_table("audit.jsonl" if self.audit.sink == "jsonl" else "audit")


def join_path(base: str, *parts: str) -> str:
    """Join a local path or object-store URL with more parts."""
    if "://" in base:
        return "/".join([base.rstrip("/"), *[p.strip("/") for p in parts]])
    return str(Path(base, *parts))


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = name[len(ENV_PREFIX):].lower().split("__")
        cur = out
        for part in path[:-1]:
            cur = cur.setdefault(part, {})
            if not isinstance(cur, dict):
                raise ConfigError(f"environment {name}: conflicts with another LAKEWARDEN_ override")
        cur[path[-1]] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(
    path: str | Path | None = None,
    *,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Load settings from YAML, then apply environment and explicit overrides.

    Args:
        path: Settings file. Default: ``$LAKEWARDEN_CONFIG`` or ``conf/lakewarden.yaml``;
            a missing default file means all defaults, a missing named file is an error.
        environ: Environment to read ``LAKEWARDEN_*`` overrides from (default ``os.environ``).
        overrides: Nested overrides from the command line (highest precedence).

    Raises:
        ConfigError: With file, line, key path and valid choices.
    """
    env = dict(os.environ if environ is None else environ)
    explicit = path is not None or "LAKEWARDEN_CONFIG" in env
    cfg_path = Path(path if path is not None else env.get("LAKEWARDEN_CONFIG", DEFAULT_CONFIG))
    data: Any = {}
    node = None
    if cfg_path.exists():
        try:
            text = cfg_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{cfg_path}: cannot read settings: {exc}") from None
        data, node = parse_yaml_text(text, source=str(cfg_path))
        data = data or {}
    elif explicit:
        raise ConfigError(f"{cfg_path}: settings file not found")
    if not isinstance(data, dict):
        raise ConfigError(f"{cfg_path}:1: expected a mapping at the top level")
    env_over = _env_overrides(env)
    if env_over:
        try:
            validate_data(Settings, _merge(data, env_over), source=f"{cfg_path} + LAKEWARDEN_* environment", node=node)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (variables set: {', '.join(sorted(k for k in env if k.startswith(ENV_PREFIX) and '__' in k))})") from None
        data = _merge(data, env_over)
    if overrides:
        data = _merge(data, overrides)
    return validate_data(Settings, data, source=str(cfg_path), node=node)
