"""Erasure end to end: plant a subject in every kind of table, erase, read every byte under the lake."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from governance.config import Settings
from governance.maintenance import get_maintenance
from retention.erasure.executor import ErasureRunner, FaultInjector, key_access_from_settings
from retention.erasure.ledger import Ledger
from retention.erasure.receipt import check_signature, load_receipt
from retention.erasure.secrets import load_or_create
from retention.erasure.service import create_request
from retention.rules.model import load_retention
from tests.fixtures.lake_scan import grep_lake

pytestmark = pytest.mark.both_engines

SUBJECT = {
    "email": "zeb.quixote@erase.test",
    "ssn": "321-54-9876",
    "phone": "(415) 555-0199",
    "first": "Zebulon",
    "last": "Quixotely",
    "customer_id": 9001,
}
SUBJECT_ARGS = [f"EMAIL_ADDRESS={SUBJECT['email']}", f"US_SSN={SUBJECT['ssn']}", f"customer_id={SUBJECT['customer_id']}"]
#: Raw strings that must not survive anywhere under the lake.
NEEDLES = [SUBJECT["email"], SUBJECT["ssn"], "321549876", SUBJECT["first"], SUBJECT["last"], "4155550199", "555-0199",
           "secret note of zebulon"]


@dataclass
class Lake:
    root: Path
    settings: Settings
    tables: dict[str, str]
    others: dict[str, tuple[int, str]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    sub_key_ids: list[str] = field(default_factory=list)
    backup: Path | None = None


def _people(n: int, offset: int = 0) -> pd.DataFrame:
    ids = list(range(1 + offset, n + 1 + offset))
    return pd.DataFrame({
        "customer_id": pd.Series(ids, dtype="int64"),
        "first_name": [f"Ann{i}" for i in ids],
        "last_name": [f"Other{i}" for i in ids],
        "email": [f"person{i}@example.org" for i in ids],
        "ssn": [f"{100 + i % 500:03d}-{10 + i % 80:02d}-{1000 + i:04d}" for i in ids],
        "phone": [f"(212) 555-{1000 + i:04d}" for i in ids],
    })


def _subject_row() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": pd.Series([SUBJECT["customer_id"]], dtype="int64"), "first_name": [SUBJECT["first"]],
        "last_name": [SUBJECT["last"]], "email": [SUBJECT["email"]], "ssn": [SUBJECT["ssn"]], "phone": [SUBJECT["phone"]],
    })


def checksum(spark: Any, path: str) -> tuple[int, str]:
    """Row count and an order-independent checksum of every row of a table."""
    rows = spark.read.format("delta").load(path).collect()
    digests = sorted(hashlib.sha256(json.dumps(r.asDict(), sort_keys=True, default=str).encode()).hexdigest() for r in rows)
    return len(rows), hashlib.sha256("".join(digests).encode()).hexdigest()


def _write(spark: Any, pdf: pd.DataFrame, path: str, *, mode: str = "append", partition_by: list[str] | None = None, parts: int = 2) -> None:
    w = spark.createDataFrame(pdf).repartition(parts).write.format("delta").mode(mode)
    if partition_by:
        w = w.partitionBy(*partition_by)
    w.save(path)


def build_lake(spark: Any, tmp: Path, monkeypatch: pytest.MonkeyPatch, *, with_keys: bool = True) -> Lake:
    """A lake with the subject planted in plain, free-text, partitioned, history, compacted, tokenized
    and per-subject encrypted tables, plus other subjects everywhere."""
    from deltalake import DeltaTable

    root = tmp / "lake"
    root.mkdir()
    policy = tmp / "policy.yaml"
    policy.write_text(
        "protection:\n  tables:\n    statements:\n      subject_column: customer_id\n"
        "retention:\n  rules: []\n  holds: []\n", encoding="utf-8")
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(b"k" * 32).decode())
    settings = Settings.model_validate({"lake": {"root": str(root)}, "policy": str(policy), "audit": {"sink": "jsonl"}})
    t = {name: str(root / name) for name in ("customers", "tickets", "payments", "history", "moved", "compacted", "crm", "statements")}
    people = _people(60)
    # plain
    _write(spark, pd.concat([people, _subject_row()], ignore_index=True), t["customers"], parts=3)
    # free text
    bodies = [f"Hello, this is {r.first_name}; write to {r.email} please" for r in people.itertuples()]
    tickets = pd.DataFrame({"ticket_id": pd.Series(range(1, 61), dtype="int64"), "customer_id": people["customer_id"], "body": bodies})
    tickets = pd.concat([tickets, pd.DataFrame({"ticket_id": pd.Series([61, 62], dtype="int64"),
                                                "customer_id": pd.Series([9001, 9001], dtype="int64"),
                                                "body": [f"Please close my account. {SUBJECT['first']} {SUBJECT['last']}, mail {SUBJECT['email'].upper()}",
                                                         f"Call me back on +1 415 555 0199 - secret note of zebulon"]})],
                        ignore_index=True)
    _write(spark, tickets, t["tickets"])
    # partitioned
    pay = pd.DataFrame({"payment_id": pd.Series(range(1, 121), dtype="int64"), "email": [f"person{1 + i % 60}@example.org" for i in range(120)],
                        "amount": [float(i) for i in range(120)], "month": [f"2025-0{1 + i % 4}" for i in range(120)]})
    pay = pd.concat([pay, pd.DataFrame({"payment_id": pd.Series([500, 501], dtype="int64"), "email": [SUBJECT["email"]] * 2,
                                        "amount": [9.5, 10.5], "month": ["2025-01", "2025-03"]})], ignore_index=True)
    _write(spark, pay, t["payments"], partition_by=["month"])
    # history: the subject is in an older version and still in the current one
    _write(spark, pd.concat([people.head(20), _subject_row()], ignore_index=True), t["history"])
    _write(spark, people.iloc[20:40], t["history"])
    spark.sql(f"DELETE FROM delta.`{t['history']}` WHERE customer_id < 5").collect()
    # history only: the subject's row was deleted before the request (no identifier in the predicate)
    _write(spark, pd.concat([people.head(10), _subject_row()], ignore_index=True), t["moved"])
    spark.sql(f"DELETE FROM delta.`{t['moved']}` WHERE customer_id > 100").collect()
    # compacted: many small appends, then an OPTIMIZE-style compaction
    for i in range(4):
        _write(spark, people.iloc[i * 10:(i + 1) * 10], t["compacted"], parts=1)
    _write(spark, _subject_row(), t["compacted"], parts=1)
    DeltaTable(t["compacted"]).optimize.compact()
    lake = Lake(root=root, settings=settings, tables=t)
    if with_keys:
        from governance.keys.manager import KeyManager
        from governance.protection.transforms import SubjectTransform, TokenTransform

        mgr = KeyManager.from_settings(settings, "local")
        v = mgr.ensure_domain_key("pii", "tok")
        key = mgr.domain_keys([("tok", "pii", v)])[("tok", "pii", v)]
        tok = TokenTransform(domain="pii", version=v, key=key, code="s")
        emails = list(people["email"]) + [SUBJECT["email"]]
        crm = pd.DataFrame({"row_id": pd.Series(range(len(emails)), dtype="int64"), "email_token": tok.apply(emails),
                            "segment": ["gold" if i % 2 else "silver" for i in range(len(emails))]})
        lake.tokens = [x for x in tok.apply([SUBJECT["email"]]) if x]
        _write(spark, crm, t["crm"])
        cids = [str(c) for c in people["customer_id"].head(10)] + [str(SUBJECT["customer_id"])]
        keying = mgr.new_subject_keying(cids)
        notes = [f"note for {c}" for c in cids[:-1]] + ["secret note of zebulon"]
        enc = SubjectTransform(keying, "s").apply(notes, cids)
        st = pd.DataFrame({"customer_id": pd.Series([int(c) for c in cids], dtype="int64"), "note": enc})
        _write(spark, st, t["statements"])
        lake.sub_key_ids = [keying.key_of(str(SUBJECT["customer_id"]))[0]]
        lake.backup = tmp / "backup-statements"
        shutil.copytree(t["statements"], lake.backup)  # a backup outside the lake: only crypto-shredding reaches it
    else:
        for name in ("crm", "statements"):
            del t[name]
    for name, path in t.items():
        lake.others[name] = checksum(spark, path) if name != "moved" else checksum(spark, path)
    return lake


def others_checksums(spark: Any, lake: Lake) -> dict[str, tuple[int, str]]:
    """Checksums of every row that is not the subject's (what must survive unchanged)."""
    out = {}
    for name, path in lake.tables.items():
        df = spark.read.format("delta").load(path)
        rows = [r.asDict() for r in df.collect()]
        keep = [r for r in rows if not _is_subject(r, lake)]
        digests = sorted(hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest() for r in keep)
        out[name] = (len(keep), hashlib.sha256("".join(digests).encode()).hexdigest())
    return out


def _is_subject(row: dict[str, Any], lake: Lake) -> bool:
    text = json.dumps(row, default=str).lower()
    return (row.get("customer_id") == SUBJECT["customer_id"] or SUBJECT["email"] in text or "zebulon" in text
            or any(t in json.dumps(row, default=str) for t in lake.tokens))


def make_runner(spark: Any, lake: Lake, *, faults: FaultInjector | None = None, catalog: list[Any] | None = None) -> tuple[ErasureRunner, Any]:
    from governance.audit import AuditLog, make_sink
    from governance.keys.manager import open_provider

    provider = open_provider(lake.settings, "eraser")
    keys = load_or_create(lake.settings, provider)
    runner = ErasureRunner(
        settings=lake.settings, spark=spark, maintenance=get_maintenance(lake.settings, spark), ledger=Ledger(lake.settings), keys=keys,
        key_access=key_access_from_settings(lake.settings, provider), policy=load_retention(lake.settings),
        audit=AuditLog(make_sink(lake.settings), job="erase"), faults=faults, catalog=[] if catalog is None else catalog,
    )
    return runner, provider


def new_request(lake: Lake, runner: ErasureRunner, provider: Any, subject: list[str] | None = None, **kw: Any) -> Any:
    from governance.keys.manager import KeyManager, key_tables

    return create_request(lake.settings, subject=subject or SUBJECT_ARGS, regulation=kw.get("regulation", "gdpr"),
                          received=kw.get("received", date.today()), hasher=runner.hasher, provider=provider,
                          manager=KeyManager(provider, key_tables(lake.settings)))


def test_erasure_leaves_no_byte_of_the_subject_and_keeps_everyone_else(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch)
    assert grep_lake(lake.root, NEEDLES), "the planted subject must be visible before erasure"
    before = others_checksums(spark, lake)
    runner, provider = make_runner(spark, lake)
    req = new_request(lake, runner, provider)
    assert grep_lake(lake.root, NEEDLES) == grep_lake(lake.root, NEEDLES)  # recording the request adds no plaintext
    out = runner.run(req, apply=True)
    assert out.request.state == "done"
    leftover = grep_lake(lake.root, NEEDLES + lake.tokens)
    assert leftover == [], leftover
    assert others_checksums(spark, lake) == before
    tables = out.request.progress["tables"]
    assert tables["customers"]["rows_removed"] == 1
    assert tables["tickets"]["rows_removed"] == 2
    assert tables["payments"]["rows_removed"] == 2
    assert sorted(tables["payments"]["partitions"]) == ["month=2025-01", "month=2025-03"]
    assert tables["payments"]["files_rewritten"] <= 2  # only the files of the two partitions that held the subject
    assert tables["crm"]["rows_removed"] == 1 and tables["statements"]["rows_removed"] == 1
    assert "moved" in out.request.progress["purged"]  # history-only table: purged, not rewritten
    # crypto-shredding: the backup made before erasure no longer decrypts for the subject, still does for others
    from governance.keys.manager import KeyManager

    mgr = KeyManager.from_settings(lake.settings, "local")
    assert mgr.subject_keys(lake.sub_key_ids) == {}
    backup_rows = pd.concat([pq.read_table(f).to_pandas() for f in lake.backup.rglob("*.parquet")])
    other_ids = {v.split(":")[2] for v in backup_rows["note"] if v.split(":")[2] not in lake.sub_key_ids}
    assert len(mgr.subject_keys(other_ids)) == len(other_ids) == 10
    # the receipt is signed and verifies; the scan is clean
    doc = load_receipt(out.receipt_path)
    check_signature(lake.settings, doc)
    assert doc["matched"] is True and doc["keys_destroyed"] == 1 and doc["verification"]["findings"] == 0
    assert doc["verification"]["seconds"] > 0  # the scan's own time, also in the erase.verify audit entry (scan_ms)
    assert SUBJECT["email"] not in json.dumps(doc)


def test_link_columns_extend_an_email_request_to_the_subjects_other_rows(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = build_lake(spark, tmp_path, monkeypatch, with_keys=False)
    Path(lake.settings.policy).write_text("retention:\n  erasure:\n    link_columns: [customer_id]\n", encoding="utf-8")
    before = others_checksums(spark, lake)
    runner, provider = make_runner(spark, lake)
    out = runner.run(new_request(lake, runner, provider, subject=[f"EMAIL_ADDRESS={SUBJECT['email']}"]), apply=True)
    assert out.request.state == "done"
    assert out.request.progress["derived"][0]["key"] == "customer_id"
    # the ticket that holds neither the e-mail nor the SSN, only the customer id, is gone too
    assert out.request.progress["tables"]["tickets"]["rows_removed"] == 2
    assert grep_lake(lake.root, NEEDLES) == []
    assert others_checksums(spark, lake) == before
    doc = load_receipt(out.receipt_path)
    assert doc["derived_identifiers"] == {"customer_id": 1}
