"""Engine-side prefilters for the pattern recognizers: ``rlike`` expressions that match every value
a recognizer could match (a superset), so a full scan can count candidates inside Spark and send
only those to Python (validators, context, NLP).

The recognizers' regular expressions are written for Python's ``regex`` module. Spark's ``rlike``
runs Java's ``java.util.regex`` on classic Spark and Rust's ``regex`` crate on Sail; the latter has
no look-around and the former reads ``\\w``, ``\\d``, ``\\s`` and ``\\b`` as ASCII. A prefilter is
derived by rewriting each pattern so that it means the same or more in all three:

* look-around groups (``(?<!...)``, ``(?<=...)``, ``(?!...)``, ``(?=...)``) and ``\\b``/``\\B`` are
  dropped: they only ever narrow a match;
* ``\\w``, ``\\d`` and ``\\s`` become Unicode property classes (``[\\p{L}\\p{N}_]``, ``\\p{Nd}``,
  ``[\\s\\p{Z}]``), inside and outside character classes;
* possessive quantifiers (``{2,41}+``) become greedy ones (they may backtrack: the same or more);
* the recognizer's case-insensitive flag becomes a scoped ``(?i:...)`` group.

Patterns are ORed per entity. Nothing here touches a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex as re

from classification.recognizers.base import LakewardenPatternRecognizer

_WORD = r"\p{L}\p{N}_"
_DIGIT = r"\p{Nd}"
_SPACE = r"\s\p{Z}"
_LOOKAROUND_OPENERS = ("(?<!", "(?<=", "(?!", "(?=")


class PrefilterError(ValueError):
    """A recognizer pattern uses a construct the rewrite cannot carry to the engines."""


@dataclass(frozen=True)
class EntityPrefilter:
    """One entity's prefilter: the ``rlike`` pattern and the recognizers it covers."""

    entity: str
    pattern: str
    recognizers: tuple[str, ...]


def _skip_group(p: str, i: int) -> int:
    """Index just after the group that starts at ``p[i] == "("`` (escapes and classes respected)."""
    depth = 0
    in_class = False
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if p[i + 1: i + 2] == "^":
                i += 1
            if p[i + 1: i + 2] == "]":
                i += 1  # a literal "]" first in a class
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise PrefilterError(f"unbalanced group in pattern {p!r}")


def engine_pattern(pattern: str, *, ignore_case: bool = False) -> str:
    """Rewrite one Python ``regex`` pattern into a superset pattern valid for Java and Rust ``rlike``.

    Raises:
        PrefilterError: the pattern uses back-references, named or atomic groups, or a quantified
            look-around, which the engines read differently or the rewrite cannot widen.
    """
    out: list[str] = []
    i = 0
    in_class = False
    p = pattern
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            nxt = p[i + 1: i + 2]
            if not nxt:
                raise PrefilterError(f"trailing backslash in {pattern!r}")
            if nxt.isdigit() and nxt != "0":
                raise PrefilterError(f"back-reference in {pattern!r}")
            if nxt in "wW" or nxt in "dD" or nxt in "sS":
                cls = {"w": _WORD, "d": _DIGIT, "s": _SPACE}[nxt.lower()]
                if nxt.isupper():
                    if in_class:
                        raise PrefilterError(f"negated shorthand inside a class in {pattern!r}")
                    out.append(f"[^{cls}]")
                else:
                    out.append(cls if in_class else f"[{cls}]")
                i += 2
                continue
            if nxt in "bB" and not in_class:
                i += 2  # word boundaries only narrow a match
                continue
            out.append(p[i: i + 2])
            i += 2
            continue
        if in_class:
            out.append(ch)
            if ch == "]":
                in_class = False
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if p[i: i + 1] == "^":
                out.append("^")
                i += 1
            if p[i: i + 1] == "]":
                out.append("\\]")
                i += 1
            continue
        if p.startswith(_LOOKAROUND_OPENERS, i):
            end = _skip_group(p, i)
            i = end
            # a quantifier after a dropped look-around would quantify nothing
            if p[i: i + 1] in ("?", "*", "+", "{"):
                raise PrefilterError(f"quantified look-around in {pattern!r}")
            continue
        if p.startswith("(?P<", i) or p.startswith("(?>", i) or p.startswith("(?<", i):
            raise PrefilterError(f"named or atomic group in {pattern!r}")
        if ch in "*+?}" and p[i + 1: i + 2] == "+":
            out.append(ch)  # possessive -> greedy: it may backtrack, so it matches the same or more
            i += 2
            continue
        out.append(ch)
        i += 1
    body = "".join(out)
    return f"(?i:{body})" if ignore_case else body


def recognizer_prefilter(rec: LakewardenPatternRecognizer) -> str:
    """The OR of every pattern of one recognizer, rewritten for the engines (or its hand-written ``PREFILTER``)."""
    if rec.PREFILTER is not None:
        return f"(?:{rec.PREFILTER})"
    ignore_case = bool(rec.FLAGS & re.IGNORECASE)
    parts = [engine_pattern(rx) for _, rx, _ in rec.PATTERNS]
    body = "|".join(f"(?:{p})" for p in parts)
    return f"(?i:{body})" if ignore_case else f"(?:{body})"


def entity_prefilters(recognizers: Iterable[LakewardenPatternRecognizer]) -> list[EntityPrefilter]:
    """One prefilter per entity, the OR of its recognizers' prefilters (in first-seen entity order)."""
    by_entity: dict[str, list[tuple[str, str]]] = {}
    for rec in recognizers:
        if rec.PATTERNS:
            by_entity.setdefault(rec.ENTITY, []).append((type(rec).__name__, recognizer_prefilter(rec)))
    return [EntityPrefilter(entity=e, pattern="|".join(f"(?:{p})" for _, p in recs), recognizers=tuple(n for n, _ in recs))
            for e, recs in by_entity.items()]
