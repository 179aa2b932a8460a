"""Grouping a table version's data files for a rewrite staged one bounded write at a time."""

from __future__ import annotations

import json
import random
from typing import Any

from governance.safe_write import file_groups


def _add(path: str, rows: int | None, part: str | None = None, dv: bool = False) -> dict[str, Any]:
    add: dict[str, Any] = {"path": path, "partitionValues": {} if part is None else {"p": part}, "size": 1}
    if rows is not None:
        add["stats"] = json.dumps({"numRecords": rows})
    if dv:
        add["deletionVector"] = {"storageType": "u", "pathOrInlineDv": "x", "sizeInBytes": 1, "cardinality": 1}
    return add


def test_files_are_grouped_once_each_within_the_row_budget() -> None:
    rng = random.Random(5)
    adds = [_add(f"f{i}.parquet", rng.randint(1, 40), part=str(i % 3)) for i in range(60)]
    groups = file_groups(adds, max_rows=100)
    assert groups is not None and len(groups) > 1
    assert sorted(a["path"] for g in groups for a in g) == sorted(a["path"] for a in adds)
    assert all(sum(json.loads(a["stats"])["numRecords"] for a in g) <= 100 for g in groups)


def test_files_of_one_partition_are_grouped_together() -> None:
    adds = [_add(f"f{i}.parquet", 10, part="ab"[i % 2]) for i in range(8)]
    groups = file_groups(adds, max_rows=40)
    assert groups is not None and [{a["partitionValues"]["p"] for a in g} for g in groups] == [{"a"}, {"b"}]


def test_a_file_larger_than_the_budget_is_a_group_of_its_own() -> None:
    groups = file_groups([_add("a", 5), _add("b", 500), _add("c", 5)], max_rows=10)
    assert groups is not None and [[a["path"] for a in g] for g in groups] == [["a"], ["b"], ["c"]]


def test_one_write_suffices_when_the_version_fits_the_budget() -> None:
    assert file_groups([_add("a", 5), _add("b", 5)], max_rows=10) is None


def test_files_without_row_counts_or_with_deletion_vectors_are_not_grouped() -> None:
    assert file_groups([_add("a", 50), _add("b", None)], max_rows=10) is None
    assert file_groups([_add("a", 50), _add("b", 50, dv=True)], max_rows=10) is None
