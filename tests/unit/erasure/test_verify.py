"""The every-byte scan on hand-made files (no Spark): Parquet values, footers, JSON stats, raw bytes, paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from retention.erasure.identifiers import Hasher, parse_subject
from retention.erasure.verify import scan_lake

H = Hasher(os.urandom(32))
IDS = [{"key": i.key, "kind": i.kind, "entity": i.is_entity, "hash": H.identifier(i)}
       for i in parse_subject(["EMAIL_ADDRESS=jane.doe@x.test", "US_SSN=321-54-9876", "customer_id=4242"])]


def _scan(root: Path) -> list[tuple[str, str]]:
    return sorted((f.file, f.key) for f in scan_lake(str(root), hasher=H, idents=IDS, tokens=set()).findings)


def test_clean_lake_has_no_findings(tmp_path: Path) -> None:
    pq.write_table(pa.table({"email": ["a@b.test"], "customer_id": [1], "n": [4242.0]}), tmp_path / "a.parquet")
    (tmp_path / "log.json").write_text(json.dumps({"add": {"stats": json.dumps({"minValues": {"customer_id": 1, "other": 4242}})}}))
    assert _scan(tmp_path) == []


def test_findings_in_values_free_text_json_stats_raw_bytes_and_paths(tmp_path: Path) -> None:
    pq.write_table(pa.table({"body": ["mail me: JANE.DOE@x.test"], "id": [1]}), tmp_path / "free.parquet", compression="snappy")
    pq.write_table(pa.table({"customer_id": [4242]}), tmp_path / "ids.parquet")
    (tmp_path / "00.json").write_text(json.dumps({"add": {"stats": json.dumps({"minValues": {"customer_id": 4242}})}}) + "\n")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01 ssn 321 54 9876 \xff")
    d = tmp_path / "email=jane.doe@x.test"
    d.mkdir()
    pq.write_table(pa.table({"x": [1]}), d / "p.parquet")
    found = _scan(tmp_path)
    assert ("free.parquet", "EMAIL_ADDRESS") in found
    assert ("ids.parquet", "customer_id") in found
    assert ("00.json", "customer_id") in found
    assert ("notes.bin", "US_SSN") in found
    assert any(f.startswith("email=") and k == "EMAIL_ADDRESS" for f, k in found)


def test_a_number_elsewhere_is_not_the_subject(tmp_path: Path) -> None:
    pq.write_table(pa.table({"amount": [4242], "memo": ["order 4242 shipped"]}), tmp_path / "t.parquet")
    assert _scan(tmp_path) == []


def test_identifiers_stored_as_numbers_are_found(tmp_path: Path) -> None:
    ids = [{"key": i.key, "kind": i.kind, "entity": i.is_entity, "hash": H.identifier(i)} for i in parse_subject(["PHONE_NUMBER=(415) 555-0199"])]
    pq.write_table(pa.table({"msisdn": pa.array([14155550199, 12], type=pa.int64()), "amount": [1.5, 2.5]}), tmp_path / "n.parquet")
    found = scan_lake(str(tmp_path), hasher=H, idents=ids, tokens=set()).findings
    assert {(f.file, f.key) for f in found} == {("n.parquet", "PHONE_NUMBER")}
    assert {f.where for f in found} == {"column msisdn", "footer statistics of msisdn"}


def test_parallel_scan_finds_the_same_as_a_serial_scan(tmp_path: Path) -> None:
    import retention.erasure.verify as v

    for i in range(4):
        pq.write_table(pa.table({"email": [f"p{i}@x.test", "jane.doe@x.test" if i == 2 else "q@x.test"]}), tmp_path / f"f{i}.parquet")
    serial = scan_lake(str(tmp_path), hasher=H, idents=IDS, tokens=set(), workers=1)
    old = v._PARALLEL_MIN_BYTES
    v._PARALLEL_MIN_BYTES = 0
    try:
        parallel = scan_lake(str(tmp_path), hasher=H, idents=IDS, tokens=set(), workers=2)
    finally:
        v._PARALLEL_MIN_BYTES = old
    assert parallel.findings == serial.findings and parallel.files == serial.files == 4
    assert [f.file for f in serial.findings] == ["f2.parquet", "f2.parquet"]


def test_change_data_checkpoint_sidecar_and_deletion_vector_files_are_read_and_counted(tmp_path: Path) -> None:
    t = tmp_path / "people"
    (t / "_change_data").mkdir(parents=True)
    (t / "_delta_log" / "_sidecars").mkdir(parents=True)
    pq.write_table(pa.table({"email": ["jane.doe@x.test"], "_change_type": ["update_preimage"]}), t / "_change_data" / "cdc-0.parquet")
    add = {"path": "p.parquet", "stats": json.dumps({"minValues": {"email": "jane.doe@x.test"}})}
    pq.write_table(pa.table({"add": [add]}), t / "_delta_log" / "00000000000000000002.checkpoint.parquet")
    pq.write_table(pa.table({"add": [add]}), t / "_delta_log" / "_sidecars" / "00000000000000000002.checkpoint.0000000001.0000000001.abc.parquet")
    (t / "_delta_log" / "00000000000000000002.json").write_text(json.dumps({"commitInfo": {"operation": "WRITE"}}) + "\n")
    (t / "deletion_vector_0b7c.bin").write_bytes(b"\x01\x00\x00\x00 ssn 321-54-9876")
    report = scan_lake(str(tmp_path), hasher=H, idents=IDS, tokens=set())
    assert report.kinds == {"change_data": 1, "checkpoint": 1, "sidecar": 1, "commit": 1, "deletion_vector": 1}
    assert report.summary()["kinds"] == dict(sorted(report.kinds.items()))
    found = {(f.file, f.key) for f in report.findings}
    assert {
        ("people/_change_data/cdc-0.parquet", "EMAIL_ADDRESS"),
        ("people/_delta_log/00000000000000000002.checkpoint.parquet", "EMAIL_ADDRESS"),
        ("people/_delta_log/_sidecars/00000000000000000002.checkpoint.0000000001.0000000001.abc.parquet", "EMAIL_ADDRESS"),
        ("people/deletion_vector_0b7c.bin", "US_SSN"),
    } <= found


def test_checkpoint_with_parsed_statistics_of_dates_is_decoded_not_reported_unreadable(tmp_path: Path) -> None:
    import datetime as dt

    stats = {"numRecords": 2, "minValues": {"email": "jane.doe@x.test", "joined": dt.date(2016, 3, 1)},
             "maxValues": {"email": "zed@x.test", "joined": dt.date(2019, 1, 1)}}
    log = tmp_path / "_delta_log"
    log.mkdir()
    pq.write_table(pa.table({"add": [{"path": "p.parquet", "stats_parsed": stats}]}), log / "00000000000000000004.checkpoint.parquet")
    found = scan_lake(str(tmp_path), hasher=H, idents=IDS, tokens=set()).findings
    assert {(f.file, f.key) for f in found} == {("_delta_log/00000000000000000004.checkpoint.parquet", "EMAIL_ADDRESS")}
    assert not [f for f in found if "unreadable" in f.where]


def test_a_span_token_inside_protected_text_is_found_in_values_and_raw_bytes(tmp_path: Path) -> None:
    tokens = {H.token("pii.1", "AbC")}
    spn = "lw1:spn:pii.1:s:Paid to \u27e6lw1:tok:pii.1:s:AbC\u27e7 for rent"
    pq.write_table(pa.table({"details": [spn, "lw1:spn:pii.1:s:gym \u27e6lw1:tok:pii.1:s:Zz\u27e7"]}), tmp_path / "s.parquet")
    (tmp_path / "dump.txt").write_text(f"row 1: {spn}\n", encoding="utf-8")
    found = scan_lake(str(tmp_path), hasher=H, idents=IDS, tokens=tokens).findings
    assert {(f.file, f.key) for f in found} == {("s.parquet", "token"), ("dump.txt", "token")}
    other = scan_lake(str(tmp_path), hasher=H, idents=IDS, tokens={H.token("pii.1", "Nope")}).findings
    assert other == []
