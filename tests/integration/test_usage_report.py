"""The usage report on the generated lake after the scripted workload (real event logs).

The workload (tests/fixtures/eventlogs.py) reads some tables, some partitions and some
columns; the reported figures must equal the bytes it read: Spark's "size of files read"
of each scan, which for these single-version tables is the Delta log's size of the files
in the partitions it selected. Utilization is a share in [0, 1]: the last tests record reads
directly in the usage table of a small lake whose tables shrink after being read.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from governance.audit import AuditLog, JsonlAuditSink
from governance.catalog import CatalogColumn
from governance.config import Settings
from governance.maintenance import DeltaRsMaintenance
from retention.usage.html import render_usage_section
from retention.usage.ingest import ingest
from retention.usage.report import UsageReport, build_usage_report, render_text, stored_history
from retention.usage.sources.lakewarden_jobs import LakewardenJobsSource
from retention.usage.sources.spark_eventlog import SparkEventLogSource
from retention.usage.store import USAGE_SCHEMA, usage_paths
from tests.fixtures.eventlogs import RealEventLogs


def _col(table: str, column: str, entity: str | None, sensitivity: str) -> CatalogColumn:
    return CatalogColumn(
        table=table, column=column, entity=entity, entities=[entity] if entity else [], confidence=0.9,
        sensitivity=sensitivity, reviewed=False, delta_version=0, scanned_at=None,
    )


@pytest.fixture(scope="module")
def ingested(spark: Any, real_eventlogs: RealEventLogs) -> Settings:
    settings = Settings.model_validate({"lake": {"root": str(real_eventlogs.lake), "system_dir": "_lw_report"}})
    shutil.rmtree(settings.system_root, ignore_errors=True)
    ingest(spark, settings, [SparkEventLogSource(str(real_eventlogs.logs))], maintenance=DeltaRsMaintenance())
    yield settings
    shutil.rmtree(settings.system_root, ignore_errors=True)


def _catalog(lake: Path) -> list[CatalogColumn]:
    return [
        _col(str(lake / "customers"), "email", "EMAIL_ADDRESS", "restricted"),
        _col(str(lake / "customers"), "iban", "IBAN_CODE", "restricted"),
        _col(str(lake / "customers"), "name", "PERSON", "confidential"),
        _col("payments", "iban", "IBAN_CODE", "confidential"),
        _col("payments", "amount", None, "public"),
    ]


def _report(spark: Any, settings: Settings, lake: Path, **kw: Any) -> UsageReport:
    kw.setdefault("catalog_columns", _catalog(lake))
    kw.setdefault("retention_tables", set())
    return build_usage_report(spark, settings, maintenance=DeltaRsMaintenance(), **kw)


def _bytes(lake: Path, table: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in DeltaRsMaintenance().files(str(lake / table)):
        key = "/".join(f"{k}={v}" for k, v in f.partition_values.items())
        out[key] = out.get(key, 0) + f.size_bytes
    return out


def test_bytes_read_equal_the_workload_and_full_reads_give_utilization_one(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    lake = real_eventlogs.lake
    report = _report(spark, ingested, lake)
    t = {x.table: x for x in report.tables}
    pay, cust = _bytes(lake, "payments"), _bytes(lake, "customers")[""]
    total = sum(pay.values())
    # customers: bank-etl (id, name) + bank-adhoc (balance), both whole-table scans; lakewarden-classify is governance
    assert (t["customers"].bytes_stored, t["customers"].bytes_read, t["customers"].reads) == (cust, 2 * cust, 2)
    assert t["customers"].utilization == 1.0 and t["customers"].governance_reads == 1  # read twice in full: counted once
    # payments: FR (etl) + DE directory (etl) + all (bi) + NL, IT (risk) = twice the table
    assert (t["payments"].bytes_stored, t["payments"].bytes_read, t["payments"].reads) == (total, 2 * total, 4)
    assert t["payments"].utilization == 1.0
    parts = {p.partition: p for p in t["payments"].partitions}
    for key in pay:
        assert parts[key].bytes_stored == pay[key]
        assert parts[key].bytes_read == pytest.approx(2 * pay[key], abs=2)
        assert parts[key].reads == 2 and not parts[key].cold and parts[key].utilization == 1.0
    assert report.lake.bytes_read == 2 * cust + 2 * total and report.lake.utilization == 1.0


def test_columns_read_only_by_governance_jobs_are_cold(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    report = _report(spark, ingested, real_eventlogs.lake)
    cols = {c.column: c for c in next(x for x in report.tables if x.table == "customers").columns}
    assert {c for c, u in cols.items() if u.cold} == {"email", "iban"}
    assert cols["balance"].reads == 1 and cols["balance"].utilization == pytest.approx(1.0)
    stored = [u.bytes_stored for u in cols.values()]
    assert all(s is not None and s > 0 for s in stored)
    assert sum(stored) == pytest.approx(next(x for x in report.tables if x.table == "customers").bytes_stored, abs=len(stored))
    pcols = {c.column: c for c in next(x for x in report.tables if x.table == "payments").columns}
    assert {c for c, u in pcols.items() if u.cold} == {"customer_id"}
    assert pcols["iban"].scan_bytes == sum(v for k, v in _bytes(real_eventlogs.lake, "payments").items() if k in ("country=IT", "country=NL"))


def test_first_section_lists_sensitive_cold_columns_without_retention_rule(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    report = _report(spark, ingested, real_eventlogs.lake)
    assert {s.sensitivity for s in report.sensitive_cold} == {"restricted"}
    assert all(s.table_cold is False and s.last_read is None for s in report.sensitive_cold)
    assert {(s.table, s.column) for s in report.sensitive_cold} == {("customers", "email"), ("customers", "iban")}
    assert report.cold_bytes_by_tier["restricted"] == sum(s.bytes_stored or 0 for s in report.sensitive_cold)
    assert render_text(report)[0].startswith("SENSITIVE COLD DATA WITH NO RETENTION RULE")


def test_a_retention_rule_removes_the_table_from_the_first_section(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    report = _report(spark, ingested, real_eventlogs.lake, retention_tables={"customers"})
    assert report.sensitive_cold == []
    assert next(x for x in report.tables if x.table == "customers").has_retention_rule


def test_window_before_any_read_makes_everything_cold(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    report = _report(spark, ingested, real_eventlogs.lake, window="1d", now=datetime.now() + timedelta(days=30))
    assert all(t.cold for t in report.tables) and report.lake.bytes_read == 0
    assert report.lake.cold_bytes == report.lake.bytes_stored
    cust = next(x for x in report.tables if x.table == "customers")
    assert cust.last_read is not None  # last read is all-time, not only the window


def test_deleted_table_reads_are_listed_separately(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    report = _report(spark, ingested, real_eventlogs.lake)
    assert [m["table"] for m in report.missing_tables] == ["legacy"]
    assert "legacy" not in {t.table for t in report.tables}


def test_report_serializes_to_json_and_html(spark: Any, ingested: Settings, real_eventlogs: RealEventLogs) -> None:
    report = _report(spark, ingested, real_eventlogs.lake)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["lake"]["tables"] == 2 and data["sensitive_cold"][0]["column"] in ("email", "iban") and data["has_evidence"] is True
    assert data["stored_over_time"][-1]["bytes_stored"] == report.lake.bytes_stored
    html = render_usage_section(report)
    assert html.count("<svg") == 2 and "customers" in html


def test_lakewarden_jobs_in_the_audit_log_are_governance_reads(spark: Any, real_eventlogs: RealEventLogs, tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"lake": {"root": str(real_eventlogs.lake), "system_dir": "_lw_audit"}, "audit": {"sink": "jsonl", "path": str(tmp_path / "audit.jsonl")}}
    )
    shutil.rmtree(settings.system_root, ignore_errors=True)
    try:
        log = AuditLog(JsonlAuditSink(settings.audit_path), job="classify")
        log.append(action="classify.scan", table="payments", columns=["iban", "amount"], counts={"rows_sampled": 100})
        log.append(action="keys.rotate")  # no table: not a read
        src = LakewardenJobsSource(settings)
        first = ingest(spark, settings, [src], maintenance=DeltaRsMaintenance())
        again = ingest(spark, settings, [LakewardenJobsSource(settings)], maintenance=DeltaRsMaintenance())
        assert first.reads_new == 1 and first.sources[0].governance_reads == 1 and again.reads_new == 0
        report = _report(spark, settings, real_eventlogs.lake)
        pay = next(x for x in report.tables if x.table == "payments")
        assert pay.governance_reads == 1 and pay.reads == 0 and pay.cold
    finally:
        shutil.rmtree(settings.system_root, ignore_errors=True)


def test_report_before_any_ingest_says_there_is_no_evidence(spark: Any, real_eventlogs: RealEventLogs) -> None:
    settings = Settings.model_validate({"lake": {"root": str(real_eventlogs.lake), "system_dir": "_lw_noevidence"}})
    report = _report(spark, settings, real_eventlogs.lake)
    assert report.has_evidence is False and all(t.cold for t in report.tables)
    assert any("no usage ingested yet" in n for n in report.notes)
    assert _report(spark, settings, real_eventlogs.lake, catalog_columns=[]).sensitive_cold == []


# --------------------------------------------------------------------------- utilization is a share
def _usage_row(
    lake: Path, table: str, when: datetime, nbytes: int, *, partitions: list[str] | None = None, columns: list[str] | None = None
) -> tuple[Any, ...]:
    key = f"{table}-{when.isoformat()}-{nbytes}-{partitions}-{columns}"
    return (
        key, "spark_eventlog", "business", "app-1", "bank-etl", "etl", 1, when.replace(tzinfo=timezone.utc), table, str(lake / table),
        "present", partitions, "exact" if partitions else "all", columns, nbytes, "metric", 1, "4.0", "test", datetime.now(timezone.utc),
    )


def _history(lake: Path, table: str) -> list[tuple[datetime, int]]:
    return stored_history(str(lake / table), sum(_bytes(lake, table).values()))


@pytest.fixture(scope="module")
def shrunk(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``accounts`` read in full three times, overwritten with half its rows, read in full again;
    ``ledger`` read once for half its bytes; ``events`` partition 2026-01 read in full, then half of it deleted."""
    lake = tmp_path_factory.mktemp("shrunk") / "lake"
    rows = pa.table({"id": list(range(4000)), "note": [f"account note number {i}" for i in range(4000)]})
    write_deltalake(str(lake / "accounts"), rows)
    write_deltalake(str(lake / "ledger"), rows)
    months = pa.table({"id": list(range(4000)), "note": [f"event {i}" for i in range(4000)], "month": ["2026-01", "2026-02"] * 2000})
    write_deltalake(str(lake / "events"), months, partition_by=["month"])
    accounts_v0, events_v0 = sum(_bytes(lake, "accounts").values()), _bytes(lake, "events")
    time.sleep(0.3)  # commit times far enough apart for a read to fall between two versions
    write_deltalake(str(lake / "accounts"), rows.slice(0, 2000), mode="overwrite")
    DeltaTable(str(lake / "events")).delete("month = '2026-01' AND id % 4 = 0")
    (t1, accounts_v1), (t0, _) = _history(lake, "accounts")
    (ev_t1, _), (ev_t0, _) = _history(lake, "events")
    assert accounts_v1 < accounts_v0 and t0 < t1 and ev_t0 < ev_t1
    ledger = sum(_bytes(lake, "ledger").values())
    reads = [
        _usage_row(lake, "accounts", t0 - timedelta(days=1), accounts_v0),  # before the first version: counts against it
        _usage_row(lake, "accounts", t0 - timedelta(days=1, minutes=5), accounts_v0, columns=["id"]),
        _usage_row(lake, "accounts", t0 + (t1 - t0) / 2, accounts_v0),
        _usage_row(lake, "accounts", t1 + timedelta(minutes=1), accounts_v1),
        _usage_row(lake, "ledger", t1 + timedelta(minutes=1), ledger // 2),
        _usage_row(lake, "events", ev_t0 + (ev_t1 - ev_t0) / 2, events_v0["month=2026-01"], partitions=["month=2026-01"]),
    ]
    settings = Settings.model_validate({"lake": {"root": str(lake)}})
    spark.createDataFrame(reads, USAGE_SCHEMA).write.format("delta").save(usage_paths(settings).usage)
    report = build_usage_report(
        spark, settings, maintenance=DeltaRsMaintenance(), catalog_columns=[], retention_tables=set(), now=t1 + timedelta(hours=1)
    )
    return {"report": report, "accounts_v0": accounts_v0, "accounts_v1": accounts_v1, "ledger": ledger, "events_v0": events_v0}


def test_full_reads_before_and_after_a_shrink_give_utilization_one_not_more(shrunk: dict[str, Any]) -> None:
    report: UsageReport = shrunk["report"]
    acc = next(t for t in report.tables if t.table == "accounts")
    assert acc.reads == 4 and acc.bytes_stored == shrunk["accounts_v1"]
    assert acc.bytes_read == 3 * shrunk["accounts_v0"] + shrunk["accounts_v1"] > acc.bytes_stored  # the raw sum
    assert acc.utilization == 1.0
    assert {c.column: c.utilization for c in acc.columns} == {"id": 1.0, "note": 1.0}
    assert report.lake.utilization is not None and report.lake.utilization <= 1.0
    points = [p.utilization for p in report.utilization_over_time if p.utilization is not None]
    assert points and all(0.0 <= u <= 1.0 for u in points) and max(points) > 0


def test_a_read_of_half_the_table_gives_half_utilization_and_the_lake_weights_tables_by_bytes(shrunk: dict[str, Any]) -> None:
    report: UsageReport = shrunk["report"]
    t = {x.table: x for x in report.tables}
    assert t["ledger"].utilization == pytest.approx(0.5, abs=1e-3) and t["ledger"].bytes_read == shrunk["ledger"] // 2
    want = sum((x.utilization or 0.0) * x.bytes_stored for x in report.tables) / report.lake.bytes_stored
    assert report.lake.utilization == pytest.approx(want) and 0.5 < report.lake.utilization < 1.0


def test_a_partition_read_before_retention_counts_against_the_partition_it_read(shrunk: dict[str, Any]) -> None:
    report: UsageReport = shrunk["report"]
    ev = next(t for t in report.tables if t.table == "events")
    parts = {p.partition: p for p in ev.partitions}
    v0 = shrunk["events_v0"]
    assert parts["month=2026-01"].bytes_stored < v0["month=2026-01"]  # retention shrank the partition after the read
    assert parts["month=2026-01"].utilization == 1.0 and parts["month=2026-01"].reads == 1
    assert parts["month=2026-02"].utilization == 0.0 and parts["month=2026-02"].cold
    assert ev.utilization == pytest.approx(v0["month=2026-01"] / sum(v0.values()))
