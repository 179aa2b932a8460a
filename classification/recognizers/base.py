"""Common base of Lakewarden's pattern recognizers.

Each recognizer is a Presidio :class:`PatternRecognizer` with class-level patterns,
context words and (where the format has one) a validator. Lakewarden runs the same
patterns and validators in two ways: through Presidio's ``AnalyzerEngine`` and, for the
cheap first pass, directly over a batch of cell values (:meth:`scan`), which avoids
Presidio's per-text overhead for values a pattern settles on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer

DEFAULT_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
#: Score added when a context word (from the column name or the text) supports a match.
CONTEXT_BOOST = 0.35
#: Floor of a context-supported score, as in Presidio's LemmaContextAwareEnhancer.
CONTEXT_MIN_SCORE = 0.4


@dataclass(frozen=True)
class Hit:
    """One match of a recognizer in a cell value."""

    entity: str
    start: int
    end: int
    score: float
    validated: bool


class LakewardenPatternRecognizer(PatternRecognizer):
    """A pattern recognizer whose definition lives in class attributes."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[list[tuple[str, str, float]]] = []
    CONTEXT: ClassVar[list[str]] = []
    FLAGS: ClassVar[int] = DEFAULT_FLAGS
    #: A hand-written engine prefilter (``classification.prefilter``) for patterns too large to rewrite: a
    #: ``rlike`` pattern, valid in Java and Rust, matching every value the recognizer can match.
    PREFILTER: ClassVar[str | None] = None
    #: Score given to a match whose validator returns True (Presidio's default is 1.0).
    VALIDATED_SCORE: ClassVar[float] = 1.0

    def __init__(self, *, supported_language: str = "en", context: list[str] | None = None) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            supported_language=supported_language,
            patterns=[Pattern(n, r, s) for n, r, s in self.PATTERNS],
            context=list(context if context is not None else self.CONTEXT),
            global_regex_flags=self.FLAGS,
        )
        self._compiled = [(re.compile(r, flags=self.FLAGS), s) for _, r, s in self.PATTERNS]
        self._context_key: tuple[str, ...] = ()
        self._context_set: frozenset[str] = frozenset()

    # Presidio hooks -------------------------------------------------------------------
    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        return None

    def invalidate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        return False

    # Cheap direct scan ----------------------------------------------------------------
    def context_matches(self, words: set[str]) -> bool:
        """True when any of ``words`` (lower-case tokens) is one of this recognizer's context words."""
        key = tuple(self.context)
        if key != self._context_key:  # Presidio lets callers replace ``context``; the set follows it
            self._context_key, self._context_set = key, frozenset(c.strip().lower() for c in key)
        return not self._context_set.isdisjoint(words)

    def scan(self, text: str, *, context_words: set[str] | None = None) -> list[Hit]:
        """Run the patterns and validators over one value without Presidio's pipeline.

        Overlapping matches of the same recognizer keep the best score. Context words
        (e.g. the column name's tokens) raise weak scores the way Presidio's context
        enhancer does.
        """
        boosted = bool(context_words) and self.context_matches(context_words or set())
        best: dict[tuple[int, int], Hit] = {}
        for rx, base in self._compiled:
            for m in rx.finditer(text, timeout=1.0):
                s, e = m.span()
                if s == e:
                    continue
                matched = text[s:e]
                if self.invalidate_result(matched):
                    continue
                ok = self.validate_result(matched)
                if ok is False:
                    continue
                score = self.VALIDATED_SCORE if ok else base
                if boosted:
                    score = min(1.0, max(CONTEXT_MIN_SCORE, score + CONTEXT_BOOST))
                if score <= 0:
                    continue
                cur = best.get((s, e))
                if cur is None or cur.score < score:
                    best[(s, e)] = Hit(self.ENTITY, s, e, score, bool(ok))
        return list(best.values())

    def best_score(self, text: str, *, context_words: set[str] | None = None) -> float:
        """The highest score of any match in ``text`` (0.0 when nothing matches)."""
        return max((h.score for h in self.scan(text, context_words=context_words)), default=0.0)


def digits_only(text: str) -> str:
    """Strip everything but ASCII digits."""
    return "".join(ch for ch in text if "0" <= ch <= "9")
