"""Delta maintenance through delta-rs on tables written by Sail."""

import json
from pathlib import Path

import pytest

from governance.config import Settings
from governance.errors import InputError, UnsupportedTableFeatureError
from governance.maintenance import DeltaRsMaintenance, get_maintenance
from governance.safe_write import safe_delete, safe_write


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def table_with_history(spark, tmp_path: Path) -> Path:
    path = tmp_path / "people"
    df = spark.createDataFrame(
        [(1, "alice.secret@example.com"), (2, "bob@example.com"), (3, "carol@example.com")], "id long, email string"
    )
    safe_write(spark, df, str(path))
    safe_write(spark, spark.createDataFrame([(4, "dave@example.com")], "id long, email string"), str(path), mode="append")
    safe_delete(spark, str(path), where="id = 1")
    return path


def test_history_files_and_properties(table_with_history: Path) -> None:
    m = DeltaRsMaintenance()
    hist = m.history(str(table_with_history))
    assert [h.version for h in hist] == [2, 1, 0]
    assert m.version(str(table_with_history)) == 2
    files = m.files(str(table_with_history))
    assert sum(f.num_records or 0 for f in files) == 3
    assert all(Path(f.path).exists() for f in files)
    m.set_properties(str(table_with_history), {"delta.logRetentionDuration": "interval 30 days"})
    assert m.properties(str(table_with_history))["delta.logRetentionDuration"] == "interval 30 days"


def test_vacuum_dry_run_deletes_nothing_and_lists_files(table_with_history: Path) -> None:
    before = sorted(p.name for p in table_with_history.glob("*.parquet"))
    would = DeltaRsMaintenance().vacuum(str(table_with_history), retention_hours=0)
    assert would, "the delete left an unreferenced file to vacuum"
    assert sorted(p.name for p in table_with_history.glob("*.parquet")) == before


def test_old_versions_keep_plaintext_until_history_is_purged(table_with_history: Path) -> None:
    secret = b"alice.secret@example.com"
    assert secret in _all_bytes(table_with_history)  # in old data files and in log statistics
    m = DeltaRsMaintenance()
    dry = m.purge_history(str(table_with_history))
    assert dry.dry_run and dry.data_files and secret in _all_bytes(table_with_history)
    report = m.purge_history(str(table_with_history), dry_run=False)
    assert secret not in _all_bytes(table_with_history)
    assert "time travel before version" in report.statement()
    assert m.files(str(table_with_history))  # the table still reads


def _fake_deletion_vector_table(path: Path) -> None:
    # FAKE: no engine here writes deletion vectors (delta-spark jars cannot be fetched), so the
    # log is written by hand after the Delta protocol spec: reader v3 / writer v7 with the
    # deletionVectors feature and an add action carrying an inline deletion vector descriptor.
    log = path / "_delta_log"
    log.mkdir(parents=True)
    actions = [
        {"protocol": {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"], "writerFeatures": ["deletionVectors"]}},
        {"metaData": {"id": "0b7c4e2a-0000-4000-8000-000000000001", "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps({"type": "struct", "fields": [{"name": "id", "type": "long", "nullable": True, "metadata": {}}]}),
                      "partitionColumns": [], "configuration": {"delta.enableDeletionVectors": "true"}, "createdTime": 0}},
        {"add": {"path": "part-0.parquet", "partitionValues": {}, "size": 1, "modificationTime": 0, "dataChange": True,
                 "deletionVector": {"storageType": "i", "pathOrInlineDv": "wi5b=000010000siXQKl0rr91000f", "sizeInBytes": 40, "cardinality": 1}}},
    ]
    (log / "00000000000000000000.json").write_text("\n".join(json.dumps(a) for a in actions) + "\n")


def test_deletion_vectors_are_detected_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "dv"
    _fake_deletion_vector_table(path)
    m = DeltaRsMaintenance()
    assert m.has_deletion_vectors(str(path))
    with pytest.raises(UnsupportedTableFeatureError, match=r"deletion vectors.*REORG TABLE") as exc:
        m.files(str(path))
    assert str(path) in str(exc.value)


def test_delta_spark_maintenance_needs_a_classic_session(spark) -> None:
    s = Settings.model_validate({"engine": {"maintenance": "delta_spark"}})
    with pytest.raises(InputError, match="classic Spark session"):
        get_maintenance(s, spark)
