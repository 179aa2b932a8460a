"""No plaintext left on deletion-vector and change-data-feed tables after protect and erase.

Rows hidden by a deletion vector are still in the data file's bytes; the change data feed
(``_change_data/``) keeps deleted rows and pre-images of updated ones. After
``protect --apply --purge-history`` and after ``erase run --apply`` a byte scan of every file
under the table finds none of the column's or subject's plaintext. On the embedded engine
(delta-rs maintenance, which cannot purge deletion vectors) the commands stop before writing
anything, naming the table, the feature and the way out (protect also on change-data-feed
tables, which Sail does not write; erasure commits through delta-rs and works there). Tables are written by delta-spark
(``tests/fixtures/delta_features.py``): ``deletion_vectors`` holds ids 1..40 with every fifth row
hidden by a vector; ``change_data_feed`` holds ids 1..24 with id 3's e-mail updated and id 4 deleted.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.delta_features import copy_feature_table, run_cli

pytestmark = pytest.mark.both_engines

#: Every value each table ever held in its e-mail and SSN columns (hidden and pre-image rows too).
IDS = {"deletion_vectors": range(1, 41), "change_data_feed": range(1, 25)}


def _ssn(i: int) -> str:
    return f"{100 + i:03d}-{10 + i % 80:02d}-{1000 + i:04d}"


class _Lake:
    def __init__(self, tmp: Path, feature_tables: dict[str, Path], feature: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = tmp / "lake"
        self.table = copy_feature_table(feature_tables, feature, self.root / feature)
        policy = tmp / "policy.yaml"
        policy.write_text(f"protection:\n  tables:\n    {feature}:\n      columns:\n        email: {{action: tokenize}}\n"
                          "        ssn: {action: hash}\nretention:\n  rules: []\n  holds: []\n", encoding="utf-8")
        self.cfg = tmp / "lw.yaml"
        self.cfg.write_text(json.dumps({"lake": {"root": str(self.root)}, "policy": str(policy), "audit": {"sink": "jsonl"},
                                        "keys": {"provider": "local"}}), encoding="utf-8")
        self._capsys = capsys

    def cli(self, *args: str) -> tuple[int, str, str]:
        return run_cli(self._capsys, self.cfg, *args)

    def files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.table)): p.read_bytes() for p in sorted(self.table.rglob("*")) if p.is_file()}

    def holding(self, needles: list[str]) -> list[str]:
        """``file: needle`` for every file under the table holding a needle: in its raw bytes or, for
        Parquet (data, change data, checkpoints, sidecars), in its decoded values (compressed pages hide them)."""
        import pyarrow.parquet as pq

        out = []
        for name, data in self.files().items():
            texts = [data.decode("latin-1")]
            if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
                texts.append(json.dumps(pq.read_table(self.table / name).to_pylist(), default=str))
            out += [f"{name}: {n}" for n in needles if any(n in t for t in texts)]
        return out


@pytest.fixture
def master_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())


def _refused_before_writing(lake: _Lake, before: dict[str, bytes], rc: int, err: str, feature: str) -> None:
    assert rc == 5, err
    assert str(lake.table) in err and feature in err and "delta_spark" in err, err
    assert lake.files() == before  # nothing written


@pytest.mark.parametrize("feature", ["deletion_vectors", "change_data_feed"])
def test_protect_with_purge_history_leaves_no_column_plaintext(feature: str, spark: Any, engine_kind: str, feature_tables: dict[str, Path],
                                                               tmp_path: Path, master_key: None, capsys: pytest.CaptureFixture[str]) -> None:
    lake = _Lake(tmp_path, feature_tables, feature, capsys)
    needles = [f"user{i}@example.com" for i in IDS[feature]] + [_ssn(i) for i in IDS[feature]] + ["changed3@example.com"]
    assert lake.holding(needles)
    if feature == "deletion_vectors":
        assert lake.holding(["user5@example.com"])  # a row the deletion vector hides
    else:
        assert [h for h in lake.holding(["user4@example.com"]) if h.startswith("_change_data")]  # the deleted row
    rows = spark.read.format("delta").load(str(lake.table)).count()
    before = lake.files()
    rc, out, err = lake.cli("protect", str(lake.table), "--apply", "--purge-history")
    if engine_kind == "embedded":  # Sail writes neither feature; delta-rs cannot purge deletion vectors
        _refused_before_writing(lake, before, rc, err, "deletionVectors" if feature == "deletion_vectors" else "changeDataFeed")
        return
    assert rc == 0, err
    left = lake.holding(needles)
    assert left == [], left
    assert not [n for n in lake.files() if n.startswith("_change_data/") or "deletion_vector_" in n]
    assert spark.read.format("delta").load(str(lake.table)).count() == rows


@pytest.mark.parametrize(("feature", "subject"), [
    ("deletion_vectors", "user5@example.com"),  # only in the bytes of a row a deletion vector hides
    ("deletion_vectors", "user7@example.com"),  # a visible row, in a file that also holds hidden ones
    ("change_data_feed", "user3@example.com"),  # only in the pre-image of an update and older files
    ("change_data_feed", "user9@example.com"),  # a visible row
])
def test_erase_leaves_no_plaintext_of_visible_hidden_or_pre_image_rows(feature: str, subject: str, spark: Any, engine_kind: str,
                                                                      feature_tables: dict[str, Path], tmp_path: Path, master_key: None,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    lake = _Lake(tmp_path, feature_tables, feature, capsys)
    assert lake.holding([subject])
    visible = {r["email"] for r in spark.read.format("delta").load(str(lake.table)).select("email").collect()}
    rc, out, err = lake.cli("erase", "request", "--subject", f"EMAIL_ADDRESS={subject}")
    assert rc == 0, err
    request_id = out.split()[-1]
    before = lake.files()
    rc, out, err = lake.cli("erase", "run", request_id, "--apply")
    if feature == "deletion_vectors" and engine_kind == "embedded":
        _refused_before_writing(lake, before, rc, err, "deletionVectors")
        return
    assert rc == 0, err
    assert lake.holding([subject]) == []
    after = {r["email"] for r in spark.read.format("delta").load(str(lake.table)).select("email").collect()}
    assert after == visible - {subject}
    receipt = lake.root / "_lakewarden" / "erasure_receipts" / f"{request_id}.json"
    rc, out, err = lake.cli("erase", "verify", str(receipt))
    assert rc == 0, err
