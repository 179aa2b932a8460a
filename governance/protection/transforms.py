"""Pure protection transforms over lists of string-encoded values (no Spark, no key server).

Values arrive as the Spark engine's string form of the original value (``CAST(x AS STRING)``,
binary as base64) and leave in the :mod:`governance.protection.codec` format. ``None`` stays
``None``; a value that is already protected passes through unchanged, so nothing is ever
protected twice. Objects here hold unwrapped key bytes in memory only; their ``repr`` never
shows them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

from governance.errors import InputError
from governance.protection.codec import PROTECTED_RE, decode_spans, format_value, map_span_tokens, split_domain_ref

NONCE_BYTES = 12


def b64e(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Inverse of :func:`b64e`."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_aad(domain: str) -> bytes:
    """Associated data of a deterministic token: names the key domain."""
    return f"lw1:tok:{domain}".encode()


def enc_aad(key_id: str, code: str) -> bytes:
    """Associated data of randomized and per-subject encryption: key id and type code."""
    return f"lw1:{key_id}:{code}".encode()


class _Secret:
    """Mixin whose repr never shows key bytes; pickles without cipher objects (rebuilt on load)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<keys hidden>)"

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()


@dataclass(repr=False)
class TokenTransform(_Secret):
    """Deterministic AES-SIV tokens: equal values in one domain give equal tokens (joinable).

    Args:
        domain: Key domain; the associated data names it.
        version: Domain key version (part of the token).
        key: 64-byte AES-SIV key (unwrapped data key).
        code: Type code of the source column.
    """

    domain: str
    version: int
    key: bytes
    code: str

    def __post_init__(self) -> None:
        self._siv = AESSIV(self.key)
        self._aad = [token_aad(self.domain)]
        self._head = format_value("tok", f"{self.domain}.{self.version}", self.code, "")

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        siv, aad, head, match = self._siv, self._aad, self._head, PROTECTED_RE.match
        seen: dict[str, str] = {}  # deterministic: a value repeated in the batch is encrypted once
        out: list[str | None] = []
        append = out.append
        for v in values:
            if v is None:
                append(v)
                continue
            t = seen.get(v)
            if t is None:
                if match(v):
                    t = v
                else:
                    t = head + base64.urlsafe_b64encode(siv.encrypt(v.encode(), aad)).rstrip(b"=").decode("ascii")
                seen[v] = t
            append(t)
        return out

    def token_of(self, value: str) -> str:
        """The token of one value, even one that looks protected already (a span of free text)."""
        return self._head + base64.urlsafe_b64encode(self._siv.encrypt(value.encode(), self._aad)).rstrip(b"=").decode("ascii")


@dataclass(repr=False)
class EncryptTransform(_Secret):
    """Randomized AES-GCM under one data key (wrapped by the public half of an asymmetric key)."""

    key_id: str
    key: bytes
    code: str

    def __post_init__(self) -> None:
        self._gcm = AESGCM(self.key)
        self._aad = enc_aad(self.key_id, self.code)
        self._head = format_value("enc", self.key_id, self.code, "")

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        gcm, aad, head, match = self._gcm, self._aad, self._head, PROTECTED_RE.match
        out: list[str | None] = []
        for v in values:
            if v is None or match(v):
                out.append(v)
            else:
                nonce = os.urandom(NONCE_BYTES)
                out.append(head + b64e(nonce + gcm.encrypt(nonce, v.encode(), aad)))
        return out


def subject_key(secret: bytes, identity: str) -> tuple[str, bytes]:
    """The key id and AES-256-GCM key of one data subject under one protect pass's keying secret.

    Both are HMAC-SHA256 of the subject's identity under ``secret`` (32 random bytes drawn per
    pass, never stored): equal identities get one key within a pass, so no map from subject to key
    is held, and once the pass forgets ``secret`` each key exists only wrapped in
    ``_lakewarden/subject_keys``, so destroying its row shreds it alone.
    """
    ident = identity.encode()
    key = hmac.new(secret, b"lw1:subject-key:" + ident, hashlib.sha256).digest()
    key_id = "s" + hmac.new(secret, b"lw1:subject-id:" + ident, hashlib.sha256).hexdigest()[:19]
    return key_id, key


@dataclass(repr=False)
class SubjectKeying(_Secret):
    """One protect pass's subject keys, derived on demand (see :func:`subject_key`).

    Args:
        secret: The pass's keying secret (32 bytes; in memory for the job only).
        token_keys: ``<domain>.<version>`` -> AES-SIV key, to detokenize subject values that are
            already tokenized, so a subject keeps one identity before and after tokenizing.
    """

    secret: bytes
    token_keys: Mapping[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._reveal = Revealer(dict(self.token_keys), {}, {})

    def identity(self, subject: str) -> str | None:
        """The plaintext identity of a subject value (None: a token no key here can read)."""
        if subject.startswith("lw1:tok:") and PROTECTED_RE.match(subject):
            if subject.split(":", 3)[2] not in self.token_keys:
                return None
            return self._reveal.reveal_one(subject)
        return subject

    def apply(self, subjects: Sequence[str | None]) -> list[str | None]:
        """The identity of each subject value (a UDF body: one batch)."""
        return [None if s is None else self.identity(s) for s in subjects]

    def key_of(self, identity: str) -> tuple[str, bytes]:
        return subject_key(self.secret, identity)


@dataclass(repr=False)
class SubjectTransform(_Secret):
    """AES-GCM under each data subject's own key (crypto-shredding).

    Args:
        keying: Derives each subject's key (held: one secret, not a key per subject, so the
            transform is the same size for ten subjects or ten million).
        code: Type code of the source column.
    """

    keying: SubjectKeying
    code: str

    def apply(self, values: Sequence[str | None], subjects: Sequence[str | None]) -> list[str | None]:
        out: list[str | None] = []
        cache: dict[str, tuple[AESGCM, bytes, str]] = {}  # per batch: memory bounded by the batch
        for v, s in zip(values, subjects, strict=True):
            if v is None or PROTECTED_RE.match(v):
                out.append(v)
                continue
            if s is None:
                raise ValueError("a row with a value to protect per subject has no subject (subject column is NULL)")
            entry = cache.get(s)
            if entry is None:
                identity = self.keying.identity(s)
                if identity is None:
                    raise ValueError("a tokenized subject value cannot be detokenized with the keys of this job")
                key_id, key = self.keying.key_of(identity)
                entry = (AESGCM(key), enc_aad(key_id, self.code), format_value("sub", key_id, self.code, ""))
                cache[s] = entry
            gcm, aad, head = entry
            nonce = os.urandom(NONCE_BYTES)
            out.append(head + b64e(nonce + gcm.encrypt(nonce, v.encode(), aad)))
        return out


@dataclass(repr=False)
class HashTransform(_Secret):
    """Keyed HMAC-SHA256: irreversible, equal values give equal hashes within a domain."""

    domain: str
    version: int
    key: bytes
    code: str

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        head = format_value("hsh", f"{self.domain}.{self.version}", self.code, "")
        key, match = self.key, PROTECTED_RE.match
        return [
            v if v is None or match(v) else head + b64e(hmac.new(key, v.encode(), hashlib.sha256).digest())
            for v in values
        ]


@dataclass(repr=False)
class MaskTransform(_Secret):
    """Mask letters and digits, keeping separators and the first/last few characters (the shape)."""

    keep_first: int
    keep_last: int
    char: str
    code: str

    def mask(self, text: str) -> str:
        positions = [i for i, ch in enumerate(text) if ch.isalnum()]
        hidden = positions[self.keep_first: len(positions) - self.keep_last if self.keep_last else None]
        chars = list(text)
        for i in hidden:
            chars[i] = self.char
        return "".join(chars)

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        head = format_value("msk", "-", self.code, "")
        return [v if v is None or PROTECTED_RE.match(v) else head + self.mask(v) for v in values]


@dataclass
class RevealCounts:
    """How many values a reveal turned back into plaintext, and why others stayed unreadable."""

    revealed: int = 0
    shredded: int = 0
    irreversible: int = 0
    plaintext: int = 0
    failed: int = 0

    def add(self, other: "RevealCounts") -> None:
        for name in ("revealed", "shredded", "irreversible", "plaintext", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(repr=False)
class Revealer(_Secret):
    """Turns ``tok``/``enc``/``sub``/``spn`` values back into the engine's string form of the original value.

    A ``spn`` value (free text protected span by span) comes back as the original text: every
    span token in it is detokenized, and a value with any span that cannot be comes back ``None``
    (counted as ``failed``), never as partly revealed text.

    Values whose subject key was destroyed (crypto-shredded) come back as ``None`` and are
    counted as ``shredded``; hashes and masks are irreversible and come back as ``None``.

    Args:
        token_keys: ``<domain>.<version>`` -> AES-SIV key.
        enc_keys: data key id -> AES-GCM key (for ``enc``).
        subject_keys: subject key id -> AES-GCM key (missing = destroyed).
    """

    token_keys: Mapping[str, bytes]
    enc_keys: Mapping[str, bytes]
    subject_keys: Mapping[str, bytes]
    counts: RevealCounts = field(default_factory=RevealCounts)

    def __post_init__(self) -> None:
        self._siv: dict[str, AESSIV] = {}
        self._gcm: dict[str, AESGCM] = {}

    def _siv_for(self, keyref: str) -> AESSIV:
        siv = self._siv.get(keyref)
        if siv is None:
            siv = self._siv[keyref] = AESSIV(self.token_keys[keyref])
        return siv

    def _gcm_for(self, key_id: str, source: Mapping[str, bytes]) -> AESGCM | None:
        gcm = self._gcm.get(key_id)
        if gcm is None:
            key = source.get(key_id)
            if key is None:
                return None
            gcm = self._gcm[key_id] = AESGCM(key)
        return gcm

    def reveal_one(self, value: str | None) -> str | None:
        if value is None:
            return None
        if not PROTECTED_RE.match(value):
            self.counts.plaintext += 1
            return value
        _, kind, keyref, code, payload = value.split(":", 4)
        try:
            if kind == "tok":
                domain, _v = split_domain_ref(keyref)
                text = self._siv_for(keyref).decrypt(b64d(payload), [token_aad(domain)])
            elif kind == "spn":
                try:
                    text = decode_spans(payload, self._detokenize).encode()
                except InputError:  # a damaged value or span token: unreadable, like a bad tag
                    self.counts.failed += 1
                    return None
            elif kind in ("enc", "sub"):
                gcm = self._gcm_for(keyref, self.enc_keys if kind == "enc" else self.subject_keys)
                if gcm is None:
                    if kind == "sub":
                        self.counts.shredded += 1
                    else:
                        self.counts.failed += 1
                    return None
                raw = b64d(payload)
                text = gcm.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], enc_aad(keyref, code))
            else:
                self.counts.irreversible += 1
                return None
        except (InvalidTag, ValueError, KeyError):
            self.counts.failed += 1
            return None
        self.counts.revealed += 1
        return text.decode()

    def _detokenize(self, token: str) -> str:
        """The plaintext of one ``lw1:tok`` token (inside a ``spn`` value); raises when it cannot."""
        _, _kind, keyref, _code, payload = token.split(":", 4)
        domain, _v = split_domain_ref(keyref)
        return self._siv_for(keyref).decrypt(b64d(payload), [token_aad(domain)]).decode()

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        return [self.reveal_one(v) for v in values]


@dataclass(repr=False)
class Reencryptor(_Secret):
    """Re-protects values under the newest keys: tokens of older domain versions and ``enc`` values.

    Values it cannot decrypt raise :class:`ValueError` (the job then fails and commits nothing,
    rather than losing data). Per-subject values, hashes and masks pass through unchanged.

    Args:
        revealer: Holds the old keys.
        latest_tok: domain -> (newest version, AES-SIV key).
        new_enc: (key id, key) of the fresh ``encrypt`` data key, or None to leave ``enc`` values.
    """

    revealer: Revealer
    latest_tok: Mapping[str, tuple[int, bytes]]
    new_enc: tuple[str, bytes] | None

    def __post_init__(self) -> None:
        self._tok: dict[tuple[str, str], TokenTransform] = {}
        self._enc: dict[str, EncryptTransform] = {}

    def _one(self, v: str) -> str:
        _, kind, keyref, code, _payload = v.split(":", 4)
        if kind == "tok":
            domain, version = split_domain_ref(keyref)
            latest = self.latest_tok.get(domain)
            if latest is None or version >= latest[0]:
                return v
            plain = self.revealer.reveal_one(v)
            if plain is None:
                raise ValueError(f"a token of domain {domain} version {version} could not be decrypted")
            t = self._tok.get((domain, code))
            if t is None:
                t = self._tok[(domain, code)] = TokenTransform(domain, latest[0], latest[1], code)
            return t.apply([plain])[0] or v
        if kind == "spn":
            domain, version = split_domain_ref(keyref)
            latest = self.latest_tok.get(domain)
            if latest is None or version >= latest[0]:
                return v
            t = self._tok.get((domain, "s"))
            if t is None:
                t = self._tok[(domain, "s")] = TokenTransform(domain, latest[0], latest[1], "s")
            tt = t

            def rekey(token: str) -> str:
                try:
                    return tt.token_of(self.revealer._detokenize(token))
                except (InvalidTag, ValueError, KeyError, InputError):
                    raise ValueError(f"a span token of domain {domain} version {version} could not be decrypted") from None

            try:
                body = map_span_tokens(_payload, rekey)
            except InputError:
                raise ValueError(f"a span-protected value of domain {domain} version {version} is damaged") from None
            return format_value("spn", f"{domain}.{latest[0]}", code, body)
        if kind == "enc" and self.new_enc is not None and keyref != self.new_enc[0]:
            plain = self.revealer.reveal_one(v)
            if plain is None:
                raise ValueError(f"an encrypted value under data key {keyref} could not be decrypted")
            e = self._enc.get(code)
            if e is None:
                e = self._enc[code] = EncryptTransform(self.new_enc[0], self.new_enc[1], code)
            return e.apply([plain])[0] or v
        return v

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        return [v if v is None or not PROTECTED_RE.match(v) else self._one(v) for v in values]
