"""Classification policy (``conf/classification.yaml``), table risk tiers and review cadence.

The policy file is typed here (governance owns policy); the classifier reads its sensitivity
tiers and fusion thresholds, and this module rates each table from its catalogued columns:
a table's risk tier comes from its most sensitive column, and the policy sets how often each
tier must be reviewed. :func:`overdue_reviews` lists the tables whose review is late.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from governance.yamlconf import load_model

if TYPE_CHECKING:
    from governance.catalog import CatalogColumn
    from governance.config import Settings

Sensitivity = Literal["public", "internal", "confidential", "restricted"]
RiskTier = Literal["high", "medium", "low"]
#: Kinds of quasi-identifier the classifier reports (retention's k-anonymity uses them).
QuasiKind = Literal["country", "state", "postcode", "gender", "birth_year", "occupation"]
SENSITIVITY_ORDER: dict[str, int] = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}
TIER_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SensitivityPolicy(_Strict):
    """Sensitivity tier per entity."""

    no_entity: Sensitivity = "public"
    unknown_entity: Sensitivity = "restricted"
    entities: dict[str, Sensitivity] = {}


class FusionPolicy(_Strict):
    """Thresholds of the column-verdict fusion."""

    min_score: float = Field(default=0.3, ge=0, le=1)
    name_hint_share_factor: float = Field(default=0.5, gt=0, le=1)
    free_text_min_share: float = Field(default=0.05, gt=0, le=1)
    secondary_min_share: float = Field(default=0.15, gt=0, le=1)


class RiskPolicy(_Strict):
    """Risk tier per sensitivity and review cadence per tier."""

    tier_by_sensitivity: dict[Sensitivity, RiskTier] = {"restricted": "high", "confidential": "medium", "internal": "low", "public": "low"}
    review_every_days: dict[RiskTier, int] = {"high": 90, "medium": 180, "low": 365}
    first_review_within_days: int = Field(default=30, ge=0)

    @field_validator("review_every_days")
    @classmethod
    def _all_tiers(cls, v: dict[str, int]) -> dict[str, int]:
        missing = {"high", "medium", "low"} - set(v)
        if missing:
            raise ValueError(f"review_every_days must give every tier; missing {sorted(missing)}")
        if any(d <= 0 for d in v.values()):
            raise ValueError("review_every_days must be positive")
        return v


class ClassificationPolicy(_Strict):
    """Contents of ``conf/classification.yaml``."""

    sensitivity: SensitivityPolicy = SensitivityPolicy()
    fusion: FusionPolicy = FusionPolicy()
    name_hints: dict[str, list[str]] = {}
    #: Column-name hints per quasi-identifier kind (regular expressions over the lower-cased leaf name).
    quasi_hints: dict[QuasiKind, list[str]] = {}
    risk: RiskPolicy = RiskPolicy()

    @field_validator("name_hints", "quasi_hints")
    @classmethod
    def _regexes_compile(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for ent, pats in v.items():
            for p in pats:
                try:
                    re.compile(p)
                except re.error as exc:
                    raise ValueError(f"name hint for {ent}: {p!r} does not compile: {exc}") from None
        return v

    def sensitivity_of(self, entity: str | None) -> Sensitivity:
        """The sensitivity tier of an entity (``no_entity`` for None)."""
        if entity is None:
            return self.sensitivity.no_entity
        return self.sensitivity.entities.get(entity, self.sensitivity.unknown_entity)

    def max_sensitivity(self, entities: list[str]) -> Sensitivity:
        """The highest tier among ``entities`` (``no_entity`` when empty)."""
        tiers = [self.sensitivity_of(e) for e in entities] or [self.sensitivity.no_entity]
        return max(tiers, key=lambda t: SENSITIVITY_ORDER[t])

    def name_hinted(self, column_leaf: str) -> set[str]:
        """Entities whose name hints match the lower-cased column leaf name."""
        name = snake_name(column_leaf)
        return {ent for ent, pats in self.name_hints.items() if any(re.search(p, name) for p in pats)}

    def quasi_hinted(self, column_leaf: str) -> set[str]:
        """Quasi-identifier kinds whose hints match the lower-cased column leaf name."""
        name = snake_name(column_leaf)
        return {kind for kind, pats in self.quasi_hints.items() if any(re.search(p, name) for p in pats)}


def snake_name(column_leaf: str) -> str:
    """``CountryCode`` -> ``country_code``: the lower-case form the name-hint patterns are written for."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column_leaf).lower().replace("-", "_").replace(" ", "_")


def classification_policy_path(settings: "Settings") -> Path:
    """Where ``conf/classification.yaml`` is: ``$LAKEWARDEN_CLASSIFICATION_POLICY`` or next to the recognizers file."""
    import os

    env = os.environ.get("LAKEWARDEN_CLASSIFICATION_POLICY")
    return Path(env) if env else Path(settings.recognizers).with_name("classification.yaml")


def load_classification_policy(path: str | Path) -> ClassificationPolicy:
    """Read ``conf/classification.yaml``.

    Raises:
        ConfigError: With file:line, key path and valid choices.
    """
    return load_model(ClassificationPolicy, path)


@dataclass(frozen=True)
class TableRisk:
    """The risk rating of one table and its review status."""

    table: str
    tier: RiskTier
    sensitivity: Sensitivity
    personal_columns: list[str]
    last_reviewed: datetime | None
    first_scanned: datetime | None
    review_due: datetime | None
    overdue: bool
    days_overdue: int


def rate_tables(columns: list["CatalogColumn"], policy: ClassificationPolicy, *, now: datetime | None = None) -> list[TableRisk]:
    """Rate every table in ``columns`` (effective catalog columns) and compute its review due date.

    A table's last review is the oldest of its personal columns' last reviews (every personal
    column must have been looked at); a table never reviewed is due ``first_review_within_days``
    after its first scan.
    """
    now = now or datetime.now(timezone.utc)
    by_table: dict[str, list[CatalogColumn]] = {}
    for c in columns:
        by_table.setdefault(c.table, []).append(c)
    out = []
    for table, cols in sorted(by_table.items()):
        sens = policy.max_sensitivity([e for c in cols for e in (c.entities or ([c.entity] if c.entity else []))])
        tier = policy.risk.tier_by_sensitivity.get(sens, "high")
        personal = [c for c in cols if c.entity]
        reviewed_times = [c.reviewed_at for c in personal if c.reviewed and c.reviewed_at is not None]
        last_reviewed = min(reviewed_times) if personal and len(reviewed_times) == len(personal) else None
        scanned = [t for t in (c.first_scanned_at or c.scanned_at for c in cols) if t is not None]
        first_scanned = min(scanned) if scanned else None
        if last_reviewed is not None:
            due: datetime | None = last_reviewed + timedelta(days=policy.risk.review_every_days[tier])
        elif first_scanned is not None:
            due = first_scanned + timedelta(days=policy.risk.first_review_within_days)
        else:
            due = None
        overdue = due is not None and due < now and bool(personal)
        out.append(
            TableRisk(
                table=table,
                tier=tier,
                sensitivity=sens,
                personal_columns=[c.column for c in personal],
                last_reviewed=last_reviewed,
                first_scanned=first_scanned,
                review_due=due,
                overdue=overdue,
                days_overdue=(now - due).days if overdue and due else 0,
            )
        )
    return out


def overdue_reviews(columns: list["CatalogColumn"], policy: ClassificationPolicy, *, now: datetime | None = None) -> list[TableRisk]:
    """Tables with personal data whose review is past due, the most overdue high-risk first."""
    rated = [r for r in rate_tables(columns, policy, now=now) if r.overdue]
    return sorted(rated, key=lambda r: (-TIER_ORDER[r.tier], -r.days_overdue, r.table))
