"""The delta-spark maintenance backend, for real, on tables written by delta-spark (classic Spark).

Deletion vectors and the change data feed come from delta-spark's own DML here (never a
hand-written log). On the embedded engine these tests skip: only classic Spark writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from governance.errors import UnsupportedTableFeatureError
from governance.maintenance import DeltaRsMaintenance, DeltaSparkMaintenance, maintenance_for

pytestmark = pytest.mark.both_engines

SECRET = "zelda.hidden@example.com"


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def classic(spark: Any, engine_kind: str) -> Any:
    if engine_kind != "classic":
        pytest.skip("delta-spark writes deletion vectors and change data; run with --engine classic")
    return spark


def _people(spark: Any, path: Path, **props: str) -> str:
    rows = [(i, f"user{i}@example.com") for i in range(12)] + [(99, SECRET)]
    writer = spark.createDataFrame(rows, "id long, email string").coalesce(1).write.format("delta")
    for k, v in props.items():
        writer = writer.option(k, v)
    writer.save(str(path))
    return str(path)


@pytest.fixture
def dv_table(classic: Any, tmp_path: Path) -> str:
    path = _people(classic, tmp_path / "dv", **{"delta.enableDeletionVectors": "true"})
    classic.sql(f"DELETE FROM delta.`{path}` WHERE id = 99").collect()
    return path


@pytest.fixture
def cdf_table(classic: Any, tmp_path: Path) -> str:
    path = _people(classic, tmp_path / "cdf", **{"delta.enableChangeDataFeed": "true"})
    classic.sql(f"UPDATE delta.`{path}` SET email = 'changed@example.com' WHERE id = 99").collect()
    classic.sql(f"DELETE FROM delta.`{path}` WHERE id = 1").collect()
    return path


def test_history_version_properties_and_detail_on_a_delta_spark_table(classic: Any, tmp_path: Path) -> None:
    path = _people(classic, tmp_path / "plain")
    classic.sql(f"DELETE FROM delta.`{path}` WHERE id = 2").collect()
    m = DeltaSparkMaintenance(classic)
    assert m.version(path) == 1
    hist = m.history(path)
    assert [h.version for h in hist] == [1, 0]
    assert hist[0].operation == "DELETE" and hist[0].timestamp is not None and hist[0].timestamp.tzinfo is not None
    assert [h.version for h in m.history(path, limit=1)] == [1]
    m.set_properties(path, {"delta.logRetentionDuration": "interval 30 days"})
    assert m.properties(path)["delta.logRetentionDuration"] == "interval 30 days"
    d = m.detail(path)
    assert d.num_files == 1 and d.size_in_bytes > 0 and d.partition_columns == []
    assert d.min_reader_version >= 1 and d.min_writer_version >= 2
    rs = DeltaRsMaintenance().detail(path)
    assert (rs.num_files, rs.size_in_bytes, rs.properties) == (d.num_files, d.size_in_bytes, d.properties)
    files = m.files(path)
    assert sum(f.num_records or 0 for f in files) == 12
    assert files[0].min_values["id"] == 0 and files[0].null_count["email"] == 0
    assert [f.num_records for f in m.files(path, version=0)] == [13]


def test_vacuum_dry_run_deletes_nothing_then_vacuum_removes_the_old_file(classic: Any, tmp_path: Path) -> None:
    path = _people(classic, tmp_path / "vac")
    classic.sql(f"DELETE FROM delta.`{path}` WHERE id = 99").collect()
    m = DeltaSparkMaintenance(classic)
    before = sorted(p.name for p in Path(path).glob("*.parquet"))
    would = m.vacuum(path, retention_hours=0)
    assert len(would) == 1 and Path(would[0]).exists()
    assert sorted(p.name for p in Path(path).glob("*.parquet")) == before
    assert m.vacuum(path, retention_hours=0, dry_run=False) == would
    assert not Path(would[0]).exists()
    assert m.vacuum(path, retention_hours=0) == []


def test_checkpoint_cleanup_and_restore(classic: Any, tmp_path: Path) -> None:
    path = _people(classic, tmp_path / "cp")
    classic.sql(f"DELETE FROM delta.`{path}` WHERE id = 99").collect()
    m = DeltaSparkMaintenance(classic)
    m.checkpoint(path)
    assert (Path(path) / "_delta_log" / "00000000000000000001.checkpoint.parquet").exists()
    m.cleanup_log(path)  # nothing expired yet (30 days): the commits stay
    assert (Path(path) / "_delta_log" / "00000000000000000000.json").exists()
    m.restore(path, 0)
    assert m.version(path) == 2
    assert classic.read.format("delta").load(path).count() == 13


def test_deletion_vector_files_count_visible_rows_and_keep_hidden_ones_apart(classic: Any, dv_table: str) -> None:
    m = DeltaSparkMaintenance(classic)
    files = m.files(dv_table)
    assert len(files) == 1
    f = files[0]
    assert (f.num_records, f.deleted_records, f.physical_records) == (12, 1, 13)
    assert f.deletion_vector is not None and f.deletion_vector["cardinality"] == 1
    assert m.has_deletion_vectors(dv_table)
    assert "deletionVectors" in m.detail(dv_table).table_features
    assert isinstance(maintenance_for(classic, dv_table), DeltaSparkMaintenance)


def test_delta_rs_refuses_deletion_vectors_naming_the_classic_way_out(dv_table: str) -> None:
    m = DeltaRsMaintenance()
    assert m.has_deletion_vectors(dv_table)
    for call in (lambda: m.files(dv_table), lambda: m.purge_deletion_vectors(dv_table, dry_run=False),
                 lambda: m.purge_history(dv_table, dry_run=False)):
        with pytest.raises(UnsupportedTableFeatureError, match=r"deletionVectors.*engine.maintenance=delta_spark.*REORG TABLE") as exc:
            call()
        assert dv_table in str(exc.value)
    assert SECRET.encode() in _all_bytes(Path(dv_table))  # refused before writing anything
    assert "deletionVectors" in m.detail(dv_table).table_features  # describing reads the log only


def test_purge_deletion_vectors_dry_run_lists_then_reorg_purges(classic: Any, dv_table: str) -> None:
    m = DeltaSparkMaintenance(classic)
    version = m.version(dv_table)
    listed = m.purge_deletion_vectors(dv_table)
    assert len(listed) == 1 and m.version(dv_table) == version and m.has_deletion_vectors(dv_table)
    assert m.purge_deletion_vectors(dv_table, dry_run=False) == listed
    assert not m.has_deletion_vectors(dv_table)
    assert m.history(dv_table, limit=1)[0].operation == "REORG"
    assert [(f.num_records, f.deleted_records) for f in m.files(dv_table)] == [(12, 0)]
    assert classic.read.format("delta").load(dv_table).count() == 12


def test_purge_history_leaves_no_row_hidden_by_a_deletion_vector(classic: Any, dv_table: str) -> None:
    root = Path(dv_table)
    assert SECRET.encode() in _all_bytes(root)  # the deleted row is still in the data file
    m = DeltaSparkMaintenance(classic)
    dry = m.purge_history(dv_table)
    assert dry.dry_run and len(dry.deletion_vector_files) == 1 and SECRET.encode() in _all_bytes(root)
    report = m.purge_history(dv_table, dry_run=False)
    assert report.deletion_vector_files and "REORG" in report.statement()
    assert SECRET.encode() not in _all_bytes(root)
    assert not list(root.glob("deletion_vector_*.bin"))
    assert classic.read.format("delta").load(dv_table).count() == 12


def test_purge_history_removes_change_data_and_its_plaintext(classic: Any, cdf_table: str) -> None:
    root = Path(cdf_table)
    assert list((root / "_change_data").glob("*.parquet"))  # pre-image and deleted rows kept there
    assert SECRET.encode() in _all_bytes(root)
    m = DeltaSparkMaintenance(classic)
    report = m.purge_history(cdf_table, dry_run=False)
    assert any("_change_data" in f for f in report.data_files)
    assert not [p for p in (root / "_change_data").rglob("*") if p.is_file()]
    assert SECRET.encode() not in _all_bytes(root)
    assert b"user1@example.com" not in _all_bytes(root)
    assert classic.read.format("delta").load(cdf_table).count() == 12


def test_delta_rs_purge_history_removes_change_data_too(classic: Any, cdf_table: str) -> None:
    root = Path(cdf_table)
    DeltaRsMaintenance().purge_history(cdf_table, dry_run=False)
    assert not [p for p in (root / "_change_data").rglob("*") if p.is_file()]
    assert SECRET.encode() not in _all_bytes(root)
    assert classic.read.format("delta").load(cdf_table).count() == 12
