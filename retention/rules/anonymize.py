"""Anonymization actions as Spark column expressions (run on every engine)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from governance.errors import PolicyError
from governance.protection.codec import PREFIX as PROTECTED_PREFIX
from governance.retention_policy import AnonymizeAction

if TYPE_CHECKING:
    from pyspark.sql import Column
    from pyspark.sql.types import DataType

_STRING_RESULT = frozenset({"truncate", "token", "mask"})


def result_is_string(action: AnonymizeAction) -> bool:
    """True when the action turns the column into a string column."""
    return action.action in _STRING_RESULT


def expression(column: str, dtype: "DataType", action: AnonymizeAction, *, salt: str | None = None, table: str = "") -> "Column":
    """The anonymized value of ``column`` (of Spark type ``dtype``).

    ``token`` uses a random salt per apply that is never stored: the tokens are consistent
    within one run (joinable) and can never be turned back.

    Raises:
        PolicyError: The action does not fit the column's type.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, NumericType, StringType, TimestampNTZType, TimestampType

    c = F.col(f"`{column}`")
    kind = action.action
    if kind == "null":
        return F.lit(None).cast(dtype)
    if kind in ("generalize_date", "bucket") and isinstance(dtype, StringType):
        # A column Lakewarden protected (lw1: values) keeps a reversible token or ciphertext of
        # the exact value, which would defeat generalization; without the revealer's key it
        # cannot be generalized, so protected values are nulled (the stricter outcome) and plain
        # strings are parsed and generalized.
        s0 = c.cast(StringType())
        if kind == "generalize_date":
            plain = F.date_format(F.date_trunc(str(action.to).upper(), s0.cast("timestamp")), "yyyy-MM-dd")
        else:
            w0 = float(action.width or 1)
            plain = (F.floor(s0.cast("double") / F.lit(w0)) * F.lit(w0)).cast(StringType())
        return F.when(s0.startswith(PROTECTED_PREFIX), F.lit(None).cast(StringType())).otherwise(plain)
    if kind == "generalize_date":
        if not isinstance(dtype, (DateType, TimestampType, TimestampNTZType)):
            raise PolicyError(f"{table}: column {column!r} is {dtype.simpleString()}; generalize_date needs a date or timestamp")
        return F.date_trunc(str(action.to).upper(), c).cast(dtype)
    if kind == "bucket":
        if not isinstance(dtype, NumericType):
            raise PolicyError(f"{table}: column {column!r} is {dtype.simpleString()}; bucket needs a number")
        w = float(action.width or 1)
        return (F.floor(c / F.lit(w)) * F.lit(w)).cast(dtype)
    s = c.cast(StringType())
    if kind == "truncate":
        return F.substring(s, 1, int(action.keep or 0))
    if kind == "mask":
        keep = int(action.keep or 0)
        head = F.expr(f"substring(CAST(`{column}` AS STRING), 1, greatest(length(CAST(`{column}` AS STRING)) - {keep}, 0))")
        tail = F.expr(f"substring(CAST(`{column}` AS STRING), greatest(length(CAST(`{column}` AS STRING)) - {keep}, 0) + 1)") if keep else F.lit("")
        return F.concat(F.regexp_replace(head, "[A-Za-z0-9]", "*"), tail)
    if kind == "token":
        salt = salt or os.urandom(16).hex()
        return F.when(s.startswith("anon:"), s).otherwise(F.concat(F.lit("anon:"), F.sha2(F.concat(F.lit(salt), s), 256).substr(1, 32)))
    raise PolicyError(f"{table}: unknown anonymize action {kind!r}")
