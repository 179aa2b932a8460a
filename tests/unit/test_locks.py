"""The per-table Lakewarden lock: waits for a live owner, breaks a dead one's, names the owner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from governance.config import Settings
from governance.errors import TableLockedError
from governance.locks import _lock_file, table_lock

REPO = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from governance.config import Settings
from governance.locks import table_lock
s = Settings.model_validate({"lake": {"root": sys.argv[1]}})
with table_lock(s, sys.argv[2], job="holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def _settings(tmp_path: Path) -> Settings:
    return Settings.model_validate({"lake": {"root": str(tmp_path / "lake")}})


def _hold(tmp_path: Path, table: str, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "lake"), table, str(seconds)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_live_owner_makes_the_second_job_wait_then_exit_75_naming_it(tmp_path: Path) -> None:
    table = str(tmp_path / "lake" / "people")
    holder = _hold(tmp_path, table, 30)
    try:
        with pytest.raises(TableLockedError, match=rf"job 'holder' \(pid {holder.pid} on .*\).*lake\.lock_wait_s") as exc:
            with table_lock(_settings(tmp_path), table, job="protect", wait_s=0.3):
                pass
        assert exc.value.exit_code == 75 and exc.value.transient
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_job_is_broken_and_taken(tmp_path: Path) -> None:
    table = str(tmp_path / "lake" / "people")
    holder = _hold(tmp_path, table, 30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert _lock_file(_settings(tmp_path), table).exists()  # kill -9 left it behind
    with table_lock(_settings(tmp_path), table, job="protect", wait_s=0) as me:
        assert me is not None and me.pid == os.getpid()
    assert not _lock_file(_settings(tmp_path), table).exists()


def test_a_lock_older_than_the_stale_limit_from_another_host_is_broken(tmp_path: Path) -> None:
    table = str(tmp_path / "lake" / "people")
    p = _lock_file(_settings(tmp_path), table)
    p.parent.mkdir(parents=True)
    # FAKE: an owner on another machine that died 7 hours ago (its pid cannot be checked from here)
    p.write_text(json.dumps({"job": "erase run r1", "table": table, "host": "elsewhere", "pid": 1, "started": time.time() - 7 * 3600}))
    with table_lock(_settings(tmp_path), table, job="protect", wait_s=0):
        assert json.loads(p.read_text())["job"] == "protect"


def test_a_recent_lock_from_another_host_is_respected(tmp_path: Path) -> None:
    table = str(tmp_path / "lake" / "people")
    p = _lock_file(_settings(tmp_path), table)
    p.parent.mkdir(parents=True)
    # FAKE: a live owner on another machine
    p.write_text(json.dumps({"job": "retention apply", "table": table, "host": "elsewhere", "pid": 1, "started": time.time()}))
    with pytest.raises(TableLockedError, match="retention apply"):
        with table_lock(_settings(tmp_path), table, job="protect", wait_s=0.1):
            pass
    assert json.loads(p.read_text())["host"] == "elsewhere"  # a live owner's lock is never removed


def test_the_holder_waits_out_and_the_second_job_then_runs(tmp_path: Path) -> None:
    table = str(tmp_path / "lake" / "people")
    holder = _hold(tmp_path, table, 1.0)
    start = time.monotonic()
    with table_lock(_settings(tmp_path), table, job="protect", wait_s=30):
        waited = time.monotonic() - start
    holder.wait()
    assert 0.3 < waited < 30
