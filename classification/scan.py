"""Classify one table: resolve it, pick what to read, scan in Spark, fuse verdicts.

Delta tables are read at one version (taken from the log before reading), so a concurrent
writer cannot make the scan see half a commit; Parquet folders (legacy lakes) are read
directly. Partition columns are classified from the partition values in the Delta log,
without reading data.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from classification.detect import ColumnEvidence, scan_values
from classification.engine import NlpTier, get_engine
from classification.registry import RecognizerConfig, build_profilers
from classification.sampler import OVERSAMPLE, Leaf, leaves, pick_files, read_files, scan_dataframe
from classification.verdicts import Verdict, fuse
from governance.engine import engine_error
from governance.errors import (
    LakewardenError,
    NotADeltaTableError,
    TableNotFoundError,
    UnsupportedTableFeatureError,
)
from governance.lake import is_delta, is_parquet_folder, is_remote, local_path
from governance.risk import ClassificationPolicy

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from governance.maintenance import DataFile, DeltaMaintenance

log = logging.getLogger(__name__)

#: Who counts the audit scan's cells: the version's Parquet files read with Arrow in the job's machine, or the engine.
FullScanReader = Literal["files", "engine"]


@dataclass
class TableResult:
    """The classification of one table."""

    table: str
    path: str
    format: str
    delta_version: int | None
    rows_sampled: int
    columns: list[Verdict]
    files_total: int | None = None
    files_read: int | None = None
    full: bool = False
    nlp: str = "no_op"
    recognizers: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one table in the report."""
        return {
            "table": self.table,
            "path": self.path,
            "format": self.format,
            "delta_version": self.delta_version,
            "rows_sampled": self.rows_sampled,
            "files_total": self.files_total,
            "files_read": self.files_read,
            "full_scan": self.full,
            "nlp": self.nlp,
            "recognizers": self.recognizers,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
            "columns": [c.to_dict() for c in self.columns],
        }


def table_format(path: str) -> str:
    """``delta`` or ``parquet``.

    Raises:
        TableNotFoundError: Nothing at ``path``.
        NotADeltaTableError: A folder with neither a Delta log nor Parquet files.
    """
    if is_delta(path):
        return "delta"
    if not is_remote(path) and is_parquet_folder(path):
        return "parquet"
    if not is_remote(path):
        from pathlib import Path

        if not Path(local_path(path)).exists():
            raise TableNotFoundError(f"{path}: table path does not exist")
    raise NotADeltaTableError(f"{path}: neither a Delta table (no _delta_log/) nor a folder of Parquet files")


def classify_table(
    spark: "SparkSession",
    path: str,
    *,
    name: str,
    config: RecognizerConfig,
    policy: ClassificationPolicy,
    nlp: NlpTier,
    sample_rows: int,
    min_share: float,
    full: bool = False,
    maintenance: "DeltaMaintenance | None" = None,
    parallelism: int = 2,
    retries: int = 1,
    full_scan_reader: FullScanReader = "engine",
    full_scan_workers: int | None = None,
) -> TableResult:
    """Classify every column of the table at ``path``.

    Reads (never writes) the table; on Delta, only the data files picked from the log.

    Raises:
        TableNotFoundError, NotADeltaTableError: The path holds no table.
        EngineError: Spark failed (the message names the table); retried once when the
            table changed underneath (a concurrent writer replaced files).
    """
    fmt = table_format(path)
    attempt = 0
    while True:
        try:
            return _classify_once(
                spark, path, fmt=fmt, name=name, config=config, policy=policy, nlp=nlp, sample_rows=sample_rows,
                min_share=min_share, full=full, maintenance=maintenance, parallelism=parallelism,
                full_scan_reader=full_scan_reader, full_scan_workers=full_scan_workers,
            )
        except LakewardenError:
            raise
        except Exception as exc:  # noqa: BLE001 - Spark Connect raises many types
            msg = str(exc)
            if attempt < retries and any(s in msg for s in ("FileNotFound", "No such file", "not found", "does not exist")):
                attempt += 1
                log.warning("table %s changed during the scan (%s); retrying at the new version", name, msg.splitlines()[0][:200])
                continue
            from governance.corrupt import diagnose

            raise (diagnose(path, exc, table=name) or engine_error(exc, table=name)) from None


def _audit_counts(df: "DataFrame", cols: list[Leaf], sample: dict[str, ColumnEvidence], *, config: RecognizerConfig,
                  parallelism: int, files: "list[DataFile] | None", types: dict[str, Any], partition_columns: list[str],
                  reader: FullScanReader, workers: int | None, notes: list[str]) -> dict[str, ColumnEvidence]:
    """The audit scan over every row of ``df``: the pattern entities counted exactly and validated in Python on the
    candidate values only, overlaid on the sample's evidence.

    With ``reader="files"`` and the version's data files listed from the log (``files``), the columns Arrow reads
    as Spark does are counted from the Parquet files in worker processes (``classification.fullscan_files``); the
    others, and everything with ``reader="engine"``, inside the engine (``classification.fullscan``)."""
    from classification.engine import build_pattern_recognizers
    from classification.fullscan import CandidateCounts, candidate_values, count_cells, exact_pattern_evidence, overlay
    from classification.fullscan_files import TooManyCandidatesError, arrow_readable, re2_compatible, scan_files
    from classification.prefilter import entity_prefilters

    prefilters = entity_prefilters(build_pattern_recognizers(config))
    counts: dict[str, CandidateCounts] = {}
    exact: dict[str, ColumnEvidence] = {}
    rest = [c for c in cols if c.kind != "binary"]
    if reader == "files" and files is not None and prefilters and re2_compatible(prefilters):
        mine = [c for c in rest if c.name in partition_columns or arrow_readable(c, types.get(c.name))]
        if mine:
            try:
                counts, exact = scan_files(files, mine, partition_columns=partition_columns, prefilters=prefilters,
                                           config=config, workers=workers)
                rest = [c for c in rest if c not in mine]
                notes.append(f"audit scan: {len(mine)} column(s) read from the {len(files)} data file(s) of the version"
                             + (f", {len(rest)} counted in the engine" if rest else ""))
            except TooManyCandidatesError as exc:
                counts, exact = {}, {}
                notes.append(f"audit scan counted in the engine: {exc}")
    if rest:
        counts.update(count_cells(df, rest))
        if prefilters:
            exact.update(exact_pattern_evidence(candidate_values(df, rest, prefilters), config=config, parallelism=parallelism))
    return {name: overlay(ev, counts.get(name), exact.get(name)) for name, ev in sample.items()}


def _classify_once(
    spark: "SparkSession",
    path: str,
    *,
    fmt: str,
    name: str,
    config: RecognizerConfig,
    policy: ClassificationPolicy,
    nlp: NlpTier,
    sample_rows: int,
    min_share: float,
    full: bool,
    maintenance: "DeltaMaintenance | None",
    parallelism: int,
    full_scan_reader: FullScanReader,
    full_scan_workers: int | None,
) -> TableResult:
    t0 = time.perf_counter()
    notes: list[str] = []
    version: int | None = None
    files_total = files_read = None
    partition_values: dict[str, list[str | None]] = {}
    files: "list[DataFile] | None" = None
    part_cols: list[str] = []
    if fmt == "delta":
        from pyspark.sql.types import StructType

        from governance.feature_policy import refusals
        from governance.features import read_features

        feats = read_features(path)
        refused = refusals(feats, command="classify", engine_kind="any", maintenance="any")
        if refused:
            raise UnsupportedTableFeatureError(" | ".join(r.message(name, "classify") for r in refused))
        # Files are sampled straight from the log only when a file read by name gives the table's rows:
        # deletion vectors hide rows still in the files, column mapping renames the files' columns, and
        # type widening leaves older files with the narrower type. Otherwise read through Delta (the engine).
        through_engine = sorted(set(feats.features) & {"deletionVectors", "columnMapping", "typeWidening"})
        files = None
        if through_engine:
            version = feats.version
            notes.append(f"{', '.join(through_engine)}: sampled through Delta (the engine), not file by file")
        elif maintenance is not None:
            try:
                version = maintenance.version(path)
                files = maintenance.files(path, version=version)
            except UnsupportedTableFeatureError as exc:
                notes.append(f"file-level sampling unavailable ({str(exc).split('.')[0]}); read through Delta instead")
            except LakewardenError:
                raise
            except Exception as exc:  # noqa: BLE001
                notes.append(f"could not list files from the log ({str(exc).splitlines()[0][:120]}); read through Delta instead")
        reader = spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        delta_df = reader.load(path)
        schema: StructType = delta_df.schema
        part_cols, mapping = list(feats.partition_columns), feats.column_mapping_mode != "none"
        if files is not None:
            files_total = len(files)
            for f in files:
                for k in part_cols:
                    partition_values.setdefault(k, []).append(f.partition_values.get(k))
        from_files = not (full or files is None or mapping)
        if not from_files:
            df = delta_df
            data_schema = schema
            files_read = files_total if full else None
        else:
            assert files is not None
            picked = pick_files(files, target_rows=sample_rows * OVERSAMPLE)
            files_read = len(picked)
            data_schema = StructType([f for f in schema.fields if f.name not in part_cols])
            if not picked:
                df = delta_df.select(*[f"`{f.name}`" for f in data_schema.fields]).limit(0)
            else:
                df = read_files(spark, [f.path for f in picked], data_schema)
        cols = leaves(data_schema)
    else:
        from_files = False
        df = spark.read.parquet(path)
        cols = leaves(df.schema)
        notes.append("legacy Parquet folder (not Delta): no version, whole folder is the table")

    evidence = scan_dataframe(
        df, cols, config=config, nlp=nlp, sample_rows=sample_rows, min_share=min_share, full=False, parallelism=parallelism,
        free_text_share=policy.fusion.free_text_min_share,
    )
    if full:
        evidence = _audit_counts(
            df, cols, evidence, config=config, parallelism=parallelism, files=files if fmt == "delta" else None,
            types={f.name: f.dataType for f in df.schema.fields}, partition_columns=part_cols if fmt == "delta" else [],
            reader=full_scan_reader, workers=full_scan_workers, notes=notes,
        )
    # Partition columns: classified from the log's partition values, no data read.
    if from_files and partition_values:
        engine = get_engine(config, nlp=nlp)
        for k, vals in partition_values.items():
            ev = scan_values(engine, k, vals, sample_values=sample_rows, min_share=min_share)
            ev.notes.append("partition column: classified from partition values in the Delta log")
            evidence[k] = ev
    profilers = build_profilers(config)
    verdicts = []
    order = [c.name for c in cols] + [k for k in evidence if k not in {c.name for c in cols}]
    for colname in order:
        verdicts.append(fuse(evidence[colname], policy, min_share=min_share, profilers=profilers))
    rows_sampled = max((evidence[c].rows for c in order if evidence[c].kind != "binary" and c not in partition_values), default=0)
    if rows_sampled == 0 and order:
        notes.append("the table (or the files sampled) holds no rows")
    return TableResult(
        table=name,
        path=path,
        format=fmt,
        delta_version=version,
        rows_sampled=rows_sampled,
        columns=verdicts,
        files_total=files_total,
        files_read=files_read,
        full=full,
        nlp=nlp,
        recognizers=config.fingerprint(),
        seconds=time.perf_counter() - t0,
        notes=notes,
    )

