"""``lakewarden classify``: find the personal data in every column of Delta tables."""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING

from governance.context import JobContext

if TYPE_CHECKING:
    from classification.scan import TableResult
    from governance.catalog import CatalogColumn

log = logging.getLogger(__name__)

HELP = "classify the personal data in every column of Delta tables (Presidio, sampled in Spark)"
DESCRIPTION = (
    "Samples each table inside Spark (a few data files picked from the Delta log, nulls and duplicates "
    "dropped, per-column early stop), runs cheap validated patterns first and Presidio only on what they "
    "cannot settle, and fuses the evidence into one verdict per column with a confidence and a sensitivity "
    "tier. Verdicts go to the catalog (<root>/_lakewarden/catalog); a table with no new commit since its "
    "last scan is skipped unless --force (--json still lists it with its catalog verdicts). Reviewed labels "
    "win over scans. With no TABLE, every Delta table under the lake root is classified. A TABLE may be a "
    "Spark catalog name (db.table): it resolves to the table's location. A table that cannot be classified "
    "is reported with its reason (text and --json) and the others still run; the exit code is then 11 "
    "(partial), or the table's own error code when it was the only table asked for."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tables", nargs="*", metavar="TABLE", help="Delta table path/URL, a name under the lake root, a Spark catalog name (db.table), or a Parquet folder")
    parser.add_argument("--json", dest="json_path", metavar="FILE", help="write the verdicts and evidence as JSON")
    parser.add_argument("--sample-rows", type=int, metavar="N", help="distinct values sampled per column (default classification.sample_rows)")
    parser.add_argument("--full", action="store_true", help="audit scan: count the pattern entities (cards, IBANs, e-mails, ...) exactly over every row, inside the engine (values matching no entity prefilter never reach Python); NLP entities and column profilers still come from the sample, their counts reported as estimates")
    parser.add_argument("--force", action="store_true", help="scan even tables unchanged since their last scan")
    parser.add_argument("--nlp", choices=["no_op", "spacy_small"], help="NLP tier (default classification.nlp)")


def run(args: argparse.Namespace, ctx: JobContext) -> int:
    from classification.registry import load_recognizer_config
    from classification.reports import failed_entry, json_document, unchanged_entry, write_json
    from classification.scan import FullScanReader, TableResult, classify_table, table_format
    from governance.catalog import Catalog, ColumnRecord
    from governance.engine import engine_error
    from governance.errors import InputError, LakewardenError, PartialFailureError
    from governance.lake import TableRef, list_tables, locate_table, table_name
    from governance.risk import classification_policy_path, load_classification_policy

    s = ctx.settings
    sample_rows = args.sample_rows or s.classification.sample_rows
    if sample_rows < 10:
        raise InputError(f"--sample-rows must be at least 10, not {sample_rows}")
    nlp = args.nlp or s.classification.nlp
    config = load_recognizer_config(s.recognizers)
    policy = load_classification_policy(classification_policy_path(s))
    catalog = Catalog(s, policy=policy)

    if args.tables:
        refs = [locate_table(s, t, spark=lambda: ctx.spark) for t in args.tables]
        for ref in refs:
            table_format(ref.path)  # fail fast on a missing path or a folder that is no table
    else:
        refs = [TableRef(path=p, name=table_name(s, p)) for p in list_tables(s.lake.root, system_dir=s.lake.system_dir)]
        if not refs:
            ctx.out.print(f"no Delta tables under {s.lake.root}")
    results: list[TableResult] = []
    entries: list[TableResult | dict[str, object]] = []
    skipped: list[dict[str, object]] = []
    failures: list[tuple[str, LakewardenError]] = []
    cls = s.classification
    full_reader: FullScanReader = ("files" if s.engine.kind == "embedded" else "engine") if cls.full_scan_reader == "auto" else cls.full_scan_reader
    with ctx.progress.task("classify", total=len(refs)) as task:
        for ref in refs:
            path, name = ref.path, ref.name
            try:
                if table_format(path) == "delta" and not (args.force or args.full):
                    from governance.features import read_features

                    version = read_features(path).version  # from the log itself: delta-rs refuses deletion vectors
                    need, why = catalog.needs_scan(path, version=version, recognizers=config.fingerprint(), nlp=nlp)
                    if not need:
                        entries.append(unchanged_entry(table=name, path=path, reason=why, columns=catalog.effective_columns(path)))
                        skipped.append({"table": name, "path": path, "reason": why})
                        task.advance(1, note=f"{name}: skipped ({why})")
                        continue
                res = classify_table(
                    ctx.spark, path, name=name, config=config, policy=policy, nlp=nlp, sample_rows=sample_rows,
                    min_share=s.classification.min_cell_share, full=args.full, maintenance=ctx.maintenance,
                    parallelism=s.engine.shuffle_partitions, full_scan_reader=full_reader,
                    full_scan_workers=s.classification.full_scan_workers,
                )
                catalog.record_scan(
                    table=path, table_name=name, delta_version=res.delta_version, recognizers=res.recognizers, nlp=nlp,
                    full_scan=args.full,
                    columns=[ColumnRecord(v.name, v.entity, v.entities, v.confidence, v.sensitivity, v.evidence) for v in res.columns],
                )
            except Exception as exc:  # noqa: BLE001 - one table never stops the others; each failure is reported
                err = exc if isinstance(exc, LakewardenError) else engine_error(exc, table=name)
                log.debug("classify %s failed", name, exc_info=True)
                failures.append((name, err))
                entries.append(failed_entry(table=name, path=path, error=err))
                task.advance(1, note=f"{name}: failed")
                continue
            _apply_reviews(res, catalog.effective_columns(path))
            ctx.audit.append(
                action="classify",
                table=path,
                columns=[v.name for v in res.columns if v.entity],
                counts={"columns": len(res.columns), "personal_columns": sum(1 for v in res.columns if v.entity), "rows_sampled": res.rows_sampled},
                details={"delta_version": res.delta_version, "nlp": nlp, "sample_rows": sample_rows, "full": args.full, "recognizers": res.recognizers},
            )
            results.append(res)
            entries.append(res)
            task.advance(1, note=f"{name}: {sum(1 for v in res.columns if v.entity)} personal column(s)")

    rows = []
    for r in results:
        for v in r.columns:
            rows.append({
                "table": r.table, "column": v.name, "entity": v.entity or "-", "also": ",".join(v.entities[1:]),
                "quasi_id": v.quasi_identifier or "", "free_text": "yes" if v.free_text and v.entity else "",
                "confidence": f"{v.confidence:.2f}", "sensitivity": v.sensitivity, "reviewed": "yes" if v.reviewed else "",
            })
    if rows:
        ctx.out.table(rows)
    for sk in skipped:
        ctx.out.print(f"skipped {sk['table']}: {sk['reason']}")
    for name, err in failures:
        ctx.out.print(f"failed {name}: {err}")
    if args.json_path:
        engine = {
            "kind": s.engine.kind,
            "cpu_count": os.cpu_count(),
            "python_work": "threads of the Sail process (one core for Presidio: the GIL)" if s.engine.kind == "embedded" else "one Python worker per Spark task",
        }
        write_json(args.json_path, json_document(entries, skipped=skipped, cores=engine))
        ctx.out.print(f"wrote {args.json_path}")
    if failures:
        if len(failures) == len(refs) == 1:
            raise failures[0][1]  # the one table asked for: its own error and exit code
        names = ", ".join(f"{n} ({type(e).__name__}, exit {e.exit_code})" for n, e in failures)
        done = len(refs) - len(failures)
        raise PartialFailureError(
            f"{len(failures)} of {len(refs)} table(s) failed: {names}; {done} classified or unchanged"
            + (f"; reasons in {args.json_path}" if args.json_path else "; reasons above")
        )
    return 0


def _apply_reviews(result: "TableResult", effective: "list[CatalogColumn]") -> None:
    """Reviewed labels win over this scan: overlay them on the verdicts shown and written to JSON."""
    by_col = {c.column: c for c in effective}
    for v in result.columns:
        c = by_col.get(v.name)
        if c is not None and c.reviewed:
            v.evidence = {**v.evidence, "scanned_entity": v.entity, "review": {"decision": c.review_decision, "by": c.reviewed_by, "at": str(c.reviewed_at)}}
            v.entity, v.entities, v.sensitivity, v.confidence, v.reviewed = c.entity, list(c.entities), c.sensitivity, c.confidence, True


if __name__ == "__main__":
    from jobs._entry import run_job

    raise SystemExit(run_job("classify"))
