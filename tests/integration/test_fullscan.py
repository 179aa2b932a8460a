"""The audit scan's engine pass (classification/fullscan.py) on a real Delta table, on both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import regex as re
from deltalake import write_deltalake

from classification.engine import build_pattern_recognizers
from classification.fullscan import candidate_values, count_candidates
from classification.prefilter import entity_prefilters
from classification.registry import load_recognizer_config
from classification.sampler import leaves

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]
RECOGNIZERS = build_pattern_recognizers(load_recognizer_config(REPO / "conf" / "recognizers.yaml"))
PREFILTERS = entity_prefilters(RECOGNIZERS)

CONTACT = ["jane.doe@example.com", "Husova 12", "Calle Mayor s/n", "call +351 912 345 678", None, "hello world",
           "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "192.168.1.20", "Chrome/41.0.887.0"]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("fullscan") / "contacts")
    rows = 300
    data = pa.table({
        "contact": [CONTACT[i % len(CONTACT)] for i in range(rows)],
        "plain": [["seven notes", "eight notes", "nine notes"][i % 3] for i in range(rows)],
        "amount": [float(i) for i in range(rows)],
    })
    write_deltalake(path, data)
    return path


def test_candidate_counts_bound_the_recognizers_from_above_in_one_pass(spark: Any, table: str) -> None:
    df = spark.read.format("delta").load(table)
    counts = count_candidates(df, leaves(df.schema), PREFILTERS)
    contact = counts["contact"]
    assert contact.non_null == 270  # 30 nulls of 300
    for p in PREFILTERS:
        rx = re.compile(p.pattern)
        expected = sum(30 for v in CONTACT if v is not None and rx.search(v))
        assert contact.candidates.get(p.entity, 0) == expected, p.entity
        hits = sum(30 for v in CONTACT if v is not None and any(r.scan(v) for r in RECOGNIZERS if r.ENTITY == p.entity))
        assert contact.candidates.get(p.entity, 0) >= hits, p.entity
    assert counts["plain"].candidates.get("EMAIL_ADDRESS", 0) == 0 and counts["plain"].non_null == 300


def test_only_values_matching_a_prefilter_leave_the_engine_with_their_counts(spark: Any, table: str) -> None:
    df = spark.read.format("delta").load(table)
    got = {(r["c"], r["v"]): r["n"] for r in candidate_values(df, leaves(df.schema), PREFILTERS).collect()}
    assert got[("contact", "jane.doe@example.com")] == 30
    assert ("contact", "hello world") not in got and not any(c in ("plain", "amount") for c, _ in got)
    for v in CONTACT:
        if v is not None and any(r.scan(v) for r in RECOGNIZERS):
            assert ("contact", v) in got, v


def test_candidates_validated_in_python_give_exact_pattern_counts(spark: Any, table: str) -> None:
    from classification.fullscan import exact_pattern_evidence

    df = spark.read.format("delta").load(table)
    ev = exact_pattern_evidence(candidate_values(df, leaves(df.schema), PREFILTERS), config=load_recognizer_config(REPO / "conf" / "recognizers.yaml"),
                                parallelism=2)["contact"]
    strong = {e: n for e, n in ev.entity_cells.items() if ev.score_sum[e] / n >= 0.3}
    assert strong["EMAIL_ADDRESS"] == 30 and strong["CREDIT_CARD"] == 30 and strong["IBAN_CODE"] == 30
    assert strong["IP_ADDRESS"] == 30  # "192.168.1.20" only: no address inside the browser's version string
    assert not ev.profiles and ev.nlp_values == 0


def test_cells_counted_without_matching_give_rows_and_non_null_per_column(spark: Any, table: str) -> None:
    from classification.fullscan import count_cells

    df = spark.read.format("delta").load(table)
    counts = count_cells(df, leaves(df.schema))
    assert (counts["contact"].rows, counts["contact"].non_null) == (300, 270)
    assert counts["amount"].non_null == 300 and not counts["contact"].candidates


def test_recognizers_skipped_by_the_engine_prefilters_change_no_count(spark: Any, tmp_path: Path) -> None:
    """Over the labelled benchmark's values, every value a recognizer matches is a candidate, and each candidate
    runs only the recognizers of the entities whose prefilters it matched with the same evidence as running
    every recognizer on it."""
    from benchmarks.labelled.generate import generate
    from classification.detect import ColumnScanner
    from classification.engine import get_engine
    from classification.fullscan import exact_pattern_evidence, patterns_only

    config = load_recognizer_config(REPO / "conf" / "recognizers.yaml")
    cols: dict[str, list[str | None]] = {}
    for t in generate(rows=150, seed=5):
        for name in t.data.column_names:
            col = t.data.column(name)
            if pa.types.is_string(col.type) and len(cols) < 40:
                cols[f"{t.name}_{name}"] = col.to_pylist()[:150]
    n = min(len(v) for v in cols.values())
    path = str(tmp_path / "labelled")
    write_deltalake(path, pa.table({k: pa.array(v[:n], pa.string()) for k, v in cols.items()}))
    df = spark.read.format("delta").load(path)
    cands = candidate_values(df, leaves(df.schema), PREFILTERS)
    restricted = exact_pattern_evidence(cands, config=config, parallelism=2)
    engine = get_engine(patterns_only(config), nlp="no_op")
    by_col: dict[str, list[Any]] = {}
    for r in cands.collect():
        by_col.setdefault(r["c"], []).append(r)
    assert len(by_col) >= 5
    for c, values in cols.items():
        seen = {r["v"] for r in by_col.get(c, [])}
        for v in values[:n]:
            if v is not None and any(r.scan(v) for r in RECOGNIZERS):
                assert v in seen, c
    for c, rows in by_col.items():
        sc = ColumnScanner(engine, c, sample_values=None, min_share=0.5)
        sc.ev.full = True
        sc.feed([r["v"] for r in rows], [r["n"] for r in rows])
        assert restricted[c].entity_cells == sc.ev.entity_cells, c
        assert restricted[c].validated_cells == sc.ev.validated_cells, c
