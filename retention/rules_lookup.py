"""Which tables have a retention rule: the small interface the usage report needs.

Retention rules live in the policy file (``settings.policy``, default ``conf/policy.yaml``)
under ``retention.rules``; their models are :mod:`governance.retention_policy` and the
rule engine is :mod:`retention.rules`. A rule selects tables with a
:class:`~governance.retention_policy.TableSelector` (name glob, catalog tag, sensitivity
tier). The usage report only needs to know which tables some rule covers. No policy
file, or no ``retention:`` section yet, means no table has a rule (an empty set), so the
report works before rules exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance.config import Settings
from governance.lake import list_tables, table_name


def _rules(settings: Settings) -> list[Any]:
    path = Path(settings.policy)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    try:
        from retention.rules.model import load_retention_text
    except ImportError:  # pragma: no cover - the rules module ships with this package
        return []
    policy = load_retention_text(text, source=str(path))
    return list(getattr(policy, "rules", []) or [])


def tables_with_retention_rule(
    settings: Settings,
    *,
    tables: list[str] | None = None,
    sensitivity: dict[str, str] | None = None,
    tags: dict[str, set[str]] | None = None,
) -> set[str]:
    """Names (relative to the lake root) of the tables that at least one retention rule covers.

    Args:
        settings: Platform settings (``policy`` names the policy file, ``lake.root`` the lake).
        tables: Table names to check (default: every Delta table under the lake root).
        sensitivity: Highest sensitivity tier per table name (for rules that select by tier).
        tags: Catalog tags per table name (for rules that select by tag).

    Raises:
        ConfigError: The policy file or its ``retention`` section is invalid (file:line).
    """
    rules = _rules(settings)
    if not rules:
        return set()
    if tables is None:
        try:
            tables = [table_name(settings, p) for p in list_tables(settings.lake.root, system_dir=settings.lake.system_dir)]
        except Exception:  # noqa: BLE001 - no lake yet: nothing is covered
            return set()
    return {name for name in tables if _matching(rules, name, sensitivity=(sensitivity or {}).get(name), tags=(tags or {}).get(name))}


def rules_for_table(settings: Settings, name: str, *, sensitivity: str | None = None, tags: set[str] | None = None) -> list[Any]:
    """The retention rules (``RetentionRule``, in policy order) that select table ``name``.

    Raises:
        ConfigError: The policy file or its ``retention`` section is invalid (file:line).
    """
    return _matching(_rules(settings), name, sensitivity=sensitivity, tags=tags)


def _matching(rules: list[Any], name: str, *, sensitivity: str | None, tags: set[str] | None) -> list[Any]:
    out = []
    for rule in rules:
        selector = getattr(rule, "match", None)
        if selector is None or selector.matches(name, tags=tags, sensitivity=sensitivity):
            out.append(rule)
    return out
