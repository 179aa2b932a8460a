"""Subject keys stored in chunks: one commit, memory bounded by the chunk, nothing committed on failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from deltalake import DeltaTable

from governance.errors import KeyServerUnavailableError
from governance.protection.transforms import SubjectKeying
from governance.keys.manager import KeyManager
from tests.unit.keys.test_local_provider import _manager


def test_chunks_of_identities_are_stored_in_one_commit_and_unwrap_to_the_derived_keys(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    keying = SubjectKeying(secret=os.urandom(32))
    chunks = [[f"c{i}" for i in range(j, j + 300)] for j in range(0, 900, 300)]
    assert km.store_subject_keys(keying.secret, iter(chunks)) == 900
    table = DeltaTable(km.tables.subject_keys_path)
    assert table.version() == 0 and len(km.tables.subject_rows()) == 900
    ids = {s: keying.key_of(s) for s in ("c0", "c450", "c899")}
    unwrapped = km.subject_keys([i for i, _ in ids.values()])
    assert unwrapped == {i: k for i, k in ids.values()}
    refs = dict(zip(["c450"], km.provider.subject_refs(["c450"]), strict=True))
    (row,) = [r for r in km.tables.subject_rows() if r.key_id == ids["c450"][0]]
    assert row.subject_ref == refs["c450"]


def test_no_identities_write_no_commit(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    assert km.store_subject_keys(os.urandom(32), iter([[], []])) == 0
    assert not Path(km.tables.subject_keys_path, "_delta_log").exists()


def test_a_key_server_failure_mid_stream_commits_nothing_and_is_raised_as_it_was(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    km.new_subject_keying(["before"])

    def chunks() -> Iterator[list[str]]:
        yield ["a", "b"]
        yield ["c"]
        raise KeyServerUnavailableError("key server went away (a fault raised by the test)")

    with pytest.raises(KeyServerUnavailableError, match="went away"):
        km.store_subject_keys(os.urandom(32), chunks())
    assert DeltaTable(km.tables.subject_keys_path).version() == 0
    assert len(km.tables.subject_rows()) == 1


def _two_commits(km: "KeyManager") -> tuple[dict[str, str], dict[str, str]]:
    """Subject keys of a1..a3 in one commit and b1..b3 in another (one data file each); their key ids."""
    first, second = km.new_subject_keying(["a1", "a2", "a3"]), km.new_subject_keying(["b1", "b2", "b3"])
    return ({s: first.key_of(s)[0] for s in ("a1", "a2", "a3")}, {s: second.key_of(s)[0] for s in ("b1", "b2", "b3")})


def test_subject_rows_where_reads_only_the_keys_asked_for_by_id_or_reference(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    a, b = _two_commits(km)
    (ref_b2,) = km.provider.subject_refs(["b2"])
    rows = km.tables.subject_rows_where(key_ids={a["a1"], "no-such-key"}, subject_refs={ref_b2})
    assert sorted(r.key_id for r in rows) == sorted([a["a1"], b["b2"]])
    assert km.tables.subject_rows_where() == []


def test_deleting_subject_keys_rewrites_only_the_file_that_holds_them(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    a, b = _two_commits(km)
    files_before = {Path(u).name for u in DeltaTable(km.tables.subject_keys_path).file_uris()}
    assert len(files_before) == 2
    (ref_a2,) = km.provider.subject_refs(["a2"])
    assert km.tables.delete_subject_keys(key_ids={a["a1"]}, subject_refs={ref_a2}) == 2
    table = DeltaTable(km.tables.subject_keys_path)
    assert table.version() == 2
    kept = files_before & {Path(u).name for u in table.file_uris()}
    assert len(kept) == 1  # b's file is untouched
    assert sorted(r["key_id"] for r in table.to_pyarrow_table().to_pylist()) == sorted([a["a3"], *b.values()])


def test_deleting_subject_keys_that_are_not_there_commits_nothing(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    _two_commits(km)
    assert km.tables.delete_subject_keys(key_ids={"no-such-key"}) == 0
    assert km.tables.delete_subject_keys() == 0
    assert DeltaTable(km.tables.subject_keys_path).version() == 1


def test_destroying_subjects_removes_their_keys_from_every_version(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    a, b = _two_commits(km)
    dry = km.destroy_subjects(["a1", "b3", "nobody"])
    assert (dry.keys, dry.dry_run) == (2, True)
    assert len(km.tables.subject_rows()) == 6
    report = km.destroy_subjects(["a1", "b3", "nobody"], dry_run=False)
    assert report.keys == 2 and report.removed_files  # the rewritten files left the history
    assert km.subject_keys([a["a1"], b["b3"], a["a2"]]).keys() == {a["a2"]}
    table = DeltaTable(km.tables.subject_keys_path)
    on_disk = {p.name for p in Path(km.tables.subject_keys_path).glob("*.parquet")}
    assert on_disk == {Path(u).name for u in table.file_uris()}


def test_subject_kek_versions_count_the_keys_per_version(tmp_path: Path) -> None:
    km = _manager(tmp_path)
    assert km.tables.subject_kek_versions() == {}
    _two_commits(km)
    (version,) = km.tables.subject_kek_versions()
    assert km.tables.subject_kek_versions() == {version: 6}
    (sub,) = [r for r in km.status_rows() if r["kind"] == "sub"]
    assert sub["keys"] == 6 and sub["kek_versions"] == str(version)


def test_destroying_keys_a_stopped_run_already_deleted_still_purges_the_history(tmp_path: Path) -> None:
    from governance.config import Settings
    from retention.erasure.executor import key_access_from_settings

    km = _manager(tmp_path)
    a, _ = _two_commits(km)
    assert km.tables.delete_subject_keys(key_ids={a["a1"]}) == 1  # the run stopped here, before the purge

    def stale() -> set[str]:
        live = {Path(u).name for u in DeltaTable(km.tables.subject_keys_path).file_uris()}
        return {p.name for p in Path(km.tables.subject_keys_path).glob("*.parquet")} - live

    assert stale()  # the old file still holds the deleted key
    access = key_access_from_settings(Settings.model_validate({"lake": {"root": str(tmp_path)}}), km.provider)
    assert access.destroy({a["a1"]})
    assert stale() == set()
