"""Every command on a lake on S3 (a real MinIO server), with bucket versioning off and on, on both engines.

The same lifecycle runs on a local lake, so the S3 runs are compared with the path everything
else in the suite takes: classify the whole lake, protect with ``--purge-history``, reveal,
retention plan and apply, erase request/run/verify, audit verify. On S3 the plaintext checks
list every object *version* under the lake prefix (noncurrent ones too) and read each byte by
byte (``tests/fixtures/lake_scan.grep_versions``), independently of Lakewarden's own verification.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from governance import storage
from tests.fixtures.appender import PEOPLE_POLICY, Appender
from tests.fixtures.delta_features import run_cli
from tests.fixtures.lake_scan import grep_lake, grep_versions
from tests.fixtures.minio import Minio
from tests.fixtures.s3_logs import access_log_line

pytestmark = pytest.mark.both_engines

ROWS = 400
SUBJECT = "person17@example.com"
POLICY = PEOPLE_POLICY


def _write_lake(spark: Any, root: str) -> None:
    spark.sql(
        f"SELECT id, concat('person', id, '@example.com') AS email, "
        f"concat(lpad(cast(100 + id % 800 AS string), 3, '0'), '-', lpad(cast(id % 90 + 10 AS string), 2, '0'), '-', "
        f"lpad(cast(1000 + id % 9000 AS string), 4, '0')) AS ssn, "
        f"date_sub(current_date(), cast(id * 9 % 3650 AS int)) AS joined FROM range({ROWS})"
    ).repartition(2).write.format("delta").save(f"{root}/people")
    spark.sql(
        f"SELECT id AS note_id, concat('call back person', id, '@example.com about the card') AS note, "
        f"concat('person', id, '@example.com') AS contact FROM range({ROWS // 4})"
    ).coalesce(1).write.format("delta").save(f"{root}/notes")


def _config(tmp_path: Path, root: str, minio: Minio | None, **lake: Any) -> Path:
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    doc: dict[str, Any] = {"lake": {"root": root, **lake}, "keys": {"provider": "local"}, "policy": str(tmp_path / "policy.yaml"),
                           "audit": {"sink": "delta", "anchor_dir": str(tmp_path / "anchors")}}
    if minio is not None:
        doc["storage"] = minio.settings_overrides()
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(json.dumps(doc), encoding="utf-8")
    return cfg


@pytest.fixture(params=["local", "s3", "s3-versioned"])
def lake(request: pytest.FixtureRequest, spark: Any, tmp_path: Path) -> tuple[str, Path, Minio | None]:
    """(lake root, settings file, MinIO or None): a two-table lake on local disk, or on S3."""
    if request.param == "local":
        root = str(tmp_path / "lake")
        minio = None
    else:
        minio = request.getfixturevalue("s3")
        root = minio.lake(versioned=request.param == "s3-versioned")
    _write_lake(spark, root)
    return root, _config(tmp_path, root, minio), minio


def _plaintext(root: str, minio: Minio | None, needles: list[str]) -> list[str]:
    if minio is None:
        return grep_lake(Path(root), needles)
    found, read = grep_versions(minio.client(), root, needles)
    assert read > 0, f"no object version under {root}"
    return found


def _noncurrent(minio: Minio, prefix: str) -> list[str]:
    bucket, _, key = prefix[len("s3://"):].partition("/")
    out = []
    for page in minio.client().get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key.rstrip("/") + "/"):
        out += [f"{v['Key']} {v['VersionId']}" for v in page.get("Versions", []) if not v.get("IsLatest")]
        out += [f"{m['Key']} (delete marker)" for m in page.get("DeleteMarkers", [])]
    return out


def test_every_command_runs_on_the_lake_and_leaves_no_plaintext_in_any_object_version(
        spark: Any, lake: tuple[str, Path, Minio | None], capsys: pytest.CaptureFixture[str]) -> None:
    root, cfg, minio = lake
    people = f"{root}/people"

    rc, out, err = run_cli(capsys, cfg, "classify")  # the whole lake: its tables are listed from the store
    assert rc == 0, err + out
    assert "people" in out and "notes" in out, out

    rc, out, err = run_cli(capsys, cfg, "protect", "people", "--apply", "--purge-history")
    assert rc == 0, err + out
    rows = spark.read.format("delta").load(people).collect()
    assert len(rows) == ROWS and all(r["email"].startswith("lw1:") and r["ssn"].startswith("lw1:") for r in rows)
    assert not _plaintext(people, minio, ["person2@example.com", "person399@example.com", "102-12-1002"])
    if minio is not None and "versioned" in root.split("/")[2]:
        assert not _noncurrent(minio, people), "old versions of the protected table's files are still in the bucket"
        assert "noncurrent version" in out, out  # the command says it deleted them

    rc, out, err = run_cli(capsys, cfg, "classify", "notes")  # a named table
    assert rc == 0, err + out
    rc, out, err = run_cli(capsys, cfg, "review", "people", "email", "--confirm", "--by", "officer")
    assert rc == 0, err + out
    rc, out, err = run_cli(capsys, cfg, "keys", "rotate", "pii")
    assert rc == 0, err + out
    rc, out, err = run_cli(capsys, cfg, "keys", "reencrypt", "people", "--apply")
    assert rc == 0, err + out
    after = {r["id"]: r["email"] for r in spark.read.format("delta").load(people).collect()}
    assert len(after) == ROWS and all(v.startswith("lw1:") for v in after.values())
    assert after[2] != {r["id"]: r["email"] for r in rows}[2], "re-encryption did not change the token"

    rc, out, err = run_cli(capsys, cfg, "reveal", "people", "--columns", "email", "--also", "id",
                           "--where", "id = 2", "--reason", "s3 test", "--json")
    assert rc == 0, err + out
    assert json.loads(out.strip().splitlines()[0])["email"] == "person2@example.com"

    rc, out, err = run_cli(capsys, cfg, "retention", "plan")
    assert rc == 0, err + out
    rc, out, err = run_cli(capsys, cfg, "retention", "apply", "--apply")
    assert rc == 0, err + out
    due = [r for r in rows if (r["joined"] is not None) and (spark.sql("SELECT current_date() AS d").first()["d"] - r["joined"]).days > 1825]
    assert spark.read.format("delta").load(people).count() == ROWS - len(due)

    rc, out, err = run_cli(capsys, cfg, "erase", "request", "--subject", f"EMAIL_ADDRESS={SUBJECT}")
    assert rc == 0, err + out
    request_id = out.split()[-1]
    rc, out, err = run_cli(capsys, cfg, "erase", "run", request_id, "--apply")
    assert rc == 0, err + out
    notes = spark.read.format("delta").load(f"{root}/notes").collect()
    assert len(notes) == ROWS // 4 - 1 and all(SUBJECT not in (r["note"] + r["contact"]) for r in notes)
    assert not _plaintext(root, minio, [SUBJECT])
    if minio is not None and "versioned" in root.split("/")[2]:
        assert not [v for v in _noncurrent(minio, root) if "/notes/" in v or "/people/" in v]
    receipt = f"{root}/_lakewarden/erasure_receipts/{request_id}.json"
    rc, out, err = run_cli(capsys, cfg, "erase", "verify", receipt)
    assert rc == 0, err + out
    doc = json.loads(storage.storage_for(receipt).read_bytes(receipt))
    scanned = json.dumps(doc)
    assert ("versions" in scanned) == (minio is not None), "the receipt must say whether object versions were listed"

    if minio is not None:
        # usage: an access log in the bucket names the people table's files; ingest it into the S3 lake
        from datetime import datetime, timezone

        from governance.maintenance import DeltaRsMaintenance

        bucket = root.split("/")[2]
        when = datetime.now(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S")
        files = DeltaRsMaintenance().files(people)
        lines = [access_log_line(bucket, when, f"REQ{i}", "REST.GET.OBJECT", f.path[len(f"s3://{bucket}/"):], "200",
                                 str(f.size_bytes), "aws-sdk-java/2 spark") for i, f in enumerate(files)]
        log_dir = cfg.parent / "access-logs"
        log_dir.mkdir()
        (log_dir / "2026-12-01-00-00-00-ABC").write_text("\n".join(lines) + "\n", encoding="utf-8")
        rc, out, err = run_cli(capsys, cfg, "usage", "ingest", "--access-logs", minio.upload(log_dir))
        assert rc == 0, err + out
    report_json = cfg.parent / "usage.json"
    rc, out, err = run_cli(capsys, cfg, "usage", "report", "--window", "30d", "--json", str(report_json))
    assert rc == 0, err + out
    if minio is not None:
        tables = {t["table"]: t for t in json.loads(report_json.read_text(encoding="utf-8"))["tables"]}
        assert tables["people"]["reads"] == len(files) and tables["people"]["bytes_read"] == sum(f.size_bytes for f in files), tables["people"]
    html = cfg.parent / "report.html"
    rc, out, err = run_cli(capsys, cfg, "report", "--out", str(html))
    assert rc == 0, err + out
    assert "people" in html.read_text(encoding="utf-8")

    rc, out, err = run_cli(capsys, cfg, "audit", "verify")
    assert rc == 0, err + out


def test_two_appenders_and_protect_on_one_s3_table_lose_no_commit(
        spark: Any, s3: Minio, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = s3.lake(versioned=False)
    _write_lake(spark, root)
    cfg = _config(tmp_path, root, s3)
    table = f"{root}/people"
    first = Appender(table, tmp_path, every_ms=20, first_id=10_000_000)
    second = Appender(table, tmp_path, every_ms=20, first_id=20_000_000)
    try:
        first.wait_for_commits(3)
        rc, out, err = run_cli(capsys, cfg, "protect", "people", "--apply")  # Lakewarden's own If-None-Match commit
        assert rc == 0, err + out
        second.wait_for_commits(3)
    finally:
        a, fa = first.stop()
        b, fb = second.stop()
    assert not fa and not fb, (fa + fb)[:3]
    assert len(a) >= 150 and len(b) >= 150, "the appenders did not race"
    ids = [r[0] for r in spark.read.format("delta").load(table).select("id").collect()]
    assert len(ids) == len(set(ids)), "a row is there twice"
    missing = (set(a) | set(b) | set(range(ROWS))) - set(ids)
    assert not missing, f"{len(missing)} committed row(s) lost, e.g. {sorted(missing)[:5]}"


def test_an_engine_commit_without_put_if_absent_is_refused_before_anything_is_written(
        spark: Any, s3: Minio, engine_kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if engine_kind != "classic":
        pytest.skip("delta-spark's S3 LogStore (Sail commits with If-None-Match)")
    root = s3.lake(versioned=False)
    _write_lake(spark, root)
    table = f"{root}/people"
    # a CHECK constraint needs the engine's own writer, so Lakewarden cannot commit this rewrite itself
    spark.sql(f"ALTER TABLE delta.`{table}` ADD CONSTRAINT id_positive CHECK (id >= 0)")
    cfg = _config(tmp_path, root, s3)
    before = grep_versions(s3.client(), table, [])[1]
    rc, out, err = run_cli(capsys, cfg, "protect", "people", "--apply")
    assert rc in (5, 11), err + out
    assert "S3DynamoDBLogStore" in err and "nothing was written" in err, err
    assert grep_versions(s3.client(), table, [])[1] == before, "an object was written"
    assert spark.read.format("delta").load(table).where("email LIKE 'lw1:%'").count() == 0


@pytest.fixture
def without_version_deletes(s3: Minio, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A switch of Lakewarden's store clients to a role that may not delete object versions (True) and back."""
    def restricted(on: bool) -> None:
        if on:
            for k, v in s3.role_without("s3:DeleteObjectVersion").items():
                monkeypatch.setenv(k, v)
        else:
            monkeypatch.undo()
        storage.forget_clients()

    yield restricted
    restricted(False)


def test_purge_on_a_versioned_bucket_without_version_deletes_stops_and_says_what_is_left(
        spark: Any, s3: Minio, without_version_deletes: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = s3.lake(versioned=True)
    _write_lake(spark, root)
    cfg = _config(tmp_path, root, s3)
    without_version_deletes(True)
    rc, out, err = run_cli(capsys, cfg, "protect", "people", "--apply", "--purge-history")
    assert rc == 13, err + out
    assert "s3:DeleteObjectVersion" in err and "noncurrent version(s) still hold old bytes" in err, err
    assert "history purged" not in out.lower()
    # the old bytes are really still there, and the message did not hide them
    assert grep_versions(s3.client(), f"{root}/people", ["person2@example.com"])[0]
    assert _noncurrent(s3, f"{root}/people")

    # erasure the same way: the request is not closed and no receipt claims the subject is gone
    rc, out, err = run_cli(capsys, cfg, "erase", "request", "--subject", f"EMAIL_ADDRESS={SUBJECT}")
    assert rc == 0, err + out
    request_id = out.split()[-1]
    rc, out, err = run_cli(capsys, cfg, "erase", "run", request_id, "--apply")
    assert rc == 13, err + out
    receipt = f"{root}/_lakewarden/erasure_receipts/{request_id}.json"
    assert not storage.storage_for(receipt).exists(receipt)

    # given the permission, the same request resumes and completes
    without_version_deletes(False)
    rc, out, err = run_cli(capsys, cfg, "erase", "run", request_id, "--apply")
    assert rc == 0, err + out
    assert not grep_versions(s3.client(), root, [SUBJECT])[0]
    doc = json.loads(storage.storage_for(receipt).read_bytes(receipt))
    assert doc["verification"]["bucket_versioning"] == "enabled" and doc["verification"]["object_versions_read"] > 0


def test_a_second_job_on_an_s3_table_waits_for_its_lock_object_then_exits_75(
        spark: Any, s3: Minio, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from governance.config import load_settings
    from governance.locks import table_lock

    root = s3.lake(versioned=False)
    _write_lake(spark, root)
    cfg = _config(tmp_path, root, s3, lock_wait_s=1)
    with table_lock(load_settings(cfg), f"{root}/people", job="erase run"):
        rc, out, err = run_cli(capsys, cfg, "protect", "people", "--apply")
        assert rc == 75, err + out
        assert "another Lakewarden job holds this table: job 'erase run'" in err and "lock object s3://" in err, err
    assert not storage.storage_for(root).list_files(f"{root}/_lakewarden/locks"), "the lock object outlived its holder"
    rc, out, err = run_cli(capsys, cfg, "protect", "people", "--apply")
    assert rc == 0, err + out
