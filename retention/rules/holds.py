"""Legal-hold conditions evaluated on Arrow data (erasure rewrites files with pyarrow)."""

from __future__ import annotations

from typing import Any

import numpy as np

from governance.retention_policy import Condition


def condition_mask(table: Any, cond: Condition, *, partition_values: dict[str, str | None] | None = None) -> np.ndarray:
    """Boolean mask of the rows of a pyarrow table that ``cond`` covers (NULL counts as not covered).

    A condition on a partition column is decided by the file's partition value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    if cond.column not in table.column_names:
        pv = (partition_values or {}).get(cond.column)
        col = pa.array([pv] * n, type=pa.string())
    else:
        col = table.column(cond.column)

    def lit(v: Any) -> Any:
        try:
            return pa.scalar(v, type=col.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            return pa.scalar(str(v))

    c = col
    if cond.op == "is_null":
        m = pc.is_null(c)
    elif cond.op == "not_null":
        m = pc.is_valid(c)
    elif cond.op in ("in", "not_in"):
        try:
            vs = pa.array(cond.value, type=col.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            vs, c = pa.array([str(v) for v in cond.value]), pc.cast(col, pa.string())
        m = pc.is_in(c, value_set=vs)
        if cond.op == "not_in":
            m = pc.and_(pc.invert(m), pc.is_valid(c))
    else:
        fn = {"==": pc.equal, "!=": pc.not_equal, "<": pc.less, "<=": pc.less_equal, ">": pc.greater, ">=": pc.greater_equal}[cond.op]
        v = lit(cond.value)
        if v.type != col.type:
            c = pc.cast(col, pa.string())
            v = pa.scalar(str(cond.value))
        m = fn(c, v)
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)
