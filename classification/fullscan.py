"""The audit scan's engine pass: pattern entities counted inside Spark, Python sees candidates only.

``classify --full`` must count every cell of a table. Grouping every distinct value to Python
(``classification.sampler`` in full mode) runs at Python speed. Here the engine does the bulk:

1. :func:`count_candidates`: one aggregate over the table gives, per column, its non-null cells
   and the cells matching each entity's prefilter (``classification.prefilter``, a superset of
   what the recognizers can match). These are upper bounds of the exact counts, and the bare
   ``rlike`` cost is the benchmark's baseline.
2. :func:`candidate_values`: the distinct values that match any prefilter, with their cell
   counts, for the recognizers' validators and context checks in Python. Values matching no
   prefilter cannot hold a pattern entity and never leave the engine.

NLP entities and the column profilers keep reading the ordinary sample. Reads the table only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from classification.prefilter import EntityPrefilter
from classification.sampler import Leaf, _col_expr

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class CandidateCounts:
    """One column's cells and, per entity, the cells its prefilter matched (an upper bound)."""

    column: str
    non_null: int
    candidates: dict[str, int] = field(default_factory=dict)


def count_candidates(df: "DataFrame", leaves: list[Leaf], prefilters: list[EntityPrefilter]) -> dict[str, CandidateCounts]:
    """Count, in one pass over ``df``, each leaf's non-null cells and its cells matching each prefilter.

    Args:
        df: The table (all of it: the audit scan reads every row through Delta).
        leaves: The classifiable leaves (binary ones are skipped).
        prefilters: One per pattern entity.
    """
    from pyspark.sql import functions as F

    scannable = [leaf for leaf in leaves if leaf.kind != "binary"]
    if not scannable:
        return {}
    aggs = []
    for i, leaf in enumerate(scannable):
        v = _col_expr(leaf)
        aggs.append(F.count(v).alias(f"n{i}"))
        for j, p in enumerate(prefilters):
            aggs.append(F.sum(F.when(v.rlike(p.pattern), 1).otherwise(0)).alias(f"m{i}_{j}"))
    row = df.agg(*aggs).collect()[0]
    return {
        leaf.name: CandidateCounts(
            column=leaf.name, non_null=int(row[f"n{i}"] or 0),
            candidates={p.entity: int(row[f"m{i}_{j}"] or 0) for j, p in enumerate(prefilters) if row[f"m{i}_{j}"]},
        )
        for i, leaf in enumerate(scannable)
    }


def candidate_values(df: "DataFrame", leaves: list[Leaf], prefilters: list[EntityPrefilter]) -> "DataFrame":
    """The distinct ``(c, v)`` pairs whose value matches any prefilter, with their cell count ``n``.

    Args:
        df: The table.
        leaves: The classifiable leaves (binary ones are skipped).
        prefilters: One per pattern entity; a value is a candidate when it matches any.
    """
    from pyspark.sql import functions as F

    scannable = [leaf for leaf in leaves if leaf.kind != "binary"]
    union = "|".join(f"(?:{p.pattern})" for p in prefilters)
    pairs = F.explode(F.array(*[F.struct(F.lit(leaf.name).alias("c"), _col_expr(leaf).alias("v")) for leaf in scannable]))
    long = df.select(pairs.alias("p")).select("p.*")
    return long.filter(F.col("v").rlike(union)).groupBy("c", "v").agg(F.count(F.lit(1)).alias("n"))
