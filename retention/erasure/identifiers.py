"""A data subject's identifiers: parsing, normalization, keyed hashes and candidate extraction.

Identifiers are given as ``KEY=VALUE``. ``KEY`` is either an entity (``EMAIL_ADDRESS``,
``US_SSN`` ...; every catalogued column holding that entity is searched) or a column name
(``customer_id``; every column of that name is searched). Each identifier has a
normalization *kind* so that equal identities compare equal however they were typed
(``Jane@X.com`` and ``jane@x.com``; ``(555) 123-4567`` and ``+1 555 123 4567``).

Nothing here stores a raw value: the ledger keeps ``HMAC-SHA256(erasure key, kind:normalized)``
only. The same hash can be computed inside Spark (:func:`spark_hash_expr`, SHA-256 over the
key and the normalized value) so that matching runs in the engine without the raw identifier
ever appearing in a predicate or the Delta log.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from governance.errors import InputError
from governance.protection.codec import PREFIX, SPAN_TOKEN_RE

Kind = Literal["email", "phone", "compact", "name", "text"]
KINDS: tuple[Kind, ...] = ("email", "phone", "compact", "name", "text")

#: Entities and the normalization used for them; any other entity uses ``text``.
ENTITY_KINDS: dict[str, Kind] = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "US_SSN": "compact",
    "US_ITIN": "compact",
    "US_PASSPORT": "compact",
    "US_DRIVER_LICENSE": "compact",
    "CREDIT_CARD": "compact",
    "IBAN_CODE": "compact",
    "US_BANK_NUMBER": "compact",
    "ACCOUNT_NUMBER": "compact",
    "BANK_ACCOUNT": "compact",
    "TAX_ID": "compact",
    "UK_NINO": "compact",
    "PERSON": "name",
    "IP_ADDRESS": "text",
    "CUSTOMER_ID": "text",
}
#: Kinds searched inside free text (and by the every-byte verification scan in any column).
#: ``text`` identifiers (ids, plain numbers) are only compared whole, in their own columns:
#: ``42`` inside other text is not the subject.
STRONG_KINDS: frozenset[str] = frozenset({"email", "phone", "compact", "name"})

#: What a normalized value of an entity can look like: candidates of another shape are never
#: hashed (a scan of free text tries far fewer candidates). Only the entity type is used,
#: nothing about the subject's own value.
SHAPES: dict[str, str] = {
    "US_SSN": r"\d{9}",
    "US_ITIN": r"9\d{8}",
    "CREDIT_CARD": r"\d{12,19}",
    "IBAN_CODE": r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}",
    "US_BANK_NUMBER": r"\d{6,17}",
    "ACCOUNT_NUMBER": r"[A-Z0-9]{6,34}",
    "BANK_ACCOUNT": r"[A-Z0-9]{6,34}",
    "US_PASSPORT": r"[A-Z0-9]{6,9}",
    "US_DRIVER_LICENSE": r"[A-Z0-9]{4,20}",
    "TAX_ID": r"[A-Z0-9]{6,20}",
    "UK_NINO": r"[A-Z]{2}\d{6}[A-D]",
}
_KIND_SHAPES: dict[str, str] = {"email": r"[^@\s]+@[^@\s]+", "phone": r"\d{7,15}", "compact": r"[A-Z0-9]{4,34}"}

_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,127}$")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_PHONE_RE = re.compile(r"\+?\d[\d\s().\-]{5,}\d")
_GROUPS_RE = re.compile(r"[A-Za-z0-9]+(?:[ \-][A-Za-z0-9]+)*")
_SEP_RE = re.compile(r"[ \-]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
TOKEN_RE = re.compile(r"^lw1:(tok|hsh):([A-Za-z0-9_.\-]+):[A-Za-z0-9_.]+:(.+)$")
#: Start of a span-protected free text (governance.protection.codec, kind ``spn``).
SPN_PREFIX = f"{PREFIX}spn:"
_MAX_NGRAM = 4
MAX_GROUPS = 6


@dataclass(frozen=True)
class Identifier:
    """One identifier of a request, as given (in memory only; never stored or logged)."""

    key: str
    value: str
    is_entity: bool

    @property
    def kind(self) -> Kind:
        """Normalization kind: from the entity, or guessed from a column name."""
        if self.is_entity:
            return ENTITY_KINDS.get(self.key, "text")
        return kind_for_column(self.key)

    def __repr__(self) -> str:  # never show the value
        return f"Identifier(key={self.key!r}, value=<hidden>)"


def kind_for_column(name: str) -> Kind:
    """Normalization kind of a column key from its name (``email`` -> email, ``ssn`` -> compact ...)."""
    n = name.lower()
    if "mail" in n:
        return "email"
    if re.search(r"phone|mobile|msisdn|(^|_)tel(_|$)", n):
        return "phone"
    if re.search(r"ssn|iban|card_?(number|no|num)|account_?(number|no|num)|passport|itin|license|tax", n):
        return "compact"
    if re.search(r"(^|_)(first|last|full|given|family|middle|sur)_?name$|^(customer|holder|cardholder)_?name$|^name$", n):
        return "name"
    return "text"


def parse_subject(pairs: Iterable[str], *, known_entities: Iterable[str] = ()) -> list[Identifier]:
    """Parse ``KEY=VALUE`` arguments.

    ``KEY`` in upper case that names a known entity is an entity key; anything else is a
    column name.

    Raises:
        InputError: A pair is malformed or a value is empty/normalizes to nothing (the message
            names the key, never the value).
    """
    entities = set(ENTITY_KINDS) | {e.upper() for e in known_entities}
    out: list[Identifier] = []
    for n, raw in enumerate(pairs, start=1):
        if "=" not in raw:
            # never echo it: without "=" the whole argument may be the identifier itself
            raise InputError(f"subject identifier #{n} is not KEY=VALUE (e.g. EMAIL_ADDRESS=jane@example.com); "
                             "it is not shown because it may be the identifier itself")
        key, value = raw.split("=", 1)
        key = key.strip()
        if not _KEY_RE.match(key):
            # not shown either: text that is no column name may be part of the identifier
            raise InputError(f"subject identifier #{n}: the part before '=' is not an entity or column name "
                             "(letters, digits and _ only)")
        is_entity = key.upper() == key and key in entities
        ident = Identifier(key=key, value=value.strip(), is_entity=is_entity)
        if not ident.value or not normalize(ident.value, ident.kind):
            raise InputError(f"subject identifier {key}: the value is empty or not a valid {ident.kind} identifier")
        if ident.kind == "email" and not _EMAIL_RE.fullmatch(ident.value):
            raise InputError(f"subject identifier {key}: the value is not an e-mail address")
        if ident.kind == "phone" and len(normalize(ident.value, "phone")) < 7:
            raise InputError(f"subject identifier {key}: the value is not a phone number (fewer than 7 digits)")
        out.append(ident)
    if not out:
        raise InputError("an erasure request needs at least one --subject KEY=VALUE")
    return out


def normalize(value: str, kind: Kind) -> str:
    """The canonical form of ``value`` for ``kind`` (must equal :func:`spark_normalize_sql`)."""
    v = value.strip()
    if kind == "email":
        return v.lower()
    if kind == "phone":
        d = re.sub(r"[^0-9]", "", v)
        return d[1:] if len(d) == 11 and d.startswith("1") else d
    if kind == "compact":
        return re.sub(r"[\s\-]", "", v).upper()
    if kind == "name":
        return re.sub(r"\s+", " ", v).lower()
    return v


def spark_normalize_sql(col_sql: str, kind: Kind) -> str:
    """SQL expression computing :func:`normalize` of the string column ``col_sql``."""
    c = f"CAST({col_sql} AS STRING)"
    if kind == "email":
        return f"lower(trim({c}))"
    if kind == "phone":
        d = f"regexp_replace({c}, '[^0-9]', '')"
        return f"(CASE WHEN length({d}) = 11 AND substring({d}, 1, 1) = '1' THEN substring({d}, 2) ELSE {d} END)"
    if kind == "compact":
        return f"upper(regexp_replace(trim({c}), '[\\\\s\\\\-]', ''))"
    if kind == "name":
        return f"lower(regexp_replace(trim({c}), '\\\\s+', ' '))"
    return f"trim({c})"


@dataclass(frozen=True)
class Shape:
    """The union of the shapes a kind's identifiers can have, with cheap bounds checked first."""

    pattern: re.Pattern[str]
    min_len: int
    max_len: int
    min_digits: int

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(text)


_LEN_RE = re.compile(r"\{(\d+)(?:,(\d+))?\}")


def _bounds(pattern: str) -> tuple[int, int, int]:
    """(min length, max length, min digits) of a simple shape pattern (fixed parts plus {m,n} runs)."""
    lo = hi = digits = 0
    for atom, _, m, n in re.findall(r"(\\d|\[[^\]]+\]|[A-Za-z0-9@^.+\\s-]|\\S|\\s)(\{(\d+)(?:,(\d+))?\}|\+)?", pattern):
        a, b = (int(m), int(n or m)) if m else (1, 1)
        if "+" in pattern and not m and atom in ("[^@\\s]",):
            b = 10_000
        lo += a
        hi += b
        if atom == "\\d":
            digits += a
    return lo, max(hi, lo), digits


def shapes_by_kind(idents: Iterable[dict[str, object]]) -> dict[str, Shape | None]:
    """Per kind, the pattern every normalized candidate must fully match (None: no constraint)."""
    parts: dict[str, list[str] | None] = {}
    for i in idents:
        kind = str(i["kind"])
        shape = SHAPES.get(str(i["key"])) if i.get("entity") else None
        shape = shape or _KIND_SHAPES.get(kind)
        if shape is None:
            parts[kind] = None
        elif parts.get(kind, []) is not None:
            parts.setdefault(kind, [])
            parts[kind].append(shape)  # type: ignore[union-attr]
    out: dict[str, Shape | None] = {}
    for k, v in parts.items():
        if not v:
            out[k] = None
            continue
        pats = sorted(set(v))
        bounds = [_bounds(p) for p in pats] if k == "compact" else [(1, 10_000, 7 if k == "phone" else 0)]
        out[k] = Shape(pattern=re.compile("|".join(f"(?:{p})" for p in pats)), min_len=min(b[0] for b in bounds),
                       max_len=max(b[1] for b in bounds), min_digits=min(b[2] for b in bounds))
    return out


class Hasher:
    """Keyed hashes of normalized identifiers: ``sha256(key || kind || ':' || normalized)``.

    SHA-256 over a secret prefix is a keyed hash for equality matching (length extension
    cannot forge an *equal* value) and, unlike HMAC, Spark computes it natively with
    ``sha2(concat(...))``, so a 10M-row column is matched in the engine.

    Args:
        key: 32-byte erasure key (unwrapped by the key provider; memory only).
    """

    def __init__(self, key: bytes) -> None:
        self._prefix = key.hex()
        self._base: dict[str, "hashlib._Hash"] = {}

    def __repr__(self) -> str:
        return "Hasher(<key hidden>)"

    def hash(self, kind: str, normalized: str) -> str:
        """Hex digest for one normalized value of ``kind``."""
        base = self._base.get(kind)
        if base is None:
            base = self._base[kind] = hashlib.sha256(f"{self._prefix}{kind}:".encode())
        h = base.copy()
        h.update(normalized.encode())
        return h.hexdigest()

    def digests(self, kind: str, normalized: Iterable[bytes]) -> Iterator[bytes]:
        """Raw SHA-256 digests (not hex) of many normalized UTF-8 values of ``kind``, in order.

        The same hash as :meth:`hash` (``bytes.fromhex(hash(kind, v.decode()))``), for scans that
        hash every distinct value of a column.
        """
        self.hash(kind, "")  # caches the keyed base of ``kind``
        copy = self._base[kind].copy
        for v in normalized:
            h = copy()
            h.update(v)
            yield h.digest()

    def any_in(self, kind: str, normalized: Iterable[bytes], wanted: Container[bytes]) -> bool:
        """True when the raw digest (:meth:`digests`) of any of these normalized values is in ``wanted``.

        The scan's innermost loop (every distinct e-mail address of a lake goes through it): it
        stops at the first match.
        """
        self.hash(kind, "")
        copy = self._base[kind].copy
        for v in normalized:
            h = copy()
            h.update(v)
            if h.digest() in wanted:
                return True
        return False

    def __getstate__(self) -> dict[str, str]:
        return {"_prefix": self._prefix}

    def __setstate__(self, state: dict[str, str]) -> None:
        self._prefix = state["_prefix"]
        self._base = {}

    def identifier(self, ident: Identifier) -> str:
        """The keyed hash of an identifier as given."""
        return self.hash(ident.kind, normalize(ident.value, ident.kind))

    def token(self, ref: str, payload: str) -> str:
        """The keyed hash of a protected token/hash payload (``tok``/``hsh`` values)."""
        return self.hash("tok", f"{ref}:{payload}")

    def spark_expr(self, col_sql: str, kind: str) -> str:
        """SQL computing :meth:`hash` of the column inside Spark (the prefix is a secret literal of a read)."""
        if kind == "tok":
            m = f"regexp_extract(CAST({col_sql} AS STRING), '^lw1:(tok|hsh):([^:]+):[^:]+:(.+)$', {{}})"
            inner = f"concat({m.format(2)}, ':', {m.format(3)})"
        else:
            inner = spark_normalize_sql(col_sql, kind)  # type: ignore[arg-type]
        return f"sha2(concat('{self._prefix}{kind}:', {inner}), 256)"


def token_candidate(value: str) -> tuple[str, str] | None:
    """``(keyref, payload)`` of a ``tok``/``hsh`` protected value, else None."""
    m = TOKEN_RE.match(value)
    return (m.group(2), m.group(3)) if m else None


def token_candidates(value: str) -> list[tuple[str, str]]:
    """Every ``(keyref, payload)`` a value carries: the whole value's (``lw1:tok:...``), or each span
    token inside a span-protected text (``lw1:spn:pii.1:s:Paid to ⟦lw1:tok:pii.1:s:...⟧ for rent``)."""
    whole = token_candidate(value)
    if whole is not None:
        return [whole]
    if not value.startswith(SPN_PREFIX):
        return []
    out = []
    for m in SPAN_TOKEN_RE.finditer(value):
        tok = token_candidate(m.group(1)) if m.group(1) else None
        if tok is not None:
            out.append(tok)
    return out


_NON_DIGIT = re.compile(r"\D+")


def candidates(text: str, kind: Kind, shape: "Shape | None" = None) -> set[str]:
    """Normalized values of ``kind`` that ``text`` contains (the whole value and its parts).

    Used for free-text columns and by the verification scan: an e-mail inside a support
    ticket, a phone number in a memo, a name among other words.
    """
    if shape is not None:
        if kind == "email" and "@" not in text:
            return set()
        if shape.min_digits and len(_NON_DIGIT.sub("", text)) < shape.min_digits:
            return set()
    out = {normalize(text, kind)}
    if kind == "email":
        out.update(m.lower() for m in _EMAIL_RE.findall(text))
    elif kind == "phone":
        for m in _PHONE_RE.findall(text):
            out.add(normalize(m, "phone"))
    elif kind == "compact":
        lo, hi = (shape.min_len, shape.max_len) if shape is not None else (1, 10_000)
        for m in _GROUPS_RE.findall(text):
            groups = _SEP_RE.split(m.upper())
            for i in range(len(groups)):
                acc = ""
                for j in range(i, min(len(groups), i + MAX_GROUPS)):
                    acc += groups[j]
                    if len(acc) > hi:
                        break
                    if len(acc) >= lo:
                        out.add(acc)
    elif kind == "name":
        words = [w.lower() for w in _WORD_RE.findall(text)]
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + _MAX_NGRAM) + 1):
                out.add(" ".join(words[i:j]))
    out.discard("")
    if shape is not None:
        return {c for c in out if shape.fullmatch(c)}
    return out


def text_matches(text: str, kinds: Iterable[str], hasher: Hasher, wanted: frozenset[str] | set[str],
                 shapes: dict[str, re.Pattern[str] | None] | None = None) -> bool:
    """True when ``text`` contains any identifier whose keyed hash is in ``wanted``."""
    if any(hasher.token(*tok) in wanted for tok in token_candidates(text)):
        return True
    for kind in kinds:
        for cand in candidates(text, kind, (shapes or {}).get(kind)):  # type: ignore[arg-type]
            if hasher.hash(kind, cand) in wanted:
                return True
    return False
