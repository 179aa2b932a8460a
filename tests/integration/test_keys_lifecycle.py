"""Key lifecycle against OpenBao: rotate + rewrap + reencrypt keep values readable; crypto-shredding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from governance.keys.manager import KeyManager, key_tables
from governance.protection.reveal import reveal
from tests.fixtures.openbao import VaultLake
from tests.integration.test_protect_vault import CUSTOMERS, customers, policy, write_table  # noqa: F401

pytestmark = pytest.mark.both_engines

COLS = ["customer_id", "email", "iban", "notes"]


def _plain(spark: Any, path: str) -> dict[Any, dict[str, Any]]:
    return {r["amount"]: {c: r[c] for c in COLS} for r in spark.read.format("delta").load(path).collect()}


def _revealed(spark: Any, vault_lake: VaultLake, path: str, version: int | None = None) -> dict[Any, dict[str, Any]]:
    km = KeyManager.from_settings(vault_lake.settings, "revealer")
    res = reveal(spark, km, path, columns=COLS, also=["amount"], limit=None, version=version)
    return {r["amount"]: {c: r[c] for c in COLS} for r in res.rows}


def test_rotate_rewrap_reencrypt_keep_every_value_readable(spark: Any, vault_lake: VaultLake, policy: str,  # noqa: F811
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(6), CUSTOMERS)
    want = _plain(spark, path)
    rc, _, err = vault_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 0, err
    rc, out, err = vault_lake.cli("keys", "rotate", "pii")
    assert rc == 0 and "token key now v2" in out, err
    monkeypatch.setenv("VAULT_TOKEN", vault_lake.bao.root_token)
    for kek in ("data", "subject", "encrypt"):
        rc, out, err = vault_lake.cli("keys", "rotate", "--kek", kek)
        assert rc == 0, err
    monkeypatch.delenv("VAULT_TOKEN")
    rc, out, err = vault_lake.cli("keys", "rewrap")
    assert rc == 0, err
    km = KeyManager.from_settings(vault_lake.settings, "protector")
    latest = km.provider.kek_versions()
    tables = key_tables(vault_lake.settings)
    assert all(r.kek_version == latest[r.kek] for r in tables.key_rows())
    assert all(r.kek_version == latest["subject"] for r in tables.subject_rows())
    assert _revealed(spark, vault_lake, path) == want  # rewrap alone changes nothing readable
    rc, out, err = vault_lake.cli("keys", "reencrypt", path)
    assert rc == 0 and "dry run" in out and DeltaTable(path).version() == 1
    rc, out, err = vault_lake.cli("keys", "reencrypt", path, "--apply")
    assert rc == 0, err
    stored = spark.read.format("delta").load(path).collect()
    assert all(r["customer_id"].startswith("lw1:tok:pii.2:") for r in stored)
    assert _revealed(spark, vault_lake, path) == want
    rc, out, _ = vault_lake.cli("keys", "status", path)
    assert rc == 0 and "pii.2" in out and "pii.1 " not in out
    # a table protected after the rotation joins with the re-encrypted one again
    opath = vault_lake.path("orders")
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    write_table(spark, opath, [(1, "person1@example-mail.test")],
                StructType([StructField("order_id", IntegerType()), StructField("email", StringType())]))
    assert vault_lake.cli("protect", opath, "--policy", policy, "--apply")[0] == 0
    joined = spark.read.format("delta").load(opath).join(spark.read.format("delta").load(path), on="email")
    assert joined.count() == 1


def test_destroying_one_subject_key_shreds_it_in_every_version_and_spares_others(
    spark: Any, vault_lake: VaultLake, policy: str, tmp_path: Path  # noqa: F811
) -> None:
    path = vault_lake.path("customers")
    write_table(spark, path, customers(5), CUSTOMERS)
    rc, _, err = vault_lake.cli("protect", path, "--policy", policy, "--apply")
    assert rc == 0, err  # version 1
    # a later row of the same subject whose id is already tokenized: protect detokenizes it to find the subject
    token = next(r["customer_id"] for r in spark.read.format("delta").load(path).collect() if str(r["amount"]) == "1.01")
    assert token.startswith("lw1:tok:")
    extra = [(token, "again1@example-mail.test", "DE1", "4111-2222-3333-4444", "second note of one", __import__("decimal").Decimal("50.00"))]
    spark.createDataFrame(extra, CUSTOMERS).selectExpr(
        "customer_id", "email", "iban", "card", "notes", "amount").write.format("delta").mode("append").save(path)  # version 2
    assert vault_lake.cli("protect", path, "--policy", policy, "--apply")[0] == 0  # version 3
    protector = KeyManager.from_settings(vault_lake.settings, "protector").provider
    (ref,) = protector.subject_refs(["cust-0001"])
    tables = key_tables(vault_lake.settings)
    doomed = [r.wrapped for r in tables.subject_rows() if r.subject_ref == ref]
    assert len(doomed) == 2  # one key per protect run that saw the subject
    before = {v: _revealed(spark, vault_lake, path, version=v) for v in (1, 3)}
    subjects = tmp_path / "subjects.txt"
    subjects.write_text("cust-0001\n", encoding="utf-8")
    rc, out, err = vault_lake.cli("keys", "destroy-subjects", "--subjects-file", str(subjects))
    assert rc == 0 and "would destroy 2 key(s)" in out
    rc, out, err = vault_lake.cli("keys", "destroy-subjects", "--subjects-file", str(subjects), "--apply")
    assert rc == 0 and "destroyed 2 key(s) of 1 subject(s)" in out, err
    for v in (1, 3):
        after = _revealed(spark, vault_lake, path, version=v)
        for amount, row in before[v].items():
            if row["customer_id"] == "cust-0001":
                assert after[amount]["notes"] is None  # unreadable in every version
                assert after[amount]["customer_id"] == "cust-0001"  # tokens are not subject keys
            else:
                assert after[amount] == row
    hits = [p for p in Path(tables.subject_keys_path).rglob("*") if p.is_file()
            and any(w.encode() in p.read_bytes() or w.split(":")[2][:24].encode() in p.read_bytes() for w in doomed)]
    assert hits == []
    assert len(tables.subject_rows()) == 4  # 5 + 1 keys made, 2 destroyed


def test_keys_bootstrap_cli_needs_an_admin_token_and_writes_private_credentials(
    vault_lake: VaultLake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = tmp_path / "approle"
    rc, _, err = vault_lake.cli("keys", "bootstrap", "--credentials-dir", str(creds))
    assert rc == 8 and "administrator token" in err
    token_file = tmp_path / "admin.token"
    token_file.write_text(vault_lake.bao.root_token, encoding="utf-8")
    rc, out, err = vault_lake.cli("keys", "bootstrap", "--token-file", str(token_file), "--credentials-dir", str(creds))
    assert rc == 0, err
    assert "lakewarden-kek-encrypt" in out and "existed" in out
    assert sorted(p.name for p in creds.iterdir()) == sorted(
        f"{r}.{k}" for r in ("classifier", "eraser", "protector", "revealer") for k in ("role_id", "secret_id"))
    assert vault_lake.bao.root_token not in out + err + vault_lake.audit_text()
    for p in creds.iterdir():
        assert p.read_text(encoding="utf-8").strip() not in out + vault_lake.audit_text()
    rc, out, _ = vault_lake.cli("keys", "policies")
    assert rc == 0 and out.count("# ---- policy lakewarden-") == 4
