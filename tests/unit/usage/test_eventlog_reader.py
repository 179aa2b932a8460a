"""The executor-side event-log reader and file discovery (plain Python, no Spark).

The log lines here are hand-written, modelled on Spark 4.2's JsonProtocol output (the real
logs produced by classic Spark are exercised in tests/integration/test_usage_eventlogs.py).
"""

import json
from pathlib import Path

import pytest
import zstandard

from governance.errors import InputError
from retention.usage.sources.spark_eventlog import discover_event_logs, read_event_lines

LOG_START = '{"Event":"SparkListenerLogStart","Spark Version":"4.2.0"}'
APP = '{"Event":"SparkListenerApplicationStart","App Name":"etl","App ID":"app-1","Timestamp":1,"User":"ana"}'
TASK = '{"Event":"SparkListenerTaskEnd","Stage ID":0,"Task Info":{"Task ID":1}}'
SQL_END = '{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd","executionId":0,"time":5}'


def _rows(path: Path, app: str = "app") -> list[tuple]:
    return [r for batch in read_event_lines(app, str(path)) for r in batch]


def _stat(rows: list[tuple]) -> dict:
    return json.loads([r for r in rows if r[2] == "stat"][0][5])


def test_reader_keeps_only_usage_events_and_counts_all_lines(tmp_path: Path) -> None:
    p = tmp_path / "app-1"
    p.write_text("\n".join([LOG_START, APP, TASK, TASK, SQL_END]) + "\n")
    rows = _rows(p)
    kinds = [r[3] for r in rows if r[2] == "line"]
    assert kinds == ["logstart", "app", "end"]
    s = _stat(rows)
    assert (s["lines"], s["events"], s["malformed"], s["truncated"], s["version"]) == (5, 5, 0, 0, "4.2.0")


def test_reader_counts_and_skips_malformed_lines(tmp_path: Path) -> None:
    p = tmp_path / "app-1"
    p.write_text("\n".join([LOG_START, "garbage", '{"Event":"SparkListenerTaskEnd", "cut', APP]) + "\n")
    rows = _rows(p)
    assert [r[3] for r in rows if r[2] == "line"] == ["logstart", "app"]
    assert _stat(rows)["malformed"] == 2


def test_reader_counts_truncated_last_line_of_log_in_progress(tmp_path: Path) -> None:
    p = tmp_path / "app-1.inprogress"
    p.write_text(LOG_START + "\n" + APP + "\n" + '{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart","executionId":3,"phys')
    s = _stat(_rows(p))
    assert s["truncated"] == 1 and s["lines"] == 3


def test_reader_reports_corrupt_zstd_file_and_keeps_lines_before_damage(tmp_path: Path) -> None:
    tasks = [TASK.replace('"Task ID":1', f'"Task ID":{i * 7919 % 100003}') for i in range(40000)]
    text = ("\n".join([LOG_START, APP] + tasks) + "\n").encode()
    data = zstandard.ZstdCompressor().compress(text)
    p = tmp_path / "app-1.zstd"
    p.write_bytes(data[: len(data) // 2])
    rows = _rows(p)
    s = _stat(rows)
    assert "truncated zstd" in s["error"]
    assert [r[3] for r in rows if r[2] == "line"][:2] == ["logstart", "app"]


def test_discover_groups_rolling_parts_by_application(tmp_path: Path) -> None:
    d = tmp_path / "eventlog_v2_app-7"
    d.mkdir()
    for n in (2, 1, 10):
        (d / f"events_{n}_app-7.zstd").write_bytes(b"")
    (d / "appstatus_app-7").write_bytes(b"")
    (d / ".appstatus_app-7.crc").write_bytes(b"")
    (tmp_path / "local-9.lz4.inprogress").write_bytes(b"")
    files, notes = discover_event_logs(str(tmp_path))
    rolling = [f for f in files if f.group == str(d)]
    assert [Path(f.path).name for f in rolling] == ["events_1_app-7.zstd", "events_2_app-7.zstd", "events_10_app-7.zstd"]
    assert all(f.complete for f in rolling)
    [single] = [f for f in files if f.group != str(d)]
    assert single.group == str(tmp_path / "local-9") and not single.complete
    assert notes == []


def test_discover_rolling_log_with_inprogress_status_is_incomplete(tmp_path: Path) -> None:
    d = tmp_path / "eventlog_v2_app-8"
    d.mkdir()
    (d / "events_1_app-8").write_text(LOG_START + "\n")
    (d / "appstatus_app-8.inprogress").write_bytes(b"")
    files, _ = discover_event_logs(str(tmp_path))
    assert [f.complete for f in files] == [False]


def test_discover_empty_folder_finds_nothing(tmp_path: Path) -> None:
    assert discover_event_logs(str(tmp_path)) == ([], [])


def test_discover_missing_path_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        discover_event_logs(str(tmp_path / "nope"))


def test_plan_rounds_bounds_round_size_without_splitting_an_application() -> None:
    from retention.usage.ingest import plan_rounds
    from retention.usage.sources.base import SourceFile

    files = [
        SourceFile("/l/a1", 60, 0, group="a"),
        SourceFile("/l/a2", 60, 0, group="a"),
        SourceFile("/l/b.zstd", 10, 0, group="b"),  # ~60 uncompressed
        SourceFile("/l/c", 30, 0, group="c"),
    ]
    rounds = plan_rounds(files, round_bytes=100)
    assert [[f.path for f in r] for r in rounds] == [["/l/a1", "/l/a2"], ["/l/b.zstd", "/l/c"]]


def test_reader_log_in_progress_ending_inside_a_zstd_frame_is_not_corrupt(tmp_path: Path) -> None:
    tasks = [TASK.replace('"Task ID":1', f'"Task ID":{i * 7919 % 100003}') for i in range(40000)]
    data = zstandard.ZstdCompressor().compress(("\n".join([LOG_START, APP] + tasks) + "\n").encode())
    p = tmp_path / "events_1_app-1.zstd"
    p.write_bytes(data[: len(data) // 2])
    rows = [r for batch in read_event_lines("app", str(p), complete=False) for r in batch]
    assert _stat(rows)["error"] is None
    assert [r[3] for r in rows if r[2] == "line"][:2] == ["logstart", "app"]
