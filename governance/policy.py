"""Typed models of ``conf/policy.yaml``: protection (entities/tiers/tables -> actions) and retention.

The retention section's models live in :mod:`governance.retention_policy` (owned by the
retention work); the protection section is described in :class:`ProtectionPolicy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from governance.retention_policy import RetentionPolicy
from governance.yamlconf import load_model

Action = Literal["tokenize", "encrypt", "encrypt_per_subject", "hash", "mask", "drop", "keep", "protect_spans"]
#: Actions that take a key domain (``protect_spans`` with its ``token`` operator only).
KEYED_ACTIONS: frozenset[str] = frozenset({"tokenize", "encrypt", "encrypt_per_subject", "hash", "protect_spans"})
#: How ``protect_spans`` protects each entity span found in free text: ``token`` (the default, the
#: one reveal can undo: the deterministic token ``tokenize`` gives for the span), ``replace``
#: (``<PERSON>``) or ``mask`` (every character of the span becomes ``mask_char``).
SpanOperator = Literal["token", "replace", "mask"]

#: Entity names the policy may use without declaring them: Presidio's predefined recognizers
#: and Lakewarden's financial ones. Others go in ``protection.custom_entities``.
KNOWN_ENTITIES: frozenset[str] = frozenset({
    "CREDIT_CARD", "CRYPTO", "DATE_TIME", "EMAIL_ADDRESS", "IBAN_CODE", "IP_ADDRESS", "NRP", "LOCATION",
    "PERSON", "PHONE_NUMBER", "MEDICAL_LICENSE", "URL", "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_ITIN",
    "US_PASSPORT", "US_SSN", "UK_NHS", "UK_NINO", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "IT_DRIVER_LICENSE",
    "IT_VAT_CODE", "IT_PASSPORT", "IT_IDENTITY_CARD", "PL_PESEL", "SG_NRIC_FIN", "SG_UEN", "AU_ABN", "AU_ACN",
    "AU_TFN", "AU_MEDICARE", "IN_PAN", "IN_AADHAAR", "IN_VEHICLE_REGISTRATION", "IN_VOTER", "IN_PASSPORT",
    "FI_PERSONAL_IDENTITY_CODE", "KR_RRN", "TH_TNIN", "ABA_ROUTING_NUMBER", "SWIFT_CODE", "BIC",
    "BANK_ACCOUNT", "ACCOUNT_NUMBER", "CARD_EXPIRY", "CVV", "TAX_ID", "DATE_OF_BIRTH", "ADDRESS",
    "CUSTOMER_ID", "SALARY", "AMOUNT",
})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnRule(_Strict):
    """What to do with one column (or every column of an entity or sensitivity tier).

    ``domain`` names the key domain of ``tokenize``/``hash``/``encrypt`` and of the ``token``
    operator of ``protect_spans`` (tokens are joinable within a domain);
    ``keep_first``/``keep_last``/``mask_char`` shape a ``mask``. ``protect_spans`` protects
    only the entity spans Presidio finds in free text (memos, notes) with ``operator``, for
    the ``entities`` listed (default: every entity the detector finds); ``mask_char`` is the
    character of its ``mask`` operator.
    """

    action: Action
    domain: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_\-]{0,39}$")
    keep_first: int = Field(default=0, ge=0, le=64)
    keep_last: int = Field(default=4, ge=0, le=64)
    mask_char: str = Field(default="*", min_length=1, max_length=1)
    operator: SpanOperator = "token"
    entities: list[str] | None = Field(default=None, min_length=1)

    @field_validator("entities")
    @classmethod
    def _entity_names(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        bad = [e for e in v if not e.replace("_", "").isalnum() or e.upper() != e]
        if bad:
            raise ValueError(f"entity names are UPPER_SNAKE_CASE: {bad}")
        if len(set(v)) != len(v):
            raise ValueError(f"an entity is listed twice: {sorted(e for e in set(v) if v.count(e) > 1)}")
        return v

    @model_validator(mode="after")
    def _domain_only_for_keys(self) -> "ColumnRule":
        if self.domain is not None and self.action not in KEYED_ACTIONS:
            raise ValueError(f"'domain' has no meaning for action {self.action!r}")
        given = self.model_fields_set
        if self.action != "protect_spans":
            extra = [k for k in ("operator", "entities") if k in given]
            if extra:
                verb = "is" if len(extra) == 1 else "are"
                raise ValueError(f"{' and '.join(repr(k) for k in extra)} {verb} only for action 'protect_spans', not {self.action!r}")
            return self
        if self.domain is not None and self.operator != "token":
            raise ValueError(f"'domain' has no meaning for protect_spans with operator {self.operator!r} (only 'token' uses a key)")
        shape = [k for k in ("keep_first", "keep_last") if k in given]
        if shape:
            verb = "has" if len(shape) == 1 else "have"
            raise ValueError(f"{' and '.join(repr(k) for k in shape)} {verb} no meaning for protect_spans (each span is protected whole)")
        return self


class TableRule(_Strict):
    """Rules for one table: its data-subject column and per-column overrides."""

    subject_column: str | None = None
    columns: dict[str, ColumnRule] = Field(default_factory=dict)


class ProtectionPolicy(_Strict):
    """The ``protection`` section.

    Precedence for a column: the table's column rule, then ``free_text`` when the catalog marks
    the column as free text mentioning entities, then the rule of the column's entity (from the
    catalog; reviewed labels win), then the rule of its sensitivity tier, else keep.
    """

    default_domain: str = Field(default="pii", pattern=r"^[a-z][a-z0-9_\-]{0,39}$")
    custom_entities: list[str] = Field(default_factory=list)
    #: Use catalog labels nobody has reviewed yet (False: only reviewed labels drive protection).
    use_unreviewed_labels: bool = True
    entities: dict[str, ColumnRule] = Field(default_factory=dict)
    sensitivity: dict[str, ColumnRule] = Field(default_factory=dict)
    tables: dict[str, TableRule] = Field(default_factory=dict)
    #: The rule of a column the catalog says holds free text that mentions entities (memos,
    #: notes): it replaces the entity rule, because tokenizing a whole memo destroys it. Absent:
    #: ``protect_spans`` with the ``token`` operator under ``default_domain``.
    free_text: ColumnRule | None = None

    @field_validator("custom_entities")
    @classmethod
    def _upper(cls, v: list[str]) -> list[str]:
        bad = [e for e in v if not e.replace("_", "").isalnum() or e.upper() != e]
        if bad:
            raise ValueError(f"custom entity names are UPPER_SNAKE_CASE: {bad}")
        return v

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, v: dict[str, ColumnRule], info: ValidationInfo) -> dict[str, ColumnRule]:
        known = KNOWN_ENTITIES | set(info.data.get("custom_entities") or [])
        unknown = sorted(e for e in v if e not in known)
        if unknown:
            raise ValueError(
                f"unknown entity {', '.join(unknown)} in protection.entities; declare custom entities in "
                f"protection.custom_entities (known include CREDIT_CARD, EMAIL_ADDRESS, IBAN_CODE, PERSON, PHONE_NUMBER, US_SSN ...)"
            )
        return v

    @field_validator("entities", "sensitivity", "tables", "free_text")
    @classmethod
    def _known_span_entities(cls, v: Any, info: ValidationInfo) -> Any:
        known = KNOWN_ENTITIES | set(info.data.get("custom_entities") or [])
        if v is None:
            rules: list[tuple[str, ColumnRule]] = []
        elif isinstance(v, ColumnRule):
            rules = [("", v)]
        elif info.field_name == "tables":
            rules = [(f"{t}.columns.{c}", r) for t, tr in v.items() for c, r in tr.columns.items()]
        else:
            rules = list(v.items())
        for where, rule in rules:
            unknown = sorted(e for e in (rule.entities or []) if e not in known)
            if unknown:
                path = ".".join(p for p in ("protection", info.field_name, where, "entities") if p)
                raise ValueError(
                    f"{path}: unknown entity {', '.join(unknown)}; declare custom entities in protection.custom_entities "
                    f"(known include CREDIT_CARD, EMAIL_ADDRESS, LOCATION, PERSON, PHONE_NUMBER, US_SSN ...)"
                )
        return v

    def domain_of(self, rule: ColumnRule) -> str:
        """The key domain a rule uses."""
        return rule.domain or self.default_domain

    def free_text_rule(self) -> ColumnRule:
        """The rule of free-text columns: ``free_text``, else ``protect_spans`` with the ``token`` operator."""
        return self.free_text if self.free_text is not None else ColumnRule(action="protect_spans")


class Policy(_Strict):
    """All of ``conf/policy.yaml``."""

    protection: ProtectionPolicy = Field(default_factory=ProtectionPolicy)
    retention: RetentionPolicy | None = None


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file.

    Raises:
        ConfigError: With file, line and key path.
    """
    return load_model(Policy, path)
