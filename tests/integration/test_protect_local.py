"""protect/reveal with the embedded default key provider (local keyring under a master key)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable
from pyspark.sql.types import DateType, DecimalType, DoubleType, LongType, StringType, StructField, StructType, TimestampType

pytestmark = pytest.mark.both_engines

SCHEMA = StructType([
    StructField("id", LongType()),
    StructField("country", StringType()),
    StructField("email", StringType()),
    StructField("ssn", StringType()),
    StructField("card", StringType()),
    StructField("secret_note", StringType()),
    StructField("balance", DecimalType(20, 6)),
    StructField("score", DoubleType()),
    StructField("opened", DateType()),
    StructField("seen", TimestampType()),
])
ROWS = [
    (1, "GB", "ann@example.test", "123-45-6789", "5500 0000 0000 0004", "drop me 1", Decimal("1.000001"), 0.1,
     dt.date(2020, 1, 1), dt.datetime(2024, 1, 1, 0, 0, 0, 1)),
    (2, "DE", "bob@example.test", "987-65-4321", None, "drop me 2", Decimal("-99999999999999.999999"), -2.5e-300,
     dt.date(1999, 9, 9), None),
    (3, "GB", None, "123-45-6789", "4111 1111 1111 1111", None, None, None, None, dt.datetime(2000, 2, 29, 12, 0)),
]
POLICY = """protection:
  tables:
    accounts:
      columns:
        email: {action: tokenize}
        ssn: {action: hash}
        card: {action: mask, keep_last: 4}
        secret_note: {action: drop}
"""


@pytest.fixture
def local_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    root = tmp_path / "lake"
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {root}\naudit:\n  sink: jsonl\nkeys:\n  provider: local\n", encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())

    def cli(*args: str) -> tuple[int, str, str]:
        from jobs.cli import main

        capsys.readouterr()
        rc = main(["--config", str(cfg), *args])
        out, err = capsys.readouterr()
        return rc, out, err

    return root, cli, str(tmp_path / "policy.yaml")


def test_local_provider_protects_partitioned_table_and_leaves_other_columns_equal(spark: Any, local_lake: Any) -> None:
    root, cli, policy = local_lake
    path = str(root / "accounts")
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").partitionBy("country").save(path)
    before = {r["id"]: r.asDict() for r in spark.read.format("delta").load(path).collect()}
    rc, out, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 0, err
    assert stat.S_IMODE((root / "_lakewarden" / "keyring.json").stat().st_mode) == 0o600
    assert DeltaTable(path).metadata().partition_columns == ["country"]
    df = spark.read.format("delta").load(path)
    assert "secret_note" not in df.columns
    after = {r["id"]: r.asDict() for r in df.collect()}
    for k, row in before.items():
        for c in ("country", "balance", "score", "opened", "seen"):
            assert after[k][c] == row[c] and type(after[k][c]) is type(row[c]), (k, c)
    assert after[1]["ssn"] == after[3]["ssn"] and after[1]["ssn"].startswith("lw1:hsh:pii.1:s:")
    assert after[2]["card"] is None and after[3]["card"] == "lw1:msk:-:s:**** **** **** 1111"
    rc, out, err = cli("reveal", "accounts", "--columns", "email,ssn", "--also", "id", "--reason", "local test", "--json")
    assert rc == 0, err
    assert '"email": "ann@example.test"' in out and '"ssn": null' in out
    assert "irreversible (hashed or masked)" in out


def test_local_keyring_open_to_others_is_refused_before_any_commit(spark: Any, local_lake: Any) -> None:
    root, cli, policy = local_lake
    path = str(root / "accounts")
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").save(path)
    assert cli("keys", "bootstrap")[0] == 0
    os.chmod(root / "_lakewarden" / "keyring.json", 0o640)
    rc, _, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 8 and "chmod 600" in err
    assert DeltaTable(path).version() == 0


def test_missing_master_key_is_a_clear_error(spark: Any, local_lake: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cli, policy = local_lake
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").save(str(root / "accounts"))
    monkeypatch.delenv("LAKEWARDEN_MASTER_KEY")
    rc, _, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 8 and "$LAKEWARDEN_MASTER_KEY" in err


def test_large_table_tokenized_across_worker_processes_reveals_every_value(spark: Any, local_lake: Any, engine_kind: str) -> None:
    """Batches long enough to be fanned out to worker processes (embedded engine) give the tokens reveal reads back."""
    from governance.protection import fanout

    root, cli, policy = local_lake
    path = str(root / "accounts")
    n = 3 * fanout.MIN_FANOUT_ROWS
    rows = [(i, "GB", f"user{i}@example.test", f"{i:03d}-45-6789", None, None, None, None, None, None) for i in range(n)]
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write.format("delta").save(path)
    expected_workers = 0 if engine_kind == "classic" else (os.cpu_count() or 1)
    assert fanout.workers_for(spark) == expected_workers
    fanout.shutdown()
    rc, out, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 0, err
    assert (fanout.started() > 0) == (expected_workers > 0)  # the batches did go to the workers
    emails = [r["email"] for r in spark.read.format("delta").load(path).select("email").collect()]
    assert len(emails) == n and all(e.startswith("lw1:tok:pii.1:s:") for e in emails) and len(set(emails)) == n
    rc, out, err = cli("reveal", "accounts", "--columns", "email", "--also", "id", "--reason", "fan-out round trip",
                       "--limit", str(n), "--json")
    assert rc == 0, err
    assert all(f'"email": "user{i}@example.test"' in out for i in (0, n // 2, n - 1))


def test_a_table_of_many_files_is_protected_in_file_groups_in_one_commit_even_after_a_column_was_added(
        spark: Any, local_lake: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Bounded memory: the rewrite is staged a few files at a time; files older than a column read it as null."""
    import logging

    from pyspark.sql import functions as F

    from governance import safe_write as sw

    root, cli, policy = local_lake
    path = str(root / "accounts")
    rows = [(i, "GB" if i % 3 else "DE", f"user{i}@example.test", f"{i:03d}-45-6789", "4111 1111 1111 1111",
             f"note {i}", Decimal("1.5"), 0.5, dt.date(2020, 1, 1 + i % 28), None) for i in range(60)]
    for k in range(6):  # six appends: twelve files over two partitions
        batch = spark.createDataFrame(rows[k * 10:(k + 1) * 10], SCHEMA)
        if k >= 3:
            batch = batch.withColumn("tier", F.concat(F.lit("t"), F.col("id").cast("string")))
        batch.coalesce(1).write.format("delta").mode("append").option("mergeSchema", "true") \
            .partitionBy("country").save(path)
    Path(policy).write_text(POLICY.replace("        secret_note: {action: drop}\n", "        opened: {action: tokenize}\n"),
                            encoding="utf-8")
    version = DeltaTable(path).version()
    monkeypatch.setattr(sw, "FILE_GROUP_ROWS", 8)
    with caplog.at_level(logging.INFO, logger="governance.safe_write"):
        rc, out, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 0, err
    import re

    m = re.search(r"rewriting (\d+) file\(s\) in (\d+) group\(s\)", caplog.text)
    assert m and int(m.group(1)) == 12 and int(m.group(2)) >= 6, caplog.text  # about 5 rows per file, 8 per group
    assert f"staged group {m.group(2)} of {m.group(2)}" in caplog.text
    assert DeltaTable(path).version() == version + 1  # one commit for every group
    assert DeltaTable(path).metadata().partition_columns == ["country"]
    df = spark.read.format("delta").load(path)
    assert dict(df.dtypes)["opened"] == "string"
    after = {r["id"]: r.asDict() for r in df.collect()}
    assert sorted(after) == list(range(60))
    for i, row in after.items():
        assert row["email"].startswith("lw1:tok:pii.1:s:") and row["opened"].startswith("lw1:tok:pii.1:")
        assert row["secret_note"] == f"note {i}" and row["country"] == ("GB" if i % 3 else "DE")
        assert row["tier"] == (f"t{i}" if i >= 30 else None)
    rc, out, err = cli("reveal", "accounts", "--columns", "email,opened", "--also", "id", "--reason", "groups round trip",
                       "--limit", "60", "--json")
    assert rc == 0, err
    assert all(f'"email": "user{i}@example.test"' in out for i in (0, 29, 30, 59))
    assert '"opened": "2020-01-02"' in out


def test_subject_keys_made_in_hash_slices_are_one_per_subject_and_decrypt_every_row(
        spark: Any, local_lake: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded memory: the distinct subjects are read one hash slice at a time; none is missed or keyed twice."""
    from governance.config import load_settings
    import pyarrow.parquet as pq

    from governance.keys import store
    from governance.keys.manager import key_tables
    from governance.protection import apply as ap

    root, cli, policy = local_lake
    path = str(root / "accounts")
    rows = [(i, "GB", f"user{i % 37}@example.test", None, None, f"note of {i % 37}", None, None, None, None) for i in range(200)]
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write.format("delta").save(path)
    Path(policy).write_text("protection:\n  tables:\n    accounts:\n      subject_column: email\n      columns:\n"
                            "        secret_note: {action: encrypt_per_subject}\n", encoding="utf-8")
    monkeypatch.setattr(ap, "_SUBJECT_SLICE_ROWS", 30)  # 200 rows: seven slices
    monkeypatch.setattr(ap, "_KEY_CHUNK", 4)
    monkeypatch.setattr(store, "_ROW_GROUP_ROWS", 8)
    rc, out, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 0, err
    tables = key_tables(load_settings(str(tmp_path / "lw.yaml")))
    subject_rows = tables.subject_rows()
    assert len(subject_rows) == 37 and len({r.subject_ref for r in subject_rows}) == 37
    # the streamed key append flushes bounded row groups (delta-rs's default buffers ~1M rows)
    groups = [pq.ParquetFile(f).metadata.row_group(i).num_rows for f in Path(tables.subject_keys_path).glob("*.parquet")
              for i in range(pq.ParquetFile(f).metadata.num_row_groups)]
    assert sum(groups) == 37 and max(groups) <= 8
    notes = [r[0] for r in spark.read.format("delta").load(path).select("secret_note").collect()]
    assert len(notes) == 200 and not any(n.startswith("note of") for n in notes)
    rc, out, err = cli("reveal", "accounts", "--columns", "secret_note", "--also", "id", "--reason", "slices round trip",
                       "--limit", "200", "--json")
    assert rc == 0, err
    assert all(f'"secret_note": "note of {i % 37}"' in out for i in range(0, 200, 13))


def test_batches_protected_in_one_pass_keep_other_columns_types_values_and_not_null(
        spark: Any, local_lake: Any, engine_kind: str) -> None:
    """Fanned-out batches (embedded: every protected column of a batch in one worker request, pipelined)
    leave the other columns as they were, NOT NULL included, and drop what the policy drops."""
    import pyarrow as pa
    from deltalake import write_deltalake

    from governance.protection import fanout

    root, cli, policy = local_lake
    path = str(root / "accounts")
    n = 3 * fanout.MIN_FANOUT_ROWS + 17
    start = dt.datetime(2024, 1, 1)
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "country": pa.array(["GB" if i % 3 else None for i in range(n)], pa.string()),
        "email": pa.array([None if i % 11 == 0 else f"user{i}@example.test" for i in range(n)], pa.string()),
        "ssn": pa.array([f"{i % 1000:03d}-45-6789" for i in range(n)], pa.string()),
        "card": pa.array([f"4111 1111 1111 {i % 10000:04d}" for i in range(n)], pa.string()),
        "secret_note": pa.array([f"note {i}" for i in range(n)], pa.string()),
        "balance": pa.array([Decimal(i) / 1000 for i in range(n)], pa.decimal128(20, 6)),
        "score": pa.array([i / 7 for i in range(n)], pa.float64()),
        "opened": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=i % 900) for i in range(n)], pa.date32()),
        "seen": pa.array([start + dt.timedelta(microseconds=i) for i in range(n)], pa.timestamp("us", tz="UTC")),
    }, schema=pa.schema([pa.field("id", pa.int64(), nullable=False)] + [
        pa.field(f, t) for f, t in [("country", pa.string()), ("email", pa.string()), ("ssn", pa.string()),
                                    ("card", pa.string()), ("secret_note", pa.string()), ("balance", pa.decimal128(20, 6)),
                                    ("score", pa.float64()), ("opened", pa.date32()), ("seen", pa.timestamp("us", tz="UTC"))]]))
    write_deltalake(path, table)
    rc, out, err = cli("protect", "accounts", "--policy", policy, "--apply")
    assert rc == 0, err
    after = DeltaTable(path)
    fields = {f.name: f for f in after.schema().fields}
    assert "secret_note" not in fields and fields["id"].nullable is False
    got = after.to_pyarrow_table().sort_by("id")
    for col in ("id", "country", "balance", "score", "opened", "seen"):
        assert got.column(col).to_pylist() == table.column(col).to_pylist(), col
    emails = got.column("email").to_pylist()
    assert [e is None for e in emails] == [i % 11 == 0 for i in range(n)]
    assert all(e.startswith("lw1:tok:pii.1:s:") for e in emails if e is not None)
    assert got.column("card").to_pylist() == [f"lw1:msk:-:s:**** **** **** {i % 10000:04d}" for i in range(n)]
    assert all(h.startswith("lw1:hsh:") for h in got.column("ssn").to_pylist())
