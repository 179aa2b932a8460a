"""Reveal protected columns (revealer role) and re-encrypt tables under the newest keys.

Reveal reads the rows matching a filter, unwraps exactly the keys those rows need (through
the key provider, so the server enforces the revealer role), decrypts on the engine and
casts each column back to its recorded original type. Free text protected span by span
(``lw1:spn:``) comes back as the exact original text: every span token in it is detokenized. Values whose subject key was destroyed
come back NULL and are counted as ``shredded``; hashes and masks are irreversible.

Touches: reads the table and the key tables; ``reencrypt_table`` rewrites the table (one
verified commit) and adds one ``encrypt`` data key per re-encrypted column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from governance.errors import ColumnNotFoundError, InputError
from governance.keys.manager import KeyManager
from governance.lake import require_delta
from governance.protection.codec import spark_type, split_domain_ref
from governance.protection.spark import PrefixCount, from_text, prefix_counts, udf1
from governance.protection.transforms import Reencryptor, Revealer
from governance.safe_write import WriteResult, safe_write

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass
class ColumnReveal:
    """Per-column outcome of a reveal (counts only)."""

    column: str
    original_type: str
    revealed: int = 0
    shredded: int = 0
    irreversible: int = 0
    plaintext: int = 0


@dataclass
class RevealResult:
    """Rows returned by a reveal, and what could not be revealed."""

    table: str
    version: int
    rows: list[dict[str, Any]]
    columns: list[ColumnReveal]
    matched_rows: int
    key_refs: list[str] = field(default_factory=list)


def _read(spark: "SparkSession", path: str, version: int | None) -> tuple["DataFrame", int]:
    from deltalake import DeltaTable

    require_delta(path)
    v = int(DeltaTable(path).version()) if version is None else version
    return spark.read.format("delta").option("versionAsOf", v).load(path), v


def _keys_for(km: KeyManager, stats: dict[str, list[PrefixCount]]) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
    tok_refs: set[tuple[str, str, int]] = set()
    enc_ids: set[str] = set()
    sub_ids: set[str] = set()
    for items in stats.values():
        for p in items:
            if p.kind in ("tok", "spn"):  # span-protected text holds tokens of its head's key
                d, v = split_domain_ref(p.keyref)
                tok_refs.add(("tok", d, v))
            elif p.kind == "enc":
                enc_ids.add(p.keyref)
            elif p.kind == "sub":
                sub_ids.add(p.keyref)
    tok = {f"{d}.{v}": k for (_, d, v), k in km.domain_keys(tok_refs).items()} if tok_refs else {}  # type: ignore[arg-type]
    enc = km.encrypt_keys(enc_ids) if enc_ids else {}
    sub = km.subject_keys(sub_ids) if sub_ids else {}
    return tok, enc, sub


def reveal(
    spark: "SparkSession",
    km: KeyManager,
    table: str,
    *,
    columns: list[str],
    where: str | None = None,
    also: list[str] | None = None,
    limit: int | None = 100,
    version: int | None = None,
) -> RevealResult:
    """Return plaintext of ``columns`` for the rows matching ``where``.

    Args:
        columns: Protected columns to reveal.
        where: Spark SQL filter (evaluated on stored values; use tokens, not plaintext, for protected columns).
        also: Columns returned as stored, to identify rows.
        limit: Maximum rows returned (None: all).
        version: Delta version to read (default latest).

    Raises:
        ColumnNotFoundError: A column does not exist.
        AccessDeniedError: The role may not unwrap the keys (anything but revealer on Vault).
    """
    from pyspark.sql import functions as F

    df, v = _read(spark, table, version)
    names = [f.name for f in df.schema.fields]
    for c in [*columns, *(also or [])]:
        if c not in names:
            raise ColumnNotFoundError(f"table {table} has no column {c!r} (columns: {', '.join(names)})")
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    if where:
        try:
            df = df.where(where)
        except Exception as exc:  # noqa: BLE001 - analysis errors
            raise InputError(f"--where is not a valid filter on {table}: {str(exc).splitlines()[0][:200]}") from None
    # Keys for every matching row (not only the first ``limit``: an unordered limit may pick other rows).
    stats = prefix_counts(df, [c for c in columns if types[c] == "string"])
    tok, enc, sub = _keys_for(km, stats)
    revealer = Revealer(tok, enc, sub)
    outcome: list[ColumnReveal] = []
    exprs = []
    for c in columns:
        items = stats.get(c, [])
        codes = {p.code for p in items if p.reversible}
        col_r = ColumnReveal(column=c, original_type=types[c])
        for p in items:
            if p.kind == "sub" and p.keyref not in sub:
                col_r.shredded += p.count
            elif not p.reversible:
                col_r.irreversible += p.count
            else:
                col_r.revealed += p.count
        if not items:
            exprs.append(F.col(f"`{c}`").alias(c))
            outcome.append(col_r)
            continue
        text = udf1(revealer)(F.col(f"`{c}`"))
        if len(codes) == 1 and not any(not p.reversible for p in items):
            code = next(iter(codes))
            expr = from_text(text, code)
            col_r.original_type = spark_type(code)
        else:
            expr = text
        exprs.append(expr.alias(c))
        outcome.append(col_r)
    out = df.select(*exprs, *[F.col(f"`{a}`") for a in (also or []) if a not in columns])
    if limit is not None:
        out = out.limit(limit)
    rows = [r.asDict() for r in out.collect()]
    refs = sorted({f"{p.kind}:{p.keyref}" for items in stats.values() for p in items if p.kind != "sub"})
    nsub = len({p.keyref for items in stats.values() for p in items if p.kind == "sub"})
    if nsub:
        refs.append(f"sub:{nsub} subject key(s)")
    return RevealResult(table=table, version=v, rows=rows, columns=outcome, matched_rows=len(rows), key_refs=refs)


@dataclass
class ReencryptColumn:
    column: str
    tokens_to_rekey: int
    encrypted_to_rekey: int
    untouched: int


@dataclass
class ReencryptResult:
    table: str
    dry_run: bool
    columns: list[ReencryptColumn]
    write: WriteResult | None = None

    @property
    def values(self) -> int:
        return sum(c.tokens_to_rekey + c.encrypted_to_rekey for c in self.columns)


def table_key_usage(spark: "SparkSession", table: str, *, version: int | None = None) -> list[dict[str, Any]]:
    """Key versions in use per column of a table: kind, key reference, type, value count."""
    df, _ = _read(spark, table, version)
    string_cols = [f.name for f in df.schema.fields if f.dataType.simpleString() == "string"]
    stats = prefix_counts(df, string_cols)
    rows: list[dict[str, Any]] = []
    for col, items in stats.items():
        subs = [p for p in items if p.kind == "sub"]
        for p in items:
            if p.kind != "sub":
                rows.append({"table": table, "column": col, "kind": p.kind, "key": p.keyref, "type": p.code, "values": p.count})
        if subs:
            rows.append({"table": table, "column": col, "kind": "sub", "key": f"{len({p.keyref for p in subs})} subject key(s)",
                         "type": ",".join(sorted({p.code for p in subs})), "values": sum(p.count for p in subs)})
    return rows


def reencrypt_table(spark: "SparkSession", km: KeyManager, table: str, *, dry_run: bool = True) -> ReencryptResult:
    """Re-protect tokens of older domain versions and ``enc`` values under the newest keys (one commit).

    Per-subject values keep their subject keys (rewrap covers their wrapping); hashes and masks
    cannot be recomputed and are left alone.
    """
    from pyspark.sql import functions as F

    df, v = _read(spark, table, None)
    string_cols = [f.name for f in df.schema.fields if f.dataType.simpleString() == "string"]
    stats = prefix_counts(df, string_cols)
    latest: dict[str, int] = {}
    for items in stats.values():
        for p in items:
            if p.kind in ("tok", "spn"):
                d, _ = split_domain_ref(p.keyref)
                lv = km.latest_version(d, "tok")
                if lv is not None:
                    latest[d] = lv
    cols: list[ReencryptColumn] = []
    for name, items in stats.items():
        tok = sum(p.count for p in items if p.kind in ("tok", "spn") and split_domain_ref(p.keyref)[1] < latest.get(split_domain_ref(p.keyref)[0], 0))
        enc = sum(p.count for p in items if p.kind == "enc")
        rest = sum(p.count for p in items) - tok - enc
        if tok or enc:
            cols.append(ReencryptColumn(name, tok, enc, rest))
    result = ReencryptResult(table=table, dry_run=dry_run, columns=cols)
    if dry_run or not cols:
        return result
    todo = {rc.column for rc in cols}
    old_tok, old_enc, _ = _keys_for(km, {name: stats[name] for name in todo})
    latest_keys = km.domain_keys([("tok", d, lv) for d, lv in latest.items()])
    latest_tok = {d: (lv, latest_keys[("tok", d, lv)]) for d, lv in latest.items()}
    out = df
    for c in cols:
        new_enc = None
        if c.encrypted_to_rekey:
            domains = sorted(d for d in {km.encrypt_key_domain(p.keyref) for p in stats[c.column] if p.kind == "enc"} if d)
            new_enc = km.new_encrypt_key(domains[0] if domains else "pii")
        t = Reencryptor(Revealer(old_tok, old_enc, {}), latest_tok, new_enc)
        out = out.withColumn(c.column, udf1(t)(F.col(f"`{c.column}`")))
    from deltalake import DeltaTable

    parts = list(DeltaTable(table).metadata().partition_columns)
    result.write = safe_write(spark, out, table, mode="overwrite", partition_by=parts or None, read_version=v,
                              description=f"reencrypt {len(cols)} column(s) from version {v}")
    return result
