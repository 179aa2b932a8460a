"""Table-changing commands on tables another process keeps appending to (as ingestion does).

The other writer is a separate process appending 50-row batches through delta-rs every 50 ms
(``tests/fixtures/appender.py``). Each command must succeed, and every row the other writer
committed must still be there afterwards, on both engines.
"""

from __future__ import annotations

import base64
import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from governance.errors import RowCountMismatchError
from governance.safe_write import Expectation, safe_write
from tests.fixtures.appender import Appender, people_lake
from tests.fixtures.delta_features import run_cli
from tests.fixtures.lake_scan import grep_lake

pytestmark = pytest.mark.both_engines
REPO = Path(__file__).resolve().parents[2]

ROWS = 20_000
@pytest.fixture
def lake(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = people_lake(spark, tmp_path, ROWS)
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    return cfg


@pytest.fixture
def appender(tmp_path: Path) -> Any:
    """Start an appender process on a table; every one started is stopped at teardown, pass or fail."""
    started: list[Appender] = []

    def start(table: str) -> Appender:
        app = Appender(table, tmp_path)
        started.append(app)
        app.wait_for_commits(2)
        return app

    yield start
    for app in started:
        if app.proc.poll() is None:
            app.stop_file.touch()
            try:
                app.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                app.proc.kill()


def _ids(spark: Any, path: Path, version: int | None = None) -> list[int]:
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return [r[0] for r in reader.load(str(path)).select("id").collect()]


def _every_appended_row_survived(spark: Any, table: Path, appended: list[int], fails: list[str]) -> list[int]:
    ids = _ids(spark, table)
    assert len(ids) == len(set(ids)), "a row is there twice"
    missing = sorted(set(appended) - set(ids))
    assert not missing, f"{len(missing)} appended row(s) lost, e.g. {missing[:5]}"
    assert not fails, f"the other writer's appends failed: {fails[:3]}"
    return ids


def test_protect_with_an_appender_protects_every_row_it_covered_and_loses_none(
        spark: Any, appender: Any, lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = lake.parent / "lake" / "people"
    app = appender(str(table))
    rc, out, err = run_cli(capsys, lake, "protect", "people", "--apply")
    assert rc == 0, err + out
    app.wait_for_commits(2)  # the other writer keeps going after protect returns
    rows = spark.read.format("delta").load(str(table)).collect()
    original = [r for r in rows if r["id"] < ROWS]
    assert len(original) == ROWS and all(r["email"].startswith("lw1:") and r["ssn"].startswith("lw1:") for r in original)
    # rows appended while protect ran are protected too (catch-up); only those committed after
    # the version protect names as covered may still be plaintext
    m = re.search(r"every row through version (\d+) is protected", out)
    assert m, out
    covered = set(_ids(spark, table, int(m.group(1))))
    late = [r["id"] for r in rows if r["id"] in covered and not r["email"].startswith("lw1:")]
    assert not late, f"{len(late)} appended row(s) protect covered are still plaintext"
    assert any(i >= 10_000_000 for i in covered), "no appended row was covered: the test did not race"
    # again with --purge-history while the other writer keeps appending: its files are kept, and
    # no file holds the plaintext of the rows protect rewrote
    rc, out, err = run_cli(capsys, lake, "protect", "people", "--apply", "--purge-history")
    assert rc == 0, err + out
    app.wait_for_commits(2)
    appended, fails = app.stop()
    _every_appended_row_survived(spark, table, appended, fails)
    assert not grep_lake(table, ["person17@example.com", "person19999@example.com"])


def test_retention_apply_with_an_appender_deletes_only_due_rows_and_keeps_every_append(
        spark: Any, appender: Any, lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = lake.parent / "lake" / "people"
    due = spark.read.format("delta").load(str(table)).where("joined < date_sub(current_date(), 1825)").count()
    assert due > 0
    app = appender(str(table))
    rc, out, err = run_cli(capsys, lake, "retention", "apply", "--apply")
    app.wait_for_commits(2)
    appended, fails = app.stop()
    assert rc == 0, err + out
    ids = _every_appended_row_survived(spark, table, appended, fails)
    assert len([i for i in ids if i < ROWS]) == ROWS - due


def test_a_failed_check_is_undone_by_its_own_commit_and_keeps_other_writers_rows(spark: Any, appender: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    spark.sql("SELECT id, concat('n', id) AS email FROM range(1000)").write.format("delta").save(path)
    app = appender(path)
    df = spark.sql("SELECT id + 5000000 AS id, concat('m', id) AS email FROM range(10)")
    with pytest.raises(RowCountMismatchError, match=r"undone by commit \d+ \(other writers' commits were kept\)") as exc:
        safe_write(spark, df, path, mode="append", expect=Expectation(rows=11))  # a wrong expectation: the check fails
    assert "restore" not in str(exc.value).lower()
    app.wait_for_commits(2)
    appended, fails = app.stop()
    ids = _every_appended_row_survived(spark, Path(path), appended, fails)
    assert not [i for i in ids if 5_000_000 <= i < 5_000_010], "the failed write's rows are still there"
    assert len([i for i in ids if i < 1000]) == 1000


def test_keys_reencrypt_with_an_appender_rekeys_what_it_read_and_keeps_every_append(
        spark: Any, appender: Any, lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = lake.parent / "lake" / "people"
    rc, out, err = run_cli(capsys, lake, "protect", "people", "--apply")
    assert rc == 0, err + out
    old = {r["id"]: r["email"] for r in spark.read.format("delta").load(str(table)).collect()}
    rc, out, err = run_cli(capsys, lake, "keys", "rotate", "pii")
    assert rc == 0, err + out
    app = appender(str(table))
    rc, out, err = run_cli(capsys, lake, "keys", "reencrypt", "people", "--apply")
    assert rc == 0, err + out
    app.wait_for_commits(2)
    appended, fails = app.stop()
    _every_appended_row_survived(spark, table, appended, fails)
    now = {r["id"]: r["email"] for r in spark.read.format("delta").load(str(table)).collect()}
    rekeyed = [i for i in old if now[i] != old[i] and now[i].startswith("lw1:tok:pii.2")]
    assert len(rekeyed) == len(old), f"{len(old) - len(rekeyed)} token(s) not moved to the new key"


def test_erase_run_with_an_appender_removes_the_subject_and_keeps_every_append(
        spark: Any, appender: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_erase_e2e import NEEDLES, build_lake, make_runner, new_request

    elake = build_lake(spark, tmp_path, monkeypatch)
    customers = Path(elake.tables["customers"])
    app = appender(str(customers))
    runner, provider = make_runner(spark, elake)
    out = runner.run(new_request(elake, runner, provider), apply=True)
    app.wait_for_commits(2)
    appended, fails = app.stop()
    assert out.request.state == "done"
    assert out.request.progress["tables"]["customers"]["rows_removed"] == 1
    ids = [r[0] for r in spark.read.format("delta").load(str(customers)).select("customer_id").collect()]
    assert not fails, fails
    assert not set(appended) - set(ids), "appended rows were lost"
    assert grep_lake(elake.root, NEEDLES) == []


# -- kill -9 while another writer appends -------------------------------------------------------

def _cli_process(cfg: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "jobs.cli", "--config", str(cfg), "--quiet", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_after(proc: subprocess.Popen[str], delay: float) -> str:
    """kill -9 ``proc`` after ``delay`` seconds (or let it finish first); says which happened."""
    try:
        proc.wait(timeout=delay)
        return f"finished (exit {proc.returncode}) before the kill at {delay:.1f}s"
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return f"killed at {delay:.1f}s"


@pytest.mark.parametrize("command", ["protect", "retention", "erase"])
def test_kill_9_while_another_writer_appends_loses_no_row_and_the_rerun_finishes_clean(
        spark: Any, appender: Any, lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    table = lake.parent / "lake" / "people"
    seed = int.from_bytes(os.urandom(2), "big")
    delay = random.Random(seed).uniform(0.7, 1.8)
    before = {r["id"]: r for r in spark.read.format("delta").load(str(table)).collect()}
    due = {i for i, r in before.items() if (date.today() - r["joined"]).days > 1825}
    args = {"protect": ["protect", "people", "--apply", "--purge-history"],
            "retention": ["retention", "apply", "--apply"]}.get(command)
    if command == "erase":
        rc, out, err = run_cli(capsys, lake, "erase", "request", "--subject", "EMAIL_ADDRESS=person17@example.com")
        assert rc == 0, err
        args = ["erase", "run", out.split()[-1], "--apply"]
    assert args is not None
    # the dry run of the same command (engine start, read, plan) sets the scale of the kill point:
    # somewhere from the plan to past the commit and the purge
    t0 = time.monotonic()
    dry = _cli_process(lake, *[a for a in args if a != "--apply" and a != "--purge-history"])
    assert dry.wait(timeout=600) == 0, dry.stderr.read() if dry.stderr else ""
    delay *= time.monotonic() - t0
    app = appender(str(table))
    what = _kill_after(_cli_process(lake, *args), delay)
    print(f"kill test {command}: seed {seed}, {what}", file=sys.__stderr__)
    rc, out, err = run_cli(capsys, lake, *args)  # the rerun, while the other writer still appends
    assert rc == 0, f"seed {seed}, {what}: {err}{out}"
    app.wait_for_commits(2)
    appended, fails = app.stop()
    ids = _every_appended_row_survived(spark, table, appended, fails)
    after = {r["id"]: r for r in spark.read.format("delta").load(str(table)).collect()}
    gone = {"protect": set(), "retention": due, "erase": {17}}[command]
    assert {i for i in ids if i < ROWS} == set(before) - gone, f"seed {seed}, {what}: original rows lost or not removed"
    if command == "protect":
        assert all(after[i]["email"].startswith("lw1:") for i in before), f"seed {seed}, {what}: plaintext left"
        assert not grep_lake(table, ["person17@example.com", "person19999@example.com"]), f"seed {seed}, {what}"
    if command == "erase":
        assert not grep_lake(table, ["person17@example.com"]), f"seed {seed}, {what}"
