"""Ledger deadlines and storage, receipt signatures, fault injector (no Spark)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from governance.config import Settings
from governance.errors import InputError, VerificationFailedError
from retention.erasure.executor import FaultInjector, InjectedCrash
from retention.erasure.identifiers import Hasher, parse_subject
from retention.erasure.ledger import Ledger, deadline_for
from retention.erasure.receipt import check_signature, load_receipt, write_receipt
from retention.erasure.secrets import load_or_create
from retention.erasure.service import create_request


class _FakeProvider:
    """An index HMAC under a fixed key, like the local keyring's."""

    def __init__(self, key: bytes = b"i" * 32) -> None:
        self.key = key

    def subject_refs(self, values: list[str]) -> list[str]:
        import hashlib
        import hmac

        return [hmac.new(self.key, v.encode(), hashlib.sha256).hexdigest()[:32] for v in values]


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    import pyarrow as pa
    from deltalake import write_deltalake

    # one table with a customer_id column: a column key must name a column of the lake
    write_deltalake(str(tmp_path / "lake" / "customers"), pa.table({"customer_id": pa.array([1], pa.int64())}))
    return Settings.model_validate({"lake": {"root": str(tmp_path / "lake")}, "policy": str(tmp_path / "p.yaml")})


@pytest.mark.parametrize("reg,received,deadline", [
    ("gdpr", date(2026, 1, 31), date(2026, 2, 28)), ("gdpr", date(2026, 12, 15), date(2027, 1, 15)),
    ("ccpa", date(2026, 1, 1), date(2026, 2, 15)),
])
def test_legal_deadlines(reg: str, received: date, deadline: date) -> None:
    assert deadline_for(reg, received) == deadline


def test_unknown_regulation_is_refused() -> None:
    with pytest.raises(InputError, match="valid choices: gdpr, ccpa"):
        deadline_for("lgpd", date(2026, 1, 1))


def test_ledger_stores_only_keyed_hashes(settings: Settings) -> None:
    h = Hasher(os.urandom(32))
    req = create_request(settings, subject=["EMAIL_ADDRESS=jane.doe@x.test", "customer_id=4242"], regulation="ccpa",
                         received=date(2026, 1, 1), hasher=h, provider=_FakeProvider())
    raw = b"".join(p.read_bytes() for p in Path(settings.system_table("erasure_ledger")).rglob("*") if p.is_file())
    assert b"jane.doe" not in raw and b"4242" not in raw
    got = Ledger(settings).get(req.request_id)
    assert got.deadline == date(2026, 2, 15) and got.state == "received"
    assert got.hashes() == {h.identifier(i) for i in parse_subject(["EMAIL_ADDRESS=jane.doe@x.test", "customer_id=4242"])}
    Ledger(settings).record(got, state="erasing", event="located t")
    assert [e["state"] for e in Ledger(settings).events(req.request_id)] == ["received", "erasing"]
    with pytest.raises(InputError, match="not in the ledger"):
        Ledger(settings).get("er-missing")


def test_future_received_date_is_refused(settings: Settings) -> None:
    with pytest.raises(InputError, match="in the future"):
        create_request(settings, subject=["EMAIL_ADDRESS=a@b.test"], regulation="gdpr", received=date(2999, 1, 1), hasher=Hasher(b"k" * 32))


@pytest.mark.parametrize("alg", ["ed25519", "hmac"])
def test_receipt_signature_detects_edits(settings: Settings, alg: str) -> None:
    keys = load_or_create(settings, _FakeProvider())
    again = load_or_create(settings, _FakeProvider())
    assert again.hash_key == keys.hash_key and again.public_key_b64 == keys.public_key_b64
    req = create_request(settings, subject=["EMAIL_ADDRESS=a@b.test"], regulation="gdpr", received=date(2026, 1, 1),
                         hasher=Hasher(keys.hash_key))
    req.progress["tables"] = {"t": {"state": "erased", "rows_removed": 3}}
    path = write_receipt(settings, req, keys, alg=alg)
    doc = load_receipt(path)
    check_signature(settings, doc, keys=keys)
    doc["tables"][0]["rows_removed"] = 0
    with pytest.raises(VerificationFailedError):
        check_signature(settings, doc, keys=keys)
    assert "a@b.test" not in Path(path).read_text()


def test_erasure_keys_are_derived_not_stored_and_a_changed_index_key_is_refused(settings: Settings) -> None:
    from governance.errors import KeyFileError

    keys = load_or_create(settings, _FakeProvider())
    published = Path(settings.system_table("erasure_keys.json")).read_text()
    assert keys.public_key_b64 in published and keys.hash_key.hex() not in published
    with pytest.raises(KeyFileError, match="do not match"):
        load_or_create(settings, _FakeProvider(b"j" * 32))


def test_not_a_receipt_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"hello": 1}))
    with pytest.raises(InputError, match="not a Lakewarden erasure receipt"):
        load_receipt(str(p))
    with pytest.raises(InputError, match="not found"):
        load_receipt(str(tmp_path / "missing.json"))


def test_fault_injector_stops_at_its_point_only() -> None:
    f = FaultInjector(crash_at="after_delete:customers")
    f.hit("after_delete", "tickets")
    f.hit("before_vacuum")
    with pytest.raises(InjectedCrash):
        f.hit("after_delete", "customers")


def test_fault_injector_from_env_rejects_unknown_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEWARDEN_FAULT_INJECT", "during_lunch")
    with pytest.raises(InputError, match="not a fault point"):
        FaultInjector.from_env()
