"""The audit chain's head anchored outside the lake: deletion, truncation and a rewritten head are found.

Both providers: the local one (an Ed25519-signed file outside the lake) and the key server (KV v2 on
the session's OpenBao, written with each job's own AppRole).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path
import pytest

from governance.audit import AuditEntry, AuditLog, JsonlAuditSink, make_sink
from governance.audit_anchor import LocalSignedAnchor, VaultKVAnchor, make_anchor
from governance.config import Settings, load_settings
from governance.errors import AuditIntegrityError, ConfigError
from tests.fixtures.openbao import VaultLake


@pytest.fixture(params=["local", "vault"])
def lake(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    if request.param == "vault":
        vault_lake: VaultLake = request.getfixturevalue("vault_lake")
        return vault_lake.settings
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {tmp_path / 'lake'}\naudit:\n  sink: jsonl\n  anchor_dir: {tmp_path / 'anchors'}\n"
                   "keys:\n  provider: local\n", encoding="utf-8")
    return load_settings(cfg, environ={})


def _log(settings: Settings, job: str = "protect") -> AuditLog:
    return AuditLog(make_sink(settings), job=job, anchor=make_anchor(settings, job=job))


def _written(settings: Settings, n: int = 4) -> AuditLog:
    log = _log(settings)
    for i in range(n):
        log.append(action="protect", table=f"t{i}", counts={"rows": i})
    return log


def test_an_intact_log_matches_its_anchor(lake: Settings) -> None:
    log = _written(lake)
    assert log.verify().ok
    assert log.anchor is not None and log.anchor.read() is not None and log.anchor.read().seq == 4  # type: ignore[union-attr]
    assert isinstance(log.anchor, VaultKVAnchor if lake.keys.provider == "vault" else LocalSignedAnchor)
    assert str(lake.lake.root) not in log.anchor.location  # kept apart from the lake


def test_a_deleted_log_is_detected(lake: Settings) -> None:
    _written(lake)
    Path(lake.audit_path).unlink()
    report = _log(lake, "audit").verify()
    assert not report.ok and "the log was deleted" in report.problems[0] and "records 4 entries" in report.problems[0]


def test_a_removed_tail_is_detected(lake: Settings) -> None:
    _written(lake)
    p = Path(lake.audit_path)
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # the chain of #1..#2 is still valid by itself
    report = _log(lake, "audit").verify()
    assert report.problems == [report.problems[0]] and "#3..#4 were removed from the end" in report.problems[0]


def test_a_rewritten_head_with_a_recomputed_hash_is_detected(lake: Settings) -> None:
    _written(lake)
    p = Path(lake.audit_path)
    lines = p.read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    last["counts"] = {"rows": 999}
    forged = AuditEntry(**{**last, "hash": ""})
    last["hash"] = forged.compute_hash()  # a valid chain: only the anchor can tell
    p.write_text("\n".join(lines[:-1] + [json.dumps(last, sort_keys=True)]) + "\n", encoding="utf-8")
    report = _log(lake, "audit").verify()
    assert len(report.problems) == 1 and "entry #4 was rewritten" in report.problems[0]


def test_a_missing_anchor_is_detected(lake: Settings, request: pytest.FixtureRequest) -> None:
    log = _written(lake)
    if isinstance(log.anchor, LocalSignedAnchor):
        log.anchor.path.unlink()
    else:
        import hvac

        assert isinstance(log.anchor, VaultKVAnchor)
        admin = hvac.Client(url=lake.keys.vault.url, token=request.getfixturevalue("openbao").root_token)
        admin.secrets.kv.v2.delete_metadata_and_all_versions(path=log.anchor._path, mount_point=lake.keys.vault.audit_kv_mount)
    report = _log(lake, "audit").verify()
    assert len(report.problems) == 1 and "anchor is missing" in report.problems[0]


def test_audit_verify_on_a_lake_with_no_log_exits_9_and_never_says_intact(
        lake: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import main

    cfg = tmp_path / "verify.yaml"
    cfg.write_text(f"audit:\n  sink: jsonl\n  anchor_dir: {lake.audit.anchor_dir}\n"
                   f"keys:\n  provider: {lake.keys.provider}\n  vault:\n    url: {lake.keys.vault.url}\n", encoding="utf-8")
    capsys.readouterr()
    rc = main(["--config", str(cfg), "--lake", str(tmp_path / "typo-lake"), "audit", "verify"])
    out, err = capsys.readouterr()
    assert rc == 9, out + err
    assert "intact" not in out and "no audit log" in out + err


def test_a_forged_local_anchor_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    s = Settings.model_validate({"lake": {"root": str(tmp_path / "lake")}, "audit": {"sink": "jsonl", "anchor_dir": str(tmp_path / "a")}})
    log = _written(s)
    assert isinstance(log.anchor, LocalSignedAnchor)
    doc = json.loads(log.anchor.path.read_text())
    doc["seq"] = 2  # hide entries #3..#4 by moving the anchor back
    log.anchor.path.write_text(json.dumps(doc))
    with pytest.raises(AuditIntegrityError, match="was rewritten: its signature does not match"):
        log.verify()


def test_the_local_anchor_needs_the_master_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEWARDEN_MASTER_KEY", raising=False)
    s = Settings.model_validate({"lake": {"root": str(tmp_path / "lake")}, "audit": {"sink": "jsonl"}})
    with pytest.raises(ConfigError, match=r"\$LAKEWARDEN_MASTER_KEY"):
        make_anchor(s, job="classify")


def test_a_deleted_delta_audit_table_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    s = Settings.model_validate({"lake": {"root": str(tmp_path / "lake")}, "audit": {"anchor_dir": str(tmp_path / "a")}})
    _written(s, 3)
    shutil.rmtree(s.audit_path)
    report = _log(s, "audit").verify()
    assert not report.ok and "the log was deleted" in report.problems[0]


def test_jsonl_sink_alone_still_reports_chain_breaks(tmp_path: Path) -> None:
    log = AuditLog(JsonlAuditSink(str(tmp_path / "a.jsonl")), job="t")
    for i in range(3):
        log.append(action="x", counts={"n": i})
    assert log.verify().ok and log.anchor is None
