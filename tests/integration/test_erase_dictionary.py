"""Erasure of a subject from a dictionary-typed column: no erased value stays in a dictionary page.

delta-rs and pyarrow keep an Arrow dictionary column (categorical data) as a dictionary in the file;
a copy-on-write that filters rows keeps the dictionary whole unless it is re-encoded, and the
erased value would stay in the new file's dictionary page, used by no row.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from governance.config import Settings
from tests.fixtures.lake_scan import grep_lake
from tests.integration.test_erase_e2e import Lake, make_runner, new_request

pytestmark = pytest.mark.both_engines

EMAIL = "zeb.quixote@erase.test"


def _members(path: str) -> None:
    from deltalake import write_deltalake

    n = 50
    emails = [f"person{i % 10}@example.org" for i in range(n)]
    emails[17] = EMAIL
    write_deltalake(path, pa.table({
        "member_id": pa.array(range(n), pa.int64()),
        "email": pa.array(emails).dictionary_encode(),
        "tier": pa.array(["gold" if i % 3 else "silver" for i in range(n)]).dictionary_encode(),
    }))


def test_an_erased_value_leaves_no_dictionary_page_behind(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "lake"
    root.mkdir()
    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  rules: []\n  holds: []\n", encoding="utf-8")
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(b"k" * 32).decode())
    settings = Settings.model_validate({"lake": {"root": str(root)}, "policy": str(policy), "audit": {"sink": "jsonl"}})
    table = str(root / "members")
    _members(table)
    files = list(Path(table).glob("*.parquet"))
    assert pa.types.is_dictionary(pq.read_schema(files[0]).field("email").type)  # the shape under test
    before = sorted((r.member_id, r.email, r.tier) for r in spark.read.format("delta").load(table).collect()
                    if r.email != EMAIL)
    lake = Lake(root=root, settings=settings, tables={"members": table})
    runner, provider = make_runner(spark, lake)
    out = runner.run(new_request(lake, runner, provider, subject=[f"EMAIL_ADDRESS={EMAIL}"]), apply=True)

    assert out.request.state == "done"
    assert out.request.progress["tables"]["members"]["rows_removed"] == 1
    # the rewritten file alone holds no trace; the removed one is purged by the erasure's vacuum
    assert grep_lake(root, [EMAIL]) == []
    after = sorted((r.member_id, r.email, r.tier) for r in spark.read.format("delta").load(table).collect())
    assert after == before
    rewritten = [p for p in Path(table).glob("*.parquet") if p not in files]
    assert rewritten and all(pa.types.is_dictionary(pq.read_schema(p).field("email").type) for p in rewritten)
