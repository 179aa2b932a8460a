"""Helpers shared by the recognizer tests (imported, not a pytest plugin)."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer


def entities(rec: LakewardenPatternRecognizer, text: str, *, context: set[str] | None = None, min_score: float = 0.3) -> set[str]:
    """Entities ``rec`` finds in ``text`` with at least ``min_score``."""
    return {h.entity for h in rec.scan(text, context_words=context) if h.score >= min_score}
