"""The embedded key provider: a keyring file encrypted under a master key from the environment.

The keyring (default ``<lake root>/_lakewarden/keyring.json``) holds every KEK version, the
subject-index HMAC key and the RSA private key, all sealed with AES-GCM under the master key
(32 bytes, base64 or hex, in ``$LAKEWARDEN_MASTER_KEY``). The file must be readable by its
owner only; a file open to group or others is refused. Roles are not enforced locally: the
embedded provider is for a single operator's laptop or CI, Vault is for shared clusters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from governance.storage import canonical, is_s3, storage_for
from governance.errors import KeyFileError, KeyNotFoundError, KeyProviderError
from governance.keys.base import OAEP, KeyProvider, WrapKek, wrapped_version

FORMAT = "lakewarden-keyring/1"
_FILE_AAD = b"lakewarden-keyring/1"


def parse_master_key(text: str, *, env: str) -> bytes:
    """Decode a 32-byte master key given as base64 or hex.

    Raises:
        KeyFileError: Not 32 bytes (the message names the variable, never the value).
    """
    text = text.strip()
    candidates: list[bytes] = []
    try:
        candidates.append(bytes.fromhex(text))
    except ValueError:
        pass
    try:
        candidates.append(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        pass
    try:
        candidates.append(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        pass
    for c in candidates:
        if len(c) == 32:
            return c
    raise KeyFileError(f"master key in ${env} must be 32 bytes, base64 or hex encoded (generate one with `openssl rand -base64 32`)")


def new_master_key() -> str:
    """A fresh base64 master key (for ``keys bootstrap`` with the local provider)."""
    return base64.b64encode(os.urandom(32)).decode()


class LocalKeyProvider(KeyProvider):
    """KEKs in an encrypted keyring file. See the module docstring.

    Args:
        keyring_path: The keyring file (created, mode 0600, on first use).
        master_key: 32-byte master key.
        create: Create the keyring if missing (otherwise a missing file is an error).
    """

    scheme = "local"

    def __init__(self, *, keyring_path: str, master_key: bytes, create: bool = True) -> None:
        super().__init__(role="local")
        self.path = Path(keyring_path)
        #: A lake on S3 keeps the (sealed) keyring in the bucket; the master key never leaves the job.
        self._url = canonical(keyring_path) if is_s3(keyring_path) else None
        self._master = AESGCM(master_key)
        self._create = create
        self._ring: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"local keyring {self._url or self.path}"

    # -- file -----------------------------------------------------------------------------
    def _check_mode(self) -> None:
        st = self.path.stat()
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"keyring {self.path} is accessible by group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                f"run `chmod 600 {self.path}`"
            )

    def _load(self) -> dict[str, Any]:
        if self._ring is not None:
            return self._ring
        if self._url is not None:
            return self._load_object(self._url)
        if not self.path.exists():
            if not self._create:
                raise KeyFileError(f"keyring {self.path} does not exist; create it with `lakewarden keys bootstrap`")
            self._ring = self._new_ring()
            self._save()
            return self._ring
        self._check_mode()
        return self._unseal(self.path.read_text(encoding="utf-8"))

    def _load_object(self, url: str) -> dict[str, Any]:
        try:
            text = storage_for(url).read_bytes(url).decode("utf-8")
        except FileNotFoundError:
            if not self._create:
                raise KeyFileError(f"keyring {url} does not exist; create it with `lakewarden keys bootstrap`") from None
            ring = self._new_ring()
            # First creation is put-if-absent: a keyring another job created meanwhile is never replaced.
            if storage_for(url).put_if_absent(url, self._sealed(ring).encode("utf-8")):
                self._ring = ring
                return ring
            text = storage_for(url).read_bytes(url).decode("utf-8")
        return self._unseal(text)

    def _unseal(self, text: str) -> dict[str, Any]:
        try:
            outer = json.loads(text)
            if outer.get("format") != FORMAT:
                raise KeyFileError(f"keyring {self.path}: unknown format {outer.get('format')!r}")
            raw = base64.b64decode(outer["sealed"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(f"keyring {self.path} is unreadable or not a keyring ({type(exc).__name__})") from None
        try:
            inner = self._master.decrypt(raw[:12], raw[12:], _FILE_AAD)
        except InvalidTag:
            raise KeyFileError(f"keyring {self.path} cannot be opened: wrong master key or the file was tampered with") from None
        self._ring = json.loads(inner)
        return self._ring

    def _save(self) -> None:
        assert self._ring is not None
        body = self._sealed(self._ring)
        if self._url is not None:
            storage_for(self._url).write_bytes(self._url, body.encode("utf-8"))
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=str(self.path.parent))
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _sealed(self, ring: dict[str, Any]) -> str:
        nonce = os.urandom(12)
        sealed = nonce + self._master.encrypt(nonce, json.dumps(ring).encode(), _FILE_AAD)
        return json.dumps({"format": FORMAT, "sealed": base64.b64encode(sealed).decode()})

    @staticmethod
    def _new_ring() -> dict[str, Any]:
        priv = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return {
            "data": {"1": base64.b64encode(os.urandom(32)).decode()},
            "subject": {"1": base64.b64encode(os.urandom(32)).decode()},
            "index": base64.b64encode(os.urandom(32)).decode(),
            "encrypt": {"1": pem.decode()},
        }

    # -- helpers --------------------------------------------------------------------------
    def _sym(self, kek: str, version: int | None = None) -> tuple[int, AESGCM]:
        versions: dict[str, str] = self._load()[kek]
        v = max(int(k) for k in versions) if version is None else version
        if str(v) not in versions:
            raise KeyNotFoundError(f"local keyring {self.path}: {kek} KEK version {v} does not exist")
        return v, AESGCM(base64.b64decode(versions[str(v)]))

    def _private(self, version: int) -> rsa.RSAPrivateKey:
        pems: dict[str, str] = self._load()["encrypt"]
        if str(version) not in pems:
            raise KeyNotFoundError(f"local keyring {self.path}: encrypt KEK version {version} does not exist")
        key = serialization.load_pem_private_key(pems[str(version)].encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def _wrap_one(self, kek: str, key: bytes) -> str:
        v, gcm = self._sym(kek)
        nonce = os.urandom(12)
        return f"local:v{v}:{base64.b64encode(nonce + gcm.encrypt(nonce, key, kek.encode())).decode()}"

    # -- interface ------------------------------------------------------------------------
    def check(self) -> None:
        self._load()

    def generate_data_key(self, *, bits: int) -> tuple[bytes, str]:
        key = os.urandom(bits // 8)
        return key, self._wrap_one("data", key)

    def wrap(self, kek: Literal["data", "subject"], keys: Sequence[bytes]) -> list[str]:
        return [self._wrap_one(kek, k) for k in keys]

    def unwrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[bytes]:
        out = []
        for w in wrapped:
            v = wrapped_version(w)
            raw = base64.b64decode(w.split(":", 2)[2])
            try:
                if kek == "encrypt":
                    out.append(self._private(v).decrypt(raw, OAEP))
                else:
                    out.append(self._sym(kek, v)[1].decrypt(raw[:12], raw[12:], kek.encode()))
            except (InvalidTag, ValueError):
                raise KeyProviderError(f"local keyring {self.path}: a wrapped {kek} data key failed to unwrap (tampered or wrong KEK)") from None
        return out

    def rewrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[str]:
        keys = self.unwrap(kek, wrapped)
        return self.wrap_public(keys) if kek == "encrypt" else self.wrap(kek, keys)

    def subject_refs(self, subjects: Sequence[str]) -> list[str]:
        key = base64.b64decode(self._load()["index"])
        return [hmac.new(key, s.encode(), hashlib.sha256).hexdigest()[:32] for s in subjects]

    def public_key_pem(self) -> tuple[int, bytes]:
        pems: dict[str, str] = self._load()["encrypt"]
        v = max(int(k) for k in pems)
        pub = self._private(v).public_key()
        return v, pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def kek_versions(self) -> dict[str, int]:
        ring = self._load()
        return {k: max(int(v) for v in ring[k]) for k in ("data", "subject", "encrypt")} | {"index": 1}

    def rotate_kek(self, kek: WrapKek) -> int:
        ring = self._load()
        v = max(int(k) for k in ring[kek]) + 1
        if kek == "encrypt":
            priv = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            ring[kek][str(v)] = priv.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
        else:
            ring[kek][str(v)] = base64.b64encode(os.urandom(32)).decode()
        self._save()
        return v

    def close(self) -> None:
        self._ring = None
