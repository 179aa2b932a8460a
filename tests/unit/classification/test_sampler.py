from datetime import datetime, timedelta, timezone

from pyspark.sql.types import ArrayType, BinaryType, LongType, MapType, StringType, StructField, StructType

from classification.sampler import leaves, pick_files
from governance.maintenance import DataFile

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _files(n: int, rows: int) -> list[DataFile]:
    return [DataFile(path=f"/t/p={i % 4}/f{i}.parquet", size_bytes=1000, num_records=rows, partition_values={"p": str(i % 4)},
                     modification_time=T0 + timedelta(hours=i)) for i in range(n)]


def test_one_file_is_enough_when_it_holds_the_sample() -> None:
    assert len(pick_files(_files(40, 10_000), target_rows=3000)) == 1


def test_small_files_are_picked_spread_across_partitions() -> None:
    picked = pick_files(_files(40, 100), target_rows=1000)
    assert sum(f.num_records or 0 for f in picked) >= 1000
    assert {f.partition_values["p"] for f in picked} == {"0", "1", "2", "3"}


def test_file_count_is_capped() -> None:
    assert len(pick_files(_files(500, 1), target_rows=10_000, max_files=32)) == 32
    assert pick_files([], target_rows=10) == []


def test_leaves_flatten_structs_join_arrays_and_mark_binary() -> None:
    schema = StructType([
        StructField("id", LongType()),
        StructField("address", StructType([StructField("street", StringType()), StructField("geo", StructType([StructField("lat", StringType())]))])),
        StructField("tags", ArrayType(StringType())),
        StructField("items", ArrayType(StructType([StructField("sku", StringType())]))),
        StructField("attrs", MapType(StringType(), StringType())),
        StructField("blob", BinaryType()),
    ])
    got = {(leaf.name, leaf.kind) for leaf in leaves(schema)}
    assert got == {("id", "string"), ("address.street", "string"), ("address.geo.lat", "string"), ("tags[]", "string"),
                   ("items", "complex"), ("attrs", "complex"), ("blob", "binary")}
