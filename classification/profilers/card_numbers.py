"""CREDIT_CARD by shape, when spreadsheets broke the checksum.

A card number exported through a spreadsheet loses digits ("4.53212345678E+15", or its 16th
digit replaced by 0), so Luhn fails on many values. Under a column name that says card
(``name_hints``), a column of 13-19 digit numbers, or of such numbers in scientific notation,
is still a card column. Under any other name the card-shaped column needs the checksum too: most
of the numbers that kept all their digits pass Luhn (random numbers pass one time in ten). Either
verdict carries a lower confidence and says why.
"""

from __future__ import annotations

from typing import ClassVar

import regex as re

from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump
from classification.recognizers.validators import luhn_ok

_CARD_SHAPE = re.compile(r"^(?:\d[ -]?){12,18}\d$|^\d(?:[.,]\d{2,})E\+1[2-8]$", re.IGNORECASE)


class CardNumberShapeProfiler(ColumnProfiler):
    """Counts cells shaped like a (possibly mangled) payment card number.

    Args:
        min_share: Share of non-blank cells that must have the shape.
        min_luhn_share: Without a card column name, share of the distinct whole numbers that must pass Luhn.
        min_luhn_values: Without a card column name, distinct numbers that must pass Luhn.
    """

    NAME: ClassVar[str] = "card_numbers"

    def __init__(self, *, min_share: float = 0.8, min_luhn_share: float = 0.4, min_luhn_values: int = 20) -> None:
        self.min_share = min_share
        self.min_luhn_share = min_luhn_share
        self.min_luhn_values = min_luhn_values

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        v = value.strip()
        if not v:
            return
        bump(stats, "cells", count)
        if _CARD_SHAPE.match(v):
            bump(stats, "shaped_cells", count)
            digits = v.replace(" ", "").replace("-", "")
            if digits.isdigit():
                bump(stats, "whole_values")
                if luhn_ok(digits):
                    bump(stats, "luhn_values")

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        if not stats.get("cells"):
            return None
        share = stats.get("shaped_cells", 0) / stats["cells"]
        if share < self.min_share:
            return None
        if "CREDIT_CARD" not in ctx.hints:
            whole, luhn = stats.get("whole_values", 0), stats.get("luhn_values", 0)
            if luhn < self.min_luhn_values or luhn < self.min_luhn_share * whole:
                return None
            return Finding(
                kind="entity", label="CREDIT_CARD", share=share, score=0.45, profiler=self.NAME,
                signal=(f"{share:.0%} of cells have a card number's shape and {luhn / whole:.0%} of the {whole} whole numbers "
                        "pass Luhn (the others lost digits in a spreadsheet export)"),
            )
        return Finding(
            kind="entity", label="CREDIT_CARD", share=share, score=0.45, profiler=self.NAME,
            signal=f"{share:.0%} of cells have a card number's shape under a card column name (checksums not required: "
                   "spreadsheet exports break them)",
        )
