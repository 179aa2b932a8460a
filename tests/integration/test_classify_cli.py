"""``lakewarden classify`` / ``review`` end to end: JSON report, catalog, incremental skip, audit, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from governance.catalog import Catalog
from governance.config import load_settings
from jobs.cli import main

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]


@pytest.fixture()
def lake(tmp_path: Path, spark: Any) -> tuple[Path, Path]:
    root = tmp_path / "lake"
    n = 80
    write_deltalake(str(root / "customers"), pa.table({
        "email": [f"c{i}@example.com" for i in range(n)],
        "card": ["4111 1111 1111 1111", "5500 0000 0000 0004", "3782 822463 10005", "6011 1111 1111 1117"] * (n // 4),
        "amount": [i * 2.5 for i in range(n)],
    }))
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(
        f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n"
        f"classification:\n  nlp: no_op\n  sample_rows: 100\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n"
    )
    return root, cfg


def test_classify_writes_json_catalog_and_audit_then_skips_unchanged(lake: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, cfg = lake
    out = tmp_path / "report.json"
    assert main(["classify", "--config", str(cfg), "--quiet", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    (table,) = doc["tables"]
    assert table["table"] == "customers" and table["delta_version"] == 0 and table["rows_sampled"] == 80
    cols = {c["name"]: c for c in table["columns"]}
    assert cols["email"]["entity"] == "EMAIL_ADDRESS" and cols["card"]["entity"] == "CREDIT_CARD" and cols["amount"]["entity"] is None
    assert cols["card"]["sensitivity"] == "restricted" and cols["card"]["reviewed"] is False
    assert "4111" not in out.read_text()  # evidence holds redacted examples only
    audit = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert audit[-1]["action"] == "classify" and set(audit[-1]["columns"]) == {"email", "card"}
    capsys.readouterr()
    assert main(["classify", "--config", str(cfg), "--quiet"]) == 0
    assert "skipped customers: unchanged" in capsys.readouterr().out


def test_review_sets_a_label_that_later_scans_keep(lake: tuple[Path, Path], tmp_path: Path) -> None:
    root, cfg = lake
    assert main(["classify", "--config", str(cfg), "--quiet"]) == 0
    assert main(["review", "--config", str(cfg), "customers", "amount", "--set", "US_BANK_NUMBER", "--by", "Ada", "--note", "legacy"]) == 0
    out = tmp_path / "again.json"
    assert main(["classify", "--config", str(cfg), "--quiet", "--force", "customers", "--json", str(out)]) == 0
    amount = {c["name"]: c for c in json.loads(out.read_text())["tables"][0]["columns"]}["amount"]
    assert amount["entity"] == "US_BANK_NUMBER" and amount["reviewed"] is True and amount["evidence"]["scanned_entity"] is None
    eff = {c.column: c for c in Catalog(load_settings(cfg)).effective_columns(str(root / "customers"))}
    assert eff["amount"].reviewed_by == "Ada"
    audit = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert any(e["action"] == "classification_review" and e["columns"] == ["amount"] for e in audit)


def test_bad_input_exit_codes(lake: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, cfg = lake
    assert main(["classify", "--config", str(cfg), str(tmp_path / "missing")]) == 4
    assert "does not exist" in capsys.readouterr().err
    assert main(["review", "--config", str(cfg), "customers", "email", "--confirm", "--by", "Ada"]) == 4  # never classified
    assert "classify" in capsys.readouterr().err
    assert main(["classify", "--config", str(cfg), "--sample-rows", "3", "customers"]) == 4


def test_recognizer_change_rescans_unreviewed_columns_and_keeps_reviewed_ones(lake: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, cfg = lake
    assert main(["classify", "--config", str(cfg), "--quiet"]) == 0
    assert main(["review", "--config", str(cfg), "customers", "card", "--confirm", "--by", "Ada"]) == 0
    # drop the e-mail and card recognizers: the next run must rescan without --force
    rec = tmp_path / "recognizers.yaml"
    rec.write_text("builtin: [phone_number, iban_code]\n")
    cfg.write_text(cfg.read_text().replace(f"recognizers: {REPO / 'conf' / 'recognizers.yaml'}", f"recognizers: {rec}"))
    (tmp_path / "classification.yaml").write_text((REPO / "conf" / "classification.yaml").read_text())
    capsys.readouterr()
    out = tmp_path / "changed.json"
    assert main(["classify", "--config", str(cfg), "--quiet", "--json", str(out)]) == 0
    assert "skipped" not in capsys.readouterr().out
    cols = {c["name"]: c for c in json.loads(out.read_text())["tables"][0]["columns"]}
    assert cols["email"]["entity"] is None and cols["email"]["reviewed"] is False
    assert cols["card"]["entity"] == "CREDIT_CARD" and cols["card"]["reviewed"] is True
