"""The audit chain with several processes appending at once (two Lakewarden jobs on one lake)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from governance.audit import AuditLog, DeltaAuditSink, JsonlAuditSink

REPO = Path(__file__).resolve().parents[2]
APPENDER = """
import sys
from governance.audit import AuditLog, DeltaAuditSink, JsonlAuditSink
sink = (DeltaAuditSink if sys.argv[1] == "delta" else JsonlAuditSink)(sys.argv[2])
log = AuditLog(sink, job=sys.argv[3], actor="tester")
for i in range(int(sys.argv[4])):
    log.append(action="protect", table=f"t{i}", counts={"n": i})
"""


@pytest.mark.parametrize("sink", ["delta", "jsonl"])
def test_three_processes_appending_at_once_keep_one_valid_chain(tmp_path: Path, sink: str) -> None:
    where = str(tmp_path / ("audit" if sink == "delta" else "audit.jsonl"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, sink, where, f"job{j}", "15"], cwd=REPO, env=env,
                              stderr=subprocess.PIPE, text=True) for j in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    log = AuditLog(DeltaAuditSink(where) if sink == "delta" else JsonlAuditSink(where), job="check")
    entries = log.entries()
    assert len(entries) == 45
    assert [e.seq for e in sorted(entries, key=lambda e: e.seq)] == list(range(1, 46))
    assert {e.job for e in entries} == {"job0", "job1", "job2"}
    report = log.verify()
    assert report.ok, report
