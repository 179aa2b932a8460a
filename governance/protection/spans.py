"""Protect free text span by span: only the entities found in it change, every other character stays.

A :class:`SpanDetector` finds entity spans (Presidio's analyzer; the protect job supplies one
built on the classifier's engine, since ``governance`` does not import ``classification``).
:class:`SpanTransform` keeps the spans scoring at least :data:`MIN_SPAN_SCORE`, lets
presidio-anonymizer resolve overlaps, and applies the rule's operator to each span:

- ``token``: the span's deterministic AES-SIV token, the very value ``tokenize`` gives for the
  span's text in the column's key domain, delimited in the text; the value becomes
  ``lw1:spn:<domain>.<version>:s:<text>`` (see :mod:`governance.protection.codec`) and reveal
  restores the exact original text;
- ``replace`` (``<PERSON>``) and ``mask`` (``*****``): irreversible; the value becomes
  ``lw1:msk:-:s:<text>``.

The ``lw1:`` head marks the whole value as protected, so a rerun never looks into it again
(its tokens are never re-detected as entities nor tokenized twice). Text in which nothing is
found stays exactly as it was (no head). Nulls stay null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from governance.protection.codec import PROTECTED_RE, escape_span_text, format_value, span_token
from governance.protection.transforms import TokenTransform, _Secret

#: Spans scoring below this are left as they are (Presidio scores 0..1; context-free guesses score low).
MIN_SPAN_SCORE = 0.4


class Span(NamedTuple):
    """One entity found in a text: ``text[start:end]`` (character offsets) is an ``entity``."""

    entity: str
    start: int
    end: int
    score: float


class SpanDetector(Protocol):
    """Finds entity spans in texts. Must pickle as plain data: it is shipped to the executors."""

    def detect(self, texts: Sequence[str], *, entities: Sequence[str] | None) -> list[list[Span]]:
        """The spans of each text (same order), limited to ``entities`` (None: every entity it knows)."""
        ...

    def supported_entities(self) -> frozenset[str]:
        """Every entity this detector can find (checked on the driver before any work)."""
        ...


@dataclass(repr=False)
class SpanTransform(_Secret):
    """Protects the entity spans of free-text values (see the module docstring).

    Args:
        operator: ``token``, ``replace`` or ``mask``.
        detector: Finds the spans (runs in the executors).
        entities: Entities to protect (None: every entity the detector finds).
        token: The column's token transform (``token`` operator only; type code ``s``).
        mask_char: The character of the ``mask`` operator.
        min_score: Spans scoring below this are kept.
    """

    operator: str
    detector: Any
    entities: tuple[str, ...] | None = None
    token: TokenTransform | None = None
    mask_char: str = "*"
    min_score: float = MIN_SPAN_SCORE

    def __post_init__(self) -> None:
        if self.operator not in ("token", "replace", "mask"):
            raise ValueError(f"unknown span operator {self.operator!r}; valid choices: 'token', 'replace' or 'mask'")
        if self.operator == "token" and self.token is None:
            raise ValueError("the token operator needs the column's token transform")
        self._engine: Any = None
        self._ops: Any = None
        self._head = format_value("spn", f"{self.token.domain}.{self.token.version}", "s", "") if self.token else ""
        self._mask_head = format_value("msk", "-", "s", "")

    def _anonymizer(self) -> tuple[Any, Any]:
        if self._engine is None:
            from presidio_anonymizer import AnonymizerEngine
            from presidio_anonymizer.entities import OperatorConfig

            if self.operator == "token":
                tt = self.token
                assert tt is not None
                op = OperatorConfig("custom", {"lambda": lambda s: span_token(tt.token_of(s))})
            elif self.operator == "replace":
                op = OperatorConfig("replace")  # <ENTITY_TYPE>
            else:
                op = OperatorConfig("mask", {"masking_char": self.mask_char, "chars_to_mask": 1 << 30, "from_end": False})
            self._ops = {"DEFAULT": op}
            self._engine = AnonymizerEngine()
        return self._engine, self._ops

    def protect_text(self, text: str, spans: Sequence[Span]) -> str:
        """``text`` with its spans protected (unchanged when no span qualifies)."""
        from presidio_anonymizer.entities import ConflictResolutionStrategy, RecognizerResult

        wanted = None if self.entities is None else set(self.entities)
        results = [
            RecognizerResult(entity_type=s.entity, start=int(s.start), end=int(s.end), score=float(s.score))
            for s in spans
            if s.score >= self.min_score and (wanted is None or s.entity in wanted) and 0 <= s.start < s.end <= len(text)
        ]
        if not results:
            return text
        engine, ops = self._anonymizer()
        res = engine.anonymize(text=text, analyzer_results=results, operators=ops,
                               conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS)
        out: str = res.text
        if self.operator != "token":
            return self._mask_head + out
        # Keep everything outside the span tokens as it was, escaping literal delimiters.
        body: list[str] = []
        pos = 0
        for item in sorted(res.items, key=lambda i: i.start):
            if out[item.start:item.end] != item.text or item.start < pos:
                raise ValueError("span protection produced inconsistent offsets; nothing was written")
            body.append(escape_span_text(out[pos:item.start]))
            body.append(out[item.start:item.end])
            pos = item.end
        body.append(escape_span_text(out[pos:]))
        return self._head + "".join(body)

    def apply(self, values: Sequence[str | None]) -> list[str | None]:
        """Protect the spans of a batch of values; each distinct text is analyzed once."""
        out = list(values)
        todo: dict[str, list[int]] = {}
        match = PROTECTED_RE.match
        for i, v in enumerate(values):
            if v is None or not v.strip() or match(v):
                continue
            todo.setdefault(v, []).append(i)
        if not todo:
            return out
        texts = list(todo)
        found = self.detector.detect(texts, entities=list(self.entities) if self.entities is not None else None)
        if len(found) != len(texts):
            raise ValueError("the span detector returned results for a different number of texts")
        for text, spans in zip(texts, found):
            new = self.protect_text(text, spans)
            for i in todo[text]:
                out[i] = new
        return out
