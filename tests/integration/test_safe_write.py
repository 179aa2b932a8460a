"""Safe writes on real Delta tables through the embedded Sail engine, including the silent-drop trap."""

from pathlib import Path

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
