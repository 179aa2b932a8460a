"""The :class:`KeyProvider` ABC: whoever holds the key-encryption keys (KEKs).

A provider never hands out a KEK. It generates data keys and returns them both in plaintext
(kept in memory only) and wrapped (the only form ever stored), wraps and unwraps data keys in
batches, computes the subject-index HMAC used to find a data subject's keys, and exposes the
*public* half of the asymmetric key used for randomized ``encrypt`` actions. Only a role
allowed to decrypt can unwrap with the private half, which never leaves the provider.

KEK names (``Kek``):

* ``data`` - wraps domain data keys (AES-SIV token keys, HMAC keys).
* ``subject`` - wraps per-subject keys (crypto-shredding).
* ``encrypt`` - asymmetric (RSA-OAEP-SHA256): wraps the data keys of ``encrypt`` actions.
* ``index`` - keyed HMAC giving each data subject a pseudonymous reference.
"""

from __future__ import annotations

import base64
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from governance.errors import AccessDeniedError, KeyProviderError

Kek = Literal["data", "subject", "encrypt", "index"]
WrapKek = Literal["data", "subject", "encrypt"]
Role = Literal["admin", "classifier", "protector", "revealer", "eraser", "local"]
ROLES: tuple[str, ...] = ("classifier", "protector", "revealer", "eraser")
#: Transit batch limit: the server refuses larger JSON bodies.
MAX_BATCH = 200

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def chunks(items: Sequence[str], size: int = MAX_BATCH) -> list[Sequence[str]]:
    """Split ``items`` into batches of at most ``size`` (Transit refuses larger requests)."""
    return [items[i: i + size] for i in range(0, len(items), size)]


def wrapped_version(wrapped: str) -> int:
    """Key version from a ``<scheme>:v<n>:<b64>`` wrapped key.

    Raises:
        KeyProviderError: Malformed wrapped key.
    """
    parts = wrapped.split(":", 2)
    if len(parts) != 3 or not parts[1].startswith("v") or not parts[1][1:].isdigit():
        raise KeyProviderError("malformed wrapped key (expected <scheme>:v<n>:<base64>)")
    return int(parts[1][1:])


class KeyProvider(ABC):
    """Holder of the key-encryption keys. See the module docstring for the KEK names."""

    #: ``vault`` or ``local``; also the prefix of wrapped keys.
    scheme: str = ""

    def __init__(self, *, role: Role) -> None:
        self.role = role

    def __repr__(self) -> str:
        return f"{type(self).__name__}(role={self.role!r})"

    @abstractmethod
    def describe(self) -> str:
        """Where the keys live (URL or keyring path), for plans and audit entries."""

    @abstractmethod
    def check(self) -> None:
        """Authenticate and verify the provider is reachable.

        Raises:
            AuthenticationError: Credentials refused.
            KeyServerUnavailableError: Server unreachable (transient).
        """

    @abstractmethod
    def generate_data_key(self, *, bits: int) -> tuple[bytes, str]:
        """Return a fresh data key as (plaintext, wrapped under the ``data`` KEK)."""

    @abstractmethod
    def wrap(self, kek: Literal["data", "subject"], keys: Sequence[bytes]) -> list[str]:
        """Wrap data keys under a symmetric KEK (batched)."""

    @abstractmethod
    def unwrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[bytes]:
        """Unwrap data keys (batched). For ``encrypt`` this uses the private half.

        Raises:
            AccessDeniedError: The role may not unwrap under this KEK.
        """

    @abstractmethod
    def rewrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[str]:
        """Re-wrap under the newest KEK version without exposing the data keys (batched)."""

    @abstractmethod
    def subject_refs(self, subjects: Sequence[str]) -> list[str]:
        """Pseudonymous reference per subject value (keyed HMAC under the ``index`` KEK, version 1)."""

    @abstractmethod
    def public_key_pem(self) -> tuple[int, bytes]:
        """The newest version and PEM public key of the ``encrypt`` KEK."""

    @abstractmethod
    def kek_versions(self) -> dict[str, int]:
        """Newest version of each KEK."""

    @abstractmethod
    def rotate_kek(self, kek: WrapKek) -> int:
        """Create a new KEK version; return it. (Admin only on Vault.)"""

    def wrap_public(self, keys: Sequence[bytes]) -> list[str]:
        """Wrap data keys with the public half of the ``encrypt`` KEK, locally.

        The result has the provider's ciphertext format, so only a holder of the private half
        (the revealer, through the provider) can unwrap it.
        """
        version, pem = self.public_key_pem()
        pub = serialization.load_pem_public_key(pem)
        if not isinstance(pub, rsa.RSAPublicKey):
            raise KeyProviderError("the encrypt key is not an RSA key; hybrid encryption needs rsa-2048/3072/4096")
        return [f"{self.scheme}:v{version}:{base64.b64encode(pub.encrypt(k, OAEP)).decode()}" for k in keys]

    def close(self) -> None:
        """Forget credentials and tokens."""


class NoKeyAccess(KeyProvider):
    """A provider that holds no key at all: for dry runs and for the ``classifier`` role.

    Every key operation raises :class:`~governance.errors.AccessDeniedError`.
    """

    scheme = "none"

    def __init__(self, *, role: Role = "classifier", why: str = "this run has no key access") -> None:
        super().__init__(role=role)
        self.why = why

    def _deny(self, what: str) -> AccessDeniedError:
        return AccessDeniedError(f"role '{self.role}' cannot {what}: {self.why}")

    def describe(self) -> str:
        return f"no key access ({self.why})"

    def check(self) -> None:
        return None

    def generate_data_key(self, *, bits: int) -> tuple[bytes, str]:
        raise self._deny("generate data keys")

    def wrap(self, kek: Literal["data", "subject"], keys: Sequence[bytes]) -> list[str]:
        raise self._deny("wrap keys")

    def unwrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[bytes]:
        raise self._deny("unwrap keys")

    def rewrap(self, kek: WrapKek, wrapped: Sequence[str]) -> list[str]:
        raise self._deny("rewrap keys")

    def subject_refs(self, subjects: Sequence[str]) -> list[str]:
        raise self._deny("compute subject references")

    def public_key_pem(self) -> tuple[int, bytes]:
        raise self._deny("read the public key")

    def kek_versions(self) -> dict[str, int]:
        raise self._deny("read key versions")

    def rotate_kek(self, kek: WrapKek) -> int:
        raise self._deny("rotate keys")
