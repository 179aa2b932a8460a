"""Erasure against a real OpenBao server with the least-privileged eraser role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from tests.fixtures.openbao import VaultLake
from tests.fixtures.lake_scan import grep_lake
from tests.integration.test_erase_e2e import SUBJECT, _people, _subject_row, _write


def _lake(spark: Any, vault_lake: VaultLake, *, tokens: bool) -> dict[str, Any]:
    from governance.keys.manager import KeyManager, key_tables
    from governance.protection.transforms import SubjectTransform, TokenTransform

    policy = vault_lake.root.parent / "policy.yaml"
    policy.write_text("protection:\n  tables:\n    statements:\n      subject_column: customer_id\n", encoding="utf-8")
    with open(vault_lake.config, "a", encoding="utf-8") as fh:
        fh.write(f"policy: {policy}\n")
    settings = vault_lake.settings
    people = _people(20)
    _write(spark, pd.concat([people, _subject_row()], ignore_index=True), vault_lake.path("customers"))
    mgr = KeyManager(vault_lake.bao.provider("protector"), key_tables(settings))
    cids = [str(c) for c in people["customer_id"].head(5)] + [str(SUBJECT["customer_id"])]
    keying = mgr.new_subject_keying(cids)
    notes = SubjectTransform(keying, "s").apply([f"n{c}" for c in cids[:-1]] + ["secret note of zebulon"], cids)
    _write(spark, pd.DataFrame({"customer_id": pd.Series([int(c) for c in cids], dtype="int64"), "note": notes}), vault_lake.path("statements"))
    out = {"settings": settings, "subject_key": keying.key_of(str(SUBJECT["customer_id"]))[0], "other_keys": [keying.key_of(c)[0] for c in cids[:-1]]}
    if tokens:
        v = mgr.ensure_domain_key("pii", "tok")
        k = mgr.domain_keys([("tok", "pii", v)])[("tok", "pii", v)]
        toks = TokenTransform(domain="pii", version=v, key=k, code="s").apply([SUBJECT["email"]])
        _write(spark, pd.DataFrame({"email_token": toks}), vault_lake.path("crm"))
    return out


def test_eraser_role_erases_and_shreds_on_vault(spark: Any, vault_lake: VaultLake) -> None:
    info = _lake(spark, vault_lake, tokens=False)
    rc, out, err = vault_lake.cli("--quiet", "erase", "request", "--subject", f"EMAIL_ADDRESS={SUBJECT['email']}",
                                  f"customer_id={SUBJECT['customer_id']}", "--regulation", "ccpa")
    assert rc == 0, err
    rid = out.strip()
    rc, out, err = vault_lake.cli("--quiet", "erase", "run", rid)
    assert rc == 0, err
    assert "dry run" in out and "customers" in out
    rc, out, err = vault_lake.cli("--quiet", "erase", "run", rid, "--apply")
    assert rc == 0, err
    receipt = Path(out.strip().split("receipt ")[-1])
    doc = json.loads(receipt.read_text())
    assert doc["keys_destroyed"] == 1 and doc["rows_removed"] == 2
    from governance.keys.manager import KeyManager, key_tables

    revealer = KeyManager(vault_lake.bao.provider("revealer"), key_tables(info["settings"]))
    assert revealer.subject_keys([info["subject_key"]]) == {}
    assert len(revealer.subject_keys(info["other_keys"])) == 5
    assert grep_lake(vault_lake.root, [SUBJECT["email"], "secret note of zebulon"]) == []
    rc, out, err = vault_lake.cli("--quiet", "erase", "verify", str(receipt))
    assert rc == 0 and "signature valid" in out, err
    rc, out, err = vault_lake.cli("--quiet", "erase", "status")
    assert rid in out and "done" in out
    assert SUBJECT["email"] not in vault_lake.audit_text()


def test_eraser_without_token_keys_is_told_what_to_grant(spark: Any, vault_lake: VaultLake) -> None:
    _lake(spark, vault_lake, tokens=True)
    rc, out, err = vault_lake.cli("--quiet", "erase", "request", "--subject", f"EMAIL_ADDRESS={SUBJECT['email']}")
    assert rc == 8, err
    assert "grant the eraser role decrypt on the data KEK" in err and SUBJECT["email"] not in err
