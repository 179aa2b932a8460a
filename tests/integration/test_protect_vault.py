"""The protect and reveal jobs end to end: real Sail session, real Delta tables, real OpenBao."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable
from pyspark.sql.types import (
    BinaryType,
    BooleanType,
    ByteType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from governance.errors import AccessDeniedError
from governance.keys.manager import KeyManager, key_tables
from governance.protection.reveal import reveal
from tests.fixtures.openbao import VaultLake

ALL_TYPES = StructType([
    StructField("id", IntegerType()),
    StructField("s", StringType()),
    StructField("i", IntegerType()),
    StructField("l", LongType()),
    StructField("h", ShortType()),
    StructField("b", ByteType()),
    StructField("d", DoubleType()),
    StructField("f", FloatType()),
    StructField("m", DecimalType(18, 4)),
    StructField("dt", DateType()),
    StructField("ts", TimestampType()),
    StructField("z", BooleanType()),
    StructField("bin", BinaryType()),
])
ALL_ROWS = [
    (1, "Zoë «quoted» ∑", 2_147_483_647, 9_007_199_254_740_993, -32768, 127, 0.1, 1.5, Decimal("12345678901234.5678"),
     dt.date(1970, 1, 1), dt.datetime(2024, 2, 29, 23, 59, 59, 999999), True, b"\x00\xffraw"),
    (2, "", -2_147_483_648, -9_223_372_036_854_775_808, 0, -128, -1.0e300, -3.25, Decimal("-0.0001"),
     dt.date(2099, 12, 31), dt.datetime(1999, 12, 31, 0, 0, 0), False, b""),
    (3, None, None, None, None, None, None, None, None, None, None, None, None),
    (4, "x:y:lw0:z", 7, 7, 7, 7, float("inf"), float("nan"), Decimal("0.0000"), dt.date(2000, 2, 29),
     dt.datetime(2001, 9, 9, 1, 46, 40, 1), True, b"\x01"),
]

CUSTOMERS = StructType([
    StructField("customer_id", StringType()),
    StructField("email", StringType()),
    StructField("iban", StringType()),
    StructField("card", StringType()),
    StructField("notes", StringType()),
    StructField("amount", DecimalType(12, 2)),
])


def customers(n: int = 6, offset: int = 0) -> list[tuple[Any, ...]]:
    rows = []
    for k in range(offset, offset + n):
        rows.append((f"cust-{k:04d}", f"person{k}@example-mail.test" if k % 5 != 4 else None,
                     f"DE89370400440532013{k:03d}", f"4111-1111-1111-{k:04d}", f"private note number {k} zqx",
                     Decimal(f"{k}.{k % 100:02d}")))
    return rows


POLICY = """protection:
  default_domain: pii
  tables:
    customers:
      subject_column: customer_id
      columns:
        customer_id: {action: tokenize}
        email: {action: tokenize}
        iban: {action: encrypt, domain: finance}
        card: {action: mask, keep_last: 4}
        notes: {action: encrypt_per_subject}
    orders:
      columns:
        email: {action: tokenize}
    all_types:
      columns:
        s: {action: tokenize}
        i: {action: encrypt}
        l: {action: tokenize}
        h: {action: encrypt}
        b: {action: tokenize}
        d: {action: encrypt}
        f: {action: tokenize}
        m: {action: encrypt}
        dt: {action: tokenize}
        ts: {action: encrypt}
        z: {action: tokenize}
        bin: {action: encrypt}
"""


def write_table(spark: Any, path: str, rows: list[tuple[Any, ...]], schema: StructType, mode: str = "overwrite") -> None:
    spark.createDataFrame(rows, schema).write.format("delta").mode(mode).save(path)


@pytest.fixture
def policy(tmp_path: Path) -> str:
    p = tmp_path / "policy.yaml"
    p.write_text(POLICY, encoding="utf-8")
    return str(p)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b) and type(a) is type(b)


def _files_containing(root: Path, needles: list[bytes]) -> dict[str, list[bytes]]:
    hits: dict[str, list[bytes]] = {}
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            found = [n for n in needles if n in data]
            if found:
                hits[str(p)] = found
    return hits


def test_dry_run_prints_plan_and_changes_nothing(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(), CUSTOMERS)
    rc, out, _ = vault_lake.cli("protect", path, "--policy", policy)
    assert rc == 0
    assert "dry run" in out and "tok pii v1 (new)" in out and "encrypt_per_subject" in out and "6 row(s)" in out
    assert DeltaTable(path).version() == 0
    assert not Path(key_tables(vault_lake.settings).keys_path).exists()


def test_apply_protects_in_one_commit_keeps_nulls_and_untouched_columns(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(), CUSTOMERS)
    before = {r["customer_id"]: r for r in spark.read.format("delta").load(path).collect()}
    rc, out, err = vault_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 0, err
    assert DeltaTable(path).version() == 1  # exactly one commit
    after = spark.read.format("delta").load(path)
    assert dict(after.dtypes)["amount"] == "decimal(12,2)"
    rows = after.collect()
    assert len(rows) == len(before)
    for r in rows:
        assert r["customer_id"].startswith("lw1:tok:pii.1:s:")
        assert r["iban"].startswith("lw1:enc:") and r["notes"].startswith("lw1:sub:")
        assert r["card"].startswith("lw1:msk:-:s:****-****-****-")
    orig_by_amount = {r["amount"]: r for r in before.values()}
    for r in rows:
        o = orig_by_amount[r["amount"]]  # untouched column, value and type
        assert (r["email"] is None) == (o["email"] is None)  # nulls stay null
        assert r["card"].endswith(o["card"][-4:])
    audit = vault_lake.audit_text()
    assert '"action": "protect"' in audit or '"action":"protect"' in audit


def test_purge_history_leaves_no_plaintext_in_any_file(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(8), CUSTOMERS)
    spark.sql(f"DELETE FROM delta.`{path}` WHERE customer_id = 'cust-0007'").collect()  # a predicate in the log
    write_table(spark, path, customers(2, offset=10), CUSTOMERS, mode="append")
    plain = [v.encode() for r in spark.read.format("delta").load(path).collect()
             for v in (r["customer_id"], r["email"], r["iban"], r["notes"], r["card"]) if v]
    plain += [b"cust-0007", b"person7@example-mail.test"]
    assert _files_containing(Path(path), plain)  # the test can see plaintext before
    rc, out, err = vault_lake.cli("protect", path, "--policy", policy, "--apply", "--purge-history")
    assert rc == 0, err
    assert "time travel before version" in out and "no longer possible" in out
    assert _files_containing(Path(path), plain) == {}
    assert spark.read.format("delta").load(path).count() == 9


def test_equal_values_give_equal_tokens_across_tables(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    cpath, opath = vault_lake.path("customers"), vault_lake.path("orders")
    write_table(spark, cpath, customers(6), CUSTOMERS)
    orders = StructType([StructField("order_id", IntegerType()), StructField("email", StringType())])
    write_table(spark, opath, [(1, "person1@example-mail.test"), (2, "person2@example-mail.test"), (3, "nobody@x.test"),
                               (4, "person1@example-mail.test")], orders)
    assert vault_lake.cli("protect", cpath, "--policy", policy, "--apply")[0] == 0
    assert vault_lake.cli("protect", opath, "--policy", policy, "--apply")[0] == 0
    c = spark.read.format("delta").load(cpath)
    o = spark.read.format("delta").load(opath)
    joined = o.join(c, on="email", how="inner")
    assert sorted(r["order_id"] for r in joined.collect()) == [1, 2, 4]
    toks = [r["email"] for r in o.orderBy("order_id").collect()]
    assert toks[0] == toks[3] and toks[0] != toks[1]


def test_reveal_round_trips_every_type_exactly(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("all_types")
    write_table(spark, path, ALL_ROWS, ALL_TYPES)
    original = spark.read.format("delta").load(path)
    types = dict(original.dtypes)
    want = {r["id"]: r.asDict() for r in original.collect()}
    rc, _, err = vault_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 0, err
    stored = spark.read.format("delta").load(path)
    assert all(t == "string" for c, t in stored.dtypes if c != "id")
    cols = [c for c in types if c != "id"]
    km = KeyManager.from_settings(vault_lake.settings, "revealer")
    res = reveal(spark, km, path, columns=cols, also=["id"], limit=None)
    assert {c.column: c.original_type for c in res.columns} == {c: types[c] for c in cols}
    got = {r["id"]: r for r in res.rows}
    assert sorted(got) == sorted(want)
    for k, row in want.items():
        for c in cols:
            assert _same(got[k][c], row[c]), (k, c)


def test_protecting_twice_skips_protected_columns_and_protects_new_rows(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(4), CUSTOMERS)
    assert vault_lake.cli("protect", path, "--policy", policy, "--apply")[0] == 0
    first = {r["amount"]: r.asDict() for r in spark.read.format("delta").load(path).collect()}
    rc, out, _ = vault_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 0 and "skip: already protected" in out and "nothing to protect" in out
    assert DeltaTable(path).version() == 1
    spark.createDataFrame([("cust-0100", "new@x.test", "DE00", "4111-0000-0000-9999", "fresh note", Decimal("100.00"))],
                          CUSTOMERS).select(*[f"`{c}`" for c in CUSTOMERS.names]).selectExpr(
        *[f"CAST(`{c}` AS {t})" if c != "amount" else "amount" for c, t in
          (("customer_id", "string"), ("email", "string"), ("iban", "string"), ("card", "string"), ("notes", "string"), ("amount", ""))]
    ).write.format("delta").mode("append").save(path)
    assert vault_lake.cli("protect", path, "--policy", policy, "--apply")[0] == 0
    now = {r["amount"]: r.asDict() for r in spark.read.format("delta").load(path).collect()}
    for amount, row in first.items():
        assert now[amount] == row  # not protected twice
    assert all(v.startswith("lw1:") for v in now[Decimal("100.00")].values() if isinstance(v, str))
    km = KeyManager.from_settings(vault_lake.settings, "revealer")
    res = reveal(spark, km, path, columns=["email", "notes"], where="amount = 100.00")
    assert res.rows == [{"email": "new@x.test", "notes": "fresh note"}]


def test_policy_naming_a_missing_column_fails_before_any_work(spark: Any, vault_lake: VaultLake, tmp_path: Path) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(3), CUSTOMERS)
    bad = tmp_path / "bad.yaml"
    bad.write_text("protection:\n  tables:\n    customers:\n      columns:\n        e_mail: {action: tokenize}\n", encoding="utf-8")
    rc, _, err = vault_lake.cli("protect", path, "--policy", str(bad), "--apply")
    assert rc == 3 and "e_mail" in err and "does not have" in err
    assert DeltaTable(path).version() == 0
    assert not Path(key_tables(vault_lake.settings).keys_path).exists()


def test_policy_naming_an_unknown_entity_fails_at_load_with_its_line(spark: Any, vault_lake: VaultLake, tmp_path: Path) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(3), CUSTOMERS)
    bad = tmp_path / "bad.yaml"
    bad.write_text("protection:\n  entities:\n    EMAIL_ADRESS: {action: tokenize}\n", encoding="utf-8")
    rc, _, err = vault_lake.cli("protect", path, "--policy", str(bad), "--apply")
    assert rc == 3 and "EMAIL_ADRESS" in err and f"{bad}:2" in err
    assert DeltaTable(path).version() == 0


def test_protector_cannot_reveal_encrypted_values(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(3), CUSTOMERS)
    assert vault_lake.cli("protect", path, "--policy", policy, "--apply")[0] == 0
    km = KeyManager.from_settings(vault_lake.settings, "protector")
    with pytest.raises(AccessDeniedError, match="role 'protector'"):
        reveal(spark, km, path, columns=["iban"])
    with pytest.raises(AccessDeniedError, match="role 'protector'"):
        reveal(spark, km, path, columns=["notes"])


def test_reveal_needs_a_reason_and_audits_who_what_rows_why(spark: Any, vault_lake: VaultLake, policy: str) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(5), CUSTOMERS)
    assert vault_lake.cli("protect", path, "--policy", policy, "--apply")[0] == 0
    with pytest.raises(SystemExit):
        vault_lake.cli("reveal", path, "--columns", "email")
    rc, out, err = vault_lake.cli("reveal", path, "--columns", "email,iban", "--also", "amount",
                                  "--where", "amount > 2.5", "--reason", "ticket SUP-1234 fraud review")
    assert rc == 0, err
    assert "person3@example-mail.test" in out and "DE89370400440532013003" in out
    entries = [e for e in vault_lake.audit_text().splitlines() if '"reveal"' in e]
    assert len(entries) == 1
    e = entries[0]
    assert "ticket SUP-1234 fraud review" in e and '"rows": 2' in e and '"email"' in e and '"actor"' in e
    assert "amount > ?" in e and "person3" not in e


def test_entity_rules_follow_catalog_labels_and_reviews(spark: Any, vault_lake: VaultLake, tmp_path: Path) -> None:
    from governance.catalog import Catalog, ColumnRecord

    path = vault_lake.path("contacts")
    schema = StructType([StructField("contact", StringType()), StructField("city", StringType()), StructField("n", IntegerType())])
    write_table(spark, path, [("a@x.test", "Leeds", 1), ("b@x.test", "York", 2)], schema)
    Catalog(vault_lake.settings).record_scan(
        table=path, table_name="contacts", delta_version=0, recognizers="test", nlp="no_op",
        columns=[ColumnRecord("contact", "EMAIL_ADDRESS", ["EMAIL_ADDRESS"], 0.99, "confidential", {}),
                 ColumnRecord("city", "LOCATION", ["LOCATION"], 0.7, "internal", {})],
    )
    pol = tmp_path / "entities.yaml"
    pol.write_text("protection:\n  entities:\n    EMAIL_ADDRESS: {action: tokenize}\n    LOCATION: {action: mask, keep_last: 1}\n",
                   encoding="utf-8")
    rc, out, err = vault_lake.cli("protect", path, "--policy", str(pol))
    assert rc == 0, err
    assert "entity EMAIL_ADDRESS (unreviewed)" in out and "entity LOCATION (unreviewed)" in out
    rc, out, err = vault_lake.cli("protect", path, "--policy", str(pol), "--apply")
    assert rc == 0, err
    rows = {r["n"]: r for r in spark.read.format("delta").load(path).collect()}
    assert rows[1]["contact"].startswith("lw1:tok:pii.1:s:") and rows[1]["city"] == "lw1:msk:-:s:****s"
