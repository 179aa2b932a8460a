"""The erasure job's own keys: the identifier-hash key and the receipt signing key.

Both are *derived* through the key provider's subject-index HMAC (``subject_refs``), the one
key operation the least-privileged ``eraser`` role may perform on Vault: the provider
computes HMACs of fixed labels under the ``index`` KEK (which never leaves Vault or the
keyring), and SHA-256 over them gives the 32-byte hash key and the Ed25519 signing seed.
Nothing secret is stored: the keys are re-derived by every run, and only whoever may use
the index KEK can derive them. The Ed25519 *public* key is written to
``<lake>/_lakewarden/erasure_keys.json`` so anyone can verify a receipt; a later derivation
that no longer matches it (the index KEK was replaced) is refused, because the ledger's
hashes could no longer be matched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from governance.config import Settings
from governance.storage import storage_for
from governance.errors import KeyFileError, VerificationFailedError

FORMAT = "lakewarden-erasure-keys/2"
_LABELS = ("lakewarden/erasure/hash/a/v1", "lakewarden/erasure/hash/b/v1",
           "lakewarden/erasure/sign/a/v1", "lakewarden/erasure/sign/b/v1")


class _RefProvider(Protocol):
    def subject_refs(self, subjects: Sequence[str]) -> list[str]: ...


def keys_path(settings: Settings) -> str:
    """Where the public half of the erasure signing key is published (local path or ``s3://`` URL)."""
    return settings.system_table("erasure_keys.json")


@dataclass(repr=False)
class ErasureKeys:
    """Derived erasure keys (memory only; ``repr`` hides them)."""

    hash_key: bytes
    signing_key: Ed25519PrivateKey
    public_key_b64: str

    def __repr__(self) -> str:
        return f"ErasureKeys(public={self.public_key_b64[:12]}..., <private keys hidden>)"

    @property
    def key_id(self) -> str:
        """Fingerprint of the public signing key (names the key in receipts)."""
        return hashlib.sha256(base64.b64decode(self.public_key_b64)).hexdigest()[:16]

    def hmac_key(self) -> bytes:
        """Receipt HMAC key, derived from the hash key (never the same bytes)."""
        return hmac.new(self.hash_key, b"lakewarden-receipt-hmac", hashlib.sha256).digest()

    def sign(self, payload: bytes, *, alg: Literal["ed25519", "hmac"]) -> str:
        """Base64 signature of ``payload``."""
        if alg == "hmac":
            return base64.b64encode(hmac.new(self.hmac_key(), payload, hashlib.sha256).digest()).decode()
        return base64.b64encode(self.signing_key.sign(payload)).decode()


def derive(provider: _RefProvider) -> ErasureKeys:
    """Derive the erasure keys through the provider's index HMAC (one batched call)."""
    a, b, c, d = provider.subject_refs(list(_LABELS))
    hash_key = hashlib.sha256(f"lakewarden-erasure-hash|{a}|{b}".encode()).digest()
    seed = hashlib.sha256(f"lakewarden-erasure-sign|{c}|{d}".encode()).digest()
    priv = Ed25519PrivateKey.from_private_bytes(seed)
    pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return ErasureKeys(hash_key=hash_key, signing_key=priv, public_key_b64=base64.b64encode(pub).decode())


def load_or_create(settings: Settings, provider: _RefProvider) -> ErasureKeys:
    """Derive the lake's erasure keys and publish (first use) or check the public signing key.

    Touches: the key provider (index HMAC) and ``<lake>/_lakewarden/erasure_keys.json``.

    Raises:
        KeyFileError: The published public key does not match: the index KEK changed.
    """
    keys = derive(provider)
    path = keys_path(settings)
    store = storage_for(path)
    try:
        raw = store.read_bytes(path)
    except FileNotFoundError:
        raw = None
    if raw is not None:
        try:
            published = json.loads(raw.decode("utf-8"))["public_key"]
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            raise KeyFileError(f"{path}: erasure key file unreadable ({type(exc).__name__})") from None
        if published != keys.public_key_b64:
            raise KeyFileError(
                f"{path}: the erasure keys derived from the key provider do not match the ones this lake's ledger "
                "and receipts were made with (was the index KEK or the keyring replaced?)"
            )
        return keys
    doc = json.dumps({"format": FORMAT, "public_key": keys.public_key_b64, "key_id": keys.key_id}, indent=1).encode("utf-8")
    if not store.put_if_absent(path, doc):  # first writer wins; a concurrent creator compares against it
        return load_or_create(settings, provider)
    return keys


def public_key(settings: Settings) -> tuple[str, str]:
    """``(key_id, base64 public key)`` of the lake's receipt signing key (no provider needed).

    Raises:
        KeyFileError: No erasure keys exist in this lake.
    """
    path = keys_path(settings)
    try:
        pub = json.loads(storage_for(path).read_bytes(path).decode("utf-8"))["public_key"]
    except (OSError, ValueError, KeyError) as exc:
        raise KeyFileError(f"{path}: no erasure signing key in this lake ({type(exc).__name__})") from None
    return hashlib.sha256(base64.b64decode(pub)).hexdigest()[:16], pub


def verify_signature(payload: bytes, signature_b64: str, *, alg: str, public_key_b64: str | None = None,
                     hmac_key: bytes | None = None) -> None:
    """Check a receipt signature.

    Raises:
        VerificationFailedError: The signature does not match (the receipt was edited).
    """
    sig = base64.b64decode(signature_b64)
    if alg == "hmac":
        if hmac_key is None:
            raise VerificationFailedError("an HMAC-signed receipt needs the erasure key to verify")
        if not hmac.compare_digest(sig, hmac.new(hmac_key, payload, hashlib.sha256).digest()):
            raise VerificationFailedError("receipt signature does not match its content (HMAC): the receipt was altered")
        return
    if alg != "ed25519" or public_key_b64 is None:
        raise VerificationFailedError(f"unknown receipt signature algorithm {alg!r}")
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64)).verify(sig, payload)
    except InvalidSignature:
        raise VerificationFailedError("receipt signature does not match its content (Ed25519): the receipt was altered") from None
