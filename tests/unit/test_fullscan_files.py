"""classification.fullscan_files without an engine: dictionary counting, truncation, which columns Arrow reads, RE2."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.sql.types import DateType, DecimalType, DoubleType, LongType, StringType, TimestampType

from classification.detect import MAX_SCAN_CHARS
from classification.engine import build_pattern_recognizers
from classification.fullscan_files import ColumnCandidates, _count_chunk, arrow_readable, re2_compatible
from classification.prefilter import EntityPrefilter, entity_prefilters
from classification.registry import load_recognizer_config
from classification.sampler import Leaf

REPO = Path(__file__).parents[2]

EMAIL = r"@"
DIGITS = r"[0-9]{4}"


def test_dictionary_chunk_counts_cells_per_distinct_value_and_skips_non_candidates() -> None:
    chunk = pa.array(["a@x.org", "plain", "a@x.org", None, "1234 5678", "a@x.org"]).dictionary_encode()
    into = ColumnCandidates()
    _count_chunk(chunk, [EMAIL, DIGITS], into)
    assert into.non_null == 5
    assert into.values == {"a@x.org": [3, 0b01], "1234 5678": [1, 0b10]}


def test_plain_chunk_of_integers_is_counted_as_spark_writes_them() -> None:
    into = ColumnCandidates()
    _count_chunk(pa.array([12345, 12345, 7, None], pa.int64()), [DIGITS], into)
    assert into.non_null == 3 and into.values == {"12345": [2, 1]}


def test_counts_add_up_over_chunks() -> None:
    into = ColumnCandidates()
    for _ in range(3):
        _count_chunk(pa.array(["b@y.com", "b@y.com"]), [EMAIL], into)
    assert into.non_null == 6 and into.values["b@y.com"][0] == 6


def test_long_values_are_cut_where_the_engine_cuts_them() -> None:
    long_value = "x" * (MAX_SCAN_CHARS + 10) + "@mail.com"
    into = ColumnCandidates()
    _count_chunk(pa.array([long_value, "y" * MAX_SCAN_CHARS + "@z"]), [EMAIL], into)
    assert list(into.values) == ["y" * MAX_SCAN_CHARS + "@"]  # the first one's @ lies past the cut


@pytest.mark.parametrize(("leaf", "spark_type", "readable"), [
    (Leaf("email", "string", ("email",)), StringType(), True),
    (Leaf("id", "string", ("id",)), LongType(), True),
    (Leaf("born", "string", ("born",)), DateType(), True),
    (Leaf("amount", "string", ("amount",)), DoubleType(), False),
    (Leaf("price", "string", ("price",)), DecimalType(10, 2), False),
    (Leaf("seen", "string", ("seen",)), TimestampType(), False),
    (Leaf("a.street", "string", ("a", "street")), None, False),
    (Leaf("emails[]", "string", ("emails",), array=True), StringType(), False),
])
def test_only_columns_whose_string_form_is_sparks_are_read_from_files(leaf: Leaf, spark_type: object, readable: bool) -> None:
    assert arrow_readable(leaf, spark_type) is readable  # type: ignore[arg-type]


def test_every_shipped_prefilter_compiles_in_re2_and_a_lookbehind_does_not() -> None:
    config = load_recognizer_config(REPO / "conf" / "recognizers.yaml")
    assert re2_compatible(entity_prefilters(build_pattern_recognizers(config)))
    assert not re2_compatible([EntityPrefilter(entity="X", pattern=r"(?<=a)b", recognizers=("X",))])




def test_audit_finds_an_entity_the_sample_never_saw() -> None:
    from classification.detect import ColumnEvidence
    from classification.fullscan import CandidateCounts, overlay
    from classification.verdicts import fuse
    from governance.risk import load_classification_policy

    # The sample read only rows of older files, where the column (added later) is null.
    sample = ColumnEvidence(column="iban", kind="string", rows=100, nulls=100)
    exact = ColumnEvidence(column="iban", kind="string", full=True, rows=50, cells_checked=50, values_checked=1,
                           entity_cells={"IBAN_CODE": 50}, entity_values={"IBAN_CODE": 1}, score_sum={"IBAN_CODE": 50.0},
                           validated_cells={"IBAN_CODE": 50}, any_entity_cells=50)
    ev = overlay(sample, CandidateCounts(column="iban", rows=650, non_null=50), exact)
    verdict = fuse(ev, load_classification_policy(REPO / "conf" / "classification.yaml"), min_share=0.5)
    assert verdict.entity == "IBAN_CODE" and verdict.evidence["match_counts"] == {"IBAN_CODE": 50}
