"""The CLI: every command listed, errors as one line with the documented exit code."""

import subprocess
import sys
from pathlib import Path

import pytest

from jobs.cli import COMMANDS, build_parser, main

REPO = Path(__file__).parents[2]


def test_help_lists_every_registered_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("classify", "protect", "reveal", "keys", "usage", "retention", "erase", "report", "audit", "demo"):
        assert name in COMMANDS
        assert f"    {name}" in out, f"{name} missing from --help"
    assert "exit codes:" in out


def test_bad_config_is_one_line_with_exit_code_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("engine:\n  kind: warp\n")
    rc = main(["audit", "--config", str(cfg), "verify"])
    err = capsys.readouterr().err
    assert rc == 3
    assert err.count("\n") == 1 and f"{cfg}:2: engine.kind" in err and "Traceback" not in err


def test_broken_audit_chain_exits_9_and_names_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    cfg = tmp_path / "lw.yaml"
    audit = tmp_path / "audit.jsonl"
    cfg.write_text(f"lake:\n  root: {tmp_path}\naudit:\n  sink: jsonl\n  path: {audit}\n  anchor_dir: {tmp_path / 'anchors'}\n")
    capsys.readouterr()
    assert main(["audit", "--config", str(cfg), "verify"]) == 9  # no log yet: never "intact"
    assert "no audit log" in capsys.readouterr().out
    from governance.audit import AuditLog, JsonlAuditSink
    from governance.audit_anchor import make_anchor
    from governance.config import load_settings

    log = AuditLog(JsonlAuditSink(str(audit)), job="t", anchor=make_anchor(load_settings(cfg, environ={}), job="t"))
    for i in range(3):
        log.append(action="x", counts={"n": i})
    assert main(["audit", "--config", str(cfg), "verify"]) == 0
    lines = audit.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["action"] = "y"
    lines[1] = json.dumps(entry)
    audit.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["audit", "--config", str(cfg), "verify"]) == 9
    captured = capsys.readouterr()
    assert "entry #2" in captured.out and "audit chain broken" in captured.err


def test_console_script_runs_in_a_fresh_process() -> None:
    exe = Path(sys.executable).with_name("lakewarden")
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0 and "erase" in proc.stdout
