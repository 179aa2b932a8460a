"""The audit chain's head, anchored outside the lake.

A hash chain shows an entry removed, edited or reordered *inside* the log; it cannot show that the
newest entries, or the whole log, were cut off. So after every append the head (sequence number and
hash of the last entry) is also written where whoever can write the lake cannot:

* :class:`VaultKVAnchor` (``keys.provider: vault``): a KV v2 secret on the key server (versioned),
  under ``<audit_kv_mount>/anchors/<lake id>``, writable by the job roles only.
* :class:`LocalSignedAnchor` (``keys.provider: local``): a JSON file in ``audit.anchor_dir``
  (default ``~/.lakewarden/anchors``, outside the lake) signed with an Ed25519 key derived from the
  master key, so it cannot be rewritten without the master key.

:func:`check_anchor` compares the chain with the anchor. What it detects, and what it cannot, is
listed in the README (Audit log).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import AuditIntegrityError, ConfigError

if TYPE_CHECKING:
    from governance.audit import AuditEntry
    from governance.config import Settings

#: Which role a job uses to write the anchor on the key server (every job role may write it).
_ROLE_OF_JOB = {"protect": "protector", "keys": "protector", "reveal": "revealer", "erase": "eraser", "retention": "eraser"}


@dataclass(frozen=True)
class AnchorHead:
    """The last entry of the chain as recorded outside the lake."""

    seq: int
    hash: str
    ts: str
    log: str

    def payload(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


class AuditAnchor(ABC):
    """Where the chain head is kept outside the lake."""

    location: str

    @abstractmethod
    def write(self, head: AnchorHead) -> None:
        """Record ``head`` (after every append)."""

    @abstractmethod
    def read(self) -> AnchorHead | None:
        """The recorded head (None: no anchor exists).

        Raises:
            AuditIntegrityError: An anchor exists but was forged or is unreadable.
        """


def lake_id(log_location: str) -> str:
    """A stable name for one audit log (its location), used to name its anchor."""
    return hashlib.sha256(log_location.rstrip("/").encode()).hexdigest()[:24]


class LocalSignedAnchor(AuditAnchor):
    """An Ed25519-signed head file outside the lake (embedded key provider)."""

    def __init__(self, *, folder: str, log_location: str, master_key: bytes) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.hashes import SHA256
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        seed = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"lakewarden audit anchor v1").derive(master_key)
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.path = Path(os.path.expanduser(folder)) / f"{lake_id(log_location)}.json"
        self.location = str(self.path)

    def __repr__(self) -> str:
        return f"LocalSignedAnchor({self.location!r})"

    def write(self, head: AnchorHead) -> None:
        doc = {**asdict(head), "sig": base64.b64encode(self._key.sign(head.payload())).decode()}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".anchor-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def read(self) -> AnchorHead | None:
        from cryptography.exceptions import InvalidSignature

        if not self.path.exists():
            return None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            head = AnchorHead(seq=int(doc["seq"]), hash=str(doc["hash"]), ts=str(doc["ts"]), log=str(doc["log"]))
            self._key.public_key().verify(base64.b64decode(doc["sig"]), head.payload())
        except InvalidSignature:
            raise AuditIntegrityError(f"audit anchor {self.path} was rewritten: its signature does not match "
                                      "(signed with a key derived from the master key)") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditIntegrityError(f"audit anchor {self.path} is unreadable ({type(exc).__name__})") from None
        return head


class VaultKVAnchor(AuditAnchor):
    """The head as a versioned KV v2 secret on the key server (Vault/OpenBao)."""

    def __init__(self, *, settings: "Settings", log_location: str, role: str) -> None:
        self._settings = settings
        self._role = role
        self._mount = settings.keys.vault.audit_kv_mount
        self._path = f"anchors/{lake_id(log_location)}"
        self.location = f"{settings.keys.vault.url} {self._mount}/{self._path}"
        self._client: Any = None

    def __repr__(self) -> str:
        return f"VaultKVAnchor({self.location!r}, role={self._role!r})"

    def _kv(self) -> Any:
        if self._client is None:
            from governance.keys.vault import VaultKeyProvider

            self._client = VaultKeyProvider.for_role(self._settings.keys.vault, self._role)  # type: ignore[arg-type]
        return self._client

    def write(self, head: AnchorHead) -> None:
        self._kv().kv_write(self._mount, self._path, asdict(head))

    def read(self) -> AnchorHead | None:
        d = self._kv().kv_read(self._mount, self._path)
        if d is None:
            return None
        try:
            return AnchorHead(seq=int(d["seq"]), hash=str(d["hash"]), ts=str(d["ts"]), log=str(d["log"]))
        except (KeyError, ValueError, TypeError):
            raise AuditIntegrityError(f"audit anchor {self.location} is unreadable") from None


def make_anchor(settings: "Settings", *, job: str) -> AuditAnchor:
    """The anchor of the lake's audit log for ``keys.provider``.

    Raises:
        ConfigError: The local provider's master key is not set (the anchor is signed with it).
    """
    log = settings.audit_path
    if settings.keys.provider == "vault":
        return VaultKVAnchor(settings=settings, log_location=log, role=_ROLE_OF_JOB.get(job, "classifier"))
    env = settings.keys.local.master_key_env
    text = os.environ.get(env)
    if not text:
        raise ConfigError(f"the audit log's anchor is signed with a key derived from the master key: set ${env} "
                          "(keys.provider local), or use keys.provider vault")
    from governance.keys.local import parse_master_key

    return LocalSignedAnchor(folder=settings.audit.anchor_dir, log_location=log, master_key=parse_master_key(text, env=env))


def check_anchor(entries: list["AuditEntry"], head: AnchorHead | None, *, log: str, anchor: str) -> list[str]:
    """Problems between the chain ``entries`` (storage order) and the anchored ``head``."""
    if not entries and head is None:
        return [f"no audit log at {log} and no anchor at {anchor}: nothing was ever recorded here, or both were "
                "removed (check the lake path)"]
    if not entries:
        assert head is not None
        return [f"the audit log at {log} is missing or empty, but its anchor records {head.seq} entries "
                f"(last written {head.ts}): the log was deleted"]
    if head is None:
        return [f"the audit anchor is missing ({anchor}): the log's {len(entries)} entries cannot be checked for "
                "a removed tail"]
    by_seq = {e.seq: e for e in entries}
    last = max(e.seq for e in entries)
    if last < head.seq:
        return [f"entries #{last + 1}..#{head.seq} were removed from the end of the log: the anchor records #{head.seq} "
                f"(written {head.ts}), the log ends at #{last}"]
    anchored = by_seq.get(head.seq)
    if anchored is None:
        return [f"entry #{head.seq}, the anchored head, is missing from the log"]
    if anchored.hash != head.hash:
        return [f"entry #{head.seq} was rewritten: its hash differs from the anchored one (the log's head was replaced)"]
    if last > head.seq:
        return [f"entries #{head.seq + 1}..#{last} are not anchored: appended without the anchor (by someone "
                "bypassing Lakewarden, or a job that stopped between writing the entry and its anchor)"]
    return []
