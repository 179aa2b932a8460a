"""The protected-value format and the type codes that let reveal restore exact types.

Every protected value is a string of the form::

    lw1:<kind>:<keyref>:<type>:<payload>

``kind`` is ``tok`` (AES-SIV token), ``enc`` (AES-GCM under a data key wrapped with the
public half of an asymmetric key), ``sub`` (AES-GCM under the data subject's own key),
``hsh`` (keyed HMAC), ``msk`` (mask) or ``spn`` (free text whose entity spans are tokens).
``keyref`` names the key without holding any key material (``<domain>.<version>`` for
tokens, span tokens and hashes, a random key id for ``enc`` and ``sub``, ``-`` for masks).
``type`` is the short code of the column's original Spark type, ``payload`` is URL-safe
base64 without padding (or the masked text).

A ``spn`` payload is the original text in which every protected entity span was replaced by
its deterministic token (exactly what ``tokenize`` gives for the span's text, so it joins
with tokenized columns of the same domain) between :data:`SPAN_OPEN` and :data:`SPAN_CLOSE`::

    lw1:spn:pii.1:s:Paid to \u27e6lw1:tok:pii.1:s:AbC...\u27e7 for rent

A literal :data:`SPAN_OPEN` of the original text is written as ``SPAN_OPEN SPAN_CLOSE`` (an
empty pair, never a token), so every :data:`SPAN_OPEN` of a payload starts either an escape
or a token and :func:`decode_spans` restores the text exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal

from governance.errors import InputError

PREFIX = "lw1:"
Kind = Literal["tok", "enc", "sub", "hsh", "msk", "spn"]
KINDS: tuple[Kind, ...] = ("tok", "enc", "sub", "hsh", "msk", "spn")
#: Kinds that the revealer can turn back into plaintext.
REVERSIBLE: frozenset[str] = frozenset({"tok", "enc", "sub", "spn"})

#: A value already protected by Lakewarden (any version-1 kind).
PROTECTED_RE = re.compile(r"^lw1:(tok|enc|sub|hsh|msk|spn):[A-Za-z0-9_.\-]+:[A-Za-z0-9_.]+:")
#: SQL regular expression (Java/Rust syntax) equivalent of :data:`PROTECTED_RE`.
PROTECTED_SQL_RE = r"^lw1:(tok|enc|sub|hsh|msk|spn):[A-Za-z0-9_.\-]+:[A-Za-z0-9_.]+:"

#: Delimiters of a span token inside a ``spn`` payload (U+27E6, U+27E7: never produced by a token).
SPAN_OPEN = "\u27e6"
SPAN_CLOSE = "\u27e7"
#: One escape (an empty pair: a literal SPAN_OPEN) or one delimited span token (group 1) of a ``spn`` payload.
SPAN_TOKEN_RE = re.compile(
    SPAN_OPEN + r"(?:" + SPAN_CLOSE + r"|(lw1:tok:[A-Za-z0-9_.\-]+:[A-Za-z0-9_.]+:[A-Za-z0-9_\-]+)" + SPAN_CLOSE + r")"
)
DOMAIN_RE = re.compile(r"^[a-z][a-z0-9_\-]{0,39}$")

_SIMPLE_TYPES: dict[str, str] = {
    "string": "s",
    "bigint": "l",
    "int": "i",
    "smallint": "h",
    "tinyint": "b",
    "double": "d",
    "float": "f",
    "boolean": "z",
    "date": "D",
    "timestamp": "T",
    "timestamp_ntz": "N",
    "binary": "B",
}
_CODE_TO_TYPE = {v: k for k, v in _SIMPLE_TYPES.items()}
_DECIMAL_RE = re.compile(r"^decimal\((\d+),(\d+)\)$")
_DECIMAL_CODE_RE = re.compile(r"^m(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Protected:
    """A parsed protected value."""

    kind: Kind
    keyref: str
    type_code: str
    payload: str


def type_code(spark_type: str) -> str:
    """Short code for a Spark type's ``simpleString`` (``bigint`` -> ``l``, ``decimal(10,2)`` -> ``m10.2``).

    Raises:
        InputError: The type cannot be protected (arrays, maps, structs).
    """
    t = spark_type.strip().lower()
    if t in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[t]
    m = _DECIMAL_RE.match(t.replace(" ", ""))
    if m:
        return f"m{m.group(1)}.{m.group(2)}"
    raise InputError(f"type {spark_type} cannot be protected column-wise (only scalar types)")


def spark_type(code: str) -> str:
    """The Spark SQL type name for a type code (inverse of :func:`type_code`).

    Raises:
        InputError: Unknown code.
    """
    if code in _CODE_TO_TYPE:
        return _CODE_TO_TYPE[code]
    m = _DECIMAL_CODE_RE.match(code)
    if m:
        return f"decimal({m.group(1)},{m.group(2)})"
    raise InputError(f"unknown protected type code {code!r}")


def is_protected(value: object) -> bool:
    """True when ``value`` is a string already in Lakewarden's protected format."""
    return isinstance(value, str) and PROTECTED_RE.match(value) is not None


def format_value(kind: Kind, keyref: str, code: str, payload: str) -> str:
    """Build ``lw1:<kind>:<keyref>:<type>:<payload>``."""
    return f"{PREFIX}{kind}:{keyref}:{code}:{payload}"


def parse_value(value: str) -> Protected:
    """Split a protected value into its parts.

    Raises:
        InputError: ``value`` is not a protected value (the message never echoes the value).
    """
    if not is_protected(value):
        raise InputError("value is not in the lw1 protected format")
    _, kind, keyref, code, payload = value.split(":", 4)
    return Protected(kind=kind, keyref=keyref, type_code=code, payload=payload)  # type: ignore[arg-type]


def domain_ref(domain: str, version: int) -> str:
    """Key reference ``<domain>.<version>`` used by tokens and hashes."""
    return f"{domain}.{version}"


def split_domain_ref(keyref: str) -> tuple[str, int]:
    """Inverse of :func:`domain_ref`.

    Raises:
        InputError: Malformed reference.
    """
    domain, _, version = keyref.rpartition(".")
    if not domain or not version.isdigit():
        raise InputError(f"malformed key reference {keyref!r}")
    return domain, int(version)


def check_domain(domain: str) -> str:
    """Validate a key domain name (lower-case letters, digits, ``_``/``-``; at most 40 characters).

    Raises:
        InputError: Invalid name.
    """
    if not DOMAIN_RE.match(domain):
        raise InputError(f"invalid key domain {domain!r}: use lower-case letters, digits, '_' or '-' (max 40)")
    return domain


def escape_span_text(text: str) -> str:
    """Text kept as is inside a ``spn`` payload: every :data:`SPAN_OPEN` becomes an empty pair."""
    return text.replace(SPAN_OPEN, SPAN_OPEN + SPAN_CLOSE)


def span_token(token: str) -> str:
    """A ``lw1:tok:...`` token delimited for a ``spn`` payload."""
    return f"{SPAN_OPEN}{token}{SPAN_CLOSE}"


def decode_spans(payload: str, reveal_token: Callable[[str], str]) -> str:
    """Restore the text of a ``spn`` payload: each span token through ``reveal_token``, escapes undone.

    Args:
        payload: The part of a ``spn`` value after its ``lw1:spn:<keyref>:<type>:`` head.
        reveal_token: Turns one ``lw1:tok:...`` token back into its plaintext (raises when it cannot).

    Raises:
        InputError: A :data:`SPAN_OPEN` that starts neither an escape nor a token (a damaged value).
    """
    out: list[str] = []
    pos = 0
    for m in SPAN_TOKEN_RE.finditer(payload):
        kept = payload[pos:m.start()]
        if SPAN_OPEN in kept:
            raise InputError("a span-protected value is damaged (a span delimiter starts no token)")
        out.append(kept)
        tok = m.group(1)
        out.append(SPAN_OPEN if tok is None else reveal_token(tok))
        pos = m.end()
    rest = payload[pos:]
    if SPAN_OPEN in rest:
        raise InputError("a span-protected value is damaged (a span delimiter starts no token)")
    out.append(rest)
    return "".join(out)


def map_span_tokens(payload: str, rewrite: Callable[[str], str]) -> str:
    """A ``spn`` payload with every span token replaced by ``rewrite(token)`` (escapes and text kept).

    Raises:
        InputError: As :func:`decode_spans`.
    """
    def _keep_escape(tok: str) -> str:
        return span_token(rewrite(tok))

    out: list[str] = []
    pos = 0
    for m in SPAN_TOKEN_RE.finditer(payload):
        out.append(payload[pos:m.start()])
        out.append(m.group(0) if m.group(1) is None else _keep_escape(m.group(1)))
        pos = m.end()
    out.append(payload[pos:])
    result = "".join(out)
    decode_spans(result, lambda t: t)  # the same structure check as a reveal
    return result
