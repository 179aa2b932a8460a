"""DATE_OF_BIRTH from the spread of a date column, whatever its name.

Dates of birth of adults lie 16 to 110 years back, spread over decades, without a time of day.
Event dates (``created_at``, ``opened_on``, ``txn_date``) cluster in recent years or carry
times. The profiler keeps a histogram of years (no dates) and the share of values with a
time of day; a column whose name names an event is never judged a birth date by spread.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import regex as re

from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump, bump_in

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|"
    "october|november|december|januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|janvier|février|fevrier|mars|"
    "avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|enero|febrero|marzo|abril|mayo|junio|"
    "julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|"
    "ottobre|dicembre"
)
_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$"), "ymd"),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"), "xxy"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2})$"), "xxyy"),
)
_SHORT_MONTH = re.compile(r"^(\d{1,2})[-\s](" + _MONTHS + r")\.?[-\s](\d{2}|\d{4})$", re.IGNORECASE)
_WORDY = re.compile(r"^(?:\p{L}+,?\s+)?(\d{1,2})\.?\s+(" + _MONTHS + r")\.?,?\s+(\d{4})$|^(" + _MONTHS + r")\.?\s+(\d{1,2}),?\s+(\d{4})$", re.IGNORECASE)
_EVENT_NAME = re.compile(
    r"creat|updat|modif|open|clos|hire|start|end|due|paid|post|book|txn|trans|order|ship|deliver|expir|valid|issue|"
    r"regist|signup|sign_up|login|logon|last|first_seen|seen|event|time|stamp|(^|_)ts($|_)|(^|_)at($|_)|(^|_)on($|_)|"
    r"death|died|deceased|settle|sched|effective|maturity|renew|cancel|joined|join|since|visit|contact|call|period|month",
    re.IGNORECASE,
)


def parse_year(value: str) -> tuple[int, bool] | None:
    """The year of a date written in a common format, and whether a (non-midnight) time of day is given."""
    v = value.strip()
    if not 6 <= len(v) <= 40:
        return None
    for rx, order in _PATTERNS:
        m = rx.match(v)
        if not m:
            continue
        g = m.groups()
        if order == "ymd":
            y, a, b = int(g[0]), int(g[1]), int(g[2])
            if not (1 <= a <= 12 and 1 <= b <= 31):
                return None
        elif order == "xxyy":
            a, b, y = int(g[0]), int(g[1]), _century(int(g[2]))
            if not ((1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)):
                return None
            return y, False
        else:
            a, b, y = int(g[0]), int(g[1]), int(g[2])
            if not ((1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)):
                return None
        if not 1800 <= y <= 2200:
            return None
        timed = len(g) > 3 and g[3] is not None and any(int(x or 0) for x in g[3:6])
        return y, timed
    m = _WORDY.match(v)
    if m:
        year = m.group(3) or m.group(6)
        return int(year), False
    m = _SHORT_MONTH.match(v)
    if m:
        y = int(m.group(3))
        return (_century(y) if y < 100 else y), False
    return None


def _century(yy: int) -> int:
    """A two-digit year: ``85`` -> 1985, ``05`` -> 2005 (the pivot is this year)."""
    now = date.today().year % 100
    return 2000 + yy if yy <= now else 1900 + yy


class BirthDateProfiler(ColumnProfiler):
    """A column of dates whose years put most values 16-110 years back, spread over decades.

    Args:
        min_age: Youngest plausible age (years before today).
        max_age: Oldest plausible age.
        min_share: Share of cells that must be dates, and of dates that must fall in the age range.
        min_spread_years: Inter-quartile range of years needed (birth dates spread; events cluster).
    """

    NAME: ClassVar[str] = "birth_dates"

    def __init__(self, *, min_age: int = 16, max_age: int = 110, min_share: float = 0.8, min_spread_years: int = 12,
                 today: date | None = None) -> None:
        self.min_age = min_age
        self.max_age = max_age
        self.min_share = min_share
        self.min_spread_years = min_spread_years
        self.today = today

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        bump(stats, "cells", count)
        got = parse_year(value)
        if got is None:
            return
        year, timed = got
        bump(stats, "date_cells", count)
        if timed:
            bump(stats, "timed_cells", count)
        bump_in(stats, "years", str(year), count)

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        cells = stats.get("cells", 0)
        dated = stats.get("date_cells", 0)
        if not cells or dated / cells < self.min_share or ctx.values < 20:
            return None
        if stats.get("timed_cells", 0) / dated > 0.1:
            return None
        leaf = ctx.column.split(".")[-1]
        if _EVENT_NAME.search(leaf) and "DATE_OF_BIRTH" not in ctx.hints:
            return None
        now = (self.today or date.today()).year
        years = sorted((int(y), n) for y, n in stats.get("years", {}).items())
        in_range = sum(n for y, n in years if self.min_age <= now - y <= self.max_age)
        if in_range / dated < self.min_share:
            return None
        q1, q3 = _quantile(years, 0.25), _quantile(years, 0.75)
        if q3 - q1 < self.min_spread_years:
            return None
        median_age = now - _quantile(years, 0.5)
        return Finding(
            kind="entity", label="DATE_OF_BIRTH", share=in_range / cells, score=0.6, profiler=self.NAME,
            signal=(f"dates spread like adults' births: {in_range / dated:.0%} are {self.min_age}-{self.max_age} years back, "
                    f"years {q1}-{q3} between quartiles, median age {median_age}"),
        )


def _quantile(hist: list[tuple[int, int]], q: float) -> int:
    total = sum(n for _, n in hist)
    target = q * total
    run = 0
    for y, n in hist:
        run += n
        if run >= target:
            return y
    return hist[-1][0]
