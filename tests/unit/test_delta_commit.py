"""Lakewarden's own Delta commits on real delta-rs tables: put-if-absent, conflicts, undo."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from governance import delta_commit
from governance.errors import ConcurrentWriteError
from governance.features import read_features


def _batch(start: int, n: int = 5) -> pa.Table:
    return pa.table({"id": pa.array(range(start, start + n), pa.int64())})


def _ids(path: str) -> list[int]:
    return sorted(DeltaTable(path).to_pyarrow_table().column("id").to_pylist())


def _replace_all(path: str, read_version: int, new_ids: list[int], tag: str) -> int:
    """Rewrite the files of ``read_version`` as one new file (staged through a side table)."""
    side = path + "_side"
    write_deltalake(side, pa.table({"id": pa.array(new_ids, pa.int64())}))
    (add,) = delta_commit.snapshot_adds(side, 0).values()
    Path(side, add["path"]).rename(Path(path, add["path"]))
    now = int(time.time() * 1000)
    removes = [delta_commit.remove_of(a, now_ms=now) for a in delta_commit.snapshot_adds(path, read_version).values()]
    return delta_commit.commit(path, read_version=read_version, adds=[{**add, "dataChange": True}], removes=removes,
                               operation="WRITE", parameters={"test": "rewrite"}, tag=tag)


def test_a_commit_lands_after_other_writers_appends_and_carries_its_tag(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, _batch(0))
    write_deltalake(path, _batch(100), mode="append")  # another writer, after version 0 was read
    v = _replace_all(path, 0, [1000, 1001], tag="lakewarden:test:1")
    assert v == 2
    assert _ids(path) == [100, 101, 102, 103, 104, 1000, 1001]  # the append survived, version 0's rows replaced
    assert delta_commit.find_tagged(path, after=0, tag="lakewarden:test:1").version == 2


def test_a_winner_that_removed_the_same_files_is_a_conflict_and_nothing_is_written(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, _batch(0))
    write_deltalake(path, _batch(50), mode="overwrite")  # removes version 0's file
    with pytest.raises(ConcurrentWriteError, match=r"commit 1 also rewrote or removed 1 of the same file"):
        _replace_all(path, 0, [7], tag="lakewarden:test:2")
    assert DeltaTable(path).version() == 1 and _ids(path) == [50, 51, 52, 53, 54]


def test_revert_undoes_only_its_own_commit_and_keeps_a_later_append(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, _batch(0))
    v = _replace_all(path, 0, [9], tag="lakewarden:test:3")
    write_deltalake(path, _batch(200), mode="append")  # another writer, after ours
    ours = delta_commit.find_tagged(path, after=0, tag="lakewarden:test:3")
    undo = delta_commit.revert(path, ours, tag="lakewarden:test:3", reason="test")
    assert undo == v + 2
    assert _ids(path) == [0, 1, 2, 3, 4, 200, 201, 202, 203, 204]


def test_revert_refuses_when_a_later_commit_rewrote_its_files(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, _batch(0))
    _replace_all(path, 0, [9], tag="lakewarden:test:4")
    write_deltalake(path, _batch(300), mode="overwrite")  # removes our file
    ours = delta_commit.find_tagged(path, after=0, tag="lakewarden:test:4")
    with pytest.raises(ConcurrentWriteError, match="also rewrote or removed"):
        delta_commit.revert(path, ours, tag="lakewarden:test:4", reason="test")
    assert _ids(path) == [300, 301, 302, 303, 304]


def test_remove_actions_carry_no_statistics(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, pa.table({"email": ["ann@example.test"]}))
    (add,) = delta_commit.snapshot_adds(path, 0).values()
    assert "ann@example.test" in str(add.get("stats"))
    assert "stats" not in delta_commit.remove_of(add, now_ms=0)


def test_raw_commits_are_refused_on_features_that_need_the_engine_and_on_stores_without_put_if_absent(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, _batch(0), configuration={"delta.enableChangeDataFeed": "true"})
    assert "changeDataFeed" in (delta_commit.raw_commit_refusal(path, read_features(path)) or "")
    plain = str(tmp_path / "p")
    write_deltalake(plain, _batch(0))
    assert delta_commit.raw_commit_refusal(plain, read_features(plain)) is None
    assert delta_commit.raw_commit_refusal("s3://bucket/t", read_features(plain)) is None  # If-None-Match
    assert "put-if-absent" in (delta_commit.raw_commit_refusal("abfss://c@a.dfs.core.windows.net/t", read_features(plain)) or "")
