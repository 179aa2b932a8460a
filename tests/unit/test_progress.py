"""Progress output: bars on a terminal, silence with --quiet, JSON lines for log collectors."""

import io
import json

from governance.progress import Output, Progress, auto_mode


def test_quiet_mode_prints_nothing() -> None:
    s = io.StringIO()
    with Progress("quiet", s).task("work", total=3) as t:
        t.advance(3)
    assert s.getvalue() == ""


def test_json_mode_emits_start_progress_finish_events() -> None:
    s = io.StringIO()
    with Progress("json", s).task("scan", total=2) as t:
        t.advance()
        t.advance()
    events = [json.loads(line)["event"] for line in s.getvalue().splitlines()]
    assert events == ["start", "progress", "progress", "finish"]


def test_plain_mode_for_logs_has_no_carriage_returns() -> None:
    s = io.StringIO()
    with Progress("plain", s).task("scan", total=2) as t:
        t.advance(2)
    assert "\r" not in s.getvalue() and "done 2/2" in s.getvalue()


def test_auto_mode_follows_the_stream() -> None:
    assert auto_mode(stream=io.StringIO()) == "plain"
    assert auto_mode(quiet=True) == "quiet"
    assert auto_mode(log_json=True, quiet=True) == "json"


def test_output_table_aligns_columns() -> None:
    s = io.StringIO()
    Output(s).table([{"a": 1, "bb": "x"}, {"a": 22, "bb": None}])
    lines = s.getvalue().splitlines()
    assert lines[0] == "a   bb" and lines[3].rstrip() == "22"
