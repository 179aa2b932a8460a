"""Scale benchmark: every lifecycle step on a bank lake at several sizes, in one run.

For each size (total rows across the five tables of :mod:`governance.demo.bank`: customers 5%,
accounts 8%, cards 6%, transactions 80% partitioned by ``txn_month``, support_tickets 1%) the
script builds the lake, then runs these steps in this order on one working copy of it, each step in
a child process of its own (``lakewarden`` through :func:`jobs.cli.main`, the embedded Sail engine):

* ``classify``       ``lakewarden classify`` (sample), every table.
* ``classify_full``  ``lakewarden classify --full`` (the audit scan over every row), every table.
* ``protect``        ``lakewarden protect customers --apply`` (customers only: the transactions
                     memos are protected span by span with spaCy, whose cost is per value and is
                     measured by ``classify_bench`` and ``protect_bench``).
* ``retention``      ``lakewarden retention apply --apply`` with ``conf/policy.yaml``.
* ``erase``          ``lakewarden erase run --all-due --apply`` for one subject
                     (``customer_id=--subject``, recorded first by ``erase request`` in a child of its
                     own, not timed). The run includes the every-byte verification scan of the lake
                     (:mod:`retention.erasure.verify`) and the history purge; the share the
                     verification took is estimated from the audit entries' timestamps.

Later steps see what earlier ones did (protect and erase find columns through classify's catalog,
retention deletes old transactions before the erasure), as in production.

What is measured, per step and size (the child's own figures):

* wall s: the :func:`jobs.cli.main` call only. The engine is started and warmed before the clock
  starts; imports the job makes inside the call (Presidio, spaCy) are counted.
* cores used: CPU seconds of the child and its reaped children (``RUSAGE_SELF`` +
  ``RUSAGE_CHILDREN``: protection's fan-out workers, the verification scan's processes) over wall
  seconds. Sail runs inside the child, so its threads count.
* peak RSS MB: ``ru_maxrss`` of the child (Sail included); children MB: the largest peak RSS of any
  of the child's reaped children.
* values/s: ``classify`` cells in the lake (rows x columns of every table) over wall, *covered*, not
  read (the sample reads at most ``classification.sample_rows`` distinct values per column);
  ``classify_full`` the same cells, all *scanned* (the audit scan casts every column, numbers, dates
  and the partition column included, to string); ``protect`` customers rows x the columns protect
  changed (from its audit entry); ``retention`` and ``erase`` rows in the lake when the step started
  (rows covered per second). Row counts come from the Delta log's file statistics.

Then, per step, the ratio of peak RSS between the smallest and the largest size ("flat" means within
1.2x) and of wall time per lake row (the cost curve: 1.0 means linear in rows). Nothing is asserted
(see CONTRIBUTING.md).

The lake is generated without holding it in memory: chunks of at most ``--chunk-rows`` total rows
(default 1,000,000) come from :func:`governance.demo.bank.generate` with a seed per chunk, every id
is offset so it stays unique across chunks (customer_id, account_id, ticket_id; card_id is rebuilt
from a bijective hash of its position; txn_id is a random UUID already), every cross-table
reference (accounts.customer_id, cards.account_id, transactions.account_id,
support_tickets.customer_id) points at a row of the same chunk, and each chunk is appended to the
Delta tables with delta-rs (``write_deltalake``: Arrow straight to Parquet, no trip through the
engine's Spark Connect client; the first chunk creates the tables, transactions partitioned by
``txn_month``). So each table gets one commit per chunk and transactions about one file per month
per chunk, as a lake fed by appends would (the file counts are printed per size). The generation is timed separately and is not one of the
figures. Each size's lake is built once under ``--dir``; the steps run on a copy whose data files are
hard links (Delta never rewrites a data file in place) and whose ``_delta_log`` is copied.

Run (sizes in total rows). On 2 cores the default 1M and 10M run takes in the order of an hour;
100M takes many hours (generation alone, extrapolated from the 20,000-row rate, is about a minute per
million rows, and
``classify --full`` validates every distinct candidate value in Python) and several GB under --dir
(about 85 bytes per row at 20,000 rows, printed per size)::

    .venv/bin/python benchmarks/scale_bench.py [--sizes 1000000,10000000[,100000000]] [--dir /tmp/lw-scale]
        [--seed 7] [--keep] [--steps classify,classify_full,protect,retention,erase] [--nlp no_op|spacy_small]

``--keep`` keeps each generated lake (and the last working copy) under ``--dir`` and reuses a lake
already generated there for the same size, seed and chunk size. ``--nlp`` defaults to ``no_op``
(patterns only): spaCy's NER costs per value and is measured by ``benchmarks/classify_bench.py``;
here it would add a sample-bounded cost to classify (and PERSON/LOCATION labels that later steps act on).
Each child's output is kept in ``<dir>/logs``. Not measured here at 100M: whether ``classify --full``
fits in memory; it groups every distinct (column, value) pair inside the engine, and txn_id, ts and
amount are nearly all distinct.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: The timed steps, in the order they run.
STEPS = ("classify", "classify_full", "protect", "retention", "erase")
TABLES = ("customers", "accounts", "cards", "transactions", "support_tickets")

_MARK = "SCALE_BENCH_RESULT "
_MARKER_FILE = "generated.json"
_TITLES = {
    "classify": "lakewarden classify (sample), every table",
    "classify_full": "lakewarden classify --full (audit scan), every table",
    "protect": "lakewarden protect customers --apply",
    "retention": "lakewarden retention apply --apply",
    "erase": "lakewarden erase run --all-due --apply (one subject; includes purge and every-byte verification)",
}
_VALUES = {
    "classify": "values = cells in the lake (rows x columns of every table), covered, not read: the sample reads at most "
                "classification.sample_rows distinct values per column",
    "classify_full": "values = cells scanned: rows x columns of every table (every column cast to string, numbers, dates "
                     "and the txn_month partition column included)",
    "protect": "values = customers rows x columns protect changed (its audit entry)",
    "retention": "values = rows in the lake when the step started (rows covered/s)",
    "erase": "values = rows in the lake when the step started (rows covered/s)",
}


# ----------------------------------------------------------------------------------------------- figures


def _cpu_s() -> float:
    """CPU seconds of this process and of its reaped children."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _rss_mb() -> float:
    """Peak RSS of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _children_rss_mb() -> float:
    """The largest peak RSS of this process's reaped children in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


# ----------------------------------------------------------------------------------------------- generation


def _chunk_totals(size: int, chunk_rows: int) -> list[int]:
    """Split ``size`` total rows into as few nearly equal chunks of at most ``chunk_rows`` as possible."""
    n = max(1, -(-size // max(chunk_rows, 1)))
    return [size // n + (1 if i < size % n else 0) for i in range(n)]


def _offset_ids(frames: dict[str, Any], offsets: dict[str, int]) -> None:
    """Offset one chunk's ids by the rows of the chunks before it (in place) and advance ``offsets``.

    Args:
        frames: One :func:`governance.demo.bank.generate` result (pandas frames by table).
        offsets: ``customer``, ``account``, ``card``, ``ticket``: rows written so far.
    """
    import numpy as np

    cust, acc, cards = frames["customers"], frames["accounts"], frames["cards"]
    txn, tickets = frames["transactions"], frames["support_tickets"]
    oc, oa, ok, ot = offsets["customer"], offsets["account"], offsets["card"], offsets["ticket"]
    cust["customer_id"] = cust["customer_id"].to_numpy() + oc
    acc["account_id"] = acc["account_id"].to_numpy() + oa
    acc["customer_id"] = acc["customer_id"].to_numpy() + oc
    cards["account_id"] = cards["account_id"].to_numpy() + oa
    txn["account_id"] = txn["account_id"].to_numpy() + oa
    tickets["ticket_id"] = tickets["ticket_id"].to_numpy() + ot
    tickets["customer_id"] = tickets["customer_id"].to_numpy() + oc
    # card_id is random hex in the demo (it may repeat): a bijective hash of the card's position keeps
    # its look and makes it unique for up to 2**32 cards
    pos = np.arange(ok, ok + len(cards), dtype=np.uint64)
    hashed = (pos * np.uint64(2654435761)) % np.uint64(2**32)
    cards["card_id"] = [f"crd_{int(x):08x}" for x in hashed]
    offsets["customer"] += len(cust)
    offsets["account"] += len(acc)
    offsets["card"] += len(cards)
    offsets["ticket"] += len(tickets)


def _to_arrow(frame: Any, schema: Any | None) -> Any:
    """A pandas frame as an Arrow table with Delta-ready types (timestamps in microseconds).

    Args:
        frame: The chunk's frame.
        schema: The table's schema from its first chunk (None: derive it from this one).
    """
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if schema is None:
        fields = []
        for f in table.schema:
            t = f.type
            if pa.types.is_timestamp(t) and t.unit != "us":
                t = pa.timestamp("us", tz=t.tz)
            elif pa.types.is_null(t):
                t = pa.string()
            fields.append(pa.field(f.name, t))
        schema = pa.schema(fields)
    return table.cast(schema)


def _table_stats(lake: Path) -> dict[str, dict[str, int]]:
    """Per table: rows (Delta log statistics), columns, data files and bytes on disk (log included)."""
    from deltalake import DeltaTable

    out: dict[str, dict[str, int]] = {}
    for name in TABLES:
        path = lake / name
        if not path.exists():
            continue
        dt = DeltaTable(str(path))
        files = [p for p in path.rglob("*") if p.is_file()]
        out[name] = {
            "rows": int(dt.count()),
            "columns": len(dt.schema().fields),
            "files": sum(1 for p in files if p.suffix == ".parquet" and "_delta_log" not in p.parts),
            "bytes": sum(p.stat().st_size for p in files),
        }
    return out


def _child_generate(args: argparse.Namespace) -> None:
    """Child process: generate the lake of ``args.size`` rows chunk by chunk and write its marker file."""
    import gc

    from deltalake import write_deltalake

    from governance.demo.bank import PARTITIONS, generate

    lake = Path(args.lake)
    cpu0, t0 = _cpu_s(), time.perf_counter()
    offsets = {"customer": 0, "account": 0, "card": 0, "ticket": 0}
    schemas: dict[str, Any] = {}
    gen_s = write_s = 0.0
    chunks = _chunk_totals(args.size, args.chunk_rows)
    for i, total in enumerate(chunks):
        t = time.perf_counter()
        frames = generate(total_rows=total, seed=args.seed * 100_003 + i)
        _offset_ids(frames, offsets)
        gen_s += time.perf_counter() - t
        t = time.perf_counter()
        for name in TABLES:
            table = _to_arrow(frames.pop(name), schemas.get(name))
            schemas.setdefault(name, table.schema)
            part = PARTITIONS.get(name) if i == 0 else None
            write_deltalake(str(lake / name), table, mode="append", partition_by=part)
            del table
        write_s += time.perf_counter() - t
        del frames
        gc.collect()
        print(f"chunk {i + 1}/{len(chunks)}: {total:,} rows ({time.perf_counter() - t0:.0f}s)", flush=True)
    wall = time.perf_counter() - t0
    doc = {"size": args.size, "seed": args.seed, "chunk_rows": args.chunk_rows, "chunks": len(chunks),
           "tables": _table_stats(lake), "wall_s": wall, "generate_s": gen_s, "write_s": write_s,
           "cpu_s": _cpu_s() - cpu0, "peak_rss_mb": _rss_mb()}
    marker = lake.parent / _MARKER_FILE
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    tmp.replace(marker)
    print(_MARK + json.dumps(doc), flush=True)


# ----------------------------------------------------------------------------------------------- steps


def _cli_argv(step: str, *, config: str, lake: str, nlp: str, subject: int) -> list[str]:
    """The ``lakewarden`` arguments of one step."""
    common = ["--config", config, "--lake", lake]
    return {
        "classify": ["classify", *common, "--nlp", nlp],
        "classify_full": ["classify", *common, "--full", "--nlp", nlp],
        "protect": ["protect", *common, "customers", "--apply"],
        "retention": ["retention", *common, "apply", "--apply"],
        "erase_request": ["erase", *common, "request", "--subject", f"customer_id={subject}"],
        "erase": ["erase", *common, "run", "--all-due", "--apply"],
    }[step]


def _audit_lines(path: Path) -> int:
    """Lines in the audit log so far (0: no log yet)."""
    if not path.exists():
        return 0
    with open(path, encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def _audit_events(path: Path, skip: int) -> list[dict[str, Any]]:
    """The audit entries after the first ``skip`` lines: action, table, counts and timestamp."""
    if not path.exists():
        return []
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n < skip or not line.strip():
                continue
            d = json.loads(line)
            out.append({"action": d.get("action"), "table": d.get("table"), "counts": d.get("counts") or {}, "ts": d.get("ts")})
    return out


def _child_step(args: argparse.Namespace) -> None:
    """Child process: run one ``lakewarden`` step and print one JSON line of its figures."""
    from governance.config import load_settings
    from governance.engine import get_session, stop_embedded
    from governance.protection import fanout
    from jobs.cli import main as cli

    settings = load_settings(args.config)
    get_session(settings.engine).range(1).collect()  # engine start-up and warm-up, not timed
    audit = Path(settings.audit_path)
    seen = _audit_lines(audit)
    argv = _cli_argv(args.child, config=args.config, lake=args.lake, nlp=args.nlp, subject=args.subject)
    rss0, cpu0, t0 = _rss_mb(), _cpu_s(), time.perf_counter()
    try:
        rc = cli(argv)
    except SystemExit as exc:  # argparse
        rc = exc.code if isinstance(exc.code, int) else 2
    wall = time.perf_counter() - t0
    fanout.shutdown()  # reaps protection's worker processes: their CPU time and peak RSS count as children's
    cpu = _cpu_s() - cpu0
    print(_MARK + json.dumps({"step": args.child, "argv": argv, "rc": rc, "wall_s": wall, "cpu_s": cpu,
                              "peak_rss_mb": _rss_mb(), "rss_before_mb": rss0, "children_peak_rss_mb": _children_rss_mb(),
                              "events": _audit_events(audit, seen)}), flush=True)
    stop_embedded()


def _run_child(argv: list[str], *, env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run this script as a child with ``argv``, its output to ``log``; return its JSON line (or a failure)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv], stdout=fh, stderr=subprocess.STDOUT,
                              env=env, cwd=str(REPO), check=False)
    text = log.read_text(encoding="utf-8", errors="replace")
    found = [ln[len(_MARK):] for ln in text.splitlines() if ln.startswith(_MARK)]
    if not found:
        return {"rc": proc.returncode or 1, "crashed": True, "tail": text[-1500:]}
    doc: dict[str, Any] = json.loads(found[-1])
    if doc.get("rc"):
        doc["tail"] = text[-1500:]
    return doc


def _config_text(*, lake: Path, work: Path, nlp: str) -> str:
    """The settings file of one working lake (JSON-quoted scalars are valid YAML)."""
    q = json.dumps
    return "\n".join([
        "# written by benchmarks/scale_bench.py",
        f"lake: {{root: {q(str(lake))}}}",
        "engine: {kind: embedded}",
        f"audit: {{sink: jsonl, path: {q(str(work / 'audit.jsonl'))}, anchor_dir: {q(str(work / 'anchors'))}}}",
        f"classification: {{nlp: {nlp}}}",
        "keys: {provider: local}",
        f"policy: {q(str(REPO / 'conf' / 'policy.yaml'))}",
        f"recognizers: {q(str(REPO / 'conf' / 'recognizers.yaml'))}",
        "",
    ])


def _link_copy(src: Path, dst: Path) -> None:
    """Copy a lake: data files as hard links (Delta never rewrites one in place), the logs as real copies."""
    def _copy(s: str, d: str) -> str:
        if s.endswith(".parquet") and "_delta_log" not in Path(s).parts:
            try:
                os.link(s, d)
                return d
            except OSError:
                pass
        return str(shutil.copy2(s, d))

    shutil.copytree(src, dst, copy_function=_copy)


def _lake_rows(lake: Path) -> dict[str, int]:
    """Rows per table now, from the Delta log's file statistics."""
    from deltalake import DeltaTable

    return {name: int(DeltaTable(str(lake / name)).count()) for name in TABLES if (lake / name).exists()}


# ----------------------------------------------------------------------------------------------- the run


@dataclass
class _Lake:
    """One size's generated lake."""

    size: int
    path: Path
    doc: dict[str, Any]
    reused: bool

    @property
    def rows(self) -> int:
        return sum(int(t["rows"]) for t in self.doc["tables"].values())

    @property
    def bytes(self) -> int:
        return sum(int(t["bytes"]) for t in self.doc["tables"].values())


@dataclass
class _StepRun:
    """One step at one size: the child's figures and what its values/s counts."""

    step: str
    size: int
    lake_rows: int  # rows of the generated lake (the cost curve's rows)
    rows: int | None  # rows the step covers: the lake when it started; customers for protect
    values: int | None
    fig: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.fig.get("rc") and not self.fig.get("crashed")


def _values(step: str, fig: dict[str, Any], *, rows: dict[str, int], columns: dict[str, int]) -> tuple[int | None, int | None]:
    """(rows, values) that a step's values/s counts (see the module docstring)."""
    total = sum(rows.values())
    if step in ("classify", "classify_full"):
        return total, sum(n * columns.get(t, 0) for t, n in rows.items())
    if step == "protect":
        ev = next((e for e in fig.get("events", []) if e["action"] == "protect"), None)
        if ev is None:
            return rows.get("customers"), None
        return int(ev["counts"].get("rows", 0)), int(ev["counts"].get("rows", 0)) * int(ev["counts"].get("columns", 0))
    return total, total


def _note(step: str, fig: dict[str, Any]) -> str:
    """What the step's audit entries say it did (one line)."""
    evs: list[dict[str, Any]] = fig.get("events", [])
    if step == "protect":
        ev = next((e for e in evs if e["action"] == "protect"), None)
        return f"{ev['counts'].get('columns', 0)} column(s) protected" if ev else "no protect entry in the audit log"
    if step == "retention":
        deleted = sum(int(e["counts"].get("rows_deleted", 0)) for e in evs if e["action"] == "retention.apply")
        anon = sum(int(e["counts"].get("rows_anonymized", 0)) for e in evs if e["action"] == "retention.apply")
        tables = sum(1 for e in evs if e["action"] == "retention.apply")
        return f"{tables} table(s) changed, {deleted:,} row(s) deleted, {anon:,} anonymized"
    if step == "erase":
        removed = sum(int(e["counts"].get("rows", 0)) for e in evs if e["action"] == "erase.delete")
        files = sum(int(e["counts"].get("files_rewritten", 0)) for e in evs if e["action"] == "erase.delete")
        ver = next((i for i, e in enumerate(evs) if e["action"] == "erase.verify"), None)
        text = f"{removed:,} row(s) removed, {files} file(s) rewritten"
        if ver is not None and ver > 0:
            v = evs[ver]
            try:
                secs = (datetime.fromisoformat(v["ts"]) - datetime.fromisoformat(evs[ver - 1]["ts"])).total_seconds()
                mb = int(v["counts"].get("bytes", 0)) / 1e6
                text += f"; verification scanned {mb:,.1f} MB in {v['counts'].get('files', 0)} files"
                scan_s = int(v["counts"].get("scan_ms", 0)) / 1000
                text += (f" in {scan_s:.1f}s ({mb / scan_s:,.0f} MB/s; ~{secs:.1f}s since the step before)" if scan_s
                         else f", ~{secs:.1f}s")
            except (TypeError, ValueError):
                text += f"; verification scanned {int(v['counts'].get('bytes', 0)) / 1e6:,.1f} MB"
        elif ver is None:
            text += "; no erase.verify entry (the run stopped before verification)"
        return text
    return ""


def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def _report(runs: dict[str, list[_StepRun]], lakes: dict[int, _Lake]) -> None:
    """The tables per step, then the cost curve."""
    for step, rs in runs.items():
        print()
        print(f"{step}: {_TITLES[step]}")
        print(f"  {_VALUES[step]}")
        print(f"{'lake rows':>13}{'rows':>13}{'values':>15}{'wall s':>10}{'us/row':>9}{'values/s':>13}{'cores':>7}"
              f"{'peak RSS MB':>13}{'children MB':>13}  note")
        for r in rs:
            f = r.fig
            wall = f.get("wall_s")
            rate = r.values / wall if r.values is not None and wall else None
            cores = f["cpu_s"] / wall if wall else None
            note = _note(step, f) if r.ok else f"FAILED: exit {f.get('rc')}{' (crashed)' if f.get('crashed') else ''}"
            upr = wall / r.lake_rows * 1e6 if wall else None
            print(f"{r.lake_rows:>13,}{_fmt(r.rows, ',d'):>13}{_fmt(r.values, ',d'):>15}{_fmt(wall, '.1f'):>10}"
                  f"{_fmt(upr, ',.1f'):>9}{_fmt(rate, ',.0f'):>13}{_fmt(cores, '.2f'):>7}{_fmt(f.get('peak_rss_mb'), ',.0f'):>13}"
                  f"{_fmt(f.get('children_peak_rss_mb'), ',.0f'):>13}  {note}")
    sizes = sorted(lakes)
    print()
    if len(sizes) < 2:
        print("cost curve: one size only (give --sizes with two or more to see how memory and time per row scale)")
        return
    lo, hi = lakes[sizes[0]], lakes[sizes[-1]]
    print(f"cost curve, smallest -> largest lake ({lo.rows:,} -> {hi.rows:,} rows, {hi.rows / lo.rows:.0f}x):")
    print(f"{'step':<15}{'peak RSS MB':>22}{'ratio':>8}  {'memory':<8}{'wall us/row':>22}{'ratio':>8}")
    for step, rs in runs.items():
        by = {r.size: r for r in rs if r.ok and r.fig.get("wall_s")}
        if sizes[0] not in by or sizes[-1] not in by:
            print(f"{step:<15}{'(failed at one end)':>22}")
            continue
        a, b = by[sizes[0]].fig, by[sizes[-1]].fig
        rss = b["peak_rss_mb"] / a["peak_rss_mb"]
        upr_a, upr_b = a["wall_s"] / lo.rows * 1e6, b["wall_s"] / hi.rows * 1e6
        print(f"{step:<15}{a['peak_rss_mb']:>11,.0f} -> {b['peak_rss_mb']:>7,.0f}{rss:>7.2f}x  "
              f"{'flat' if rss <= 1.2 else 'grows':<8}{upr_a:>11.2f} -> {upr_b:>7.2f}{upr_b / upr_a:>7.2f}x")
    print("(memory 'flat' = within 1.2x; us/row = wall time per row of the generated lake: a ratio of 1.0 means time\n"
          " linear in rows, below 1.0 fixed costs being amortized, above 1.0 worse than linear)")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,10000000",
                    help="comma-separated lake sizes in total rows (default 1000000,10000000; 100000000 takes hours)")
    ap.add_argument("--dir", default="/tmp/lw-scale", help="work folder (default /tmp/lw-scale)")
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    ap.add_argument("--keep", action="store_true", help="keep the generated lakes under --dir and reuse them next time")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated steps, run in this order (default {','.join(STEPS)})")
    ap.add_argument("--nlp", choices=["no_op", "spacy_small"], default="no_op",
                    help="classification NLP tier (default no_op: spaCy NER costs per value, measured by classify_bench)")
    ap.add_argument("--chunk-rows", type=int, default=1_000_000, help="total rows generated per chunk (default 1,000,000)")
    ap.add_argument("--subject", type=int, default=42, help="customer_id of the erased subject (default 42)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--lake", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def _lake_for(size: int, args: argparse.Namespace, root: Path, env: dict[str, str]) -> _Lake:
    """The generated lake of ``size`` rows: reused (--keep, same seed and chunks) or generated now."""
    gen = root / f"gen-{size}-seed{args.seed}-chunk{args.chunk_rows}"
    marker = gen / _MARKER_FILE
    if args.keep and marker.exists():
        return _Lake(size=size, path=gen / "lake", doc=json.loads(marker.read_text(encoding="utf-8")), reused=True)
    shutil.rmtree(gen, ignore_errors=True)
    gen.mkdir(parents=True)
    fig = _run_child(["--child", "generate", "--lake", str(gen / "lake"), "--size", str(size), "--seed", str(args.seed),
                      "--chunk-rows", str(args.chunk_rows)], env=env, log=root / "logs" / f"{size}-generate.log")
    if fig.get("crashed") or not marker.exists():
        raise RuntimeError(f"generating the {size:,}-row lake failed:\n{fig.get('tail', '')}")
    return _Lake(size=size, path=gen / "lake", doc=fig, reused=False)


def _print_lake(lake: _Lake) -> None:
    d = lake.doc
    how = ("reused (--keep)" if lake.reused else
           f"generated in {d['wall_s']:.1f}s ({d['generate_s']:.1f}s generator, {d['write_s']:.1f}s delta-rs writes, "
           f"{d['chunks']} chunk(s), {d['cpu_s'] / max(d['wall_s'], 1e-9):.2f} cores, peak RSS {d['peak_rss_mb']:,.0f} MB)")
    print(f"lake {lake.size:,}: {lake.rows:,} rows, {lake.bytes / 1e6:,.1f} MB on disk, {how}")
    for name, t in d["tables"].items():
        print(f"  {name:<16}{t['rows']:>14,} rows {t['columns']:>3} columns {t['files']:>6,} data files {t['bytes'] / 1e6:>10,.1f} MB")


def _rerun(args: argparse.Namespace, sizes: list[int], steps: list[str]) -> str:
    cmd = [".venv/bin/python", "benchmarks/scale_bench.py", "--sizes", ",".join(str(s) for s in sizes), "--dir", args.dir,
           "--seed", str(args.seed), "--steps", ",".join(steps), "--nlp", args.nlp]
    if args.chunk_rows != 1_000_000:
        cmd += ["--chunk-rows", str(args.chunk_rows)]
    if args.subject != 42:
        cmd += ["--subject", str(args.subject)]
    if args.keep:
        cmd.append("--keep")
    return " ".join(cmd)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with the hidden ``--child``, one of its child processes).

    Args:
        argv: Command-line arguments (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0, also when a step failed (its row says so); 2 on bad arguments.
    """
    args = _parse_args(argv)
    if args.child == "generate":
        _child_generate(args)
        return 0
    if args.child:
        _child_step(args)
        return 0
    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        print(f"--sizes {args.sizes!r}: give comma-separated row counts", file=sys.stderr)
        return 2
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown or not sizes or min(sizes) < 1000 or not 1000 <= args.chunk_rows <= 1_000_000:
        print(f"bad arguments: unknown steps {unknown}, sizes must be >= 1000, --chunk-rows 1000..1000000", file=sys.stderr)
        return 2
    steps = [s for s in STEPS if s in steps]
    root = Path(args.dir).absolute()
    root.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEWARDEN_")}
    env["LAKEWARDEN_MASTER_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode("ascii")  # this run only
    env["RUST_LOG"] = "error"
    print(f"scale benchmark: sizes {', '.join(f'{s:,}' for s in sizes)} total rows; steps {', '.join(steps)}; "
          f"nlp {args.nlp}; {os.cpu_count()} cores; engine embedded (Sail); work folder {root}", flush=True)
    lakes: dict[int, _Lake] = {}
    runs: dict[str, list[_StepRun]] = {s: [] for s in steps}
    started = time.perf_counter()
    for size in sizes:
        lake = _lake_for(size, args, root, env)
        lakes[size] = lake
        _print_lake(lake)
        work = root / f"work-{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        wlake = work / "lake"
        _link_copy(lake.path, wlake)
        config = work / "lakewarden.yaml"
        config.write_text(_config_text(lake=wlake, work=work, nlp=args.nlp), encoding="utf-8")
        columns = {n: int(t["columns"]) for n, t in lake.doc["tables"].items()}
        common = ["--lake", str(wlake), "--config", str(config), "--nlp", args.nlp, "--subject", str(args.subject)]
        for step in steps:
            if step == "erase":
                req = _run_child(["--child", "erase_request", *common], env=env, log=root / "logs" / f"{size}-erase_request.log")
                print(f"  erase request customer_id={args.subject}: "
                      + (f"{req['wall_s']:.1f}s" if not req.get("rc") and not req.get("crashed") else f"FAILED (exit {req.get('rc')})"),
                      flush=True)
            rows = _lake_rows(wlake)
            fig = _run_child(["--child", step, *common], env=env, log=root / "logs" / f"{size}-{step}.log")
            n_rows, values = _values(step, fig, rows=rows, columns=columns)
            run = _StepRun(step=step, size=size, lake_rows=lake.rows, rows=n_rows, values=values, fig=fig)
            runs[step].append(run)
            if run.ok:
                print(f"  {step}: {fig['wall_s']:.1f}s, {fig['cpu_s'] / max(fig['wall_s'], 1e-9):.2f} cores, "
                      f"peak RSS {fig['peak_rss_mb']:,.0f} MB  {_note(step, fig)}", flush=True)
            else:
                tail = "\n".join("    " + ln for ln in str(fig.get("tail", "")).splitlines()[-8:])
                print(f"  {step}: FAILED (exit {fig.get('rc')}; log {root / 'logs' / f'{size}-{step}.log'})\n{tail}", flush=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(lake.path.parent, ignore_errors=True)
    print(f"\nall sizes done in {time.perf_counter() - started:.0f}s (generation included); child logs in {root / 'logs'}")
    _report(runs, lakes)
    print(f"\nrerun: {_rerun(args, sizes, steps)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
