"""The column-profiler interface.

A profiler sees every scanned value of a column (with its cell count and what the cheap pass
and the NLP model found in it) and keeps plain counters in a dict of its own inside
:class:`classification.detect.ColumnEvidence` (``profiles[name]``). Partitions merge those
dicts by adding numbers. At fusion time, :meth:`ColumnProfiler.judge` turns the merged
counters into at most one :class:`Finding`: a personal entity or a quasi-identifier.
Counters hold no raw value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Stats = dict[str, Any]


@dataclass(frozen=True)
class ValueContext:
    """What is known about one value when a profiler observes it."""

    #: Entities the pattern recognizers found in the value (score >= 0.3).
    pattern_entities: frozenset[str] = frozenset()
    #: Entities the NLP model found in the value (PERSON, LOCATION); empty on the no_op tier.
    nlp_entities: frozenset[str] = frozenset()
    #: The row's country, read from a sibling country/calling-code column (ISO alpha-2), if any.
    region: str | None = None


@dataclass(frozen=True)
class JudgeContext:
    """What a profiler knows about the column when it judges."""

    column: str
    cells: int
    values: int
    #: Entities the column name suggests (``conf/classification.yaml`` name_hints).
    hints: frozenset[str] = frozenset()
    #: Quasi-identifier kinds the column name suggests (``quasi_hints``).
    quasi_hints: frozenset[str] = frozenset()
    nlp_available: bool = False
    #: Cell share of each entity the recognizers and the NLP model found.
    entity_shares: dict[str, float] = field(default_factory=dict)
    #: Distinct values per non-null cell read: near 1 for towns of customers, low for states or categories.
    distinct_share: float = 1.0


@dataclass(frozen=True)
class Finding:
    """What one profiler concluded about a column."""

    kind: Literal["entity", "quasi_identifier"]
    label: str
    share: float
    score: float
    signal: str
    profiler: str = ""


class ColumnProfiler(ABC):
    """Column-level evidence beyond per-cell recognition (one subclass per file)."""

    #: Key of the profiler in ``conf/recognizers.yaml`` and in the evidence.
    NAME: ClassVar[str] = ""

    @abstractmethod
    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:
        """Update ``stats`` (this profiler's counters for the column) with one distinct value."""

    @abstractmethod
    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:
        """Conclude from the merged counters of a column, or return None."""


def bump(stats: Stats, key: str, n: int = 1) -> None:
    """Add ``n`` to the counter ``key``."""
    stats[key] = stats.get(key, 0) + n


def bump_in(stats: Stats, key: str, sub: str, n: int = 1) -> None:
    """Add ``n`` to ``stats[key][sub]`` (a histogram)."""
    hist = stats.setdefault(key, {})
    hist[sub] = hist.get(sub, 0) + n


def merge_stats(into: Stats, other: Stats) -> None:
    """Add ``other``'s counters (numbers and nested histograms) into ``into``."""
    for k, v in other.items():
        if isinstance(v, dict):
            merge_stats(into.setdefault(k, {}), v)
        else:
            into[k] = into.get(k, 0) + v
