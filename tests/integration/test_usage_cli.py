"""``lakewarden usage ingest`` and ``usage report`` end to end through the CLI (real event logs)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from jobs.cli import main
from tests.fixtures.eventlogs import RealEventLogs

pytestmark = pytest.mark.both_engines


@pytest.fixture()
def cli_env(real_eventlogs: RealEventLogs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("LAKEWARDEN_LAKE__SYSTEM_DIR", "_lw_cli")
    monkeypatch.setenv("LAKEWARDEN_AUDIT__SINK", "jsonl")
    monkeypatch.setenv("LAKEWARDEN_AUDIT__PATH", str(tmp_path / "audit.jsonl"))
    shutil.rmtree(real_eventlogs.lake / "_lw_cli", ignore_errors=True)
    yield real_eventlogs.lake
    shutil.rmtree(real_eventlogs.lake / "_lw_cli", ignore_errors=True)


def test_cli_ingest_then_report_writes_json_and_html(spark: Any, cli_env: Path, real_eventlogs: RealEventLogs, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake = str(cli_env)
    assert main(["--lake", lake, "--quiet", "usage", "ingest", "--event-logs", str(real_eventlogs.logs)]) == 0
    out = capsys.readouterr().out
    assert "8 new (1 governance)" in out and "outside the lake root" in out and "of tables no longer in the lake" in out
    assert main(["--lake", lake, "--quiet", "usage", "ingest", "--event-logs", str(real_eventlogs.logs)]) == 0
    assert "5 unchanged since the last ingest" in capsys.readouterr().out
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [a["action"] for a in audit] == ["usage.ingest", "usage.ingest"] and audit[0]["counts"]["reads_new"] == 8
    js, page = tmp_path / "usage.json", tmp_path / "usage.html"
    assert main(["--lake", lake, "--quiet", "usage", "report", "--window", "30d", "--json", str(js), "--html", str(page)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("SENSITIVE COLD DATA WITH NO RETENTION RULE")
    data = json.loads(js.read_text())
    assert {t["table"] for t in data["tables"]} == {"customers", "payments"}
    assert page.read_text().count("<svg") == 2


def test_cli_ingest_without_sources_is_a_usage_error(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lake", str(cli_env), "--quiet", "usage", "ingest"]) == 4
    assert "give --event-logs PATH" in capsys.readouterr().err


def test_cli_report_with_bad_window_exits_with_input_error(spark: Any, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lake", str(cli_env), "--quiet", "usage", "report", "--window", "soon"]) == 4
    assert "--window 'soon'" in capsys.readouterr().err


def test_cli_ingest_missing_event_log_path_exits_with_input_error(spark: Any, cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lake", str(cli_env), "--quiet", "usage", "ingest", "--event-logs", str(tmp_path / "nope")]) == 4
    assert "event log path does not exist" in capsys.readouterr().err
