"""The vectorized Parquet column checks find what the per-value check finds (no Spark)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

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


def _slow_path(monkeypatch: Any) -> None:
    """Every column chunk checked value by value, read as plain values (what the fast paths must agree with)."""
    import retention.erasure.verify as v

    monkeypatch.setattr(v, "_could_hold", lambda col, leaf, m: True)
    monkeypatch.setattr(v, "_dictionary_columns", lambda pf, names: {})


def _mixed_lake(root: Path) -> None:
    n = 2000
    low = ["a@b.test", "call 415 555 0100", "", "ok"]
    subject = [" JANE.DOE@X.test ", "café receipt: Jane.Doe@x.test", "ssn 321-54-9876", "(415) 555-0199"]
    for i, s in enumerate(subject):
        # dictionary-encoded (few distinct values), plain-encoded (every value distinct), free text, non-ASCII
        pq.write_table(pa.table({"d": [low[j % 4] if j != 1500 else s for j in range(n)],
                                 "p": [f"row {j} of {i}" if j != 700 else s for j in range(n)],
                                 "e": ["", s, ""] + [""] * (n - 3), "clean": [low[j % 4] for j in range(n)],
                                 "n": pa.array(range(n), pa.int64())}),
                       root / f"s{i}.parquet", write_statistics=False, use_dictionary=["d", "clean"])


@pytest.fixture(params=["decoded ahead in a thread", "decoded in line"])
def ahead(request: Any, monkeypatch: Any) -> None:
    import retention.erasure.verify as v

    monkeypatch.setattr(v, "_AHEAD_MIN_BYTES", 0 if request.param == "decoded ahead in a thread" else 1 << 62)


def test_fast_paths_find_what_the_value_by_value_check_finds(tmp_path: Path, monkeypatch: Any, ahead: None) -> None:
    _mixed_lake(tmp_path)
    ids = _ids("EMAIL_ADDRESS=jane.doe@x.test", "US_SSN=321-54-9876", "PHONE_NUMBER=(415) 555-0199")
    fast = _found(tmp_path, ids)
    assert {(f, w) for f, w, _ in fast} == {(f"s{i}.parquet", f"column {c}") for i in range(4) for c in "dpe"}
    _slow_path(monkeypatch)
    assert _found(tmp_path, ids) == fast


def test_a_low_cardinality_column_is_read_as_a_dictionary_and_checked_on_the_values_rows_use(tmp_path: Path,
                                                                                            monkeypatch: Any) -> None:
    import retention.erasure.verify as v

    _mixed_lake(tmp_path)
    pf = pq.ParquetFile(tmp_path / "s0.parquet")
    assert set(v._dictionary_columns(pf, ["d", "p", "e", "clean"])) == {"d", "clean"}
    ids = _ids("EMAIL_ADDRESS=jane.doe@x.test")
    fast = _found(tmp_path, ids)
    assert ("s0.parquet", "column d", "EMAIL_ADDRESS") in fast
    _slow_path(monkeypatch)
    assert _found(tmp_path, ids) == fast


@pytest.mark.parametrize("stored_as", ["plain Arrow schema", "dictionary in the Arrow schema"])
def test_a_value_in_a_dictionary_page_that_no_row_uses_is_found_there(tmp_path: Path, stored_as: str) -> None:
    import retention.erasure.verify as v

    # what a filtered copy of a dictionary column leaves when its dictionary is not re-encoded
    unused = pa.DictionaryArray.from_arrays(pa.array([0, 2] * 1000, pa.int32()), pa.array(["a@b.test", "jane.doe@x.test", "c@d.test"]))
    pq.write_table(pa.table({"u": unused}), tmp_path / "u.parquet", store_schema=stored_as != "plain Arrow schema",
                   write_statistics=False)
    # read as a dictionary by choice (few distinct values), or because the file's Arrow schema says so
    chosen = set(v._dictionary_columns(pq.ParquetFile(tmp_path / "u.parquet"), ["u"]))
    assert chosen == ({"u"} if stored_as == "plain Arrow schema" else set())
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == {
        ("u.parquet", f"column u ({v.UNUSED_ENTRY})", "EMAIL_ADDRESS")}
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=someone.else@x.test")) == set()


def test_integer_columns_are_skipped_for_an_email_only_subject_and_read_for_a_phone(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": pa.array([4155550199, 7], pa.int64())}), tmp_path / "a.parquet", write_statistics=False)
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test")) == set()
    assert _found(tmp_path, _ids("EMAIL_ADDRESS=jane.doe@x.test", "PHONE_NUMBER=(415) 555-0199")) == {
        ("a.parquet", "column n", "PHONE_NUMBER")}


def test_may_hold_keeps_every_value_that_could_hold_an_identifier() -> None:
    import random

    import retention.erasure.verify as v

    m = v._Matcher(H, _ids("EMAIL_ADDRESS=jane.doe@x.test", "PHONE_NUMBER=(415) 555-0199"), set())
    parts = ["", "@", "1", "12", "x", " ", "é", "٣", "{", "[", "l", "-"]
    rng = random.Random(7)
    for _ in range(200):
        values = ["".join(rng.choice(parts) for _ in range(rng.randrange(0, 9))) if rng.random() > 0.1 else None
                  for _ in range(rng.randrange(1, 40))]
        arr = pa.array(values, type=rng.choice([pa.string(), pa.large_string()]))
        start = rng.randrange(len(values))
        arr, values = arr.slice(start), values[start:]
        kept = v._may_hold(arr, "c", m)
        kept_set = set() if kept is None else set(kept.to_pylist())
        for s in values:
            if s and ("@" in s or s[0] in "{[l" or sum(c.isdigit() or ord(c) > 127 for c in s) >= 7):
                assert s in kept_set, s


def test_a_row_group_that_does_not_decode_counts_nothing_as_when_it_was_read_whole(tmp_path: Path, ahead: None) -> None:
    n = 1000
    a = [f"row {i}" for i in range(2 * n)]
    a[n + 5] = "jane.doe@x.test"  # in the second row group, in a column that decodes
    pq.write_table(pa.table({"a": a, "b": [f"free text {i} " * 3 for i in range(2 * n)]}), tmp_path / "c.parquet",
                   row_group_size=n, compression="snappy", use_dictionary=False, write_statistics=False)
    ids = _ids("EMAIL_ADDRESS=jane.doe@x.test")
    assert ("c.parquet", "column a", "EMAIL_ADDRESS") in _found(tmp_path, ids)
    chunk = pq.ParquetFile(tmp_path / "c.parquet").metadata.row_group(1).column(1)
    raw = bytearray((tmp_path / "c.parquet").read_bytes())
    mid = chunk.data_page_offset + chunk.total_compressed_size // 2
    raw[mid:mid + 64] = bytes(range(64))  # column b of that row group no longer decompresses
    (tmp_path / "c.parquet").write_bytes(bytes(raw))
    found = _found(tmp_path, ids)
    assert ("c.parquet", "unreadable parquet (OSError at error.pxi:92)", "?") in found
    assert ("c.parquet", "column a", "EMAIL_ADDRESS") not in found  # its raw bytes are searched instead


def test_phone_numbers_in_free_text_are_found_and_one_digit_off_is_not(tmp_path: Path, monkeypatch: Any, ahead: None) -> None:
    texts = [f"ticket {i}: customer 12345{i:02d} called from 415 555 01{i:02d}" for i in range(99)]
    pq.write_table(pa.table({"memo": texts + ["Call me at +1 (415) 555-0199, after 6"]}), tmp_path / "a.parquet",
                   write_statistics=False)
    pq.write_table(pa.table({"memo": texts + ["Call me at +1 (415) 555-0198, after 6"]}), tmp_path / "b.parquet",
                   write_statistics=False)
    pq.write_table(pa.table({"memo": texts + ["Appelez le 415\u00a0555\u00a00199 ☎"]}), tmp_path / "c.parquet", write_statistics=False)
    ids = _ids("PHONE_NUMBER=(415) 555-0199")
    fast = _found(tmp_path, ids)
    assert fast == {("a.parquet", "column memo", "PHONE_NUMBER"), ("c.parquet", "column memo", "PHONE_NUMBER")}
    _slow_path(monkeypatch)
    assert _found(tmp_path, ids) == fast


def test_phone_candidates_of_ascii_text_are_exactly_those_of_the_per_value_check() -> None:
    import random

    import retention.erasure.verify as v
    from retention.erasure.identifiers import candidates, shapes_by_kind

    shape = shapes_by_kind([{"key": "PHONE_NUMBER", "kind": "phone", "entity": True}])["phone"]
    rng = random.Random(11)
    for _ in range(500):
        texts = ["".join(rng.choice("0123456789 ()-.+\t\x0b\x1cxa\x00") for _ in range(rng.randrange(0, 40))) for _ in range(20)]
        arr = pa.array(texts, type=rng.choice([pa.string(), pa.large_string()]))
        start = rng.randrange(len(texts))
        arr, texts = arr.slice(start), texts[start:]
        assert v._digits(arr).to_pylist() == ["".join(c for c in t if c.isdigit()) for t in texts]
        expected = set().union(*(candidates(t, "phone", shape) for t in texts))
        got = v._phone_candidates(arr, shape).to_pylist()
        assert len(got) == len(set(got)) and set(got) == expected


@pytest.mark.parametrize("keys", [["US_SSN"], ["IBAN_CODE"], ["CREDIT_CARD", "US_SSN"], ["US_PASSPORT", "UK_NINO"], ["ssn"]])
def test_compact_candidates_of_ascii_text_are_exactly_those_of_the_per_value_check(keys: list[str]) -> None:
    import random

    import retention.erasure.verify as v
    from retention.erasure.identifiers import candidates, shapes_by_kind

    shape = shapes_by_kind([{"key": k, "kind": "compact", "entity": k.isupper()} for k in keys])["compact"]
    rng = random.Random(13)
    alphabet = "0123456789" * 3 + "abcDEZ" + " --_/:.\t\x1c"
    for _ in range(300):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 48))) for _ in range(20)]
        texts[0] = "ssn 321-54-9876 iban GB82 WEST 1234 5698 7654 32 card 4111 1111 1111 1111"
        arr = pa.array(texts, type=rng.choice([pa.string(), pa.large_string()]))
        start = rng.randrange(len(texts))
        arr, texts = arr.slice(start), texts[start:]
        expected = set().union(*(candidates(t, "compact", shape) for t in texts))
        got = v._compact_candidates(arr, shape).to_pylist()
        assert len(got) == len(set(got)) and set(got) == expected


def test_an_id_is_found_in_every_file_that_holds_it_though_the_ids_around_it_were_hashed_once(tmp_path: Path,
                                                                                             monkeypatch: Any) -> None:
    import retention.erasure.verify as v

    for name, holds in (("a", False), ("b", True), ("c", False), ("d", True)):
        ids = list(range(100_000, 101_000)) + ([4242] if holds else [])
        pq.write_table(pa.table({"account_id": pa.array(ids, pa.int64()), "other": pa.array(ids, pa.int32())}),
                       tmp_path / f"{name}.parquet", write_statistics=False)
    hashed: list[int] = []
    original = v.Hasher.any_in

    def counting(self: Any, kind: str, normalized: Any, wanted: Any) -> bool:
        normalized = list(normalized)
        hashed.append(len(normalized))
        return original(self, kind, normalized, wanted)

    monkeypatch.setattr(v.Hasher, "any_in", counting)
    report = scan_lake(str(tmp_path), hasher=H, idents=_ids("account_id=4242"), tokens=set(), workers=1)
    assert {(f.file, f.where) for f in report.findings} == {("b.parquet", "column account_id"), ("d.parquet", "column account_id")}
    assert sum(hashed) < 2 * 1001  # not 4 x 1,000: a.parquet's ids are not hashed again in c.parquet
    assert report.values_checked >= 4 * 1000  # every value still counts as checked


def test_seen_integers_remember_what_was_added_across_pages_and_negatives_up_to_their_page_bound() -> None:
    import numpy as np

    from retention.erasure.verify import _SeenIntegers

    seen = _SeenIntegers(max_pages=3)
    seen.add(np.array([5, 65_535, -1, -70_000], dtype=np.int64))  # pages 0, 0, -1, -2: three pages
    seen.add(np.array([65_536, 1 << 40], dtype=np.int64))  # pages 1 and 2^24: beyond the bound, not remembered
    probe = np.array([5, 6, 65_535, 65_536, -1, -2, -70_000, -70_001, 1 << 40], dtype=np.int64)
    assert seen.unseen(probe).tolist() == [False, True, False, True, False, True, False, True, True]


def _found_tokens(root: Path, tokens: set[str]) -> set[tuple[str, str, str]]:
    ids = _ids("customer_id=-1")
    return {(f.file, f.where, f.key) for f in scan_lake(str(root), hasher=H, idents=ids, tokens=tokens, workers=1).findings}


def test_tokens_are_found_whole_with_a_final_newline_and_in_spans_as_value_by_value_and_near_tokens_are_not(
        tmp_path: Path, monkeypatch: Any) -> None:
    others = [f"lw1:tok:pii.1:s:Tk{i:06d}x" for i in range(3000)]
    pq.write_table(pa.table({"email": others[:1500] + ["lw1:tok:pii.1:s:SubjectTok"] + others[1500:]}), tmp_path / "a.parquet",
                   write_statistics=False)
    pq.write_table(pa.table({"email": others + ["lw1:hsh:pii.1:s:SubjectTok\n"]}), tmp_path / "b.parquet", write_statistics=False)
    pq.write_table(pa.table({"memo": ["lw1:spn:pii.1:s:Paid \u27e6lw1:tok:pii.1:s:SubjectTok\u27e7 rent"] + others}),
                   tmp_path / "c.parquet", write_statistics=False)
    near = ["lw1:tok:pii.2:s:SubjectTok", "lw1:tok:pii.1:s:SubjectTo", "lw1:tok:pii.1:s:SubjectTok\n\n", "xlw1:tok:pii.1:s:SubjectTok"]
    pq.write_table(pa.table({"email": others + near}), tmp_path / "d.parquet", write_statistics=False)
    tokens = {H.token("pii.1", "SubjectTok")}
    fast = _found_tokens(tmp_path, tokens)
    assert fast == {("a.parquet", "column email", "token"), ("b.parquet", "column email", "token"),
                    ("c.parquet", "column memo", "token")}
    _slow_path(monkeypatch)
    assert _found_tokens(tmp_path, tokens) == fast


def test_a_column_of_other_subjects_tokens_is_cleared_without_a_value_by_value_check(tmp_path: Path, monkeypatch: Any) -> None:
    import retention.erasure.verify as v

    calls: list[str] = []
    check = v._Matcher.check
    monkeypatch.setattr(v._Matcher, "check", lambda self, value, leaf: calls.append(value) or check(self, value, leaf))
    others = [f"lw1:tok:pii.1:s:Tk{i:06d}x" for i in range(3000)]
    pq.write_table(pa.table({"email": others + ["lw1:tok:pii.2:s:SubjectTok", "lw1:spn:pii.1:s:no tokens here"]}),
                   tmp_path / "d.parquet", write_statistics=False)
    assert _found_tokens(tmp_path, {H.token("pii.1", "SubjectTok")}) == set()
    # of the column's values only the span-protected text (the footer's metadata is checked too)
    assert [c for c in calls if c.startswith("lw1:")] == ["lw1:spn:pii.1:s:no tokens here"]
