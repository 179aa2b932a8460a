"""Subject keys stored in chunks: one commit, memory bounded by the chunk, nothing committed on failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from deltalake import DeltaTable

from governance.errors import KeyServerUnavailableError
from governance.protection.transforms import SubjectKeying
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
