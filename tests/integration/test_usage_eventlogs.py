"""Ingesting Spark event logs produced for real by classic local Spark (see tests/fixtures/eventlogs.py).

Each test gets its own system folder inside the shared generated lake (``lake.system_dir``),
so usage tables never leak between tests while the logs keep naming the real table paths.
Logs that cannot be produced here (a Delta scan on a cluster, an older Spark) are hand-written
or hand-modified, and named as such.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import zstandard

from governance.config import Settings
from governance.maintenance import DeltaRsMaintenance
from retention.usage.ingest import IngestResult, ingest
from retention.usage.sources.codecs import decode
from retention.usage.sources.spark_eventlog import SparkEventLogSource
from retention.usage.store import read_usage
from tests.fixtures.eventlogs import RealEventLogs

APPS = ["bank-etl", "bank-bi", "bank-risk", "bank-adhoc", "lakewarden-classify"]


def _settings(lake: Path, name: str) -> Settings:
    return Settings.model_validate({"lake": {"root": str(lake), "system_dir": f"_lw_{name}"}})


def _run(spark: Any, settings: Settings, *paths: Path, **kw: Any) -> IngestResult:
    return ingest(spark, settings, [SparkEventLogSource(str(p)) for p in paths], maintenance=DeltaRsMaintenance(), **kw)


def _rows(spark: Any, settings: Settings) -> list[dict[str, Any]]:
    df = read_usage(spark, settings)
    return [] if df is None else [r.asDict() for r in df.collect()]


def _part_bytes(lake: Path, table: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in DeltaRsMaintenance().files(str(lake / table)):
        key = "/".join(f"{k}={v}" for k, v in f.partition_values.items())
        out[key] = out.get(key, 0) + f.size_bytes
    return out


@pytest.fixture()
def settings(real_eventlogs: RealEventLogs, request: pytest.FixtureRequest) -> Settings:
    s = _settings(real_eventlogs.lake, request.node.name.replace("[", "_").replace("]", ""))
    shutil.rmtree(s.system_root, ignore_errors=True)  # left over by an interrupted run
    yield s
    shutil.rmtree(s.system_root, ignore_errors=True)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_ingest_real_logs_records_bytes_of_the_files_each_scan_selected(
        spark: Any, real_eventlogs: RealEventLogs, settings: Settings, where: str, request: pytest.FixtureRequest) -> None:
    logs: Any = real_eventlogs.logs
    if where == "s3":  # the same logs read from a bucket (a real MinIO server)
        logs = request.getfixturevalue("s3").upload(real_eventlogs.logs)
    result = _run(spark, settings, logs)
    [src] = result.sources
    assert src.stats is not None and src.stats.files == 5 and src.stats.malformed == 0 and src.stats.corrupt_files == []
    assert src.stats.versions == {"4.2.0": 5}
    rows = _rows(spark, settings)
    lake = real_eventlogs.lake
    pay, cust = _part_bytes(lake, "payments"), _part_bytes(lake, "customers")[""]
    got = sorted(
        (r["app_name"], r["table"], tuple(r["partitions"] or ["*"]), tuple(r["columns"] or []), r["bytes_read"], r["bytes_source"], r["kind"])
        for r in rows
    )
    want = sorted(
        [
            ("bank-etl", "customers", ("*",), ("id", "name"), cust, "metric", "business"),
            ("bank-etl", "payments", ("country=FR",), ("id", "amount", "country"), pay["country=FR"], "metric", "business"),
            ("bank-etl", "payments", ("country=DE",), (), pay["country=DE"], "metric", "business"),
            ("bank-bi", "payments", ("*",), ("amount", "country"), sum(pay.values()), "metric", "business"),
            ("bank-bi", "legacy", ("*",), ("id",), real_eventlogs.legacy_bytes, "metric", "business"),
            ("bank-risk", "payments", ("country=IT", "country=NL"), ("iban", "country"), pay["country=IT"] + pay["country=NL"], "metric", "business"),
            ("bank-adhoc", "customers", ("*",), ("balance",), cust, "metric", "business"),
            ("lakewarden-classify", "customers", ("*",), ("email",), cust, "metric", "governance"),
        ]
    )
    assert got == want
    assert all(r["user"] and r["app_id"].startswith("local-") and r["spark_version"] == "4.2.0" for r in rows)


def test_ingest_counts_reads_outside_the_lake_not_delta_and_of_deleted_tables(spark: Any, real_eventlogs: RealEventLogs, settings: Settings) -> None:
    [src] = _run(spark, settings, real_eventlogs.app("bank-bi")).sources
    assert src.by_status == {"present": 1, "missing": 1, "outside_lake": 1, "not_delta": 1}
    assert src.examples["outside_lake"] == [str(real_eventlogs.outside)]
    assert src.examples["not_delta"] == [str(real_eventlogs.lake / "raw_parquet")]
    assert src.missing_tables == ["legacy"]
    legacy = [r for r in _rows(spark, settings) if r["table"] == "legacy"]
    assert [r["table_status"] for r in legacy] == ["missing"]


def test_reingesting_the_same_logs_changes_nothing(spark: Any, real_eventlogs: RealEventLogs, settings: Settings) -> None:
    first = _run(spark, settings, real_eventlogs.logs)
    before = sorted(r["read_id"] for r in _rows(spark, settings))
    again = _run(spark, settings, real_eventlogs.logs)
    forced = _run(spark, settings, real_eventlogs.logs, full=True)
    assert first.reads_new == 8 and len(before) == 8
    assert again.reads_new == 0 and again.sources[0].files_read == 0 and again.sources[0].files_skipped_unchanged == 5
    assert forced.reads_new == 0 and forced.sources[0].files_read == 5 and forced.sources[0].reads_already_ingested == 8
    assert sorted(r["read_id"] for r in _rows(spark, settings)) == before


def test_ingest_reads_only_new_logs_the_second_time(spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(real_eventlogs.app("bank-etl"), logs / "bank-etl")
    _run(spark, settings, logs)
    shutil.copytree(real_eventlogs.app("bank-risk"), logs / "bank-risk")
    [src] = _run(spark, settings, logs).sources
    assert (src.files_read, src.files_skipped_unchanged, src.reads_new) == (1, 1, 1)


def test_ingest_empty_folder_says_there_is_nothing_to_ingest(spark: Any, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    [src] = _run(spark, settings, tmp_path / "empty").sources
    assert src.files_found == 0 and src.reads_new == 0
    assert src.messages == [f"no spark_eventlog files found under {tmp_path / 'empty'}: nothing to ingest"]


def test_ingest_corrupt_compressed_logs_are_counted_and_the_rest_ingested(spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(real_eventlogs.app("bank-etl"), logs / "bank-etl")
    for app in ("bank-risk", "bank-bi"):  # snappy single file, zstd rolling part
        shutil.copytree(real_eventlogs.app(app), logs / app)
    for p in [*(logs / "bank-risk").glob("*.snappy"), *(logs / "bank-bi").glob("*/events_*.zstd")]:
        data = p.read_bytes()
        p.write_bytes(data[: len(data) * 2 // 3])
    [src] = _run(spark, settings, logs).sources
    assert src.stats is not None and len(src.stats.corrupt_files) == 2
    assert any("truncated zstd" in m for m in src.stats.messages) and any("snappy" in m for m in src.stats.messages)
    apps = {r["app_name"] for r in _rows(spark, settings)}
    assert "bank-etl" in apps
    # a corrupt file is not marked as ingested: it is read again next time
    assert _run(spark, settings, logs).sources[0].files_read == 2


def test_ingest_truncated_and_malformed_lines_are_counted_and_skipped(spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path) -> None:
    [src_log] = list(real_eventlogs.app("bank-etl").iterdir())
    lines = src_log.read_text().splitlines()
    damaged = tmp_path / "logs" / (src_log.name + ".inprogress")
    damaged.parent.mkdir()
    damaged.write_text("\n".join(lines[:3] + ["not json at all", '{"Event":"SparkListenerTaskEnd","Task'] + lines[3:]) + "\n" + lines[10][:40])
    [src] = _run(spark, settings, damaged.parent).sources
    assert src.stats is not None and (src.stats.malformed, src.stats.truncated) == (2, 1)
    assert src.reads_new == 3


def test_log_from_older_spark_version_is_parsed_and_named(spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path) -> None:
    # Hand-modified from a real 4.2.0 log into the shape Spark 2.4/3.0 wrote: another version,
    # no rootExecutionId/jobTags/queryId, and file indexes printed without the "(n paths)" count.
    [src_log] = list(real_eventlogs.app("bank-etl").iterdir())
    out = []
    for line in src_log.read_text().splitlines():
        e = json.loads(line)
        for k in ("rootExecutionId", "jobTags", "queryId", "modifiedConfigs", "jobGroupId"):
            e.pop(k, None)
        text = json.dumps(e, separators=(",", ":")).replace('"Spark Version":"4.2.0"', '"Spark Version":"2.4.8"')
        out.append(text.replace("InMemoryFileIndex(1 paths)[", "InMemoryFileIndex["))
    old = tmp_path / "logs" / "app-20190101000000-0001"
    old.parent.mkdir()
    old.write_text("\n".join(out) + "\n")
    [src] = _run(spark, settings, old.parent).sources
    assert src.stats is not None and src.stats.versions == {"2.4.8": 1}
    assert any("Spark 2.4.8" in m for m in src.stats.messages)
    assert src.reads_new == 3


def test_log_with_unrecognized_plan_format_is_reported(spark: Any, settings: Settings, tmp_path: Path) -> None:
    # Hand-written: a "future" Spark whose plan nodes list metadata before children.
    node = {"nodeName": "Scan parquet", "simpleString": "FileScan", "metadata": {"Location": "InMemoryFileIndex(1 paths)[file:/x]"}, "children": [], "metrics": []}
    lines = [
        {"Event": "SparkListenerLogStart", "Spark Version": "9.0.0"},
        {"Event": "SparkListenerApplicationStart", "App Name": "future", "App ID": "app-9", "Timestamp": 1, "User": "u"},
        {"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart", "executionId": 0, "time": 1, "sparkPlanInfo": node},
        {"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd", "executionId": 0, "time": 2},
    ]
    log = tmp_path / "logs" / "app-9"
    log.parent.mkdir()
    log.write_text("\n".join(json.dumps(x, separators=(",", ":")) for x in lines) + "\n")
    [src] = _run(spark, settings, log.parent).sources
    assert src.reads_found == 0
    assert src.stats is not None and any("no file scan found" in m and "Spark 9.0.0" in m for m in src.stats.messages)


def test_rolling_log_split_over_parts_with_mixed_codecs_is_read_as_one_application(spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path) -> None:
    # Hand-made from the real bank-bi rolling log: its events split over two parts, like a
    # long application whose log rolled over (the SQL start and its metrics land in different parts).
    [folder] = list(real_eventlogs.app("bank-bi").iterdir())
    [part] = list(folder.glob("events_1_*.zstd"))
    with part.open("rb") as fh:
        text = b"".join(decode(fh, "zstd", name=str(part)))
    lines = text.splitlines(keepends=True)
    cut = next(i for i, l in enumerate(lines) if b"DriverAccumUpdates" in l)
    app = folder.name[len("eventlog_v2_"):]
    dst = tmp_path / "logs" / folder.name
    dst.mkdir(parents=True)
    (dst / f"events_1_{app}").write_bytes(b"".join(lines[:cut]))
    (dst / f"events_2_{app}.zstd").write_bytes(zstandard.ZstdCompressor().compress(b"".join(lines[cut:])))
    (dst / f"appstatus_{app}").write_bytes(b"")
    [src] = _run(spark, settings, dst).sources
    assert src.files_read == 2 and src.by_status["present"] == 1 and src.reads_new == 2


DELTA_LOG = """\
{"Event":"SparkListenerLogStart","Spark Version":"3.5.1"}
{"Event":"SparkListenerApplicationStart","App Name":"nightly-risk","App ID":"application_1700000000000_0042","Timestamp":1764300000000,"User":"svc-risk"}
{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart","executionId":7,"description":"collect","details":"","physicalPlanDescription":"== Physical Plan ==","sparkPlanInfo":{"nodeName":"AdaptiveSparkPlan","simpleString":"AdaptiveSparkPlan isFinalPlan=false","children":[{"nodeName":"Project","simpleString":"Project [iban#1]","children":[{"nodeName":"Scan parquet ","simpleString":"FileScan parquet [iban#1,country#4] Batched: true, DataFilters: [], Format: Parquet, Location: PreparedDeltaFileIndex(1 paths)[s3a://bank-lake/prod/payments], PartitionFilters: [isnotnull(country#4), (country#4 = NL)], PushedFilters: [], ReadSchema: struct<iban:string>","children":[],"metadata":{"Format":"Parquet","Batched":"true","PartitionFilters":"[isnotnull(country#4), (country#4 = NL)]","Location":"PreparedDeltaFileIndex(1 paths)[s3a://bank-lake/prod/payments]","ReadSchema":"struct<iban:string>","PushedFilters":"[]","DataFilters":"[]"},"metrics":[{"name":"number of files read","accumulatorId":301,"metricType":"sum"},{"name":"size of files read","accumulatorId":303,"metricType":"size"},{"name":"number of output rows","accumulatorId":300,"metricType":"sum"}]}],"metadata":{},"metrics":[]}],"metadata":{},"metrics":[]},"time":1764300100000}
{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate","executionId":7,"physicalPlanDescription":"== Physical Plan ==","sparkPlanInfo":{"nodeName":"AdaptiveSparkPlan","simpleString":"AdaptiveSparkPlan isFinalPlan=true","children":[{"nodeName":"Scan parquet ","simpleString":"FileScan parquet [iban#1,country#4] Batched: true, Location: PreparedDeltaFileIndex(1 paths)[s3a://bank-lake/prod/payments], ReadSchema: struct<iban:string>","children":[],"metadata":{"Format":"Parquet","PartitionFilters":"[isnotnull(country#4), (country#4 = NL)]","Location":"PreparedDeltaFileIndex(1 paths)[s3a://bank-lake/prod/payments]","ReadSchema":"struct<iban:string>"},"metrics":[{"name":"number of files read","accumulatorId":301,"metricType":"sum"},{"name":"size of files read","accumulatorId":303,"metricType":"size"}]}],"metadata":{},"metrics":[]}}
{"Event":"org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates","executionId":7,"accumUpdates":[[301,1],[303,__BYTES__]]}
{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd","executionId":7,"time":1764300160000}
{"Event":"SparkListenerApplicationEnd","Timestamp":1764300200000}
"""


def test_hand_written_delta_scan_on_a_cluster_maps_through_a_path_alias(spark: Any, real_eventlogs: RealEventLogs, settings: Settings, tmp_path: Path) -> None:
    # Hand-written (cannot be produced here: delta-spark on a YARN cluster reading S3), modelled on
    # Spark's documented event format: PreparedDeltaFileIndex location, AQE re-plan, driver metrics.
    nl = _part_bytes(real_eventlogs.lake, "payments")["country=NL"]
    log = tmp_path / "logs" / "application_1700000000000_0042_1"
    log.parent.mkdir()
    log.write_text(DELTA_LOG.replace("__BYTES__", str(nl)))
    result = _run(spark, settings, log.parent, aliases=[("s3://bank-lake/prod", str(real_eventlogs.lake))])
    assert result.reads_new == 1
    [row] = _rows(spark, settings)
    assert (row["table"], row["partitions"], row["columns"], row["bytes_read"]) == ("payments", ["country=NL"], ["iban", "country"], nl)
    assert (row["app_id"], row["user"], row["spark_version"]) == ("application_1700000000000_0042", "svc-risk", "3.5.1")
