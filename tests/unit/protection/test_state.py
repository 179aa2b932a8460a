"""Protection state of columns, counted from small Delta tables written with delta-rs (no Spark)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake

from governance.protection.codec import format_value, is_protected, span_token
from governance.protection.state import _HEAD_RE, ColumnProtection, TableProtection, table_protection

SECRET = "PAYLOADSECRET"


def _tok(i: int, ref: str = "pii.1") -> str:
    return format_value("tok", ref, "s", f"{SECRET}tok{i}")


def _write(tmp_path: Path, data: dict[str, pa.Array | list[object]], *, name: str = "t") -> str:
    path = str(tmp_path / name)
    write_deltalake(path, pa.table(data))
    return path


def _column(path: str, column: str) -> ColumnProtection:
    return table_protection(path, columns=[column]).columns[column]


def test_all_tokens_of_one_domain_are_tokenized_with_that_domain(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": [_tok(i) for i in range(5)] + [None]})
    c = _column(path, "email")
    assert (c.state, c.values, c.protected, c.kinds, c.key_domains) == ("tokenized", 5, 5, {"tok": 5}, ["pii v1"])
    assert c.label() == "tokenized (pii v1)"


def test_tokens_of_two_domains_and_versions_are_tokenized_with_every_key(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": [_tok(1, "pii.1"), _tok(2, "pii.2"), _tok(3, "crm.1"), _tok(4, "pii.2")]})
    c = _column(path, "email")
    assert c.state == "tokenized" and c.key_domains == ["crm v1", "pii v1", "pii v2"]
    assert c.label() == "tokenized (crm v1, pii v1, pii v2)"


def test_tokens_and_plaintext_are_mixed_with_shares(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": [_tok(i) for i in range(6)] + [f"person{i}@example.test" for i in range(4)] + [None]})
    c = _column(path, "email")
    assert (c.state, c.values, c.protected) == ("mixed", 10, 6)
    assert c.label() == "mixed: 60% tokenized (pii v1), 40% plaintext"


def test_two_protected_kinds_are_mixed_even_when_every_value_is_protected(tmp_path: Path) -> None:
    path = _write(tmp_path, {"ssn": [_tok(1), format_value("hsh", "pii.1", "s", SECRET)]})
    c = _column(path, "ssn")
    assert (c.state, c.protected, c.values, c.kinds) == ("mixed", 2, 2, {"tok": 1, "hsh": 1})
    assert c.label() == "mixed: 50% hashed (pii v1), 50% tokenized (pii v1)"


def test_masked_values_are_masked_without_a_key(tmp_path: Path) -> None:
    path = _write(tmp_path, {"card": [format_value("msk", "-", "s", f"**** **** **** {1000 + i}") for i in range(3)]})
    c = _column(path, "card")
    assert (c.state, c.kinds, c.key_domains, c.label()) == ("masked", {"msk": 3}, [], "masked")


def test_hashed_values_are_hashed_with_their_domain(tmp_path: Path) -> None:
    path = _write(tmp_path, {"ssn": [format_value("hsh", "pii.3", "s", f"{SECRET}{i}") for i in range(3)]})
    assert _column(path, "ssn").label() == "hashed (pii v3)"


def test_encrypted_values_are_encrypted_under_a_data_key(tmp_path: Path) -> None:
    path = _write(tmp_path, {"iban": [format_value("enc", f"k{i}x9", "s", f"{SECRET}{i}") for i in range(3)]})
    c = _column(path, "iban")
    assert (c.state, c.key_domains, c.label()) == ("encrypted", ["data key"], "encrypted")


def test_values_under_subject_keys_are_encrypted_with_subject_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, {"notes": [format_value("sub", f"subj{i}", "s", f"{SECRET}{i}") for i in range(50)]})
    c = _column(path, "notes")
    assert (c.state, c.kinds, c.key_domains, c.label()) == ("encrypted", {"sub": 50}, ["subject keys"], "encrypted (subject keys)")


def test_span_protected_text_is_span_tokenized_with_its_domain(tmp_path: Path) -> None:
    memo = format_value("spn", "pii.1", "s", f"Paid to {span_token(_tok(7))} for rent")
    path = _write(tmp_path, {"memo": [memo, memo]})
    c = _column(path, "memo")
    assert (c.state, c.kinds, c.key_domains, c.label()) == ("span_tokenized", {"spn": 2}, ["pii v1"], "span-tokenized (pii v1)")


def test_all_null_string_column_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": pa.array([None, None], pa.string())})
    c = _column(path, "email")
    assert (c.state, c.values, c.label()) == ("empty", 0, "empty (no values)")


def test_column_missing_from_the_schema_is_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": [_tok(1)]})
    t = table_protection(path, columns=["secret_note", "email"])
    assert list(t.columns) == ["secret_note", "email"]
    assert t.columns["secret_note"].state == "dropped"
    assert t.columns["secret_note"].label() == "dropped (no longer in the table)"


def test_non_string_columns_are_plaintext_or_empty_when_all_null(tmp_path: Path) -> None:
    path = _write(tmp_path, {
        "id": pa.array([1, 2, None], pa.int64()),
        "score": pa.array([None, None, None], pa.float64()),
        "opened": pa.array([None, 1, 2], pa.date32()),
    })
    t = table_protection(path)
    assert {c: (p.state, p.values) for c, p in t.columns.items()} == {
        "id": ("plaintext", 2), "score": ("empty", 0), "opened": ("plaintext", 2),
    }


def test_non_string_columns_without_log_statistics_are_counted_from_the_data(tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    write_deltalake(path, pa.table({"id": pa.array([1, None, 3], pa.int64()), "n": pa.array([None, None, None], pa.int64())}),
                    configuration={"delta.dataSkippingNumIndexedCols": "0"})
    t = table_protection(path)
    assert {c: (p.state, p.values) for c, p in t.columns.items()} == {"id": ("plaintext", 2), "n": ("empty", 0)}


def test_every_column_of_the_current_version_is_read_by_default(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": ["ann@example.test"], "id": pa.array([1], pa.int64())})
    write_deltalake(path, pa.table({"email": [_tok(1)], "id": pa.array([2], pa.int64())}), mode="overwrite")
    t = table_protection(path)
    assert isinstance(t, TableProtection) and t.table == path and t.version == 1 and t.note is None
    assert list(t.columns) == ["email", "id"] and t.columns["email"].state == "tokenized"


def test_values_that_only_start_like_a_protected_value_are_plaintext(tmp_path: Path) -> None:
    path = _write(tmp_path, {"note": ["lw1:", "lw1:tok:", "lw1:xyz:pii.1:s:abc", "lw1:tok:pii.1:s:" + SECRET]})
    c = _column(path, "note")
    assert (c.state, c.values, c.protected) == ("mixed", 4, 1)
    assert c.label() == "mixed: 75% plaintext, 25% tokenized (pii v1)"


def test_shares_near_the_ends_are_never_rounded_to_all_or_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": [_tok(i) for i in range(999)] + ["ann@example.test"]})
    assert _column(path, "email").label() == "mixed: >99% tokenized (pii v1), <1% plaintext"


def test_the_head_pattern_accepts_exactly_what_is_protected_accepts() -> None:
    samples = [_tok(1), format_value("msk", "-", "m10.2", "***"), format_value("enc", "k-1", "s", "x"), "lw1:tok:pii.1:s",
               "lw1:bad:pii.1:s:x", "xlw1:tok:pii.1:s:x", "lw1:tok:p ii.1:s:x", "lw1:hsh:pii.1:s-:x", ""]
    assert [re.match(_HEAD_RE, s) is not None for s in samples] == [is_protected(s) for s in samples]


def test_results_never_hold_a_payload_or_a_plaintext_value(tmp_path: Path) -> None:
    memo = format_value("spn", "pii.1", "s", f"Paid to {span_token(_tok(7))} for rent")
    path = _write(tmp_path, {
        "email": [_tok(1), "ann@example.test"],
        "memo": [memo, "Paid to Ann for rent"],
        "iban": [format_value("enc", "k1", "s", SECRET), "DE89370400440532013000"],
        "card": [format_value("msk", "-", "s", "**** 4242"), "4111 1111 1111 1111"],
    })
    t = table_protection(path)
    text = repr(t) + " ".join(c.label() for c in t.columns.values())
    for raw in (SECRET, "ann@example.test", "Paid to", "DE89", "4242", "4111"):
        assert raw not in text


def test_missing_table_makes_every_column_unreadable_with_the_reason(tmp_path: Path) -> None:
    t = table_protection(str(tmp_path / "gone"), columns=["email"])
    assert t.version is None and t.columns["email"].state == "unreadable" and t.columns["email"].label() == "unreadable"
    assert t.note is not None and "does not exist" in t.note


def test_unsupported_reader_feature_makes_every_column_unreadable_without_raising(tmp_path: Path) -> None:
    path = _write(tmp_path, {"email": [_tok(1)], "id": pa.array([1], pa.int64())})
    # A reader feature delta-rs does not know (the protocol a future Delta writer could set).
    log = Path(path) / "_delta_log" / "00000000000000000000.json"
    actions = [json.loads(line) for line in log.read_text().splitlines()]
    for a in actions:
        if "protocol" in a:
            a["protocol"] = {"minReaderVersion": 3, "minWriterVersion": 7,
                             "readerFeatures": ["someFutureFeature"], "writerFeatures": ["someFutureFeature"]}
    log.write_text("\n".join(json.dumps(a) for a in actions) + "\n")
    t = table_protection(path, columns=["email", "id"])
    assert {c: p.state for c, p in t.columns.items()} == {"email": "unreadable", "id": "unreadable"}
    assert t.note is not None and "someFutureFeature" in t.note
