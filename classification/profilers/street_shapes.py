"""STREET_ADDRESS by shape under an address column name, for streets without a street-type word.

Czech, Slovak, Polish, Hungarian, Nordic and many other addresses name the street alone
("Husova 12", "Nádražní 1234/5", "Mannerheimintie 3 A", "狮子山八条441号") and no street-type word marks them.
Under a column name that says address (``name_hints``), a column whose values are a street
name and a house number, in either order, is STREET_ADDRESS at a lower confidence.
"""

from __future__ import annotations

from typing import ClassVar

import regex as re

from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump

_NUMBER = r"\d{1,5}[A-Za-z]?(?:\s?[/\-]\s?\d{1,5}[A-Za-z]?)?(?:\s[A-Z])?"
_NAME = r"\p{L}[\p{L}'’.\-]*(?:\s+\p{L}[\p{L}'’.\-]*){0,4}"
_CJK_STREET = r"[\p{Han}\p{Hiragana}\p{Katakana}ー]{1,20}\d{1,5}(?:[\-－]\d{1,5}){0,2}\s?(?:号|號|番地?|丁目)"
_STREET_SHAPE = re.compile(rf"^(?:{_NAME},?\s+(?:č\.\s?p\.\s?|nr\.?\s?|no\.?\s?)?{_NUMBER}|{_NUMBER},?\s+{_NAME}|{_CJK_STREET})(?:,\s?.{{2,60}})?$",
                           re.IGNORECASE)


class StreetShapeProfiler(ColumnProfiler):
    """Counts cells shaped like ``street name + house number``.

    Args:
        min_share: Share of non-blank cells that must have the shape.
    """

    NAME: ClassVar[str] = "street_shapes"

    def __init__(self, *, min_share: float = 0.7) -> None:
        self.min_share = min_share

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        v = " ".join(value.split())
        if not v:
            return
        bump(stats, "cells", count)
        if "STREET_ADDRESS" in ctx.pattern_entities or _STREET_SHAPE.match(v):
            bump(stats, "shaped_cells", count)

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        if "STREET_ADDRESS" not in ctx.hints or not stats.get("cells"):
            return None
        share = stats.get("shaped_cells", 0) / stats["cells"]
        if share < self.min_share:
            return None
        return Finding(
            kind="entity", label="STREET_ADDRESS", share=share, score=0.45, profiler=self.NAME,
            signal=f"{share:.0%} of cells are a street name and a house number under an address column name",
        )
