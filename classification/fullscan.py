"""The audit scan's engine pass: pattern entities counted inside Spark, Python sees candidates only.

``classify --full`` must count every cell of a table. Grouping every distinct value to Python
(``classification.sampler`` in full mode) runs at Python speed. Here the engine does the bulk:

1. :func:`count_cells`: one aggregate gives each column's rows and non-null cells.
2. :func:`candidate_values`: the distinct values that match any entity's prefilter
   (``classification.prefilter``, a superset of what the recognizers can match), with their cell
   counts, for the recognizers' validators and context checks in Python. Values matching no
   prefilter cannot hold a pattern entity and never leave the engine.

:func:`count_candidates` (every prefilter ``rlike``-counted over every cell, upper bounds of the
exact counts) is what an engine-only audit would do: the benchmark's baseline.

NLP entities and the column profilers keep reading the ordinary sample. Reads the table only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from classification.detect import FREE_TEXT_SHARE, NLP_LABELS, ColumnEvidence
from classification.prefilter import EntityPrefilter
from classification.registry import RecognizerConfig
from classification.sampler import Leaf, _col_expr

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class CandidateCounts:
    """One column's rows and non-null cells and, per entity, the cells its prefilter matched (an upper bound)."""

    column: str
    rows: int
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
    aggs = [F.count(F.lit(1)).alias("rows")]
    for i, leaf in enumerate(scannable):
        v = _col_expr(leaf)
        aggs.append(F.count(v).alias(f"n{i}"))
        for j, p in enumerate(prefilters):
            aggs.append(F.sum(F.when(v.rlike(p.pattern), 1).otherwise(0)).alias(f"m{i}_{j}"))
    row = df.agg(*aggs).collect()[0]
    return {
        leaf.name: CandidateCounts(
            column=leaf.name, rows=int(row["rows"] or 0), non_null=int(row[f"n{i}"] or 0),
            candidates={p.entity: int(row[f"m{i}_{j}"] or 0) for j, p in enumerate(prefilters) if row[f"m{i}_{j}"]},
        )
        for i, leaf in enumerate(scannable)
    }


def count_cells(df: "DataFrame", leaves: list[Leaf]) -> dict[str, CandidateCounts]:
    """Count, in one aggregate over ``df``, its rows and each leaf's non-null cells (no pattern matching).

    Args:
        df: The table.
        leaves: The classifiable leaves (binary ones are skipped).
    """
    from pyspark.sql import functions as F

    scannable = [leaf for leaf in leaves if leaf.kind != "binary"]
    if not scannable:
        return {}
    row = df.agg(F.count(F.lit(1)).alias("rows"), *[F.count(_col_expr(leaf)).alias(f"n{i}") for i, leaf in enumerate(scannable)]).collect()[0]
    return {leaf.name: CandidateCounts(column=leaf.name, rows=int(row["rows"] or 0), non_null=int(row[f"n{i}"] or 0))
            for i, leaf in enumerate(scannable)}


def candidate_values(df: "DataFrame", leaves: list[Leaf], prefilters: list[EntityPrefilter]) -> "DataFrame":
    """The distinct ``(c, v)`` pairs whose value matches any prefilter, with their cell count ``n`` and the
    entities whose prefilters it matched, comma-separated (``e``: only their recognizers are run on it).

    Cells are grouped to distinct values first (a hash aggregate, native in both engines), so each distinct
    value is matched once however often it repeats. Each prefilter is its own ``rlike`` call: one alternation
    of all of them is slower to match (the engines' automata grow with it: 74 s against 30 s on 2.4M cells on
    Sail).

    Args:
        df: The table.
        leaves: The classifiable leaves (binary ones are skipped).
        prefilters: One per pattern entity; a value is a candidate when it matches any.
    """
    from pyspark.sql import functions as F

    scannable = [leaf for leaf in leaves if leaf.kind != "binary"]
    pairs = F.explode(F.array(*[F.struct(F.lit(leaf.name).alias("c"), _col_expr(leaf).alias("v")) for leaf in scannable]))
    # The value is matched as an aggregate's output (``w``, each group's own value): a filter on the grouping key
    # is pushed below the grouping by both optimizers, and every cell would be matched again.
    distinct = (df.select(pairs.alias("p")).select("p.*").where(F.col("v").isNotNull()).groupBy("c", "v")
                .agg(F.count(F.lit(1)).alias("n"), F.min("v").alias("w")))
    w = F.col("w")
    matched = F.concat_ws(",", *[F.when(w.rlike(p.pattern), F.lit(p.entity)) for p in prefilters])
    return distinct.select("c", w.alias("v"), "n", matched.alias("e")).filter(F.col("e") != "")


def patterns_only(config: RecognizerConfig) -> RecognizerConfig:
    """``config`` with every column profiler disabled: candidates are validated by the recognizers alone."""
    p = config.profilers
    off = {name: getattr(p, name).model_copy(update={"enabled": False}) for name in type(p).model_fields}
    return config.model_copy(update={"profilers": p.model_copy(update=off)})


def exact_pattern_evidence(candidates: "DataFrame", *, config: RecognizerConfig, parallelism: int) -> dict[str, ColumnEvidence]:
    """Validate the candidate values (:func:`candidate_values`) with the pattern recognizers, in Python on the
    executors, and return per column the exact cells of each pattern entity (no NLP, no profilers).

    Args:
        candidates: ``(c, v, n)`` rows: column, distinct candidate value, its cell count.
        config: The recognizer configuration (its profilers are switched off here).
        parallelism: Partitions to spread the columns over.
    """
    from classification.sampler import OUTPUT_SCHEMA, _scan_udf, merge_evidence_rows

    udf = _scan_udf(patterns_only(config).model_dump_json(), "no_op", None, 0.5, True, FREE_TEXT_SHARE)
    return merge_evidence_rows(candidates.repartition(max(1, parallelism), "c").mapInPandas(udf, OUTPUT_SCHEMA).collect(), into={})


def overlay(sample: ColumnEvidence, counts: CandidateCounts | None, exact: ColumnEvidence | None) -> ColumnEvidence:
    """One column's audit evidence: the pattern entities' exact cells over the whole table, with what only a
    sample can give (NLP entities, free text, the column profilers) from ``sample``, its cell counts scaled to
    the table's non-null cells. NLP entities' cells are then estimates and listed in ``estimated``.

    Args:
        sample: The column's evidence from the ordinary sample scan.
        counts: The column's row and non-null counts from :func:`count_cells`.
        exact: The column's validated candidates from :func:`exact_pattern_evidence` (None: no candidate).
    """
    ev = ColumnEvidence(column=sample.column, kind=sample.kind, full=True, nlp_available=sample.nlp_available)
    if counts is None:
        return sample
    ev.rows, ev.cells_checked = counts.rows, counts.non_null
    ev.nulls = counts.rows - counts.non_null
    scale = counts.non_null / max(1, sample.cells_checked)
    pattern = set(exact.entity_cells) if exact is not None else set()
    if exact is not None:
        ev.entity_cells = dict(exact.entity_cells)
        ev.entity_values = dict(exact.entity_values)
        ev.score_sum = dict(exact.score_sum)
        ev.validated_cells = dict(exact.validated_cells)
        ev.any_entity_cells = exact.any_entity_cells
        ev.truncated_values = exact.truncated_values
    sampled_only = [e for e in sample.entity_cells if e not in pattern and e in NLP_LABELS]
    for e in sampled_only:
        ev.entity_cells[e] = round(sample.entity_cells[e] * scale)
        ev.entity_values[e] = sample.entity_values.get(e, 0)
        ev.score_sum[e] = sample.score_sum.get(e, 0.0) * scale
    ev.estimated = sorted(sampled_only)
    ev.any_entity_cells = max(ev.any_entity_cells, round(sample.any_entity_cells * scale))
    ev.prose_entity_cells = {e: round(n * scale) for e, n in sample.prose_entity_cells.items()}
    for k in ("values_checked", "nlp_values", "text_like", "word_values", "org_values", "repeats"):
        setattr(ev, k, getattr(sample, k))
    if exact is not None and sample.values_checked == 0:
        # The sample's rows held no value of the column (a column added by a later commit, say): the
        # validated candidates are the values this column was judged on.
        ev.values_checked = exact.values_checked
    ev.distinct = sample.distinct
    ev.profiles = sample.profiles
    ev.examples = list(sample.examples)
    ev.notes = sorted(set(sample.notes) | {
        f"pattern entities counted over all {counts.non_null} non-null cells (engine prefilter, candidates validated)"
        + (f"; {', '.join(ev.estimated)} and the column profilers from a sample of {sample.values_checked} values"
           if ev.estimated else "; the column profilers from the sample")})
    return ev
