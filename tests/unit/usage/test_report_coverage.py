"""Utilization as a share: the stored-bytes intervals reads are measured against, and the weekly series."""

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from governance.maintenance import DeltaRsMaintenance
from retention.usage.report import _Commit, _intervals, _largest, _log_commits, _selection_history, _totals, _utilization_series

T0 = datetime(2026, 1, 1)


def test_intervals_cover_all_time_once_with_the_oldest_open_to_the_past() -> None:
    points = [(T0 + timedelta(days=2), 50), (T0 + timedelta(days=1), 80), (T0, 100)]
    assert _intervals(points) == [
        (None, T0 + timedelta(days=1), 100),
        (T0 + timedelta(days=1), T0 + timedelta(days=2), 80),
        (T0 + timedelta(days=2), None, 50),
    ]


def test_intervals_of_one_version_are_open_both_ways() -> None:
    assert _intervals([(T0, 7)]) == [(None, None, 7)]


def test_intervals_clamp_commit_times_that_go_backwards_so_none_overlap() -> None:
    got = _intervals([(T0 + timedelta(days=1), 3), (T0 - timedelta(days=1), 2), (T0, 1)])
    assert got == [(None, T0, 1), (T0, T0 + timedelta(days=1), 2), (T0 + timedelta(days=1), None, 3)]


def test_largest_is_the_max_known_coverage_zero_when_unread_and_none_when_nothing_is_stored() -> None:
    assert _largest([0.2, None, 1.0], stored=10) == 1.0
    assert _largest([], stored=10) == 0.0 and _largest([None], stored=10) == 0.0
    assert _largest([], stored=0) is None


def test_selection_history_follows_only_the_commits_that_changed_the_selection() -> None:
    commits = [  # newest first
        _Commit(T0 + timedelta(days=2), {"m=1": -40}),  # retention shrank m=1
        _Commit(T0 + timedelta(days=1), {"m=2": 30}),
        _Commit(T0, {"m=1": 100, "m=2": 50}),
    ]
    got = _selection_history(commits, {"m=1": 60, "m=2": 80}, ["m=1", "m=1\u0001m=2", "m=2"])
    assert got["m=1"] == [(T0 + timedelta(days=2), 60), (T0, 100)]
    assert got["m=2"] == [(T0 + timedelta(days=1), 80), (T0, 50)]
    assert got["m=1\u0001m=2"] == [(T0 + timedelta(days=2), 140), (T0 + timedelta(days=1), 180), (T0, 150)]


def test_selection_history_with_keys_that_do_not_match_keeps_the_current_bytes() -> None:
    commits = [_Commit(T0 + timedelta(days=1), {"flag=true": 10}), _Commit(T0, {"flag=true": 20})]
    assert _selection_history(commits, {"flag=True": 30}, ["flag=True"]) == {"flag=True": [(T0, 30)]}
    assert _selection_history(commits, {"flag=True": 30}, ["flag=true"]) == {"flag=true": [(T0, 0)]}


def test_log_commits_key_partition_bytes_like_the_mapper(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    data = pa.table({"id": list(range(400)), "month": ["2026-01", "2026-02"] * 200})
    write_deltalake(path, data, partition_by=["month"])
    DeltaTable(path).delete("month = '2026-01' AND id % 4 = 0")
    files = DeltaRsMaintenance().files(path)
    now = {m: sum(f.size_bytes for f in files if f.partition_values["month"] == m) for m in ("2026-01", "2026-02")}
    commits = _log_commits(path, partition_columns=["month"])
    assert len(commits) == 2 and set(commits[0].net) == {"month=2026-01"}
    hist = _selection_history(commits, {f"month={m}": b for m, b in now.items()}, ["month=2026-01", "month=2026-02"])
    assert hist["month=2026-02"] == [(commits[1].when, now["2026-02"])]
    (_, after), (_, before) = hist["month=2026-01"]
    assert after == now["2026-01"] < before
    assert _totals(commits, sum(now.values()))[1][1] == before + now["2026-02"]


def _day(path: str, day: date, nbytes: int, cover: float | None) -> dict[str, Any]:
    return {"table_path": path, "day": day, "bytes": nbytes, "cover": cover}


def test_weekly_utilization_weights_each_tables_largest_coverage_by_its_bytes_and_never_exceeds_one() -> None:
    start, now = T0, T0 + timedelta(days=14)
    history = {"/a": [(T0 + timedelta(days=3), 100), (T0 - timedelta(days=1), 400)], "/b": [(T0 - timedelta(days=1), 300)]}
    daily = [
        _day("/a", date(2026, 1, 2), 1200, 1.0),  # read three times in full before the shrink
        _day("/a", date(2026, 1, 5), 100, 1.0),
        _day("/b", date(2026, 1, 3), 150, 0.5),
        _day("/gone", date(2026, 1, 3), 999, None),  # a table no longer in the lake
    ]
    first, second = _utilization_series(daily, history, start, now)
    assert (first.bytes_read, first.bytes_stored) == (1200 + 100 + 150 + 999, 400)
    assert first.utilization == (1.0 * 100 + 0.5 * 300) / 400
    assert (second.bytes_read, second.utilization) == (0, 0.0)
