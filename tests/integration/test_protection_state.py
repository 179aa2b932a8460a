"""classify, protect, report: the report shows each column's protection state as the data holds it."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import StringType, StructField, StructType

from governance.protection.state import table_protection

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]
IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606"]
ROWS = [(f"Quentin Marchetti{i}", f"payer{i}@example.com", IBANS[i % 3]) for i in range(60)]
SCHEMA = StructType([StructField("name", StringType()), StructField("email", StringType()), StructField("iban", StringType())])
POLICY = """protection:
  tables:
    payments:
      columns:
        email: {action: tokenize}
        name: {action: keep}
        iban: {action: keep}
"""


def _row(page: str, column: str) -> str:
    """The HTML row of ``column`` in the table's column list."""
    start = page.index(f"<tr><td><code>{column}</code>")
    return page[start:page.index("</tr>", start)]


@pytest.fixture()
def protected_lake(tmp_path: Path, spark: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, Path]:
    root = tmp_path / "lake"
    path = str(root / "payments")
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").save(path)
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\nkeys:\n  provider: local\n"
                   f"classification:\n  nlp: no_op\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n", encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    from jobs.cli import main

    assert main(["classify", "--config", str(cfg), "--quiet"]) == 0
    assert main(["protect", "--config", str(cfg), "payments", "--policy", str(policy), "--apply"]) == 0
    out = tmp_path / "report.html"
    assert main(["report", "--config", str(cfg), "--out", str(out), "--no-usage"]) == 0
    return path, out, cfg


def test_tokenized_column_reads_as_tokenized_with_its_key_and_others_as_plaintext(protected_lake: tuple[str, Path, Path]) -> None:
    path, _, _ = protected_lake
    t = table_protection(path, columns=["name", "email", "iban"])
    assert t.note is None and t.version == 1
    email = t.columns["email"]
    assert (email.state, email.values, email.protected, email.kinds, email.key_domains) == ("tokenized", 60, 60, {"tok": 60}, ["pii v1"])
    assert email.label() == "tokenized (pii v1)"
    assert (t.columns["iban"].state, t.columns["iban"].values) == ("plaintext", 60)
    assert t.columns["name"].state == "plaintext"


def test_report_shows_tokenized_column_and_flags_plaintext_personal_column_without_raw_values(protected_lake: tuple[str, Path, Path]) -> None:
    _, report, _ = protected_lake
    page = report.read_text(encoding="utf-8")
    assert "<th>Protection</th>" in page
    email = _row(page, "email")
    assert "tokenized (pii v1)" in email and "unprotected" not in email and "60 of 60 values protected" in email
    iban = _row(page, "iban")
    assert "IBAN_CODE" in iban and 'class="unprotected"' in iban and "plaintext" in iban
    assert "personal columns with plaintext values" in page
    for raw in [*IBANS, "payer1@example.com", "example.com", "Quentin", "Marchetti", "lw1:tok:"]:
        assert raw not in page
    assert "<script" not in page and "<link" not in page and 'src="http' not in page


def test_report_names_a_table_it_cannot_read_instead_of_failing(protected_lake: tuple[str, Path, Path], tmp_path: Path) -> None:
    path, _, cfg = protected_lake
    # The latest commit now asks for a reader feature delta-rs does not know.
    log = sorted((Path(path) / "_delta_log").glob("*.json"))[-1]
    actions = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    actions = [a for a in actions if "protocol" not in a]
    actions.insert(0, {"protocol": {"minReaderVersion": 3, "minWriterVersion": 7,
                                    "readerFeatures": ["someFutureFeature"], "writerFeatures": ["someFutureFeature"]}})
    log.write_text("\n".join(json.dumps(a) for a in actions) + "\n")
    from jobs.cli import main

    out = tmp_path / "unreadable.html"
    assert main(["report", "--config", str(cfg), "--out", str(out), "--no-usage"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Protection state unknown: the table could not be read" in page and "someFutureFeature" in page
    assert "unreadable" in _row(page, "email")
