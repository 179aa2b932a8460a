"""Sampling inside Spark: pick files from the Delta log, read only those, and scan each column
in ``mapInPandas`` on the executors.

Cost grows with columns x sample size, not with table rows:

1. The Delta log lists the live files with their record counts and partition values. A few
   files spread across partitions and time (evenly spaced in partition/modification order)
   are picked until they hold ``sample_rows x OVERSAMPLE`` rows; only those are read.
2. Each column (nested columns by leaf path, ``address.street``) is cast to string and cut
   to ``MAX_SCAN_CHARS + 1`` characters inside Spark, the rows are limited, and the table is
   unpivoted to ``(column, value)`` pairs partitioned by column.
3. ``mapInPandas`` runs :class:`classification.detect.ColumnScanner` per column: nulls are
   counted, duplicates dropped, cheap checks first, Presidio only for what they cannot settle,
   early stop once the verdict is stable. One engine per Python process
   (:func:`classification.engine.get_engine`); the closure carries only the recognizer config.

``full=True`` reads the whole table (through Delta, honouring deletion vectors), groups
identical values, and scans every distinct value with its exact cell count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal

from classification.detect import FREE_TEXT_SHARE, MAX_SCAN_CHARS, ColumnEvidence
from classification.engine import NlpTier
from classification.registry import RecognizerConfig
from governance.risk import snake_name

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType

    from governance.maintenance import DataFile

#: Rows read per requested sample value (nulls and duplicates are dropped afterwards).
OVERSAMPLE = 3
#: Never read more than this many files for a sample.
MAX_SAMPLE_FILES = 32
#: Leaf names of columns that give a row's country (phone numbers are read in that region).
REGION_COLUMN = re.compile(
    r"(^|_)(country|country_?code|countrycode|cc|nation|nationality|land|pais|pays|paese|kraj|zeme|orszag|"
    r"iso_?country|calling_?code|dial(ing)?_?code|phone_?(country|prefix|code)|isd|country_?iso)(_|$)"
)
OUTPUT_SCHEMA = "c string, evidence string"


@dataclass(frozen=True)
class Leaf:
    """One classifiable leaf of a table schema."""

    name: str
    kind: Literal["string", "binary", "complex"]
    parts: tuple[str, ...]
    array: bool = False


def leaves(schema: "StructType", prefix: tuple[str, ...] = ()) -> list[Leaf]:
    """Flatten a schema into leaf paths: structs are walked, arrays of primitives are joined,
    arrays/maps of structs are classified as their JSON text, binary columns are marked."""
    from pyspark.sql.types import ArrayType, BinaryType, MapType, StructType

    out: list[Leaf] = []
    for f in schema.fields:
        parts = (*prefix, f.name)
        dt: DataType = f.dataType
        name = ".".join(parts)
        if isinstance(dt, StructType):
            out.extend(leaves(dt, parts))
        elif isinstance(dt, BinaryType):
            out.append(Leaf(name, "binary", parts))
        elif isinstance(dt, ArrayType) and not isinstance(dt.elementType, (StructType, ArrayType, MapType, BinaryType)):
            out.append(Leaf(name + "[]", "string", parts, array=True))
        elif isinstance(dt, (ArrayType, MapType)):
            out.append(Leaf(name, "complex", parts))
        else:
            out.append(Leaf(name, "string", parts))
    return out


def _col_expr(leaf: Leaf) -> "Column":
    from pyspark.sql import functions as F

    ref = F.col(".".join("`" + p.replace("`", "``") + "`" for p in leaf.parts))
    if leaf.array:
        expr = F.array_join(ref.cast("array<string>"), " ")
    elif leaf.kind == "complex":
        expr = F.to_json(ref)
    else:
        expr = ref.cast("string")
    return F.substring(expr, 1, MAX_SCAN_CHARS + 1)


def pick_files(files: list["DataFile"], *, target_rows: int, max_files: int = MAX_SAMPLE_FILES) -> list["DataFile"]:
    """Pick files spread across partitions and time until they hold about ``target_rows`` rows.

    Files are ordered by partition values then modification time, and ``k`` evenly spaced
    ones are taken, doubling ``k`` until the record counts from the log reach the target.
    """
    if not files:
        return []
    ordered = sorted(files, key=lambda f: (sorted((k, v or "") for k, v in f.partition_values.items()), f.modification_time or 0, f.path))
    n = len(ordered)
    k = 1
    while True:
        if k == 1:
            idx = [n // 2]
        else:
            idx = sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})
        chosen = [ordered[i] for i in idx]
        rows = sum((f.num_records if f.num_records is not None else target_rows) for f in chosen)
        if rows >= target_rows or k >= min(n, max_files):
            return chosen
        k = min(k * 2, n, max_files)


def merge_evidence_rows(rows: list[Any], *, into: dict[str, ColumnEvidence]) -> dict[str, ColumnEvidence]:
    """Merge the ``(c, evidence)`` rows the scan UDF returned (one per column and partition) into ``into``."""
    for r in rows:
        ev = ColumnEvidence.from_dict(json.loads(r["evidence"]))
        if r["c"] in into:
            into[r["c"]].merge(ev)
        else:
            into[r["c"]] = ev
    return into


def _scan_udf(config_json: str, nlp: NlpTier, sample_values: int | None, min_share: float, full: bool,
              free_text_share: float) -> Callable[[Iterator["pd.DataFrame"]], Iterator["pd.DataFrame"]]:
    """Build the ``mapInPandas`` function; it captures plain data only (picklable)."""

    def scan(batches: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:
        import pandas as pd

        from classification.detect import ColumnScanner
        from classification.engine import get_engine
        from classification.registry import RecognizerConfig as _Cfg

        engine = get_engine(_Cfg.model_validate_json(config_json), nlp=nlp)
        scanners: dict[str, ColumnScanner] = {}
        for pdf in batches:
            if pdf.empty:
                continue
            for col, g in pdf.groupby("c", sort=False):
                sc = scanners.get(col)
                if sc is None:
                    sc = scanners[col] = ColumnScanner(engine, str(col), sample_values=sample_values, min_share=min_share,
                                                       free_text_share=free_text_share)
                vals = g["v"]
                isnull = vals.isna()
                regions = g["r"][~isnull].tolist() if "r" in g else None
                if full:
                    counts = g["n"].astype("int64")
                    sc.add_nulls(int(counts[isnull].sum()), int(counts.sum()))
                    if not sc.done:
                        ents = [frozenset(e.split(",")) for e in g["e"][~isnull].tolist()] if "e" in g else None
                        sc.feed(vals[~isnull].tolist(), counts[~isnull].tolist(), regions, ents)
                else:
                    sc.add_nulls(int(isnull.sum()), len(vals))
                    if not sc.done:
                        sc.feed(vals[~isnull].tolist(), None, regions)
        rows = []
        for col, sc in scanners.items():
            sc.ev.distinct = sc.ev.values_checked if full else len(sc._seen)
            rows.append((col, json.dumps(sc.ev.to_dict())))
        yield pd.DataFrame(rows, columns=["c", "evidence"])

    return scan


def scan_dataframe(
    df: "DataFrame",
    cols: list[Leaf],
    *,
    config: RecognizerConfig,
    nlp: NlpTier,
    sample_rows: int,
    min_share: float,
    full: bool,
    parallelism: int,
    free_text_share: float = FREE_TEXT_SHARE,
) -> dict[str, ColumnEvidence]:
    """Scan the classifiable leaves of ``df`` in Spark and return the evidence per leaf name.

    In sample mode ``df`` is limited to ``sample_rows x OVERSAMPLE`` rows first. ``free_text_share`` is the
    share of rows an entity needs in free text (``fusion.free_text_min_share``): no column stops early near it.
    """
    from pyspark.sql import functions as F

    scannable = [c for c in cols if c.kind != "binary"]
    result: dict[str, ColumnEvidence] = {}
    if scannable:
        region_idx = [i for i, c in enumerate(scannable) if c.kind == "string" and REGION_COLUMN.search(snake_name(c.name.split(".")[-1]))]
        wide = df.select(*[_col_expr(c).alias(f"_{i}") for i, c in enumerate(scannable)])
        if region_idx:
            wide = wide.withColumn("_r", F.concat_ws("|", *[F.col(f"_{i}") for i in region_idx]))
        if not full:
            wide = wide.limit(sample_rows * OVERSAMPLE)

        def pair(i: int, c: Leaf) -> "Column":
            fields = [F.lit(c.name).alias("c"), F.col(f"_{i}").alias("v")]
            if region_idx:
                fields.append((F.lit(None).cast("string") if i in region_idx else F.col("_r")).alias("r"))
            return F.struct(*fields)

        pairs = F.explode(F.array(*[pair(i, c) for i, c in enumerate(scannable)]))
        long = wide.select(pairs.alias("p")).select("p.*")
        if full:
            long = long.groupBy(*(["c", "v", "r"] if region_idx else ["c", "v"])).agg(F.count(F.lit(1)).alias("n"))
        nparts = max(1, min(len(scannable), parallelism))
        udf = _scan_udf(config.model_dump_json(), nlp, None if full else sample_rows, min_share, full, free_text_share)
        merge_evidence_rows(long.repartition(nparts, "c").mapInPandas(udf, OUTPUT_SCHEMA).collect(), into=result)
    for c in cols:
        if c.name not in result:
            result[c.name] = ColumnEvidence(column=c.name, kind=c.kind, full=full)
        else:
            result[c.name].kind = c.kind
    return result


def read_files(spark: "SparkSession", paths: list[str], schema: "StructType") -> "DataFrame":
    """Read only the given Parquet data files, with the table's schema (columns missing from older files read as null)."""
    return spark.read.schema(schema).parquet(*paths)


