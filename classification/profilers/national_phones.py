"""PHONE_NUMBER in national formats, read with the row's country.

``21 259 903 5696`` or ``84 23 30`` is a telephone number only in some country. The scan passes
each row's country, read from a sibling column (an ISO code, a country name in many languages,
or a calling code such as ``351``), and libphonenumber validates the number in that region, then
in the configured default regions. Digit runs without separators need a phone-like column name:
order numbers and IDs are digit runs too.
"""

from __future__ import annotations

import functools
from typing import ClassVar

import phonenumbers
import regex as re

from classification.dictionaries.places import country_code
from classification.profilers.base import ColumnProfiler, Finding, JudgeContext, Stats, ValueContext, bump

_SHAPE = re.compile(r"^\+?[\d\s().\-/]{5,24}(?:\s*(?:ext\.?|x|#)\s*\d{1,5})?$", re.IGNORECASE)
_SEPARATED = re.compile(r"\d[\s().\-/]+\d")
#: A number as a spreadsheet prints it once it lost its digits ("4.4207946E+11").
_EXCEL_NUMBER = re.compile(r"^\d(?:[.,]\d+)?E\+\d{1,2}$", re.IGNORECASE)
#: Share of phone-shaped cells that makes a phone-named column PHONE_NUMBER without validation.
SHAPE_SHARE = 0.8
_CALLING = re.compile(r"^(?:\+|00)?(\d{1,3})$")
_GROUPED = re.compile(r"^\+?\(?\d[\d\s().\-/]{5,22}\d(?:\s*(?:x|ext\.?)\s*\d{1,5})?$", re.IGNORECASE)
_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*\d{1,5}$", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$")
_DOTTED_QUAD = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
#: Postcodes written in two groups: US ZIP+4 "12345-6789", Brazil "12345-678", Japan "123-4567".
_POSTCODE_LIKE = re.compile(r"^(?:\d{5}-\d{3,4}|\d{3}-\d{4})$")
_DIGIT_RUN = re.compile(r"^\d{7,15}$")
#: Bare digit runs: share that must be valid international numbers once a "+" is put before them (numbers
#: stored with their country code and nothing else; random 11-digit IDs reach about 0.22), and the spread of
#: their lengths (identifiers have one length, numbers of several countries do not).
DIGITS_INTL_SHARE = 0.3
DIGITS_LENGTH_SD = 0.8
#: Share of distinct values that must be bare digit runs for that (the others grouped or spreadsheet-printed numbers).
DIGITS_MIN_SHARE = 0.25
#: Share of cells written as grouped telephone numbers that makes a column PHONE_NUMBER with no name or country.
GROUPED_SHARE = 0.85
#: Distinct values needed for that.
GROUPED_MIN_VALUES = 30


@functools.lru_cache(maxsize=65536)
def _valid_international(digits: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse("+" + digits, None)))
    except phonenumbers.NumberParseException:
        return False


def grouped_phone(value: str) -> bool:
    """A telephone number as people write it: 7-15 digits in groups ("036 540 26 93", "(0487) 992423",
    "1-290-093-7327") or after a ``+``. Dates, dotted quads, decimals and ISBNs ("978-1-60010-928-7") are not."""
    v = value.strip()
    if not _GROUPED.match(v) or _DATE_LIKE.match(v) or _DOTTED_QUAD.match(v) or _POSTCODE_LIKE.match(v):
        return False
    main = _EXTENSION.sub("", v)
    digits = "".join(ch for ch in main if ch.isdigit())
    if not 7 <= len(digits) <= 15:
        return False
    if v.startswith("+"):
        return True
    groups = [g for g in re.split(r"[\s().\-/]+", main) if g]
    if len(groups) < 2 or len(groups[-1]) == 1:
        return False  # one run of digits, or a check digit at the end (ISBN)
    if len(groups) == 2 and not any(ch in main for ch in " -()/"):
        return False  # 1234.5678: a decimal number
    return not (len(digits) == 13 and digits.startswith(("978", "979")))


@functools.lru_cache(maxsize=4096)
def region_of(hint: str) -> str | None:
    """ISO alpha-2 region of one sibling-column value: ``PT``, ``PRT``, ``Portugal``, ``351``, ``+351``."""
    h = hint.strip()
    if not h:
        return None
    m = _CALLING.match(h)
    if m:
        region = phonenumbers.region_code_for_country_code(int(m.group(1)))
        return None if region == "ZZ" else region
    code = country_code(h)
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def regions_of(hint: str | None) -> tuple[str, ...]:
    """Every region named in a row's sibling columns (joined by ``|``)."""
    if not hint:
        return ()
    out: list[str] = []
    for part in hint.split("|"):
        r = region_of(part)
        if r and r not in out:
            out.append(r)
    return tuple(out)


class NationalPhoneProfiler(ColumnProfiler):
    """Counts values that libphonenumber accepts in the row's region or a default region.

    Args:
        default_regions: Regions tried for every value (``classification`` of a lake with no
            country column), after the row's own.
        min_share: Share of non-null cells that must be valid numbers.
    """

    NAME: ClassVar[str] = "national_phones"

    def __init__(self, *, default_regions: tuple[str, ...] = (), min_share: float = 0.6) -> None:
        self.default_regions = tuple(default_regions)
        self.min_share = min_share

    def valid_in(self, value: str, regions: tuple[str, ...]) -> str | None:
        """The first region (of ``regions``, then the defaults) in which ``value`` is a valid number."""
        v = value.strip()
        if not _SHAPE.match(v):
            return None
        digits = sum(ch.isdigit() for ch in v)
        if not 5 <= digits <= 15:
            return None
        tried: list[str] = []
        for region in (*regions, *self.default_regions):
            if region in tried:
                continue
            tried.append(region)
            try:
                num = phonenumbers.parse(v, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return region
        return None

    @staticmethod
    def phone_shaped(value: str) -> bool:
        """Digits (6 to 15) with the separators of a telephone number, nothing else."""
        v = value.strip()
        return bool(_SHAPE.match(v)) and 6 <= sum(ch.isdigit() for ch in v) <= 15

    def observe(self, stats: Stats, value: str, *, count: int, ctx: ValueContext) -> None:  # noqa: D102
        bump(stats, "cells", count)
        v = value.strip()
        excel = _EXCEL_NUMBER.match(v) is not None
        if self.phone_shaped(v) or excel:
            bump(stats, "shaped_cells", count)
        if not ctx.pattern_entities - {"PHONE_NUMBER"} and grouped_phone(v):
            bump(stats, "grouped_cells", count)
            bump(stats, "grouped_values")
        if excel:
            bump(stats, "excel_values")
        if _DIGIT_RUN.match(v):
            bump(stats, "digit_values")
            bump(stats, "digit_cells", count)
            bump(stats, "digit_len_sum", len(v))
            bump(stats, "digit_len_sq", len(v) * len(v))
            if _valid_international(v):
                bump(stats, "digit_intl_values")
        regions = regions_of(ctx.region)
        if regions:
            bump(stats, "cells_with_region", count)
        if self.valid_in(value, regions) is None:
            return
        bump(stats, "valid_cells", count)
        if _SEPARATED.search(value) or value.strip().startswith("+"):
            bump(stats, "formatted_cells", count)

    @staticmethod
    def _digit_runs(stats: Stats, ctx: JudgeContext) -> Finding | None:
        """PHONE_NUMBER for a column of bare digit runs of several lengths, many of them valid with a "+"
        (the rest of the column, if any, numbers written grouped or as a spreadsheet prints them)."""
        n = stats.get("digit_values", 0)
        numbers = n + stats.get("grouped_values", 0) + stats.get("excel_values", 0)
        if n < GROUPED_MIN_VALUES or n < DIGITS_MIN_SHARE * max(1, ctx.values) or numbers < 0.8 * max(1, ctx.values) \
                or "postcode" in ctx.quasi_hints:
            return None
        mean = stats.get("digit_len_sum", 0) / n
        sd = max(0.0, stats.get("digit_len_sq", 0) / n - mean * mean) ** 0.5
        share = stats.get("digit_intl_values", 0) / n
        if share < DIGITS_INTL_SHARE or sd < DIGITS_LENGTH_SD:
            return None
        # the column is a column of numbers: every one counts, valid or not (most lost their country code)
        cell_share = max(stats.get("digit_cells", 0), stats.get("shaped_cells", 0)) / max(1, stats.get("cells", 0))
        return Finding(
            kind="entity", label="PHONE_NUMBER", share=cell_share, score=0.4, profiler=NationalPhoneProfiler.NAME,
            signal=(f"{share:.0%} of the bare digit runs (lengths {mean:.1f} ± {sd:.1f}) are valid international "
                    "telephone numbers with a + before them (libphonenumber)"),
        )

    def judge(self, stats: Stats, ctx: JudgeContext) -> Finding | None:  # noqa: D102
        cells = stats.get("cells", 0)
        valid = stats.get("valid_cells", 0)
        hinted = "PHONE_NUMBER" in ctx.hints
        if not cells:
            return None
        shaped = stats.get("shaped_cells", 0) / cells
        if valid / cells < self.min_share:
            if hinted and shaped >= SHAPE_SHARE:
                return Finding(
                    kind="entity", label="PHONE_NUMBER", share=shaped, score=0.45, profiler=self.NAME,
                    signal=(f"{shaped:.0%} of cells have a telephone number's shape under a phone column name; "
                            "no country column or default region to validate them"),
                )
            digit_finding = self._digit_runs(stats, ctx)
            if digit_finding is not None:
                return digit_finding
            grouped = stats.get("grouped_cells", 0) / cells
            if grouped >= GROUPED_SHARE and stats.get("grouped_values", 0) >= GROUPED_MIN_VALUES and "postcode" not in ctx.quasi_hints:
                return Finding(
                    kind="entity", label="PHONE_NUMBER", share=grouped, score=0.4, profiler=self.NAME,
                    signal=(f"{grouped:.0%} of cells are digits grouped as telephone numbers are written "
                            "(no phone column name, no country to validate them)"),
                )
            return None
        formatted = stats.get("formatted_cells", 0) / max(1, valid)
        if not hinted and formatted < 0.8:
            return None
        if not hinted and not stats.get("cells_with_region"):
            return None  # default regions alone validate too many codes and IDs
        with_region = stats.get("cells_with_region", 0) / cells
        how = f"the row's country from a sibling column ({with_region:.0%} of cells)" if with_region else "the default regions"
        return Finding(
            kind="entity", label="PHONE_NUMBER", share=valid / cells, score=0.7 if hinted else 0.5, profiler=self.NAME,
            signal=f"{valid / cells:.0%} of cells are valid telephone numbers in {how} (libphonenumber)",
        )
