"""Retention on the demo lake: plan (rules, conflicts, holds, k), apply (one commit per table, history purged)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.config import Settings
from governance.maintenance import DeltaRsMaintenance
from retention.rules.apply import apply_plan
from retention.rules.model import load_retention
from retention.rules.plan import build_plan

pytestmark = pytest.mark.both_engines

TODAY = date(2026, 11, 28)


@pytest.fixture()
def demo_lake(spark: Any, tmp_path: Path) -> Settings:
    from governance.demo.bank import PARTITIONS, generate

    root = tmp_path / "lake"
    for name, pdf in generate(total_rows=4000, seed=3).items():
        if name not in ("customers", "transactions", "support_tickets"):
            continue
        w = spark.createDataFrame(pdf).repartition(2).write.format("delta")
        if name in PARTITIONS:
            w = w.partitionBy(*PARTITIONS[name])
        w.save(str(root / name))
    return Settings.model_validate({"lake": {"root": str(root)}, "policy": str(tmp_path / "policy.yaml"), "audit": {"sink": "jsonl"}})


def _policy(settings: Settings, text: str) -> None:
    Path(settings.policy).write_text(text, encoding="utf-8")


POLICY = """
retention:
  rules:
    - name: txn-1y
      match: {table: transactions}
      age: {column: txn_month, older_than_days: 365, format: yyyy-MM}
      action: delete
    - name: txn-2y
      match: {table: transactions}
      age: {column: txn_month, older_than_days: 540, format: yyyy-MM}
      action: delete
    - name: txn-memo
      match: {table: transactions}
      age: {column: ts, older_than_days: 90}
      action: anonymize
      anonymize:
        memo: {action: "null"}
        amount: {action: bucket, width: 50}
    - name: customers-anon
      match: {table: customers}
      age: {column: created_at, older_than_days: 365}
      action: anonymize
      anonymize:
        email: {action: "null"}
        phone: {action: "null"}
        ssn: {action: token}
        date_of_birth: {action: generalize_date, to: year}
        postcode: {action: truncate, keep: 3}
        street_address: {action: mask, keep: 2}
        created_at: {action: generalize_date, to: month}
  holds:
    - name: audit-2025-02
      table: transactions
      where: {column: txn_month, op: "==", value: "2025-02"}
      reason: regulator audit of February
      until: 2027-06-30
    - name: old-hold
      table: customers
      reason: ended litigation
      until: 2020-01-01
"""


def test_plan_names_rules_conflicts_and_holds_then_apply_changes_one_commit_per_table(spark: Any, demo_lake: Settings) -> None:
    _policy(demo_lake, POLICY)
    policy = load_retention(demo_lake)
    m = DeltaRsMaintenance()
    plan = build_plan(spark, demo_lake, policy, maintenance=m, today=TODAY, catalog=[])
    by = {t.table: t for t in plan.tables}
    tx = by["transactions"]
    assert tx.delete is not None and tx.delete.rule == "txn-2y" and tx.delete.overridden == ["txn-1y"]
    assert "stricter keep" in tx.delete.why
    assert tx.rows_held > 0 and "audit-2025-02" in tx.holds[0]
    assert tx.partitions_delete and "txn_month=2025-02" not in tx.partitions_delete
    cutoff = (TODAY - timedelta(days=540)).strftime("%Y-%m")
    assert all(p < f"txn_month={cutoff}" for p in tx.partitions_delete)
    assert tx.rows_anonymize > 0
    assert plan.expired_holds == ["old-hold (ended 2020-01-01)"]
    cu = by["customers"]
    assert cu.anonymize is not None and cu.rows_anonymize > 0 and cu.blocked is None
    before_versions = {t.table: m.version(t.path) for t in plan.tables}
    dry = apply_plan(spark, plan, policy, maintenance=m, dry_run=True)
    assert all(a.skipped == "dry run" for a in dry.tables)
    assert {t.table: m.version(t.path) for t in plan.tables} == before_versions
    rep = apply_plan(spark, plan, policy, maintenance=m, dry_run=False)
    done = {a.table: a for a in rep.tables}
    assert done["transactions"].rows_deleted == tx.rows_delete and done["transactions"].purged_log_files > 0
    txdf = spark.read.format("delta").load(tx.path)
    assert txdf.where("txn_month = '2025-02'").count() > 0  # held partition survived
    assert txdf.where(f"txn_month < '{cutoff}' AND txn_month <> '2025-02'").count() == 0
    cust = spark.read.format("delta").load(cu.path)
    old = cust.where(f"created_at < TIMESTAMP '{(TODAY - timedelta(days=365)).isoformat()}'")
    assert old.where("email IS NOT NULL OR phone IS NOT NULL").count() == 0
    assert old.where("length(postcode) <> 3 OR ssn NOT LIKE 'anon:%'").count() == 0
    assert old.where("month(date_of_birth) <> 1 OR day(date_of_birth) <> 1").count() == 0
    assert old.where("day(created_at) <> 1 OR hour(created_at) <> 0").count() == 0
    masked = [r["street_address"] for r in old.select("street_address").limit(20).collect()]
    assert all(m[:-2].replace(" ", "").strip("*") == "" and m[-2:].isalpha() for m in masked), masked
    # nothing left to do on a second plan
    again = build_plan(spark, demo_lake, policy, maintenance=m, today=TODAY, catalog=[])
    assert {t.table: t.rows_delete for t in again.tables}["transactions"] == 0
    assert not any(t.changes for t in again.tables), [(t.table, t.rows_delete, t.rows_anonymize) for t in again.tables]


def test_anonymize_rule_with_min_k_is_blocked_when_k_is_too_small(spark: Any, demo_lake: Settings) -> None:
    _policy(demo_lake, """
retention:
  rules:
    - name: cust-k
      match: {table: customers}
      age: {column: created_at, older_than_days: 0}
      action: anonymize
      anonymize: {email: {action: "null"}}
      min_k: {quasi: [postcode, date_of_birth], k: 5}
""")
    policy = load_retention(demo_lake)
    plan = build_plan(spark, demo_lake, policy, maintenance=DeltaRsMaintenance(), today=TODAY, catalog=[])
    cu = plan.tables[0]
    assert cu.blocked is not None and "1-anonymous" in cu.blocked and cu.k == 1
    rep = apply_plan(spark, plan, policy, maintenance=DeltaRsMaintenance(), dry_run=False)
    assert rep.tables[0].skipped == cu.blocked


def test_whole_table_hold_blocks_every_rule(spark: Any, demo_lake: Settings) -> None:
    _policy(demo_lake, f"""
retention:
  rules:
    - name: tickets-30d
      match: {{table: support_tickets}}
      age: {{column: opened_at, older_than_days: 30}}
      action: delete
  holds:
    - name: lit-9
      table: support_tickets
      reason: litigation
      until: {(TODAY + timedelta(days=10)).isoformat()}
""")
    plan = build_plan(spark, demo_lake, load_retention(demo_lake), maintenance=DeltaRsMaintenance(), today=TODAY, catalog=[])
    assert plan.tables[0].blocked is not None and plan.tables[0].blocked.startswith("legal hold lit-9")
    assert not plan.tables[0].changes


def test_k_anonymity_report_lists_smallest_groups(spark: Any, demo_lake: Settings) -> None:
    from retention.rules.risk import k_anonymity

    df = spark.read.format("delta").load(str(Path(demo_lake.lake.root) / "customers"))
    rep = k_anonymity(df, ["state"], threshold=5)
    assert rep.k >= 1 and rep.groups <= 15 and rep.rows == df.count()
    assert rep.smallest[0]["size"] == rep.k
    fine = k_anonymity(df, ["postcode", "date_of_birth"], threshold=5)
    assert fine.k == 1 and fine.rows_below > 0


def test_demo_lake_retention_plan_apply_and_the_usage_report_has_no_unwatched_sensitive_cold_data_left(
    spark: Any, demo_lake: Settings
) -> None:
    from dataclasses import dataclass, field

    from retention.usage.report import build_usage_report

    @dataclass
    class Col:
        table: str
        column: str
        entity: str | None
        sensitivity: str
        entities: list[str] = field(default_factory=list)
        reviewed: bool = True

    root = Path(demo_lake.lake.root)
    cat = [Col(str(root / "customers"), "email", "EMAIL_ADDRESS", "confidential"),
           Col(str(root / "customers"), "ssn", "US_SSN", "restricted"),
           Col(str(root / "transactions"), "memo", "PERSON", "confidential"),
           Col(str(root / "support_tickets"), "body", "EMAIL_ADDRESS", "confidential")]
    m = DeltaRsMaintenance()
    _policy(demo_lake, "retention: {}\n")
    before = build_usage_report(spark, demo_lake, maintenance=m, catalog_columns=cat)
    assert {s.table for s in before.sensitive_cold} == {"customers", "transactions", "support_tickets"}
    _policy(demo_lake, POLICY.replace("  holds:", """    - name: tickets-1y
      match: {table: support_tickets}
      age: {column: opened_at, older_than_days: 365}
      action: delete
  holds:"""))
    policy = load_retention(demo_lake)
    plan = build_plan(spark, demo_lake, policy, maintenance=m, today=TODAY, catalog=cat)
    assert {t.table for t in plan.tables if t.changes} == {"customers", "transactions", "support_tickets"}
    apply_plan(spark, plan, policy, maintenance=m, dry_run=False)
    after = build_usage_report(spark, demo_lake, maintenance=m, catalog_columns=cat)
    assert after.sensitive_cold == []
    assert all(t.has_retention_rule for t in after.tables)


def test_retention_cli_plan_json_apply_and_risk(spark: Any, demo_lake: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from jobs.cli import main

    _policy(demo_lake, """
retention:
  rules:
    - name: tickets-1y
      match: {table: support_tickets}
      age: {column: opened_at, older_than_days: 365}
      action: delete
""")
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(json.dumps({"lake": {"root": demo_lake.lake.root}, "policy": demo_lake.policy, "audit": {"sink": "jsonl"}}))
    out_json = tmp_path / "plan.json"
    capsys.readouterr()
    assert main(["--config", str(cfg), "--quiet", "retention", "plan", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "support_tickets" in text and "tickets-1y" in text
    plan = json.loads(out_json.read_text())
    (t,) = plan["tables"]
    assert t["delete"]["rule"] == "tickets-1y" and t["rows_delete"] > 0
    assert main(["--config", str(cfg), "--quiet", "retention", "apply"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert main(["--config", str(cfg), "--quiet", "retention", "apply", "--apply"]) == 0
    capsys.readouterr()
    audit = (Path(demo_lake.lake.root) / "_lakewarden" / "audit.jsonl").read_text()
    assert "retention.apply" in audit
    assert main(["--config", str(cfg), "--quiet", "retention", "risk", "customers", "--quasi", "state,city"]) == 0
    assert "k = " in capsys.readouterr().out
    assert main(["--config", str(cfg), "--quiet", "retention", "risk", "customers", "--quasi", "nope"]) == 4
    assert "quasi-identifier column(s) nope do not exist" in capsys.readouterr().err
    assert main(["--config", str(cfg), "--quiet", "retention", "risk", "missing_table", "--quasi", "a"]) == 4


def test_cold_rule_acts_only_on_tables_the_usage_evidence_calls_cold(spark: Any, demo_lake: Settings) -> None:
    _policy(demo_lake, """
retention:
  rules:
    - name: cold-delete
      match: {table: "*"}
      cold: {not_read_days: 180}
      age: {column: opened_at, older_than_days: 30}
      action: delete
""")
    root = str(Path(demo_lake.lake.root))

    def coldness(path: str) -> tuple[bool, Any, str]:
        return (path.endswith("support_tickets"), None, "0 business read(s) in 180 days" if path.endswith("support_tickets") else "read daily")

    plan = build_plan(spark, demo_lake, load_retention(demo_lake), maintenance=DeltaRsMaintenance(), today=TODAY, catalog=[],
                      coldness=coldness)
    by = {t.table: t for t in plan.tables}
    assert by["support_tickets"].delete is not None and by["support_tickets"].rows_delete > 0
    assert by["support_tickets"].evidence["cold-delete"]["cold"]["cold"] is True
    assert by["customers"].delete is None and by["customers"].evidence["cold-delete"]["cold"]["evidence"] == "read daily"
    assert root


def test_date_and_bucket_rules_on_protected_string_columns_null_the_protected_values(spark) -> None:
    from governance.retention_policy import AnonymizeAction
    from retention.rules.anonymize import expression
    from pyspark.sql.types import StringType

    df = spark.createDataFrame([("lw1:tok:pii.1:d:abc",), ("1984-05-17",), (None,)], "dob string")
    gen = AnonymizeAction.model_validate({"action": "generalize_date", "to": "year"})
    out = [r[0] for r in df.select(expression("dob", StringType(), gen, table="t")).collect()]
    assert out == [None, "1984-01-01", None]
    amounts = spark.createDataFrame([("lw1:enc:x",), ("123.4",)], "amt string")
    bucket = AnonymizeAction.model_validate({"action": "bucket", "width": 10})
    assert [r[0] for r in amounts.select(expression("amt", StringType(), bucket, table="t")).collect()] == [None, "120.0"]


def test_k_anonymity_takes_the_quasi_identifiers_classify_reported(spark: Any, demo_lake: Settings, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from jobs.cli import main

    (Path(demo_lake.policy)).write_text("""
retention:
  rules:
    - name: cust-k
      match: {table: customers}
      age: {column: created_at, older_than_days: 0}
      action: anonymize
      anonymize: {email: {action: "null"}}
      min_k: {quasi: catalog, k: 5}
""")
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(json.dumps({"lake": {"root": demo_lake.lake.root}, "policy": demo_lake.policy, "audit": {"sink": "jsonl"},
                               "classification": {"nlp": "no_op"}}))
    # before any scan the catalog knows no quasi-identifier: a clear refusal, not a guess
    assert main(["--config", str(cfg), "--quiet", "retention", "risk", "customers"]) == 4
    assert "records no quasi-identifier" in capsys.readouterr().err
    assert main(["--config", str(cfg), "--quiet", "classify", "customers"]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "--quiet", "retention", "risk", "customers"]) == 0
    out = capsys.readouterr().out
    assert "state" in out and "postcode" in out and "k = " in out
    settings = Settings.model_validate(json.loads(cfg.read_text()))
    plan = build_plan(spark, settings, load_retention(settings), maintenance=DeltaRsMaintenance(), today=TODAY)
    (cu,) = [t for t in plan.tables if t.table == "customers"]
    assert {"state", "postcode"} <= set(cu.quasi) and "email" not in cu.quasi
    assert cu.k is not None and (cu.blocked is None) == (cu.k >= 5)


def test_apply_in_file_groups_deletes_and_anonymizes_exactly_what_one_write_would(
        spark: Any, demo_lake: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Bounded memory: each table's rewrite is staged a few files at a time and still committed once."""
    import logging

    from governance import safe_write as sw

    _policy(demo_lake, POLICY)
    policy = load_retention(demo_lake)
    m = DeltaRsMaintenance()
    plan = build_plan(spark, demo_lake, policy, maintenance=m, today=TODAY, catalog=[])
    by = {t.table: t for t in plan.tables}
    cu, tx = by["customers"], by["transactions"]
    ids = sorted(r[0] for r in spark.read.format("delta").load(cu.path).select("customer_id").collect())
    tx_rows = spark.read.format("delta").load(tx.path).count()
    cutoff = (TODAY - timedelta(days=365)).isoformat()
    old_ids = {r[0] for r in spark.read.format("delta").load(cu.path).where(f"created_at < TIMESTAMP '{cutoff}'")
               .select("customer_id").collect()}
    monkeypatch.setattr(sw, "FILE_GROUP_ROWS", 40)
    with caplog.at_level(logging.INFO, logger="governance.safe_write"):
        rep = apply_plan(spark, plan, policy, maintenance=m, dry_run=False)
    for t in (cu, tx):
        assert f"{t.path}: staged group 2 of" in caplog.text, t.table
    done = {a.table: a for a in rep.tables}
    assert done["transactions"].rows_deleted == tx.rows_delete > 0
    assert spark.read.format("delta").load(tx.path).count() == tx_rows - tx.rows_delete
    cust = spark.read.format("delta").load(cu.path)
    assert sorted(r[0] for r in cust.select("customer_id").collect()) == ids
    anonymized = {r["customer_id"] for r in cust.where("ssn LIKE 'anon:%'").select("customer_id").collect()}
    assert anonymized == old_ids and len(old_ids) == cu.rows_anonymize
    assert cust.where("ssn LIKE 'anon:%' AND (email IS NOT NULL OR length(postcode) <> 3)").count() == 0
