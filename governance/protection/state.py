"""What the data says about each column's protection: plaintext, tokenized, encrypted ... or mixed.

The catalog says what a column *holds* (its classification); only the values say whether
``lakewarden protect`` has replaced them. :func:`table_protection` reads the CURRENT version of a
Delta table with delta-rs and PyArrow (never Spark), streams the requested columns batch by batch
and counts, with ``pyarrow.compute`` kernels only, how many values are in Lakewarden's protected
format (``lw1:<kind>:<keyref>:<type>:<payload>``, see :mod:`governance.protection.codec`), by kind
and key. Only counts and key names leave this module: never a value, a payload or a statistic
that holds one.

Importable without Spark.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from governance.errors import InputError, LakewardenError
from governance.protection.codec import KINDS, PREFIX, split_domain_ref

if TYPE_CHECKING:
    import pyarrow as pa

State = Literal[
    "plaintext", "tokenized", "encrypted", "hashed", "masked", "span_tokenized", "mixed", "empty", "dropped", "unreadable"
]

#: The state of a column whose every non-null value has this kind.
KIND_STATES: dict[str, State] = {
    "tok": "tokenized",
    "enc": "encrypted",
    "sub": "encrypted",
    "hsh": "hashed",
    "msk": "masked",
    "spn": "span_tokenized",
}
#: States in which every non-null value is protected.
PROTECTED_STATES: frozenset[str] = frozenset(KIND_STATES.values())
#: Kinds whose key reference is ``<domain>.<version>``.
_DOMAIN_KINDS = ("tok", "hsh", "spn")
_KIND_TEXT = {k: v.replace("_", "-") for k, v in KIND_STATES.items()}
_DATA_KEY = "data key"
_SUBJECT_KEYS = "subject keys"
#: :data:`governance.protection.codec.PROTECTED_SQL_RE` with the kind and the key reference captured.
_HEAD_RE = (
    r"^lw1:(?P<kind>" + "|".join(KINDS) + r"):(?P<keyref>[A-Za-z0-9_.\-]+):[A-Za-z0-9_.]+:"
)


@dataclass(frozen=True)
class ColumnProtection:
    """The protection state of one column, counted over its current values.

    Attributes:
        column: The column name.
        state: ``plaintext`` (no value protected), one protected state (``tokenized``,
            ``encrypted``, ``hashed``, ``masked``, ``span_tokenized``) when every non-null value
            has it, ``mixed`` (some values protected and some not, or protected states that
            differ), ``empty`` (no non-null value), ``dropped`` (the column is no longer in the
            table) or ``unreadable`` (the table could not be read; the table's note says why).
        values: Non-null values read.
        protected: How many of them are in the ``lw1`` format.
        kinds: Protected values by kind (``tok``, ``enc``, ``sub``, ``hsh``, ``msk``, ``spn``).
        key_domains: Sorted keys the protected values name: ``"<domain> v<version>"`` for
            ``tok``/``hsh``/``spn``, ``"subject keys"`` for ``sub``, ``"data key"`` for ``enc``.
        kind_domains: The same keys per kind (what :meth:`label` shows next to each kind).
    """

    column: str
    state: State
    values: int
    protected: int
    kinds: dict[str, int]
    key_domains: list[str]
    kind_domains: dict[str, list[str]] = field(default_factory=dict)

    def label(self) -> str:
        """Short human text of the state, e.g. ``tokenized (pii v1)`` or ``mixed: 60% tokenized (pii v1), 40% plaintext``."""
        if self.state == "dropped":
            return "dropped (no longer in the table)"
        if self.state == "empty":
            return "empty (no values)"
        if self.state in ("plaintext", "unreadable"):
            return self.state
        if self.state != "mixed":
            if len(self.kinds) == 1:
                return self._kind_text(next(iter(self.kinds)))
            text = self.state.replace("_", "-")
            return f"{text} ({', '.join(self.key_domains)})" if self.key_domains else text
        parts = [(n, self._kind_text(k)) for k, n in self.kinds.items()]
        if self.values > self.protected:
            parts.append((self.values - self.protected, "plaintext"))
        parts.sort(key=lambda p: (-p[0], p[1]))
        return "mixed: " + ", ".join(f"{_percent(n, self.values)} {text}" for n, text in parts)

    def _kind_text(self, kind: str) -> str:
        text = _KIND_TEXT.get(kind, kind)
        domains = [d for d in self.kind_domains.get(kind, []) if d != _DATA_KEY]
        return f"{text} ({', '.join(domains)})" if domains else text


@dataclass(frozen=True)
class TableProtection:
    """The protection state of a table's columns at one Delta version.

    Attributes:
        table: The table path as given to :func:`table_protection`.
        version: The Delta version read, or None when the table could not be opened.
        columns: Column name -> its state (every requested column, in the requested order).
        note: Why the table could not be read (every column is then ``unreadable``), else None.
    """

    table: str
    version: int | None
    columns: dict[str, ColumnProtection]
    note: str | None = None


def table_protection(table_path: str, *, columns: list[str] | None = None) -> TableProtection:
    """Count how each column of the CURRENT version of the Delta table at ``table_path`` is protected.

    Reads that table alone, with delta-rs and PyArrow (never Spark): its schema, the per-file
    null counts of its log for non-string columns, and the values of its string columns, streamed
    batch by batch. A non-string column is ``plaintext`` (every protected value is a string),
    ``empty`` when it holds no non-null value. Caches nothing.

    Args:
        table_path: Local path or URL of the table (``s3://`` URLs use the storage settings).
        columns: The columns to report (default: every column of the schema). A requested column
            missing from the schema is ``dropped``.

    Returns:
        The state of every requested column. A table delta-rs cannot read (missing, not a Delta
        table, an unsupported reader feature, an unreadable file) gives every column the state
        ``unreadable`` and the reason in ``note``; no exception escapes for that.
    """
    unreadable = _unreadable_errors()
    try:
        dt = _open(table_path)
        version = int(dt.version())
        dataset = dt.to_pyarrow_dataset()
    except unreadable as exc:
        return _unreadable(table_path, columns or [], None, _reason(exc))
    schema = dataset.schema
    wanted = list(columns) if columns is not None else list(schema.names)
    present = [c for c in wanted if schema.get_field_index(c) >= 0]
    strings = [c for c in present if _is_string(schema.field(c).type)]
    others = [c for c in present if c not in strings]
    try:
        counted = _non_null_from_log(dt, others)
        scanned = _scan(dataset, strings, [c for c in others if c not in counted])
    except unreadable as exc:
        # Errors of a data read may quote a value: keep only the kind of error.
        return _unreadable(table_path, wanted, version, f"delta-rs could not read the data files ({type(exc).__name__})")
    result: dict[str, ColumnProtection] = {}
    for c in wanted:
        if c not in present:
            result[c] = ColumnProtection(c, "dropped", 0, 0, {}, [])
        elif c in counted:
            result[c] = _plain(c, counted[c])
        elif c in others:
            result[c] = _plain(c, scanned[c].values)
        else:
            result[c] = scanned[c].result(c)
    return TableProtection(table=table_path, version=version, columns=result, note=None)


# ---------------------------------------------------------------------------------- reading
def _unreadable_errors() -> tuple[type[BaseException], ...]:
    """What opening or reading a table raises when the table, not this code, is the problem."""
    import pyarrow as pa
    from deltalake.exceptions import DeltaError

    return (DeltaError, pa.ArrowException, OSError, LakewardenError)


def _open(table_path: str) -> Any:
    """The ``DeltaTable`` at ``table_path`` (as :func:`governance.lake.read_delta_rows` opens it).

    Raises:
        TableNotFoundError, NotADeltaTableError: No Delta table there.
    """
    from deltalake import DeltaTable

    from governance.lake import canonical_url, is_remote, local_path, require_delta
    from governance.storage import delta_rs_options, is_s3

    require_delta(table_path)
    if not is_remote(table_path):
        return DeltaTable(local_path(table_path))
    url = canonical_url(table_path)
    return DeltaTable(url, storage_options=delta_rs_options()) if is_s3(url) else DeltaTable(url)


def _reason(exc: BaseException) -> str:
    """One line saying why a table cannot be opened.

    Only messages that name a protocol feature or a path are kept: the log also holds per-file
    minimum and maximum values, which another error (a damaged log) could quote.
    """
    from deltalake.exceptions import DeltaProtocolError

    first = (str(exc).splitlines() or [""])[0].strip()
    if isinstance(exc, LakewardenError):
        return first or type(exc).__name__
    if isinstance(exc, DeltaProtocolError) or "unsupported" in first.lower():
        return f"delta-rs could not open the table: {first[:300]}"
    return f"delta-rs could not open the table ({type(exc).__name__})"


def _unreadable(table_path: str, columns: list[str], version: int | None, note: str) -> TableProtection:
    cols = {c: ColumnProtection(c, "unreadable", 0, 0, {}, []) for c in columns}
    return TableProtection(table=table_path, version=version, columns=cols, note=note)


def _is_string(t: "pa.DataType") -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _non_null_from_log(dt: Any, columns: list[str]) -> dict[str, int]:
    """Non-null counts of ``columns`` from the log's per-file statistics, for the columns every file has them for.

    Reads only ``num_records`` and ``null_count`` of the add actions (never ``min``/``max``, which hold values).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not columns:
        return {}
    adds = pa.table(dt.get_add_actions(flatten=False))
    if adds.num_rows == 0:
        return dict.fromkeys(columns, 0)
    if "num_records" not in adds.column_names or "null_count" not in adds.column_names:
        return {}
    records = adds.column("num_records")
    nulls = adds.column("null_count")
    if records.null_count:
        return {}
    total = int(pc.sum(records).as_py() or 0)
    struct_type = nulls.type
    out: dict[str, int] = {}
    for c in columns:
        idx = struct_type.get_field_index(c)
        if idx < 0 or not pa.types.is_integer(struct_type.field(idx).type):
            continue
        col_nulls = pc.struct_field(nulls, [idx])
        if col_nulls.null_count:
            continue
        out[c] = total - int(pc.sum(col_nulls).as_py() or 0)
    return out


class _Tally:
    """Running counts of one column over the batches read so far."""

    def __init__(self) -> None:
        self.values = 0
        self.protected = 0
        #: ``tok:pii.1``-style keys for domain kinds, the bare kind for the others -> count.
        self.refs: Counter[str] = Counter()

    def add_nulls_only(self, arr: "pa.Array") -> None:
        self.values += len(arr) - arr.null_count

    def add(self, arr: "pa.Array") -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        non_null = len(arr) - arr.null_count
        self.values += non_null
        if not non_null:
            return
        if pa.types.is_string_view(arr.type):
            arr = arr.cast(pa.large_string())
        heads = arr.filter(pc.starts_with(arr, PREFIX))
        if not len(heads):
            return
        parts = pc.drop_null(pc.extract_regex(heads, _HEAD_RE))
        if not len(parts):
            return
        self.protected += len(parts)
        kind = pc.struct_field(parts, "kind")
        with_domain = pc.binary_join_element_wise(kind, pc.struct_field(parts, "keyref"), ":")
        ref = pc.if_else(pc.is_in(kind, value_set=pa.array(_DOMAIN_KINDS)), with_domain, kind)
        for item in pc.value_counts(ref).to_pylist():
            self.refs[str(item["values"])] += int(item["counts"])

    def result(self, column: str) -> ColumnProtection:
        kinds: Counter[str] = Counter()
        by_kind: dict[str, set[str]] = {}
        for ref, n in self.refs.items():
            kind, _, keyref = ref.partition(":")
            kinds[kind] += n
            names = by_kind.setdefault(kind, set())
            if kind != "msk":
                names.add(_key_name(kind, keyref))
        kind_domains = {k: sorted(v) for k, v in sorted(by_kind.items()) if v}
        key_domains = sorted({d for v in kind_domains.values() for d in v})
        states = {KIND_STATES[k] for k in kinds}
        state: State
        if not self.values:
            state = "empty"
        elif not self.protected:
            state = "plaintext"
        elif self.protected < self.values or len(states) > 1:
            state = "mixed"
        else:
            state = next(iter(states))
        return ColumnProtection(column, state, self.values, self.protected, dict(kinds.most_common()), key_domains, kind_domains)


def _key_name(kind: str, keyref: str) -> str:
    """``pii.1`` -> ``pii v1``; ``enc`` -> ``data key``; ``sub`` -> ``subject keys``."""
    if kind == "enc":
        return _DATA_KEY
    if kind == "sub":
        return _SUBJECT_KEYS
    try:
        domain, version = split_domain_ref(keyref)
    except InputError:
        return f"{keyref} (unversioned key)"
    return f"{domain} v{version}"


def _scan(dataset: Any, strings: list[str], null_only: list[str]) -> dict[str, _Tally]:
    """Stream the listed columns once and tally them (values of ``null_only`` columns are only counted)."""
    tallies = {c: _Tally() for c in [*strings, *null_only]}
    if not tallies:
        return tallies
    # Single-threaded, like read_delta_rows: Arrow C++ scanner threads can abort the process at exit.
    scanner = dataset.scanner(columns=list(tallies), use_threads=False)
    for batch in scanner.to_batches():
        for c in strings:
            tallies[c].add(batch.column(c))
        for c in null_only:
            tallies[c].add_nulls_only(batch.column(c))
    return tallies


def _plain(column: str, values: int) -> ColumnProtection:
    return ColumnProtection(column, "plaintext" if values else "empty", values, 0, {}, [])


def _percent(n: int, total: int) -> str:
    share = 100.0 * n / total if total else 0.0
    if 0 < share < 1:
        return "<1%"
    if 99 < share < 100:
        return ">99%"
    return f"{round(share)}%"
