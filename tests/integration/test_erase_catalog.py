"""Erasure finds columns through the catalog (reviewed labels, free text), and refuses deletion vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from governance.errors import UnsupportedTableFeatureError
from tests.fixtures.lake_scan import grep_lake
from tests.integration.test_erase_e2e import NEEDLES, SUBJECT, build_lake, make_runner, new_request, _write

pytestmark = pytest.mark.both_engines


def test_catalogued_columns_with_unhinted_names_are_erased(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from governance.catalog import Catalog, ColumnRecord

    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    path = str(lake.root / "crm_contacts")
    pdf = pd.DataFrame({"cid": pd.Series(range(5), dtype="int64"),
                        "contact": [f"p{i}@example.org" for i in range(4)] + [SUBJECT["email"]],
                        "details": [f"spoke with p{i}" for i in range(4)] + [f"asked to forward to {SUBJECT['email']}"]})
    _write(spark, pdf, path)
    Catalog(lake.settings).record_scan(
        table=path, table_name="crm_contacts", delta_version=0, recognizers="test", nlp="no_op",
        columns=[ColumnRecord("contact", "EMAIL_ADDRESS", ["EMAIL_ADDRESS"], 0.9, "confidential", {}),
                 ColumnRecord("details", "PERSON", ["PERSON", "EMAIL_ADDRESS"], 0.6, "confidential", {"free_text": True}),
                 ColumnRecord("cid", None, [], 0.0, "public", {})])
    runner, provider = make_runner(spark, lake, catalog=None)
    runner.catalog = None  # read the lake's catalog
    req = new_request(lake, runner, provider, subject=[f"EMAIL_ADDRESS={SUBJECT['email']}"])
    plan = {p["table"]: p for p in runner.plan(req)}
    assert plan["crm_contacts"]["columns"] == "contact,details" and plan["crm_contacts"]["rows"] == 1
    out = runner.run(req, apply=True)
    assert out.request.progress["tables"]["crm_contacts"]["rows_removed"] == 1
    assert spark.read.format("delta").load(path).count() == 4
    assert grep_lake(lake.root, [SUBJECT["email"]]) == []


def test_table_with_deletion_vectors_is_refused_with_the_way_out(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    log = Path(lake.tables["customers"]) / "_delta_log"
    last = max(int(p.name.split(".")[0]) for p in log.glob("*.json"))
    (log / f"{last + 1:020d}.json").write_text(json.dumps({"protocol": {
        "minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"], "writerFeatures": ["deletionVectors"]}}) + "\n")
    runner, provider = make_runner(spark, lake)
    with pytest.raises(UnsupportedTableFeatureError, match="REORG TABLE .* APPLY \\(PURGE\\)"):
        runner.run(new_request(lake, runner, provider), apply=True)
    _ = NEEDLES
