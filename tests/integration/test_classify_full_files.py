"""The audit scan's files reader (``classify --full`` reading the version's Parquet files with Arrow) against
the engine reader, on tables written by the engine under test (partitioned, with nulls, integers, dates,
booleans, doubles, timestamps, nested columns, a long value, and a column added by a later commit), on both
engines; and the tables the files reader must leave to the engine."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from classification.engine import build_pattern_recognizers
from classification.fullscan_files import scan_files
from classification.prefilter import entity_prefilters
from classification.registry import load_recognizer_config
from classification.sampler import Leaf
from classification.scan import classify_table
from governance.config import Settings
from governance.maintenance import get_maintenance
from governance.risk import load_classification_policy
from tests.fixtures.delta_features import copy_feature_table

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]
CONFIG = load_recognizer_config(REPO / "conf" / "recognizers.yaml")
POLICY = load_classification_policy(REPO / "conf" / "classification.yaml")
MAINT = get_maintenance(Settings())

#: Valid card numbers (Luhn) and one that fails the check: only the valid ones are counted.
CARDS = ["4111111111111111", "5500005555555559", "4012888888881881", "4111111111111112"]


def _classify(spark: Any, path: str, reader: str, workers: int = 1) -> dict[str, Any]:
    res = classify_table(spark, path, name=Path(path).name, config=CONFIG, policy=POLICY, nlp="no_op", sample_rows=100,
                         min_share=0.5, full=True, maintenance=MAINT, full_scan_reader=reader,  # type: ignore[arg-type]
                         full_scan_workers=workers)
    return {"notes": res.notes, "columns": {c.name: c for c in res.columns}}


def _counts(col: Any) -> tuple[Any, ...]:
    ev = col.evidence
    return col.entity, ev.get("match_counts"), ev.get("nulls"), ev.get("cells_checked"), ev.get("rows_sampled")


def _write_mixed(spark: Any, path: str, n: int) -> None:
    schema = ("email string, card string, account bigint, born date, active boolean, amount double, seen timestamp, "
              "contact struct<mail:string,phone:string>, memo string, country string")
    rows = [(None if i % 10 == 0 else f"person{i % 97}@example.com", CARDS[i % 4], 1_000_000 + i,
             date(1950 + i % 40, 1 + i % 12, 1 + i % 28), i % 3 == 0, i * 1.25, datetime(2024, 1, 1 + i % 28, 12, 30),
             (f"nested{i % 13}@example.org", None),
             ("x" * 5000 + f" mail{i}@example.net") if i % 50 == 0 else f"paid invoice {i}", ["DE", "FR", "PT"][i % 3])
            for i in range(n)]
    spark.createDataFrame(rows, schema).write.format("delta").partitionBy("country").mode("overwrite").save(path)


def test_files_reader_counts_every_column_as_the_engine_reader_does(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "mixed")
    _write_mixed(spark, path, 600)
    # A later commit adds a column: the older files do not have it (its cells there are nulls).
    later = pa.table({"email": ["late@example.com"] * 50, "card": [CARDS[0]] * 50, "account": pa.array([7] * 50, pa.int64()),
                      "iban": ["DE89370400440532013000"] * 50, "country": ["DE"] * 50})
    write_deltalake(path, later, mode="append", schema_mode="merge", partition_by=["country"])
    files = _classify(spark, path, "files")
    engine = _classify(spark, path, "engine")
    assert any("read from the" in n and "counted in the engine" in n for n in files["notes"]), files["notes"]
    assert not any("read from the" in n for n in engine["notes"])
    assert set(files["columns"]) == set(engine["columns"])
    for name, col in files["columns"].items():
        assert _counts(col) == _counts(engine["columns"][name]), name
    cols = files["columns"]
    assert cols["email"].evidence["match_counts"]["EMAIL_ADDRESS"] == 540 + 50
    assert cols["card"].evidence["match_counts"]["CREDIT_CARD"] == 450 + 50  # the Luhn failure is not counted
    assert cols["iban"].evidence["match_counts"]["IBAN_CODE"] == 50 and cols["iban"].evidence["nulls"] == 600
    assert cols["country"].evidence["rows_sampled"] == 650 and cols["country"].evidence["nulls"] == 0


def test_files_reader_in_worker_processes_equals_the_job_process(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "workers")
    _write_mixed(spark, path, 300)
    files = MAINT.files(path)
    leaves = [Leaf(c, "string", (c,)) for c in ("email", "card", "account", "born", "active", "memo", "country")]
    prefilters = entity_prefilters(build_pattern_recognizers(CONFIG))
    here = scan_files(files, leaves, partition_columns=["country"], prefilters=prefilters, config=CONFIG, workers=1)
    there = scan_files(files, leaves, partition_columns=["country"], prefilters=prefilters, config=CONFIG, workers=2,
                       parallel_min_bytes=0)
    assert here[0] == there[0]
    assert {c: e.entity_cells for c, e in here[1].items()} == {c: e.entity_cells for c, e in there[1].items()}
    assert here[1]["email"].entity_cells["EMAIL_ADDRESS"] == 270 and here[0]["email"].non_null == 270


@pytest.mark.parametrize("feature", ["deletion_vectors", "column_mapping_name"])
def test_files_reader_leaves_tables_whose_files_are_not_the_rows_to_the_engine(
        spark: Any, feature_tables: dict[str, Path], tmp_path: Path, feature: str) -> None:
    path = str(copy_feature_table(feature_tables, feature, tmp_path / feature))
    files = _classify(spark, path, "files")
    assert not any("read from the" in n for n in files["notes"])
    email = files["columns"]["email"]
    assert email.evidence["match_counts"]["EMAIL_ADDRESS"] == email.evidence["rows_sampled"] - email.evidence["nulls"]
    if feature == "deletion_vectors":
        assert email.evidence["rows_sampled"] == 32  # 8 rows hidden by the deletion vector are not counted


def test_files_reader_reads_a_lake_on_s3_in_worker_processes_as_the_engine_does(
        spark: Any, s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tests.fixtures.delta_features import run_cli

    root = s3.lake(versioned=False)
    spark.sql("SELECT id, concat('person', id % 150, '@example.com') AS email, cast(1000000 + id AS string) AS ref "
              "FROM range(900)").repartition(3).write.format("delta").save(f"{root}/people")
    counts = {}
    for reader in ("files", "engine"):
        doc = {"lake": {"root": root}, "keys": {"provider": "local"}, "storage": s3.settings_overrides(),
               "audit": {"sink": "delta", "anchor_dir": str(tmp_path / "anchors")},
               "classification": {"full_scan_reader": reader, "full_scan_workers": 2}}
        cfg = tmp_path / f"{reader}.yaml"
        cfg.write_text(json.dumps(doc), encoding="utf-8")
        out_json = tmp_path / f"{reader}.json"
        rc, out, err = run_cli(capsys, cfg, "classify", "people", "--full", "--json", str(out_json))
        assert rc == 0, err + out
        table = json.loads(out_json.read_text(encoding="utf-8"))["tables"][0]
        assert any("read from the 3 data file(s)" in n for n in table["notes"]) is (reader == "files"), table["notes"]
        counts[reader] = {c["name"]: (c["entity"], c["evidence"].get("match_counts")) for c in table["columns"]}
    assert counts["files"] == counts["engine"]
    assert counts["files"]["email"] == ("EMAIL_ADDRESS", {"EMAIL_ADDRESS": 900})
