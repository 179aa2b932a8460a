"""Which columns erasure searches: catalog entities, free text, column keys, tokens, name hints (no Spark)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.config import Settings
from retention.erasure.locate import plan_targets


@dataclass
class _Col:
    table: str
    column: str
    entity: str | None
    entities: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


IDS = [{"key": "EMAIL_ADDRESS", "kind": "email", "entity": True, "hash": "h1"},
       {"key": "customer_id", "kind": "text", "entity": False, "hash": "h2"}]


def test_catalog_columns_drive_the_search(tmp_path: Path) -> None:
    s = Settings.model_validate({"lake": {"root": str(tmp_path)}})
    t = str(tmp_path / "crm")
    cat = [_Col(t, "contact", "EMAIL_ADDRESS", ["EMAIL_ADDRESS"]), _Col(t, "notes", "PERSON", ["PERSON", "EMAIL_ADDRESS"], {"free_text": True}),
           _Col(t, "email_opt_in", None)]
    (tt,) = plan_targets(s, [(t, [("contact", "string"), ("notes", "string"), ("email_opt_in", "string"), ("customer_id", "bigint")])],
                         IDS, catalog=cat)
    got = {x.column: (x.kinds, x.free_text) for x in tt.targets}
    assert got == {"contact": (("email",), False), "notes": (("email",), True), "customer_id": (("text",), False)}
    assert tt.name == "crm"


def test_uncatalogued_tables_fall_back_to_name_hints_and_tokens(tmp_path: Path) -> None:
    s = Settings.model_validate({"lake": {"root": str(tmp_path)}})
    t = str(tmp_path / "new")
    (tt,) = plan_targets(s, [(t, [("e_mail", "string"), ("body", "string"), ("segment", "string"), ("n", "bigint")])], IDS, catalog=[], tokens=True)
    got = {x.column: x.source for x in tt.targets}
    assert got == {"e_mail": "name hint", "body": "name hint:free text", "segment": "token"}


def test_tables_without_any_target_are_not_searched(tmp_path: Path) -> None:
    s = Settings.model_validate({"lake": {"root": str(tmp_path)}})
    assert plan_targets(s, [(str(tmp_path / "x"), [("amount", "double")])], IDS, catalog=[]) == []
