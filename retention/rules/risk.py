"""Re-identification risk: k-anonymity of a table over its quasi-identifiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from governance.errors import ColumnNotFoundError, InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from governance.config import Settings


@dataclass
class KReport:
    """k-anonymity of one table: every quasi-identifier combination occurs at least ``k`` times."""

    quasi: list[str]
    rows: int
    groups: int
    k: int
    #: Groups below the threshold (default 5) and the rows they hold (the re-identifiable ones).
    threshold: int
    groups_below: int
    rows_below: int
    smallest: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"quasi": self.quasi, "rows": self.rows, "groups": self.groups, "k": self.k, "threshold": self.threshold,
                "groups_below": self.groups_below, "rows_below": self.rows_below, "smallest": self.smallest}


def catalog_quasi_identifiers(settings: "Settings", table_path: str, *, table: str = "") -> list[str]:
    """The columns ``classify`` reported as quasi-identifiers for the table at ``table_path``
    (country, state, postcode, gender, birth year, occupation), in table order.

    Reads the lake's catalog table.

    Raises:
        InputError: No column of the table is recorded as a quasi-identifier (not classified yet,
            or none found): name them with ``--quasi`` / ``min_k.quasi``.
    """
    from governance.catalog import Catalog

    cols = [c.column for c in Catalog(settings).effective_columns(table_path) if c.quasi_identifier]
    if not cols:
        raise InputError(f"{table or table_path}: the catalog records no quasi-identifier column; run "
                         f"'lakewarden classify {table or table_path}' first, or list them (--quasi COL,COL or min_k.quasi)")
    return cols


def parse_quasi(text: str) -> list[str]:
    """``COL,COL`` -> column list.

    Raises:
        InputError: Empty list or duplicate column.
    """
    cols = [c.strip() for c in text.split(",") if c.strip()]
    if not cols:
        raise InputError("--quasi needs at least one column (COL,COL)")
    if len(set(cols)) != len(cols):
        raise InputError(f"--quasi lists a column twice: {text}")
    return cols


def k_anonymity(df: "DataFrame", quasi: list[str], *, threshold: int = 5, top: int = 10, table: str = "") -> KReport:
    """k-anonymity of ``df`` over ``quasi`` (one Spark aggregation; NULL is a value of its own).

    Raises:
        ColumnNotFoundError: A quasi-identifier is not a column.
    """
    from pyspark.sql import functions as F

    missing = [c for c in quasi if c not in df.columns]
    if missing:
        raise ColumnNotFoundError(f"{table or 'table'}: quasi-identifier column(s) {', '.join(missing)} do not exist "
                                  f"(columns: {', '.join(df.columns)})")
    groups = df.groupBy(*[F.col(f"`{c}`") for c in quasi]).agg(F.count(F.lit(1)).alias("__n"))
    stats = groups.agg(
        F.count(F.lit(1)).alias("groups"), F.min("__n").alias("k"), F.sum("__n").alias("rows"),
        F.sum(F.when(F.col("__n") < threshold, 1).otherwise(0)).alias("gb"),
        F.sum(F.when(F.col("__n") < threshold, F.col("__n")).otherwise(0)).alias("rb"),
    ).collect()[0]
    smallest = [
        {**{c: (None if r[c] is None else str(r[c])) for c in quasi}, "size": int(r["__n"])}
        for r in groups.orderBy(F.col("__n").asc(), *[F.col(f"`{c}`") for c in quasi]).limit(top).collect()
    ]
    return KReport(quasi=quasi, rows=int(stats["rows"] or 0), groups=int(stats["groups"] or 0), k=int(stats["k"] or 0),
                   threshold=threshold, groups_below=int(stats["gb"] or 0), rows_below=int(stats["rb"] or 0), smallest=smallest)
