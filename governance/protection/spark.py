"""Spark helpers shared by protect, reveal and reencrypt: UDF factories and value conversions.

Protected columns are computed with Arrow UDFs over the engine's *string* form of each value
(``CAST(x AS STRING)``; binary as base64), so the other columns never pass through Python and
stay byte for byte as they were. Reveal casts the decrypted string back to the recorded type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from governance.protection.codec import REVERSIBLE, spark_type

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType


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


def udf1(transform: _Apply) -> Callable[["Column"], "Column"]:
    """A string->string Arrow UDF applying ``transform`` batch by batch.

    Arrow UDFs hand the batch over as a pyarrow array: no pandas conversion on the way in or out.
    (Protection in worker processes goes through :func:`map_batches` instead.)
    """
    from pyspark.sql.functions import arrow_udf

    @arrow_udf("string")  # type: ignore[call-overload,misc]
    def _f(a: pa.Array) -> pa.Array:
        return pa.array(transform.apply(a.to_pylist()), pa.string())

    return _f  # type: ignore[no-any-return]


def udf2(transform: Any) -> Callable[["Column", "Column"], "Column"]:
    """A (value, subject) -> string Arrow UDF for per-subject encryption."""
    from pyspark.sql.functions import arrow_udf

    @arrow_udf("string")  # type: ignore[call-overload,misc]
    def _f(a: pa.Array, subj: pa.Array) -> pa.Array:
        return pa.array(transform.apply(a.to_pylist(), subj.to_pylist()), pa.string())

    return _f  # type: ignore[no-any-return]


#: Batches a mapped rewrite keeps in flight: the workers transform one while the engine reads the next.
_DEPTH = 3


def map_batches(df: "DataFrame", schema: "StructType", outputs: Sequence[tuple[str, Any, tuple[str, ...]]], *,
                fanned: set[str], workers: int) -> "DataFrame":
    """``df`` batch by batch (``mapInArrow``) with each output column computed by its transform.

    Args:
        df: The input; its columns are the result's plus the transforms' extra argument columns.
        schema: The result's columns, in order: each is an output of ``outputs`` or passed through.
        outputs: (column, transform, argument columns): ``transform.apply`` over the arguments' values.
        fanned: The output columns computed in the worker processes (all of a batch's in one request
            per worker); the others (span detection) in this process while the workers run.
        workers: Worker processes (:mod:`governance.protection.fanout`).

    Batches are pipelined: while the workers transform a batch, this process passes the engine the
    batch before it and reads the next one, so the engine's reading and writing overlap the
    per-value work even when one task does all of it.
    """
    from collections import deque

    fan = [o for o in outputs if o[0] in fanned]
    local = [o for o in outputs if o[0] not in fanned]
    fan_args = sorted({a for _, _, args in fan for a in args})
    names = [f.name for f in schema.fields]
    fan_names = [n for n, _, _ in fan]
    passed = [n for n in names if n not in {o[0] for o in outputs}]

    def _run(batches: Any) -> Any:
        from governance.protection.fanout import Step, submit

        steps = [Step(t, tuple(fan_args.index(a) for a in args)) for _, t, args in fan]
        pending: deque[tuple[dict[str, pa.Array], Callable[[], list[pa.Array]], dict[str, pa.Array]]] = deque()

        def _assemble(cols: dict[str, pa.Array], wait: Callable[[], list[pa.Array]],
                      done: dict[str, pa.Array]) -> pa.RecordBatch:
            out = {**cols, **dict(zip(fan_names, wait(), strict=True)), **done}
            return pa.RecordBatch.from_arrays([out[n] for n in names], names=names)

        for batch in batches:
            cols = dict(zip(batch.schema.names, batch.columns, strict=True))
            wait = submit(steps, [cols[a] for a in fan_args], workers=workers) if steps else list
            done = {n: pa.array(t.apply(*[cols[a].to_pylist() for a in args]), pa.string()) for n, t, args in local}
            # only the passed-through columns wait with the batch: the inputs already went to the workers
            pending.append(({n: cols[n] for n in passed}, wait, done))
            del batch, cols
            if len(pending) >= _DEPTH:
                yield _assemble(*pending.popleft())
        while pending:
            yield _assemble(*pending.popleft())

    return df.mapInArrow(_run, schema)


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
