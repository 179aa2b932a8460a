"""Spark helpers shared by protect, reveal and reencrypt: UDF factories and value conversions.

Protected columns are computed with Arrow UDFs over the engine's *string* form of each value
(``CAST(x AS STRING)``; binary as base64), so the other columns never pass through Python and
stay byte for byte as they were. Reveal casts the decrypted string back to the recorded type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from governance.protection.codec import REVERSIBLE, spark_type

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


class _Apply(Protocol):
    def apply(self, values: Any) -> list[str | None]: ...


def as_text(column: str, spark_type_name: str) -> "Column":
    """The engine's string form of a column (binary as base64)."""
    from pyspark.sql import functions as F

    c = F.col(f"`{column}`")
    if spark_type_name == "binary":
        return F.base64(c)
    return c if spark_type_name == "string" else c.cast("string")


def from_text(expr: "Column", code: str) -> "Column":
    """Inverse of :func:`as_text` for a type code."""
    from pyspark.sql import functions as F

    t = spark_type(code)
    if t == "binary":
        return F.unbase64(expr)
    return expr if t == "string" else expr.cast(t)


def udf1(transform: _Apply, *, workers: int = 0) -> Callable[["Column"], "Column"]:
    """A string->string Arrow UDF applying ``transform`` batch by batch.

    Arrow UDFs hand the batch over as a pyarrow array: no pandas conversion on the way in or out.
    With ``workers`` (embedded engine only, see :mod:`governance.protection.fanout`) each batch is
    sliced across that many worker processes, so the per-value work uses every core.
    """
    from pyspark.sql.functions import arrow_udf

    if workers > 0:
        from governance.protection.fanout import apply_arrays

        @arrow_udf("string")  # type: ignore[call-overload,misc]
        def _fanned(a: pa.Array) -> pa.Array:
            return apply_arrays(transform, [a], workers=workers)

        return _fanned  # type: ignore[no-any-return]

    @arrow_udf("string")  # type: ignore[call-overload,misc]
    def _f(a: pa.Array) -> pa.Array:
        return pa.array(transform.apply(a.to_pylist()), pa.string())

    return _f  # type: ignore[no-any-return]


def udf2(transform: Any, *, workers: int = 0) -> Callable[["Column", "Column"], "Column"]:
    """A (value, subject) -> string Arrow UDF for per-subject encryption (fanned out like :func:`udf1`)."""
    from pyspark.sql.functions import arrow_udf

    if workers > 0:
        from governance.protection.fanout import apply_arrays

        @arrow_udf("string")  # type: ignore[call-overload,misc]
        def _fanned(a: pa.Array, subj: pa.Array) -> pa.Array:
            return apply_arrays(transform, [a, subj], workers=workers)

        return _fanned  # type: ignore[no-any-return]

    @arrow_udf("string")  # type: ignore[call-overload,misc]
    def _f(a: pa.Array, subj: pa.Array) -> pa.Array:
        return pa.array(transform.apply(a.to_pylist(), subj.to_pylist()), pa.string())

    return _f  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PrefixCount:
    """How many values of a column carry one ``lw1:<kind>:<keyref>:<type>`` prefix."""

    kind: str
    keyref: str
    code: str
    count: int

    @property
    def reversible(self) -> bool:
        return self.kind in REVERSIBLE


def prefix_counts(df: "DataFrame", columns: list[str]) -> dict[str, list[PrefixCount]]:
    """Group the protected values of each string column by kind, key reference and type (one job per column)."""
    from pyspark.sql import functions as F

    out: dict[str, list[PrefixCount]] = {}
    for col in columns:
        c = F.col(f"`{col}`")
        rows = (
            df.where(c.startswith("lw1:"))
            .select(F.substring_index(c, ":", 4).alias("p"))
            .groupBy("p")
            .count()
            .collect()
        )
        items = []
        for r in rows:
            parts = str(r["p"]).split(":")
            if len(parts) == 4:
                items.append(PrefixCount(kind=parts[1], keyref=parts[2], code=parts[3], count=int(r["count"])))
        out[col] = sorted(items, key=lambda p: (p.kind, p.keyref, p.code))
    return out
