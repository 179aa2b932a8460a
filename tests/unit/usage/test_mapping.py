"""Mapping evidence locations to Delta tables, partitions and columns (delta-rs tables, no Spark)."""

from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from governance.config import Settings
from governance.maintenance import DeltaRsMaintenance
from retention.usage.mapping import (
    LakeMapper,
    normalize_uri,
    output_columns,
    parse_location,
    parse_partition_filters,
    schema_columns,
)


@pytest.fixture()
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    t = pa.table({"id": [1, 2, 3, 4], "amount": [1.0, 2.0, 3.0, 4.0], "country": ["DE", "FR", "NL", "DE"], "year": [2023, 2024, 2024, 2025]})
    write_deltalake(str(root / "sales" / "payments"), t, partition_by=["country", "year"])
    write_deltalake(str(root / "customers"), pa.table({"id": [1], "name": ["a"]}))
    return root


def _mapper(root: Path, **kw: object) -> LakeMapper:
    return LakeMapper(Settings.model_validate({"lake": {"root": str(root)}}), DeltaRsMaintenance(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uri", "want"),
    [("file:/tmp/x/", "/tmp/x"), ("file:///tmp/x", "/tmp/x"), ("s3a://b/k", "s3://b/k"), ("s3n://b/k%3D1", "s3://b/k=1"), ("/p", "/p")],
)
def test_normalize_uri_gives_one_spelling(uri: str, want: str) -> None:
    assert normalize_uri(uri) == want


def test_parse_location_reads_file_index_paths() -> None:
    assert parse_location("InMemoryFileIndex(2 paths)[file:/l/t/a=1, file:/l/t/a=2]") == (["/l/t/a=1", "/l/t/a=2"], False)
    assert parse_location("PreparedDeltaFileIndex(1 paths)[s3a://bank/lake/t]") == (["s3://bank/lake/t"], False)


def test_parse_location_flags_truncated_list() -> None:
    paths, truncated = parse_location("InMemoryFileIndex(40 paths)[file:/l/t/a=1, file:/l/t/a=2, ...]")
    assert paths == ["/l/t/a=1", "/l/t/a=2"] and truncated


def test_schema_columns_gives_top_level_names_of_nested_schema() -> None:
    assert schema_columns("struct<id:bigint,addr:struct<city:string,zip:int>,`odd name`:string>") == ["id", "addr", "odd name"]
    assert schema_columns("struct<>") == []
    assert schema_columns(None) is None


def test_output_columns_strips_expression_ids() -> None:
    assert output_columns("id#5L,amount#8,country#9") == ["id", "amount", "country"]


def test_parse_partition_filters_understands_eq_in_and_ranges() -> None:
    preds, unknown = parse_partition_filters("[isnotnull(country#9), (country#9 = FR), year#3 IN (2023,2024), (year#3 >= 2024)]")
    assert preds == [("country", "=", ["FR"]), ("year", "in", ["2023", "2024"]), ("year", ">=", ["2024"])]
    assert unknown == []


def test_parse_partition_filters_reports_what_it_cannot_evaluate() -> None:
    preds, unknown = parse_partition_filters("[dynamicpruningexpression(country#9 IN dynamicpruning#50)]")
    assert preds == [] and len(unknown) == 1


def test_map_whole_table_read_selects_all_partitions_and_stored_bytes(lake: Path) -> None:
    m = _mapper(lake)
    [r] = m.map(f"InMemoryFileIndex(1 paths)[file:{lake}/sales/payments]", read_schema="struct<amount:double>", output="amount#1")
    files = DeltaRsMaintenance().files(str(lake / "sales" / "payments"))
    assert r.status == "present" and r.table == "sales/payments" and r.partitions is None
    assert r.columns == ["amount"] and r.est_bytes == sum(f.size_bytes for f in files)


def test_map_partition_filter_selects_matching_partitions(lake: Path) -> None:
    m = _mapper(lake)
    [r] = m.map(
        f"InMemoryFileIndex(1 paths)[file:{lake}/sales/payments]",
        partition_filters="[isnotnull(country#2), (country#2 = DE), (year#3 > 2023)]",
        read_schema="struct<id:bigint>",
        output="id#0L,country#2,year#3",
    )
    assert r.partitions == ["country=DE/year=2025"] and r.scope == "exact"
    assert r.columns == ["id", "country", "year"]


def test_map_partition_directory_read_takes_partition_from_path(lake: Path) -> None:
    [r] = _mapper(lake).map(f"file:{lake}/sales/payments/country=DE")
    assert r.partitions == ["country=DE/year=2023", "country=DE/year=2025"] and r.columns is None


def test_map_path_outside_lake_is_outside_lake(lake: Path, tmp_path: Path) -> None:
    [r] = _mapper(lake).map(f"InMemoryFileIndex(1 paths)[file:{tmp_path}/elsewhere]")
    assert r.status == "outside_lake"


def test_map_deleted_table_is_missing_with_inferred_root(lake: Path) -> None:
    [r] = _mapper(lake).map(f"file:{lake}/gone/day=2024-01-01")
    assert r.status == "missing" and r.table == "gone" and r.partitions == ["day=2024-01-01"]


def test_map_system_area_and_delta_log_reads_are_not_business_tables(lake: Path) -> None:
    m = _mapper(lake)
    assert m.map(f"{lake}/_lakewarden/usage")[0].status == "system"
    assert m.map(f"{lake}/customers/_delta_log/00000000000000000000.json")[0].status == "delta_log"


def test_map_alias_rewrites_object_store_url_to_lake_root(lake: Path) -> None:
    m = _mapper(lake, aliases=[("s3://bank-lake/prod", str(lake))])
    [r] = m.map("s3://bank-lake/prod/sales/payments/country%3DFR/year%3D2024/part-0.parquet")
    assert r.status == "present" and r.partitions == ["country=FR/year=2024"]
