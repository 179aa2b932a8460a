"""Safe writes on real Delta tables through the embedded Sail engine, including the silent-drop trap."""

from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from governance.errors import NullingDetectedError, RowCountMismatchError, SchemaDriftError
from governance.safe_write import Expectation, safe_delete, safe_write

pytestmark = pytest.mark.both_engines

NOT_NULL_SCHEMA = pa.schema(
    [pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string()), pa.field("amount", pa.float64())]
)


@pytest.fixture
def not_null_table(tmp_path: Path) -> str:
    path = str(tmp_path / "nn")
    write_deltalake(path, pa.table({"id": [1, 2], "name": ["a", "b"], "amount": [1.0, 2.0]}, schema=NOT_NULL_SCHEMA))
    return path


def test_sail_really_drops_an_extra_column_on_a_not_null_table(spark, embedded_only: None, not_null_table: str) -> None:
    # The trap itself, without Lakewarden: the append succeeds and the column is gone.
    spark.createDataFrame([(3, "c", 3.0, "kept?")], "id long, name string, amount double, extra string") \
        .write.format("delta").mode("append").save(not_null_table)
    assert spark.read.format("delta").load(not_null_table).columns == ["id", "name", "amount"]


def test_safe_write_refuses_the_silent_drop_before_committing(spark, not_null_table: str) -> None:
    df = spark.createDataFrame([(3, "c", 3.0, "secret")], "id long, name string, amount double, extra string")
    with pytest.raises(SchemaDriftError, match="'extra'"):
        safe_write(spark, df, not_null_table, mode="append")
    assert DeltaTable(not_null_table).version() == 0


def test_a_commit_that_loses_values_is_rolled_back(spark, not_null_table: str) -> None:
    # The commit is real; the expectation says two names were written but the frame nulls one,
    # which is what the post-commit check must catch whatever the engine's reason.
    df = spark.createDataFrame([(3, None, 3.0), (4, "d", 4.0)], "id long, name string, amount double")
    with pytest.raises(NullingDetectedError, match="'name'.*commit 1 was undone by commit 2"):
        safe_write(spark, df, not_null_table, mode="append", expect=Expectation(rows=2, non_null={"name": 2}))
    table = DeltaTable(not_null_table)
    assert table.version() == 2  # the bad commit (1) and its compensating commit (2)
    assert sorted(table.to_pyarrow_table().column("id").to_pylist()) == [1, 2]


def test_a_commit_with_missing_rows_is_rolled_back(spark, not_null_table: str) -> None:
    df = spark.createDataFrame([(3, "c", 3.0)], "id long, name string, amount double")
    with pytest.raises(RowCountMismatchError, match="where 4 were expected.*undone"):
        safe_write(spark, df, not_null_table, mode="append", expect=Expectation(rows=2))
    assert DeltaTable(not_null_table).to_pyarrow_table().num_rows == 2


def test_a_failed_new_table_is_removed_not_left_half_written(spark, tmp_path: Path) -> None:
    path = tmp_path / "new"
    df = spark.createDataFrame([(1, "a")], "id long, name string")
    with pytest.raises(RowCountMismatchError, match="removed"):
        safe_write(spark, df, str(path), expect=Expectation(rows=5))
    assert not path.exists()


def test_append_replace_where_and_delete_verify_and_report_true_counts(spark, tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    df = spark.sql("select id, cast(id as string) s, id % 3 as part from range(30)")
    assert safe_write(spark, df, path, partition_by=["part"]).rows == 30
    assert safe_write(spark, df.where("id < 5"), path, mode="append").version == 1
    res = safe_write(spark, df.where("part = 0"), path, replace_where="part = 0")
    assert res.rows == 10
    deleted = safe_delete(spark, path, where="id >= 25")
    # Sail's DML result counts rows rewritten; safe_delete reports the rows really deleted.
    assert deleted.rows == 5  # ids 25..29
    assert spark.read.format("delta").load(path).count() == 30 + 5 - 2 - 5  # append, replace part 0, delete
    assert safe_delete(spark, path, where="id > 1000").rows == 0


def test_overwrite_schema_allows_a_type_change_and_verifies_it(spark, tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    safe_write(spark, spark.sql("select id, id * 2 as v from range(10)"), path)
    res = safe_write(spark, spark.sql("select id, cast(id * 2 as string) as v from range(10)"), path, overwrite_schema=True)
    assert res.version == 1
    assert dict(spark.read.format("delta").load(path).dtypes)["v"] == "string"


def test_partition_groups_cover_every_partition_once_within_the_row_budget(spark) -> None:
    from governance.safe_write import partition_groups

    df = spark.sql("select id, case when id % 5 = 4 then null else cast(id % 5 as string) end as p, "
                   "if(id < 40, 'x', 'y') as q from range(60)")
    assert partition_groups(df, ["p", "q"], max_rows=60) is None  # fits: one write
    groups = partition_groups(df, ["p", "q"], max_rows=14)
    assert groups is not None and len(groups) > 2
    seen = [sorted(r["id"] for r in df.where(g).collect()) for g in groups]
    assert sorted(i for ids in seen for i in ids) == list(range(60))  # every row in exactly one group, NULLs too
    assert all(len(ids) <= 14 for ids in seen)
    big = partition_groups(df, ["q"], max_rows=10)  # partitions of 40 and 20 rows: each alone
    assert big is not None and sorted(df.where(g).count() for g in big) == [20, 40]


def test_a_partitioned_rewrite_written_in_groups_keeps_every_row_and_partition(
        spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from governance import safe_write as sw

    path = str(tmp_path / "t")
    df = spark.sql("select id, cast(id as string) s, "
                   "case when id % 4 = 3 then null else cast(id % 4 as string) end as part from range(40)")
    safe_write(spark, df, path, partition_by=["part"])
    monkeypatch.setattr(sw, "PARTITION_GROUP_ROWS", 12)
    with caplog.at_level(logging.INFO, logger="governance.safe_write"):
        deleted = safe_delete(spark, path, where="id % 10 = 0")
    assert deleted.rows == 4
    assert "staged group 4 of 4" in caplog.text  # four partitions of 9 rows: one write each
    rows = spark.read.format("delta").load(path).collect()
    assert sorted(r["id"] for r in rows) == [i for i in range(40) if i % 10]
    assert all(r["s"] == str(r["id"]) for r in rows)
    assert {r["part"] for r in rows} == {"0", "1", "2", None}
    assert all((r["part"] is None) == (r["id"] % 4 == 3) for r in rows)
    # groups after the first are staged as tables of their own; their files land in the partition folders
    from governance import delta_commit

    live = delta_commit.snapshot_adds(path, delta_commit.latest_version(path)).values()
    assert all(len(a["path"].split("/")) == 2 and a["path"].startswith("part=") for a in live)
    assert all(Path(path, unquote(a["path"])).is_file() for a in live)
    assert not Path(path, sw.STAGING_DIR).exists()


def test_a_rewrite_staged_in_more_commits_than_a_checkpoint_interval_commits_plain_json_adds(
        spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Twelve partition groups make twelve staging commits, so the staging log gets a Parquet checkpoint
    # whose add rows carry typed statistics (timestamps): the commit must still be plain JSON.
    from governance import delta_commit
    from governance import safe_write as sw

    path = str(tmp_path / "t")
    df = spark.sql("select id, timestamp'2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id) as ts, "
                   "cast(id % 12 as string) as part from range(48)")
    safe_write(spark, df, path, partition_by=["part"])
    monkeypatch.setattr(sw, "PARTITION_GROUP_ROWS", 4)
    assert safe_delete(spark, path, where="id % 8 = 1").rows == 6
    rows = spark.read.format("delta").load(path).collect()
    assert sorted(r["id"] for r in rows) == [i for i in range(48) if i % 8 != 1]
    adds = delta_commit.read_commit(path, 1).adds
    assert len(adds) >= 12 and all("stats_parsed" not in a and isinstance(a["partitionValues"], dict) for a in adds)


def _multi_file_table(spark, path: str, files: int, rows_per_file: int) -> None:
    """A partitioned table of ``files`` appends (one file each per partition); ``n`` is a long."""
    for i in range(files):
        df = spark.sql(f"select id, id * 10 as n, cast(id % 2 as string) as part "
                       f"from range({i * rows_per_file}, {(i + 1) * rows_per_file})")
        safe_write(spark, df.coalesce(1), path, mode="overwrite" if i == 0 else "append", partition_by=["part"])


def test_a_retyping_rewrite_in_file_groups_commits_once_with_the_new_schema_and_keeps_the_table_metadata(
        spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import json
    import logging

    from pyspark.sql import functions as F

    from governance import delta_commit
    from governance import safe_write as sw

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=5, rows_per_file=8)
    DeltaTable(path).alter.set_table_properties({"delta.logRetentionDuration": "interval 45 days"})
    before = delta_commit.metadata_at(path, delta_commit.latest_version(path))
    v = delta_commit.latest_version(path)
    monkeypatch.setattr(sw, "FILE_GROUP_ROWS", 9)  # five files of 4 rows per partition: groups of two files

    def retype(df):
        return df.withColumn("n", F.concat(F.lit("n-"), F.col("n").cast("string")))

    built: list[int] = []

    def per_files(adds):
        built.append(len(adds))
        return retype(sw.read_files(spark, path, adds, spark.read.format("delta").option("versionAsOf", v).load(path).schema))

    whole = retype(spark.read.format("delta").option("versionAsOf", v).load(path))
    with caplog.at_level(logging.INFO, logger="governance.safe_write"):
        res = safe_write(spark, whole, path, mode="overwrite", partition_by=["part"], overwrite_schema=True,
                         read_version=v, rewrite_files=per_files)
    assert res.version == v + 1 and res.rows == 40
    assert len(built) == 5 and all(n == 2 for n in built)  # ten files, two per group
    assert "staged group 5 of 5" in caplog.text
    ours = delta_commit.read_commit(path, res.version)
    assert ours.metadata is not None and len(ours.removes) == 10
    after = json.loads(ours.metadata["schemaString"])
    assert {f["name"]: f["type"] for f in after["fields"]} == {"id": "long", "n": "string", "part": "string"}
    assert ours.metadata["configuration"]["delta.logRetentionDuration"] == "interval 45 days"
    assert {k: ours.metadata[k] for k in ("id", "partitionColumns", "configuration")} == \
        {k: before[k] for k in ("id", "partitionColumns", "configuration")}
    rows = spark.read.format("delta").load(path).collect()
    assert sorted((r["id"], r["n"], r["part"]) for r in rows) == [(i, f"n-{i * 10}", str(i % 2)) for i in range(40)]
    assert DeltaTable(path).schema().to_json() and DeltaTable(path).to_pyarrow_table().num_rows == 40


def test_a_retyping_rewrite_is_refused_when_another_commit_came_first_and_leaves_the_table_as_it_was(
        spark, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    from governance import delta_commit
    from governance.errors import ConcurrentWriteError

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=2, rows_per_file=6)
    v = delta_commit.latest_version(path)
    whole = spark.read.format("delta").option("versionAsOf", v).load(path).withColumn("n", F.col("n").cast("string"))
    whole.schema  # noqa: B018 - analyzed before the other writer commits
    write_deltalake(path, pa.table({"id": pa.array([100], pa.int64()), "n": pa.array([1000], pa.int64()),
                                    "part": ["0"]}), mode="append")
    with pytest.raises(ConcurrentWriteError, match="changes the schema"):
        safe_write(spark, whole, path, mode="overwrite", partition_by=["part"], overwrite_schema=True, read_version=v)
    assert delta_commit.latest_version(path) == v + 1
    rows = spark.read.format("delta").load(path).collect()
    assert sorted(r["id"] for r in rows) == [*range(12), 100] and all(isinstance(r["n"], int) for r in rows)
    staged = [p for p in (tmp_path / "t").rglob("*.parquet") if "_lakewarden_staging" in str(p) or p.name.startswith("lw-")]
    assert not staged, f"staged files left behind: {staged[:3]}"


def test_a_delete_staged_in_file_groups_removes_only_the_matched_rows_in_one_commit(
        spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from governance import delta_commit
    from governance import safe_write as sw

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=4, rows_per_file=10)
    v = delta_commit.latest_version(path)
    monkeypatch.setattr(sw, "FILE_GROUP_ROWS", 10)
    with caplog.at_level(logging.INFO, logger="governance.safe_write"):
        res = safe_delete(spark, path, where="id % 7 = 0 OR n IS NULL")
    assert res.rows == 6 and res.version == v + 1
    assert "staged group 4 of 4" in caplog.text  # eight files of 5 rows: two per group
    rows = spark.read.format("delta").load(path).collect()
    assert sorted((r["id"], r["n"], r["part"]) for r in rows) == [(i, i * 10, str(i % 2)) for i in range(40) if i % 7]


def test_file_groups_staged_concurrently_commit_every_row_once_in_one_commit(
        spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import threading

    from pyspark.sql import functions as F

    from governance import delta_commit
    from governance import safe_write as sw

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=6, rows_per_file=8)
    v = delta_commit.latest_version(path)
    monkeypatch.setattr(sw, "FILE_GROUP_ROWS", 9)  # twelve files of 4 rows: six groups of two
    monkeypatch.setattr(sw, "stage_concurrency", lambda _spark: 3)
    schema = spark.read.format("delta").option("versionAsOf", v).load(path).schema
    threads: list[str] = []

    def per_files(adds):
        threads.append(threading.current_thread().name)
        return sw.read_files(spark, path, adds, schema).withColumn("n", F.col("n") + 1)

    whole = spark.read.format("delta").option("versionAsOf", v).load(path).withColumn("n", F.col("n") + 1)
    with caplog.at_level(logging.INFO, logger="governance.safe_write"):
        res = safe_write(spark, whole, path, mode="overwrite", read_version=v, rewrite_files=per_files)
    assert res.version == v + 1 and res.rows == 48
    assert len(threads) == 6 and sum(t.startswith("lw-stage") for t in threads) == 5  # the first group creates the staging table
    assert "staged group 6 of 6" in caplog.text
    ours = delta_commit.read_commit(path, res.version)
    assert len(ours.removes) == 12 and len({a["path"] for a in ours.adds}) == len(ours.adds)
    rows = spark.read.format("delta").load(path).collect()
    assert sorted((r["id"], r["n"], r["part"]) for r in rows) == [(i, i * 10 + 1, str(i % 2)) for i in range(48)]
    assert not Path(path, sw.STAGING_DIR).exists()


def test_a_group_failing_among_concurrent_groups_commits_nothing_and_removes_the_staging_folder(
        spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import functions as F

    from governance import delta_commit
    from governance import safe_write as sw
    from governance.errors import EngineError

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=6, rows_per_file=8)
    v = delta_commit.latest_version(path)
    monkeypatch.setattr(sw, "FILE_GROUP_ROWS", 9)
    monkeypatch.setattr(sw, "stage_concurrency", lambda _spark: 3)
    schema = spark.read.format("delta").option("versionAsOf", v).load(path).schema
    built: list[int] = []

    def per_files(adds):
        built.append(len(adds))
        if len(built) == 4:  # fault injection: the fourth group cannot be built (the real groups above are written)
            raise EngineError("injected: group four failed")
        return sw.read_files(spark, path, adds, schema).withColumn("n", F.col("n") + 1)

    whole = spark.read.format("delta").option("versionAsOf", v).load(path).withColumn("n", F.col("n") + 1)
    with pytest.raises(EngineError, match="injected"):
        safe_write(spark, whole, path, mode="overwrite", read_version=v, rewrite_files=per_files)
    assert delta_commit.latest_version(path) == v
    rows = spark.read.format("delta").load(path).collect()
    assert sorted((r["id"], r["n"]) for r in rows) == [(i, i * 10) for i in range(48)]
    staging = Path(path, sw.STAGING_DIR)
    assert not staging.exists() or not any(staging.rglob("*")), sorted(staging.rglob("*"))[:3]


def test_a_staged_rewrite_of_a_partitioned_table_without_partition_by_keeps_every_partition_value(
        spark, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    from governance import delta_commit

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=2, rows_per_file=6)
    v = delta_commit.latest_version(path)
    whole = spark.read.format("delta").option("versionAsOf", v).load(path).withColumn("n", F.col("n") + 1)
    res = safe_write(spark, whole, path, mode="overwrite", read_version=v)  # no partition_by: the table's are kept
    assert res.version == v + 1
    live = delta_commit.snapshot_adds(path, res.version).values()
    assert all(a["path"].startswith("part=") and set(a["partitionValues"]) == {"part"} for a in live)
    rows = spark.read.format("delta").load(path).collect()
    assert sorted((r["id"], r["n"], r["part"]) for r in rows) == [(i, i * 10 + 1, str(i % 2)) for i in range(12)]


def test_a_staged_rewrite_partitioned_differently_from_the_table_is_refused_before_writing(
        spark, tmp_path: Path) -> None:
    from governance import delta_commit

    path = str(tmp_path / "t")
    _multi_file_table(spark, path, files=2, rows_per_file=6)
    v = delta_commit.latest_version(path)
    whole = spark.read.format("delta").option("versionAsOf", v).load(path)
    with pytest.raises(SchemaDriftError, match=r"partitioned by \['id'\] but the table by \['part'\]"):
        safe_write(spark, whole, path, mode="overwrite", partition_by=["id"], read_version=v)
    assert delta_commit.latest_version(path) == v
    assert not any(p.name.startswith("lw-") for p in Path(path).rglob("*.parquet"))
