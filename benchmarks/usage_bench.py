"""Usage-ingest benchmark: MB/s of Spark event logs, Lakewarden vs a plain ``json.loads`` loop.

One run:

1. generates event logs (Spark 4.2 event shapes: environment update, jobs, stages, many task
   end events with full metrics, SQL executions whose plans scan a small Delta lake, driver
   metric updates), one application per ~32 MB file, plain or zstd;
2. ingests them with Lakewarden (``retention.usage.ingest`` on the embedded engine) in a fresh
   process, at a quarter of the size and at the full size, and reports wall time, MB/s of
   uncompressed log and the process's peak RSS (the Sail engine runs in-process, so this is
   the whole engine's memory). Ingest parses evidence in rounds of ``--round-mb``; peak RSS
   must not grow with the log size (it depends on the round size only);
3. runs the baseline, a single-process loop that ``json.loads`` every line and walks every
   SQL plan for its scans (what a hand-written script does), on the same files, in a fresh
   process, with its wall time, MB/s and peak RSS.

Both produce the same reads (the script checks the counts match).

Run::

    .venv/bin/python -m benchmarks.usage_bench [--size-mb 256] [--round-mb 256] [--codec none|zstd] [--work DIR] [--keep]

``--size-mb 1024`` is the 1 GB case of the issue (about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP_MB = 32


def _plan(lake: str, table: str, cols: list[str], pfilter: str, acc: int) -> dict:
    loc = f"InMemoryFileIndex(1 paths)[file:{lake}/{table}]"
    schema = "struct<" + ",".join(f"{c}:string" for c in cols) + ">"
    scan = {
        "nodeName": "Scan parquet ",
        "simpleString": f"FileScan parquet [{','.join(f'{c}#{i}' for i, c in enumerate(cols))}] Batched: true, Location: {loc}, ReadSchema: {schema}",
        "children": [],
        "metadata": {"Format": "Parquet", "Batched": "true", "PartitionFilters": pfilter, "Location": loc, "ReadSchema": schema, "PushedFilters": "[]", "DataFilters": "[]"},
        "metrics": [
            {"name": "number of files read", "accumulatorId": acc, "metricType": "sum"},
            {"name": "scan time", "accumulatorId": acc + 1, "metricType": "timing"},
            {"name": "size of files read", "accumulatorId": acc + 2, "metricType": "size"},
            {"name": "number of output rows", "accumulatorId": acc + 3, "metricType": "sum"},
        ],
    }
    node = scan
    for name in ("ColumnarToRow", "Project", "WholeStageCodegen (1)", "Exchange", "HashAggregate", "AdaptiveSparkPlan"):
        node = {"nodeName": name, "simpleString": name + " [" + ", ".join(cols) + "]", "children": [node], "metadata": {}, "metrics": [{"name": "number of output rows", "accumulatorId": acc + 10, "metricType": "sum"}]}
    return node


def _task_end(stage: int, task: int, rnd: random.Random) -> str:
    metrics: dict[str, object] = {k: rnd.randint(0, 10**9) for k in (
        "Executor Deserialize Time", "Executor Deserialize CPU Time", "Executor Run Time", "Executor CPU Time",
        "Peak Execution Memory", "Result Size", "JVM GC Time", "Result Serialization Time", "Memory Bytes Spilled", "Disk Bytes Spilled")}
    metrics["Shuffle Read Metrics"] = {k: rnd.randint(0, 10**6) for k in ("Remote Blocks Fetched", "Local Blocks Fetched", "Fetch Wait Time", "Remote Bytes Read", "Local Bytes Read", "Total Records Read")}
    metrics["Shuffle Write Metrics"] = {k: rnd.randint(0, 10**6) for k in ("Shuffle Bytes Written", "Shuffle Write Time", "Shuffle Records Written")}
    metrics["Input Metrics"] = {"Bytes Read": rnd.randint(0, 10**8), "Records Read": rnd.randint(0, 10**6)}
    metrics["Output Metrics"] = {"Bytes Written": 0, "Records Written": 0}
    metrics["Updated Blocks"] = []
    acc = [{"ID": rnd.randint(1, 10**5), "Name": f"internal.metrics.m{i}", "Update": rnd.randint(0, 10**6), "Value": rnd.randint(0, 10**9), "Internal": True, "Count Failed Values": True} for i in range(18)]
    ev = {
        "Event": "SparkListenerTaskEnd", "Stage ID": stage, "Stage Attempt ID": 0, "Task Type": "ResultTask", "Task End Reason": {"Reason": "Success"},
        "Task Info": {"Task ID": task, "Index": task % 200, "Attempt": 0, "Partition ID": task % 200, "Launch Time": 1764300000000 + task, "Executor ID": str(task % 16),
                      "Host": f"10.0.{task % 8}.{task % 250}", "Locality": "PROCESS_LOCAL", "Speculative": False, "Getting Result Time": 0, "Finish Time": 1764300000500 + task,
                      "Failed": False, "Killed": False, "Accumulables": acc},
        "Task Executor Metrics": {k: rnd.randint(0, 10**9) for k in ("JVMHeapMemory", "JVMOffHeapMemory", "OnHeapExecutionMemory", "OffHeapExecutionMemory", "OnHeapStorageMemory", "ProcessTreeJVMRSSMemory", "MinorGCCount", "MajorGCTime")},
        "Task Metrics": metrics,
    }
    return json.dumps(ev, separators=(",", ":"))


def generate(out: Path, lake: str, size_mb: int, codec: str, seed: int = 7) -> tuple[int, int, int]:
    """Write event logs totalling ``size_mb`` uncompressed MB; returns (bytes, files, sql scans)."""
    import zstandard

    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    total, files, scans = 0, 0, 0
    target = size_mb * 1024 * 1024
    env = json.dumps({"Event": "SparkListenerEnvironmentUpdate", "Spark Properties": {f"spark.conf.k{i}": "v" * 40 for i in range(400)}, "System Properties": {f"sys.{i}": "x" * 60 for i in range(600)}}, separators=(",", ":"))
    tables = [("payments", ["id", "iban", "amount", "country"], "[isnotnull(country#3), (country#3 = FR)]"), ("customers", ["id", "name", "email"], "[]"), ("payments", ["amount"], "[]")]
    while total < target:
        app = f"application_1764300000000_{files:04d}"
        path = out / (app + (".zstd" if codec == "zstd" else ""))
        fh = open(path, "wb")
        writer = zstandard.ZstdCompressor(level=1).stream_writer(fh) if codec == "zstd" else fh
        size = 0

        def w(line: str) -> None:
            nonlocal size
            b = line.encode() + b"\n"
            writer.write(b)
            size += len(b)

        w('{"Event":"SparkListenerLogStart","Spark Version":"4.2.0"}')
        w(json.dumps({"Event": "SparkListenerApplicationStart", "App Name": f"bank-job-{files % 7}", "App ID": app, "Timestamp": 1764300000000, "User": f"svc{files % 3}"}))
        w(env)
        ex = 0
        task = 0
        while size < APP_MB * 1024 * 1024 and total + size < target:
            table, cols, pf = tables[ex % len(tables)]
            acc = 1000 + ex * 100
            w(json.dumps({"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart", "executionId": ex, "rootExecutionId": ex, "description": "collect",
                          "details": "org.apache.spark.sql.Dataset.collect\n" * 10, "physicalPlanDescription": "== Physical Plan ==\n" + "x" * 1500,
                          "sparkPlanInfo": _plan(lake, table, cols, pf, acc), "time": 1764300000000 + ex * 1000, "modifiedConfigs": {}, "jobTags": []}, separators=(",", ":")))
            w(json.dumps({"Event": "SparkListenerJobStart", "Job ID": ex, "Submission Time": 1764300000000, "Stage Infos": [], "Stage IDs": [ex], "Properties": {"spark.sql.execution.id": str(ex), "x": "y" * 2000}}, separators=(",", ":")))
            for _ in range(60):
                w(_task_end(ex, task, rnd))
                task += 1
            w(json.dumps({"Event": "org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates", "executionId": ex, "accumUpdates": [[acc, 1], [acc + 1, 5], [acc + 2, 1000 + ex]]}))
            w(json.dumps({"Event": "SparkListenerJobEnd", "Job ID": ex, "Completion Time": 1764300000900, "Job Result": {"Result": "JobSucceeded"}}))
            w(json.dumps({"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd", "executionId": ex, "time": 1764300000950}))
            ex += 1
            scans += 1
        w('{"Event":"SparkListenerApplicationEnd","Timestamp":1764300999999}')
        if codec == "zstd":
            writer.close()
        else:
            fh.close()
        total += size
        files += 1
    return total, files, scans


def _lake(root: Path) -> None:
    import pyarrow as pa
    from deltalake import write_deltalake

    n = 1000
    write_deltalake(str(root / "payments"), pa.table({"id": list(range(n)), "iban": [f"DE{i:020d}" for i in range(n)], "amount": [i * 1.0 for i in range(n)], "country": ["DE", "FR"] * (n // 2)}), partition_by=["country"])
    write_deltalake(str(root / "customers"), pa.table({"id": list(range(n)), "name": [f"n{i}" for i in range(n)], "email": [f"e{i}@x" for i in range(n)]}))


# --------------------------------------------------------------------------- child processes
def _peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss survives exec and may show the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_lakewarden(lake: str, logs: str, round_mb: str) -> None:
    from governance.config import Settings
    from governance.maintenance import DeltaRsMaintenance
    from retention.usage.ingest import ingest
    from retention.usage.sources.spark_eventlog import SparkEventLogSource
    from governance.engine import get_session

    settings = Settings.model_validate({"lake": {"root": lake, "system_dir": "_lw_bench_" + Path(logs).name}})
    spark = get_session(settings.engine)
    spark.range(1).collect()  # engine start-up is not log parsing
    t = time.monotonic()
    res = ingest(spark, settings, [SparkEventLogSource(logs)], maintenance=DeltaRsMaintenance(), round_bytes=int(round_mb) << 20)
    secs = time.monotonic() - t
    src = res.sources[0]
    print(json.dumps({"seconds": secs, "bytes": src.stats.bytes if src.stats else 0, "reads": src.reads_new,
                      "rss_mb": _peak_rss_mb()}))


def _walk(node: dict, out: list) -> None:
    md = node.get("metadata") or {}
    if "Location" in md:
        out.append(node)
    for c in node.get("children") or []:
        _walk(c, out)


def _child_baseline(logs: str) -> None:
    import zstandard

    t = time.monotonic()
    total, reads = 0, 0
    for p in sorted(Path(logs).iterdir()):
        with open(p, "rb") as fh:
            stream = zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True) if p.suffix == ".zstd" else fh
            import io

            scans: dict[int, list] = {}
            accum: dict[int, int] = {}
            for line in io.BufferedReader(stream, 1 << 20) if p.suffix == ".zstd" else stream:
                total += len(line)
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                ev = e.get("Event", "")
                if ev.endswith("SQLExecutionStart"):
                    found: list = []
                    _walk(e.get("sparkPlanInfo") or {}, found)
                    scans[e["executionId"]] = found
                elif ev.endswith("DriverAccumUpdates"):
                    for a, v in e.get("accumUpdates", []):
                        accum[a] = accum.get(a, 0) + v
            for nodes in scans.values():
                for n in nodes:
                    ids = [m["accumulatorId"] for m in n.get("metrics", []) if m["name"] == "size of files read"]
                    if ids and ids[0] in accum:
                        reads += 1
    secs = time.monotonic() - t
    print(json.dumps({"seconds": secs, "bytes": total, "reads": reads, "rss_mb": _peak_rss_mb()}))


def _spawn(args: list[str]) -> dict:
    env = {**os.environ, "RUST_LOG": "error"}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.usage_bench", *args], capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Generate logs, run both contenders in fresh processes, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=256, help="uncompressed event-log MB for the full run (default 256; 1024 = 1 GB)")
    ap.add_argument("--codec", choices=["none", "zstd"], default="none", help="write the logs plain (default) or zstd-compressed")
    ap.add_argument("--round-mb", type=int, default=256, help="log MB Lakewarden parses per round (ingest's round_bytes; default 256)")
    ap.add_argument("--work", help="working folder (default: a temporary folder, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the generated logs and lake")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        if args.child[0] == "lakewarden":
            _child_lakewarden(args.child[1], args.child[2], args.child[3])
        else:
            _child_baseline(args.child[1])
        return 0
    work = Path(args.work or tempfile.mkdtemp(prefix="lw-usage-bench-"))
    lake = work / "lake"
    if not lake.exists():
        _lake(lake)
    sizes = [max(8, args.size_mb // 4), args.size_mb]
    rows: list[tuple[object, ...]] = []
    for mb in sizes:
        logs = work / f"logs_{mb}mb_{args.codec}"
        if not logs.exists():
            t = time.monotonic()
            b, f, s = generate(logs, str(lake), mb, args.codec)
            print(f"generated {b / 2**20:.0f} MB of event logs in {f} file(s) ({s} SQL scans, codec {args.codec}) in {time.monotonic() - t:.0f}s", flush=True)
        disk = sum(p.stat().st_size for p in logs.iterdir()) / 2**20
        shutil.rmtree(lake / f"_lw_bench_{logs.name}", ignore_errors=True)
        lw = _spawn(["--child", "lakewarden", str(lake), str(logs), str(args.round_mb)])
        base = _spawn(["--child", "baseline", str(logs)])
        for name, res in (("lakewarden ingest (embedded Sail)", lw), ("json.loads loop (1 process)", base)):
            mbs = res["bytes"] / 2**20
            rows.append((mb, f"{disk:.0f}", name, f"{mbs:.0f}", f"{res['seconds']:.1f}", f"{mbs / res['seconds']:.1f}", f"{res['rss_mb']:.0f}", res["reads"]))
            print(f"  {mb} MB: {name}: {res['seconds']:.1f}s, {mbs / res['seconds']:.1f} MB/s, peak RSS {res['rss_mb']:.0f} MB, {res['reads']} reads", flush=True)
        if lw["reads"] != base["reads"]:
            print(f"  WARNING: read counts differ (lakewarden {lw['reads']}, baseline {base['reads']})")
    print()
    print(f"{'size MB':>7} {'disk MB':>7}  {'method':<36} {'log MB':>7} {'seconds':>8} {'MB/s':>7} {'peak RSS MB':>11} {'reads':>7}")
    for r in rows:
        print(f"{r[0]:>7} {r[1]:>7}  {r[2]:<36} {r[3]:>7} {r[4]:>8} {r[5]:>7} {r[6]:>11} {r[7]:>7}")
    lw_rss = [float(str(r[6])) for r in rows if str(r[2]).startswith("lakewarden")]
    print(f"\nrounds of {args.round_mb} MB. Lakewarden peak RSS at {sizes[0]} MB vs {sizes[1]} MB of logs: {lw_rss[0]:.0f} MB vs {lw_rss[1]:.0f} MB "
          f"(x{lw_rss[1] / lw_rss[0]:.2f} for x{sizes[1] / sizes[0]:.0f} the log size)")
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
