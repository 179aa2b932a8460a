"""Erasure's copy-on-write leaves no filtered-out value in a dictionary (retention.erasure.rewrite)."""

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retention.erasure.rewrite import _compact_dictionaries

GONE = "zeb@x.test"


def _dictionary_entries(table: pa.Table) -> list[str]:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    pf = pq.ParquetFile(io.BytesIO(buf.getvalue()))
    leaves = [pf.schema.column(i).path for i in range(pf.metadata.num_columns)]
    read = pq.ParquetFile(io.BytesIO(buf.getvalue()), read_dictionary=leaves).read()
    out: list[str] = []

    def walk(arr: pa.Array) -> None:
        if pa.types.is_dictionary(arr.type):
            out.extend(str(x) for x in arr.dictionary.to_pylist())
        elif pa.types.is_struct(arr.type):
            for i in range(arr.type.num_fields):
                walk(arr.field(i))
        elif pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type) or pa.types.is_fixed_size_list(arr.type):
            walk(arr.values)

    for col in read.columns:
        for chunk in col.chunks:
            walk(chunk)
    return out


def _dict(values: list[str], index: pa.DataType = pa.int32()) -> pa.DictionaryArray:
    return pa.array(values).dictionary_encode().cast(pa.dictionary(index, pa.string()))


@pytest.mark.parametrize("shape", ["top level", "in a struct", "in a list", "in a fixed-size list"])
def test_a_filtered_out_value_is_in_no_dictionary_of_the_copy(shape: str) -> None:
    values = ["a@x.test", GONE, "b@x.test", "a@x.test"]
    if shape == "top level":
        col = _dict(values, pa.int8())
    elif shape == "in a struct":
        col = pa.StructArray.from_arrays([_dict(values)], names=["e"])
    elif shape == "in a list":
        col = pa.ListArray.from_arrays(pa.array([0, 1, 2, 3, 4], pa.int32()), _dict(values))
    else:
        col = pa.FixedSizeListArray.from_arrays(_dict(values), 1)
    table = pa.table({"id": [1, 2, 3, 4], "c": col}).filter(pa.array([True, False, True, True]))
    assert GONE in _dictionary_entries(table)  # what a plain filter leaves behind
    out = _compact_dictionaries(table)
    assert GONE not in _dictionary_entries(out)
    assert out.to_pylist() == table.to_pylist()
    if shape == "top level":
        assert out.schema.field("c").type == pa.dictionary(pa.int8(), pa.string())  # the type is kept


def test_a_table_without_dictionaries_is_returned_as_it_is() -> None:
    table = pa.table({"id": [1, 2], "email": ["a@x.test", "b@x.test"]})
    assert _compact_dictionaries(table) is table
