"""Typed models of the ``retention:`` section of ``conf/policy.yaml``.

They live in ``governance`` because :mod:`governance.policy` types the whole policy file and
``governance`` may not import the ``retention`` feature package; the rule engine that
plans and applies them is :mod:`retention.rules`.

A rule selects tables (by name pattern, catalog tag or sensitivity tier), a row set (by
age of a date/timestamp column or a formatted partition column, and/or by coldness: not
read for N days) and an action: ``delete`` rows/partitions or ``anonymize`` named columns.
Legal holds (a whole table, or the rows matching a condition, with a reason and an end
date) override every rule and block erasure of what they cover.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Sensitivity = Literal["public", "internal", "confidential", "restricted"]
_SENS_ORDER = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Python strftime equivalents of the partition formats a rule may name.
DATE_FORMATS: dict[str, str] = {"yyyy": "%Y", "yyyy-MM": "%Y-%m", "yyyyMM": "%Y%m", "yyyy-MM-dd": "%Y-%m-%d", "yyyyMMdd": "%Y%m%d"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_ident(v: str) -> str:
    if not _IDENT.match(v):
        raise ValueError(f"{v!r} is not a plain column name (letters, digits, underscore)")
    return v


def sql_literal(value: Any) -> str:
    """A SQL literal for a condition value (strings quoted and escaped, dates typed)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class Condition(_Strict):
    """A row condition: ``column op value`` (typed, so it can be checked and never injects SQL)."""

    column: str
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "not_null"]
    value: Any = None

    _col = field_validator("column")(classmethod(lambda cls, v: _check_ident(v)))

    @model_validator(mode="after")
    def _value_shape(self) -> "Condition":
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs a list value")
        if self.op in ("is_null", "not_null") and self.value is not None:
            raise ValueError(f"op {self.op!r} takes no value")
        if self.op not in ("in", "not_in", "is_null", "not_null") and (self.value is None or isinstance(self.value, (list, dict))):
            raise ValueError(f"op {self.op!r} needs one scalar value")
        return self

    def sql(self) -> str:
        """The condition as Spark SQL."""
        c = f"`{self.column}`"
        if self.op == "is_null":
            return f"{c} IS NULL"
        if self.op == "not_null":
            return f"{c} IS NOT NULL"
        if self.op in ("in", "not_in"):
            items = ", ".join(sql_literal(v) for v in self.value) or "NULL"
            return f"{c} {'NOT IN' if self.op == 'not_in' else 'IN'} ({items})"
        op = "=" if self.op == "==" else ("<>" if self.op == "!=" else self.op)
        return f"{c} {op} {sql_literal(self.value)}"


class TableSelector(_Strict):
    """Which tables a rule covers: all given criteria must hold (none given: every table)."""

    table: str | None = None
    tag: str | None = None
    sensitivity: Sensitivity | None = Field(default=None, description="tables at least this sensitive")

    def matches(self, name: str, *, tags: set[str] | None = None, sensitivity: str | None = None) -> bool:
        """True when the table ``name`` (relative to the lake root) is covered."""
        if self.table is not None and not fnmatch.fnmatchcase(name, self.table):
            return False
        if self.tag is not None and self.tag not in (tags or set()):
            return False
        if self.sensitivity is not None:
            if sensitivity is None or _SENS_ORDER.get(sensitivity, -1) < _SENS_ORDER[self.sensitivity]:
                return False
        return True


class AgeCondition(_Strict):
    """Rows older than ``older_than_days`` by ``column`` (date, timestamp, or a partition string in ``format``)."""

    column: str
    older_than_days: int = Field(ge=0)
    format: Literal["yyyy", "yyyy-MM", "yyyyMM", "yyyy-MM-dd", "yyyyMMdd"] | None = None

    _col = field_validator("column")(classmethod(lambda cls, v: _check_ident(v)))

    def cutoff(self, today: date) -> date:
        """The first date that is kept."""
        return today - timedelta(days=self.older_than_days)

    def sql(self, today: date) -> str:
        """Rows strictly older than the cutoff. Formatted partitions: whole periods before the cutoff's period."""
        cut = self.cutoff(today)
        if self.format is not None:
            return f"`{self.column}` < {sql_literal(cut.strftime(DATE_FORMATS[self.format]))}"
        return f"`{self.column}` < {sql_literal(cut)}"


class ColdCondition(_Strict):
    """The table (or partition) has not been read for ``not_read_days`` (from the usage table)."""

    not_read_days: int = Field(ge=1)


AnonymizeKind = Literal["generalize_date", "truncate", "bucket", "null", "token", "mask"]


class AnonymizeAction(_Strict):
    """One column's anonymization.

    * ``generalize_date``: a date/timestamp becomes the first day of its ``to`` period (year, month).
    * ``truncate``: keep the first ``keep`` characters of a string (postcodes: ``021`` of ``02139``).
    * ``bucket``: a number becomes the lower bound of its ``width`` bucket.
    * ``null``: the value is removed (direct identifiers).
    * ``token``: the value becomes a one-way keyed token (no key can bring it back).
    * ``mask``: letters and digits become ``*`` except the last ``keep``.
    """

    action: AnonymizeKind
    to: Literal["year", "month"] | None = None
    keep: int | None = Field(default=None, ge=0, le=64)
    width: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _params(self) -> "AnonymizeAction":
        need = {"generalize_date": "to", "truncate": "keep", "bucket": "width"}
        field = need.get(self.action)
        if field and getattr(self, field) is None:
            raise ValueError(f"anonymize action {self.action!r} needs {field!r}")
        return self


class KAnonymity(_Strict):
    """After anonymization every combination of ``quasi`` values must occur at least ``k`` times.

    ``quasi: catalog`` takes the columns ``classify`` reported as quasi-identifiers of the table.
    """

    quasi: list[str] | Literal["catalog"] = Field(min_length=1)
    k: int = Field(ge=2)

    @field_validator("quasi")
    @classmethod
    def _cols(cls, v: list[str] | str) -> list[str] | str:
        return v if isinstance(v, str) else [_check_ident(c) for c in v]


class RetentionRule(_Strict):
    """One retention rule. See the module docstring."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
    match: TableSelector = Field(default_factory=TableSelector)
    age: AgeCondition | None = None
    cold: ColdCondition | None = None
    action: Literal["delete", "anonymize"]
    anonymize: dict[str, AnonymizeAction] = Field(default_factory=dict)
    min_k: KAnonymity | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "RetentionRule":
        if self.age is None and self.cold is None:
            raise ValueError(f"rule {self.name!r}: give 'age' and/or 'cold' (a rule without either would touch every row)")
        if self.action == "anonymize" and not self.anonymize:
            raise ValueError(f"rule {self.name!r}: action 'anonymize' needs 'anonymize' columns")
        if self.action == "delete" and (self.anonymize or self.min_k):
            raise ValueError(f"rule {self.name!r}: 'anonymize'/'min_k' have no meaning for action 'delete'")
        for col in self.anonymize:
            _check_ident(col)
        return self

    @property
    def keeps_days(self) -> int:
        """How long the rule keeps rows untouched (for conflict resolution: longer keeps more)."""
        return max(self.age.older_than_days if self.age else 0, self.cold.not_read_days if self.cold else 0)


class LegalHold(_Strict):
    """A legal hold: nothing it covers may be deleted, anonymized or erased until ``until``."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
    table: str
    where: Condition | None = None
    reason: str = Field(min_length=3)
    until: date

    def active(self, today: date) -> bool:
        """True while the hold is in force (through its end date)."""
        return today <= self.until

    def covers(self, name: str) -> bool:
        """True when the hold names table ``name`` (a glob pattern is allowed)."""
        return fnmatch.fnmatchcase(name, self.table)


class ErasureSettings(_Strict):
    """How erasure requests are answered."""

    #: Receipt signatures: Ed25519 (verifiable with the public key alone) or HMAC-SHA256.
    signing: Literal["ed25519", "hmac"] = "ed25519"
    #: Attempts per table when a concurrent writer commits first.
    max_commit_attempts: int = Field(default=5, ge=1, le=50)
    #: Columns that identify the data subject across tables (e.g. ``customer_id``): their values in
    #: the rows found by the request's identifiers become identifiers too (keyed hashes only), so
    #: an e-mail address also finds the subject's accounts and tickets. At most ``link_hops`` rounds.
    link_columns: list[str] = Field(default_factory=list)
    link_hops: int = Field(default=2, ge=1, le=5)

    @field_validator("link_columns")
    @classmethod
    def _link_idents(cls, v: list[str]) -> list[str]:
        return [_check_ident(c) for c in v]


class RetentionPolicy(_Strict):
    """The ``retention`` section of ``conf/policy.yaml``."""

    rules: list[RetentionRule] = Field(default_factory=list)
    holds: list[LegalHold] = Field(default_factory=list)
    erasure: ErasureSettings = Field(default_factory=ErasureSettings)

    @model_validator(mode="after")
    def _unique(self) -> "RetentionPolicy":
        for what, names in (("rule", [r.name for r in self.rules]), ("hold", [h.name for h in self.holds])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"duplicate {what} name(s): {', '.join(dup)}")
        return self

    def active_holds(self, name: str, today: date) -> list[LegalHold]:
        """Holds in force on table ``name`` today."""
        return [h for h in self.holds if h.covers(name) and h.active(today)]
