"""The vectorized Parquet column checks find what the per-value check finds (no Spark)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from retention.erasure.identifiers import Hasher, parse_subject
from retention.erasure.verify import scan_lake

H = Hasher(os.urandom(32))


def _ids(*pairs: str) -> list[dict[str, Any]]:
    return [{"key": i.key, "kind": i.kind, "entity": i.is_entity, "hash": H.identifier(i)} for i in parse_subject(list(pairs))]


def _found(root: Path, ids: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(f.file, f.where, f.key) for f in scan_lake(str(root), hasher=H, idents=ids, tokens=set(), workers=1).findings}


def _others(n: int) -> list[str]:
    return [f"person{i}@example.org" for i in range(n)]


def test_email_in_mixed_case_with_surrounding_spaces_in_a_string_column_is_found(tmp_path: Path) -> None:
    pq.write_table(pa.table({"contact": _others(50) + ["\t  Jane.Doe@X.Test \x1c"]}), tmp_path / "a.parquet",
                   write_statistics=False)
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == {("a.parquet", "column contact", "EMAIL_ADDRESS")}


def test_email_differing_by_one_character_is_not_found(tmp_path: Path) -> None:
    pq.write_table(pa.table({"contact": _others(50) + ["jane.doe@x.tesu", "jane.doex@x.test", "see jane.do@x.test"]}),
                   tmp_path / "a.parquet")
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == set()


def test_email_inside_free_text_and_non_ascii_text_is_found(tmp_path: Path) -> None:
    pq.write_table(pa.table({"memo": ["café receipt for JANE.doe@x.test, thanks"] + _others(5)}), tmp_path / "a.parquet",
                   write_statistics=False)
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == {("a.parquet", "column memo", "EMAIL_ADDRESS")}


def test_phone_number_stored_as_int64_is_found_and_one_digit_off_is_not(tmp_path: Path) -> None:
    ids = _ids("PHONE_NUMBER=(415) 555-0199")
    pq.write_table(pa.table({"msisdn": pa.array([4155550198, 14155550199, 7], type=pa.int64())}), tmp_path / "a.parquet",
                   write_statistics=False)
    pq.write_table(pa.table({"msisdn": pa.array([4155550198, 14155550198], type=pa.int64())}), tmp_path / "b.parquet",
                   write_statistics=False)
    assert _found(tmp_path, ids) == {("a.parquet", "column msisdn", "PHONE_NUMBER")}


def test_name_inside_a_free_text_sentence_is_found_and_a_near_name_is_not(tmp_path: Path) -> None:
    ids = [{"key": "PERSON", "kind": "name", "entity": True, "hash": H.hash("name", "zebulon quixotely")}]
    texts = [f"ticket {i}: called back Ann Other{i} about card 4242" for i in range(200)]
    pq.write_table(pa.table({"note": texts + ["ticket 7: Zebulon   QUIXOTELY asked to close 123 accounts"]}),
                   tmp_path / "a.parquet", write_statistics=False)
    pq.write_table(pa.table({"note": texts + ["ticket 8: Zebulon Quixotel asked"]}), tmp_path / "b.parquet", write_statistics=False)
    assert _found(tmp_path, ids) == {("a.parquet", "column note", "PERSON")}


def test_ssn_with_separators_in_free_text_is_found(tmp_path: Path) -> None:
    pq.write_table(pa.table({"memo": ["ok 123456789 done", "verified ssn 321 54-9876 by phone"]}), tmp_path / "a.parquet",
                   write_statistics=False)
    assert _found(tmp_path, _ids("US_SSN=321-54-9876")) == {("a.parquet", "column memo", "US_SSN")}


def test_column_keyed_identifier_is_compared_whole_in_its_column_only(tmp_path: Path) -> None:
    ids = _ids("customer_id=4242")
    pq.write_table(pa.table({"customer_id": pa.array([1, 4242], type=pa.int64()), "other": [" 4242 ", "x"]}),
                   tmp_path / "a.parquet", write_statistics=False)
    pq.write_table(pa.table({"Customer_ID": [" 4242\t"], "memo": ["customer 4242"]}), tmp_path / "b.parquet", write_statistics=False)
    assert _found(tmp_path, ids) == {("a.parquet", "column customer_id", "customer_id"),
                                     ("b.parquet", "column Customer_ID", "customer_id")}


def test_row_groups_whose_column_holds_no_match_yield_no_finding_and_the_one_that_does_is_found(tmp_path: Path) -> None:
    emails = _others(3000)
    pq.write_table(pa.table({"email": emails, "n": list(range(3000))}), tmp_path / "clean.parquet", row_group_size=500)
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == set()
    emails[2500] = "JANE.DOE@x.test"
    pq.write_table(pa.table({"email": emails}), tmp_path / "dirty.parquet", row_group_size=500, write_statistics=False)
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == {("dirty.parquet", "column email", "EMAIL_ADDRESS")}


def test_dictionary_and_large_string_columns_are_checked(tmp_path: Path) -> None:
    dict_col = pa.array(["a@b.test", "Jane.Doe@x.test", "a@b.test"]).dictionary_encode()
    large = pa.array(["x", "mail: jane.doe@X.TEST"], type=pa.large_string())
    pq.write_table(pa.table({"d": dict_col}), tmp_path / "d.parquet", write_statistics=False)
    pq.write_table(pa.table({"l": large}), tmp_path / "l.parquet", write_statistics=False)
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == {("d.parquet", "column d", "EMAIL_ADDRESS"),
                                                                       ("l.parquet", "column l", "EMAIL_ADDRESS")}


def test_values_checked_counts_every_value_of_the_columns_read(tmp_path: Path) -> None:
    pq.write_table(pa.table({"email": _others(100), "amount": [1.5] * 100}), tmp_path / "a.parquet", write_statistics=False,
                   store_schema=False)
    report = scan_lake(str(tmp_path), hasher=H, idents=_ids("EMAIL_ADDRESS=jane.doe@x.test"), tokens=set(), workers=1)
    assert report.values_checked == 100 and report.clean
