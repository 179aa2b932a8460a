"""Protect a table in one verified Delta commit, following a :class:`~governance.protection.plan.ProtectPlan`.

All keys are resolved on the driver *before* the write starts (domain keys unwrapped, a fresh
``encrypt`` data key wrapped with the public RSA half, new subject keys wrapped and stored), so a
key server that stops mid-job fails the job before anything is committed: the table is unchanged
and a rerun completes. The data is then rewritten through :func:`governance.safe_write.safe_write`
(one commit, verified: same rows, same non-null counts, the new schema).

Touches: the protected table; ``_lakewarden/keys`` and ``_lakewarden/subject_keys``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from governance.errors import InputError, PolicyError
from governance.keys.manager import KeyManager
from governance.protection.codec import split_domain_ref, type_code
from governance.protection.plan import ColumnPlan, ProtectPlan
from governance.protection.spans import SpanDetector, SpanTransform
from governance.protection.spark import as_text, udf1, udf2
from governance.protection.transforms import (
    EncryptTransform,
    HashTransform,
    MaskTransform,
    SubjectKeying,
    SubjectTransform,
    TokenTransform,
)
from governance.protection.fanout import workers_for
from governance.safe_write import Expectation, WriteResult, read_files, safe_write

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import Column, DataFrame, SparkSession

#: Transforms cheap to ship to worker processes (a few keys each); see governance.protection.fanout.
_FANNED = (TokenTransform, HashTransform, EncryptTransform, MaskTransform, SubjectTransform)


@dataclass
class ProtectResult:
    """What an applied protection did (no values, no key material)."""

    table: str
    version: int
    previous_version: int
    rows: int
    columns: dict[str, str]
    keys: dict[str, str]
    original_types: dict[str, str]
    subjects: int = 0
    write: WriteResult | None = field(default=None, repr=False)
    #: Rows other writers appended while protect ran, protected by the catch-up passes.
    caught_up_rows: int = 0
    #: Every row of this version of the table is protected (the read version of the last pass).
    protected_through: int = -1
    #: Rows other writers committed after ``protected_through`` (not touched: rerun protect, or protect at ingest).
    appended_after_rows: int = 0


#: Subject identities wrapped and stored per chunk (one provider batch sequence, bounded memory: the
#: chunk's Python rows are alive beside delta-rs's writer; see benchmarks/subject_keys_rss.py).
_KEY_CHUNK = 5_000

#: Rows of the table per slice of its distinct subject identities (see :func:`_subject_keying`).
_SUBJECT_SLICE_ROWS = 500_000


def _subject_keying(spark: "SparkSession", df: "DataFrame", plan: ProtectPlan, cols: list[ColumnPlan],
                    km: KeyManager) -> tuple[SubjectKeying, int]:
    """A fresh keying secret for the rows of ``df`` still to protect, with every subject's key stored.

    The distinct subject identities are streamed from the engine in chunks, one hash slice of them
    per query (a slice per :data:`_SUBJECT_SLICE_ROWS` rows of the table, so the engine's distinct
    set is bounded too); each chunk's keys are derived, wrapped and appended to
    ``_lakewarden/subject_keys`` (one commit), so neither the driver nor the UDF holds a key per
    subject. A subject column that is already tokenized is detokenized (the protector holds its
    domain's token key), so a subject keeps the same reference before and after tokenizing.

    Returns:
        (the keying to encrypt with, the number of subjects keyed).
    """
    import os

    from pyspark.sql import functions as F

    assert plan.subject_column is not None
    subj = F.col(f"`{plan.subject_column}`")
    cond = None
    for c in cols:
        v = F.col(f"`{c.column}`")
        todo = v.isNotNull() & ~as_text(c.column, c.spark_type).startswith("lw1:")
        cond = todo if cond is None else (cond | todo)
    assert cond is not None
    todo_df = df.where(cond)
    nulls = todo_df.where(subj.isNull()).count()
    if nulls:
        raise PolicyError(
            f"table {plan.table}: {nulls} row(s) have values to encrypt per subject but no subject "
            f"(column {plan.subject_column!r} is NULL); fix or exclude them first"
        )
    subj_type = dict((f.name, f.dataType.simpleString()) for f in df.schema.fields)[plan.subject_column]
    texts = todo_df.select(as_text(plan.subject_column, subj_type).alias("s")).distinct()
    refs = [str(r[0]) for r in texts.where(F.col("s").startswith("lw1:tok:"))
            .select(F.split(F.col("s"), ":").getItem(2).alias("r")).distinct().collect()]
    token_keys: dict[str, bytes] = {}
    if refs:
        parsed: list[tuple[Literal["tok", "hsh"], str, int]] = []
        for r in refs:
            try:
                parsed.append(("tok", *split_domain_ref(r)))
            except InputError:
                continue  # its values cannot be detokenized: reported below, naming the table and column
        token_keys = {f"{d}.{v}": k for (_, d, v), k in km.domain_keys(parsed).items()}
    keying = SubjectKeying(secret=os.urandom(32), token_keys=token_keys)
    identities = texts.select(udf1(keying)(F.col("s")).alias("i")).distinct() if refs else texts.select(F.col("s").alias("i"))

    # The engine holds one distinct set at a time: the identities are split into slices by hash.
    slices = max(1, -(-plan.rows // _SUBJECT_SLICE_ROWS))

    def chunks() -> "Iterator[list[str]]":
        chunk: list[str] = []
        for k in range(slices):
            part = identities if slices == 1 else identities.where(F.pmod(F.xxhash64(F.col("i")), F.lit(slices)) == k)
            for row in part.toLocalIterator():
                if row[0] is None:
                    raise InputError(f"table {plan.table}: a tokenized subject value in column {plan.subject_column!r} "
                                     "cannot be detokenized with the protector's token keys")
                chunk.append(row[0])
                if len(chunk) >= _KEY_CHUNK:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    return keying, km.store_subject_keys(keying.secret, chunks())


def check_span_detector(plan: ProtectPlan, detector: SpanDetector | None) -> None:
    """Refuse a plan with ``protect_spans`` columns that the detector cannot serve (before any key or write).

    Raises:
        PolicyError: No detector, or a rule names an entity the detector cannot find.
    """
    spans = [c for c in plan.work if c.action == "protect_spans"]
    if not spans:
        return
    if detector is None:
        raise PolicyError(f"table {plan.table}: column(s) {', '.join(c.column for c in spans)} use protect_spans, "
                          "which needs an entity detector (run it through the protect job)")
    supported = detector.supported_entities()
    for c in spans:
        missing = sorted(e for e in (c.rule.entities or []) if e not in supported)
        if missing:
            raise PolicyError(
                f"table {plan.table}: column {c.column!r} (protect_spans) asks for {', '.join(missing)}, which the entity "
                f"detector cannot find (it finds {', '.join(sorted(supported)) or 'nothing'}); PERSON and LOCATION need "
                "classification.nlp: spacy_small, custom entities need a recognizer in conf/recognizers.yaml"
            )


def apply_plan(spark: "SparkSession", plan: ProtectPlan, km: KeyManager, *, description: str = "",
               detector: SpanDetector | None = None, udf_processes: int | None = None) -> ProtectResult:
    """Rewrite the table with every planned column protected, in one verified commit.

    Args:
        detector: Finds entity spans for ``protect_spans`` columns (shipped to the executors).
        udf_processes: ``engine.udf_processes``: worker processes for the per-value crypto on the
            embedded engine (None: one per core; 0: in the engine's process). Ignored elsewhere.

    Raises:
        PolicyError: A ``protect_spans`` column and no detector able to serve it (before any key is touched).
        KeyServerUnavailableError, AccessDeniedError, AuthenticationError: before any commit.
        DataSafetyError: the commit did not verify; the table was restored.
    """
    from pyspark.sql import functions as F

    check_span_detector(plan, detector)
    df = spark.read.format("delta").option("versionAsOf", plan.version).load(plan.table)
    work = plan.work
    keys: dict[str, str] = {}
    transforms: dict[str, Any] = {}
    # 1. every key first: nothing is written if the key server fails here.
    domain_refs = set()
    for c in work:
        if c.action in ("tokenize", "hash") and c.domain:
            kind = "tok" if c.action == "tokenize" else "hsh"
            domain_refs.add((kind, c.domain, km.ensure_domain_key(c.domain, kind)))  # type: ignore[arg-type]
        elif c.action == "protect_spans" and c.rule.operator == "token" and c.domain:
            domain_refs.add(("tok", c.domain, km.ensure_domain_key(c.domain, "tok")))
    unwrapped = km.domain_keys(domain_refs)  # type: ignore[arg-type]
    per_subject = [c for c in work if c.action == "encrypt_per_subject"]
    keying: SubjectKeying | None = None
    subjects = 0
    if per_subject:
        keying, subjects = _subject_keying(spark, df, plan, per_subject, km)
    for c in work:
        if c.action == "drop":
            keys[c.column] = "-"
            continue
        code = type_code(c.spark_type)
        if c.action in ("tokenize", "hash"):
            assert c.domain is not None
            kind = "tok" if c.action == "tokenize" else "hsh"
            ref = next(r for r in domain_refs if r[0] == kind and r[1] == c.domain)
            key = unwrapped[ref]
            transforms[c.column] = (TokenTransform if kind == "tok" else HashTransform)(c.domain, ref[2], key, code)
            keys[c.column] = f"{kind}:{c.domain}:{ref[2]}"
        elif c.action == "encrypt":
            assert c.domain is not None
            key_id, key = km.new_encrypt_key(c.domain)
            transforms[c.column] = EncryptTransform(key_id, key, code)
            keys[c.column] = f"enc:{c.domain}:{key_id}"
        elif c.action == "encrypt_per_subject":
            assert keying is not None
            transforms[c.column] = SubjectTransform(keying, code)
            keys[c.column] = f"sub:{subjects} subject key(s)"
        elif c.action == "mask":
            r = c.rule
            transforms[c.column] = MaskTransform(r.keep_first, r.keep_last, r.mask_char, code)
            keys[c.column] = "-"
        elif c.action == "protect_spans":
            r = c.rule
            entities = tuple(r.entities) if r.entities else None
            token = None
            if r.operator == "token":
                assert c.domain is not None
                ref = next(x for x in domain_refs if x[0] == "tok" and x[1] == c.domain)
                token = TokenTransform(c.domain, ref[2], unwrapped[ref], code)
                keys[c.column] = f"spn:{c.domain}:{ref[2]}"
            else:
                keys[c.column] = "-"
            transforms[c.column] = SpanTransform(r.operator, detector, entities=entities, token=token, mask_char=r.mask_char)
    # 2. one rewrite: per-subject columns first, while the subject column still holds its input.
    ordered = per_subject + [c for c in work if c.action != "encrypt_per_subject"]
    workers = workers_for(spark, configured=udf_processes)
    out = _protected(df, plan, ordered, transforms, workers=workers)
    # Protection keeps every row and every non-null value: the expectation comes from the plan's
    # read of the source version, so the protected frame is computed once (by the write), not twice.
    dropped = {c.column for c in work if c.action == "drop"}
    expect = Expectation(rows=plan.rows, non_null={c: n for c, n in plan.non_null.items() if c not in dropped})
    res = safe_write(
        spark, out, plan.table, mode="overwrite", partition_by=plan.partition_by or None, overwrite_schema=True,
        expect=expect, read_version=plan.version, description=description or f"protect {len(work)} column(s)",
        rewrite_files=lambda adds: _protected(read_files(spark, plan.table, adds, df.schema), plan, ordered, transforms,
                                              workers=workers),
    )
    caught_up, through, left = 0, plan.version, 0
    if not dropped:
        caught_up, through, left, res = _catch_up(spark, plan, km, ordered, transforms, res, description=description,
                                                  workers=workers)
    return ProtectResult(
        table=plan.table, version=res.version, previous_version=plan.version, rows=res.rows,
        columns={c.column: c.action for c in work}, keys=keys,
        original_types={c.column: c.spark_type for c in work}, subjects=subjects, write=res,
        caught_up_rows=caught_up, protected_through=through, appended_after_rows=left,
    )


def _protected(df: "DataFrame", plan: ProtectPlan, ordered: list[ColumnPlan], transforms: dict[str, Any], *,
               workers: int = 0) -> "DataFrame":
    """``df`` with every planned column protected (per-subject columns first, dropped columns gone).

    With ``workers``, column-wise transforms (token, hash, encrypt, mask, per subject) are fanned
    out to that many processes in one pass (:func:`_protected_in_workers`); otherwise each column
    is one Arrow UDF in the engine's Python. Span detection (Presidio) stays in the engine's process.
    """
    from pyspark.sql import functions as F

    if workers > 0:
        return _protected_in_workers(df, plan, ordered, transforms, workers=workers)
    out = df
    subj_text = _subject_text(df, plan, ordered)
    for c in ordered:
        if c.action == "drop":
            out = out.drop(c.column)
            continue
        t = transforms[c.column]
        text = as_text(c.column, c.spark_type)
        if c.action == "encrypt_per_subject":
            assert subj_text is not None
            out = out.withColumn(c.column, udf2(t)(text, subj_text))
        else:
            out = out.withColumn(c.column, udf1(t)(text))
    return out.select(*[F.col(f"`{f.name}`") for f in df.schema.fields if f.name in out.columns])


def _subject_text(df: "DataFrame", plan: ProtectPlan, ordered: list[ColumnPlan]) -> "Column | None":
    """The string form of ``plan``'s subject column, when a planned column is encrypted per subject."""
    if plan.subject_column is None or not any(c.action == "encrypt_per_subject" for c in ordered):
        return None
    subj_type = {f.name: f.dataType.simpleString() for f in df.schema.fields}[plan.subject_column]
    return as_text(plan.subject_column, subj_type)


#: The per-subject transforms' extra input column in a mapped rewrite (the subject's string form).
_SUBJECT_ARG = "__lw_subject"


def _protected_in_workers(df: "DataFrame", plan: ProtectPlan, ordered: list[ColumnPlan], transforms: dict[str, Any], *,
                          workers: int) -> "DataFrame":
    """:func:`_protected` with the per-value work of every column of a batch in one request per worker.

    The engine casts each protected column to its string form; one ``mapInArrow`` pass then
    computes all of them (pipelined, see :func:`governance.protection.spark.map_batches`) and
    passes every other column through untouched.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    from governance.protection.spark import map_batches

    work = {c.column: c for c in ordered if c.action != "drop"}
    dropped = {c.column for c in ordered if c.action == "drop"}
    kept = [f for f in df.schema.fields if f.name not in dropped]
    select = [as_text(f.name, work[f.name].spark_type).alias(f.name) if f.name in work else F.col(f"`{f.name}`")
              for f in kept]
    subj_text = _subject_text(df, plan, ordered)
    if subj_text is not None:
        select.append(subj_text.alias(_SUBJECT_ARG))
    outputs = [(c.column, transforms[c.column],
                (c.column, _SUBJECT_ARG) if c.action == "encrypt_per_subject" else (c.column,))
               for c in ordered if c.action != "drop"]
    schema = StructType([StructField(f.name, StringType(), True) if f.name in work else f for f in kept])
    fanned = {c for c, t, _ in outputs if isinstance(t, _FANNED)}
    return map_batches(df.select(*select), schema, outputs, fanned=fanned, workers=workers)


def _catch_up(spark: "SparkSession", plan: ProtectPlan, km: KeyManager, ordered: list[ColumnPlan],
              transforms: dict[str, Any], res: WriteResult, *, description: str,
              passes: int = 3, workers: int = 0) -> tuple[int, int, int, WriteResult]:
    """Protect rows other writers appended while protect ran (files added after the plan's version).

    Each pass rewrites only the files appended since the previous read, in one verified commit that
    replaces exactly those files, so appends that keep coming never conflict with it. Passes stop when
    one finds nothing new, or after ``passes``.

    Returns:
        (rows protected by catch-up, the version through which every row is protected,
        rows other writers committed after that version, the last write).
    """
    from governance import delta_commit
    from governance.features import read_features
    from governance.safe_write import _staged_rewrite, expectation_of

    if delta_commit.raw_commit_refusal(plan.table, read_features(plan.table)) is not None:
        # the engine's writer replaced only the files it read; appended files are left as they came
        return 0, plan.version, _rows_added_after(plan.table, plan.version, mine={res.version}), res
    done, through, mine = 0, plan.version, {res.version}
    for _ in range(passes):
        latest = delta_commit.latest_version(plan.table)
        new_versions = [v for v in range(through + 1, latest + 1) if v not in mine]
        if not new_versions:
            return done, latest, 0, res
        live = delta_commit.snapshot_adds(plan.table, latest)
        added = {a["path"] for v in new_versions for a in delta_commit.read_commit(plan.table, v).adds}
        new = [a for a in live.values() if a["path"] in added]
        through = latest
        if not new:
            continue
        df = read_files(spark, plan.table, new, spark.read.format("delta").option("versionAsOf", latest).load(plan.table).schema)
        per_subject = [c for c in ordered if c.action == "encrypt_per_subject"]
        if per_subject:
            keying, _n = _subject_keying(spark, df, plan, per_subject, km)
            for c in per_subject:
                transforms[c.column] = SubjectTransform(keying, type_code(c.spark_type))
        expect = expectation_of(df)
        res = _staged_rewrite(spark, _protected(df, plan, ordered, transforms, workers=workers), plan.table, read_version=latest,
                              replaced=new, expect=expect, partition_by=plan.partition_by or None,
                              tag=delta_commit.new_tag("protect-catch-up"),
                              description=(description or "protect") + " (catch-up of appended rows)", operation="WRITE")
        mine.add(res.version)
        done += expect.rows
    return done, through, _rows_added_after(plan.table, through, mine=mine), res


def _rows_added_after(table: str, after: int, *, mine: set[int]) -> int:
    """Rows other writers added after version ``after`` that are still live (commits in ``mine`` excluded)."""
    from governance import delta_commit

    latest = delta_commit.latest_version(table)
    added = {a["path"] for v in range(after + 1, latest + 1) if v not in mine for a in delta_commit.read_commit(table, v).adds}
    live = [a for a in delta_commit.snapshot_adds(table, latest).values() if a["path"] in added]
    return delta_commit.rows_of(live) or 0
