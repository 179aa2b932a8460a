"""Report helpers: window parsing, stored bytes from Delta history, retention lookup, HTML."""

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from governance.config import Settings
from governance.errors import ConfigError, InputError
from governance.maintenance import DeltaRsMaintenance
from retention.rules_lookup import tables_with_retention_rule
from retention.usage.html import render_usage_section
from retention.usage.report import (
    LakeUsage,
    SensitiveColdItem,
    SeriesPoint,
    UsageReport,
    column_shares,
    human_bytes,
    parse_window,
    stored_history,
)


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("2w", 14), ("36h", 1.5), ("1y", 365), ("6m", 180)])
def test_parse_window_accepts_units(text: str, days: float) -> None:
    assert parse_window(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "90", "0d", "-3d", "3x"])
def test_parse_window_rejects_bad_text_with_input_error(text: str) -> None:
    with pytest.raises(InputError, match="--window"):
        parse_window(text)


def test_human_bytes_uses_binary_units() -> None:
    assert human_bytes(512) == "512 B" and human_bytes(1536) == "1.5 KiB" and human_bytes(None) == "?"


def test_stored_history_follows_appends_and_overwrites(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    t = pa.table({"id": list(range(1000)), "s": [f"value {i}" for i in range(1000)]})
    write_deltalake(path, t)
    write_deltalake(path, t, mode="append")
    write_deltalake(path, t.slice(0, 10), mode="overwrite")
    files = DeltaRsMaintenance().files(path)
    now_bytes = sum(f.size_bytes for f in files)
    hist = stored_history(path, now_bytes)
    assert len(hist) == 3 and hist[0][1] == now_bytes
    assert hist[1][1] > hist[2][1] > now_bytes  # two files, then one file, then a small overwrite


def test_column_shares_sum_to_one_and_favor_wide_columns(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, pa.table({"id": list(range(2000)), "text": [f"a long text value number {i}" for i in range(2000)]}))
    shares = column_shares(path, [f.path for f in DeltaRsMaintenance().files(path)])
    assert shares is not None and abs(sum(shares.values()) - 1) < 1e-9 and shares["text"] > shares["id"]


def _settings(tmp_path: Path, policy: str | None) -> Settings:
    pol = tmp_path / "policy.yaml"
    if policy is not None:
        pol.write_text(policy)
    return Settings.model_validate({"lake": {"root": str(tmp_path / "lake")}, "policy": str(pol)})


def test_rules_lookup_without_policy_file_is_empty(tmp_path: Path) -> None:
    assert tables_with_retention_rule(_settings(tmp_path, None), tables=["a"]) == set()


def test_rules_lookup_without_retention_section_is_empty(tmp_path: Path) -> None:
    assert tables_with_retention_rule(_settings(tmp_path, "protection: {}\n"), tables=["a"]) == set()


def test_rules_lookup_matches_table_globs_and_tiers(tmp_path: Path) -> None:
    policy = """
retention:
  rules:
    - name: old-payments
      match: {table: "sales/*"}
      age: {column: booked_at, older_than_days: 3650}
      action: delete
    - name: restricted-cold
      match: {sensitivity: restricted}
      cold: {not_read_days: 365}
      action: delete
"""
    got = tables_with_retention_rule(
        _settings(tmp_path, policy),
        tables=["sales/payments", "crm/customers", "crm/notes"],
        sensitivity={"crm/customers": "restricted", "crm/notes": "internal"},
    )
    assert got == {"sales/payments", "crm/customers"}


def test_rules_lookup_invalid_rule_raises_config_error(tmp_path: Path) -> None:
    policy = "retention:\n  rules:\n    - name: x\n      action: delete\n"
    with pytest.raises(ConfigError):
        tables_with_retention_rule(_settings(tmp_path, policy), tables=["a"])


def test_html_section_escapes_values_and_draws_both_charts() -> None:
    now = datetime(2026, 1, 31)
    report = UsageReport(
        generated_at=now,
        window="30d",
        window_start=now - timedelta(days=30),
        lake=LakeUsage("/lake", 1, 1000, 10, 1, 0.01, 0.5, 0, 0, 0, 0),
        sensitive_cold=[SensitiveColdItem("crm/<script>", "iban", "IBAN_CODE", "restricted", 400, None, True)],
        tables=[],
        stored_over_time=[],
        utilization_over_time=[SeriesPoint("2026-01-01", 1000, 10, 0.01), SeriesPoint("2026-01-08", 1000, 0, 0.0)],
        cold_bytes_by_tier={"restricted": 400, "not sensitive": 100},
        missing_tables=[],
        notes=[],
    )
    html = render_usage_section(report)
    assert "<script>" not in html and "crm/&lt;script&gt;" in html
    assert html.count("<svg") == 2 and "Utilization over time" in html and "polyline" in html


def test_demo_workload_plan_reads_two_partitions_and_leaves_tables_cold(tmp_path: Path) -> None:
    from retention.usage.demo_workload import plan_workload

    lake = tmp_path / "lake"
    months = [f"2026-{m:02d}" for m in range(1, 5)]
    write_deltalake(str(lake / "txns"), pa.table({"id": list(range(8)), "memo": ["m"] * 8, "amount": [1.0] * 8, "month": months * 2}), partition_by=["month"])
    for name in ("a", "b", "c"):
        write_deltalake(str(lake / name), pa.table({"x": [1], "y": [2], "z": [3]}))
    plans = {p.table: p for p in plan_workload(str(lake))}
    assert sorted(plans) == ["a", "txns"]
    txns = plans["txns"]
    assert (txns.partition_column, txns.partition_values, txns.columns) == ("month", ["2026-03", "2026-04"], ["id", "memo"])
    files = DeltaRsMaintenance().files(str(lake / "txns"))
    assert txns.expected_bytes == sum(f.size_bytes for f in files if f.partition_values["month"] in ("2026-03", "2026-04"))
    assert plans["a"].columns == ["x", "y"]
