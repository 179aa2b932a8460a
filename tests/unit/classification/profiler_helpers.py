"""Run a column profiler over plain values (imported by the profiler tests, not a pytest plugin)."""

from __future__ import annotations

from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext


def profile(prof: ColumnProfiler, column: str, values: list[str], *, hints: frozenset[str] = frozenset(),
            quasi_hints: frozenset[str] = frozenset(), regions: list[str | None] | None = None,
            nlp: list[frozenset[str]] | None = None, distinct_share: float = 1.0) -> Finding | None:
    """Observe every distinct value once (as the scanner does) and judge the column."""
    stats: Stats = {}
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            continue
        seen.add(v)
        ctx = ValueContext(region=regions[i] if regions else None, nlp_entities=nlp[i] if nlp else frozenset())
        prof.observe(stats, v, count=1, ctx=ctx)
    return prof.judge(stats, JudgeContext(column=column, cells=len(seen), values=len(seen), hints=hints, quasi_hints=quasi_hints,
                                          distinct_share=distinct_share))
