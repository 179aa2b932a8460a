"""Cluster benchmark: classify and protect on a 2-worker Spark standalone cluster vs the embedded engine.

One run, one demo lake (``lakewarden demo --skip-steps``), copied once per engine:

* ``embedded``  ``python -m jobs.cli --engine embedded ...`` in a child process (Sail runs inside it,
                Python UDFs on its threads). CPU = the child's CPU time (getrusage of reaped children).
* ``cluster``   the README's spark-submit line (``tests/fixtures/standalone.py`` fills in the master,
                wheel and interpreter) against a standalone master with two 1-core workers on
                127.0.0.1. CPU = the driver (spark-submit JVM + Python driver, reaped children) plus
                every executor process (executor JVMs and their Python workers, sampled from /proc
                every 0.2 s as descendants of the worker daemons; the daemons themselves are left out).

Per job: wall seconds end to end (JVM, executor start-up and Ivy resolution included for the
cluster), the job's own seconds (classify: the JSON's per-table seconds; protect: its progress
line), values per second, and cores used = CPU seconds / wall seconds. Values: classify counts the
sampled cells (``rows_sampled`` x columns per table); protect counts rows x protected columns.
Figures only, nothing asserted (CONTRIBUTING.md); the machine may be shared, so compare the two
engines of the same run, not runs with each other.

Run::

    .venv/bin/python benchmarks/cluster_bench.py [--rows 40000] [--work DIR] [--nlp spacy_small|no_op]

Writes ``benchmarks/results/cluster_bench.md``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fixtures.standalone import StandaloneCluster, build_wheel, spark_env, submit_command  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "cluster_bench.md"
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One job on one engine."""

    engine: str
    job: str
    wall_s: float
    job_s: float
    values: int
    driver_cpu_s: float
    executor_cpu_s: float

    @property
    def cores(self) -> float:
        return (self.driver_cpu_s + self.executor_cpu_s) / self.wall_s if self.wall_s else 0.0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process itself) for every live process."""
    out: dict[int, tuple[int, float]] = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(p.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return out


class ExecutorSampler:
    """Sum the CPU time of every process below the worker daemons while a job runs."""

    def __init__(self, roots: list[int], interval_s: float = 0.2) -> None:
        self.roots = set(roots)
        self.interval_s = interval_s
        self.last: dict[int, float] = {}
        self.base: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _descendants(self, table: dict[int, tuple[int, float]]) -> dict[int, float]:
        kids: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            kids.setdefault(ppid, []).append(pid)
        out, stack = {}, [c for r in self.roots for c in kids.get(r, [])]
        while stack:
            pid = stack.pop()
            out[pid] = table[pid][1]
            stack += kids.get(pid, [])
        return out

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid, cpu in self._descendants(_proc_table()).items():
                self.last[pid] = cpu
            self._stop.wait(self.interval_s)

    def __enter__(self) -> "ExecutorSampler":
        self.base = self._descendants(_proc_table())  # processes from an earlier job: count only their growth
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_s(self) -> float:
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.last.items())


def _protect_seconds(stderr: str) -> float:
    m = re.search(r"protect: done \d+/\d+ in ([\d.]+)s", stderr)
    return float(m.group(1)) if m else float("nan")


def _protect_values(stdout: str) -> int:
    """rows x protected columns, from protect's plan table (a ``protect`` line per column)."""
    rows = [int(m.group(1)) for m in re.finditer(r"\s(\d+)\s+\d+\s+protect\s*$", stdout, re.M)]
    return sum(rows)


def _classify_figures(json_path: Path) -> tuple[float, int]:
    doc = json.loads(json_path.read_text())
    seconds = sum(float(t.get("seconds") or 0) for t in doc["tables"])
    values = sum(int(t.get("rows_sampled") or 0) * len(t["columns"]) for t in doc["tables"])
    return seconds, values


def _run(cmd: list[str], *, env: dict[str, str], cwd: Path, sampler: ExecutorSampler | None = None) -> tuple[subprocess.CompletedProcess[str], float, float, float]:
    cpu0 = _children_cpu()
    t0 = time.monotonic()
    if sampler is None:
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
        exec_cpu = 0.0
    else:
        with sampler:
            proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
        exec_cpu = sampler.cpu_s
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc, wall, _children_cpu() - cpu0, exec_cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=40_000, help="demo lake rows (default 40,000; customers are 5%%)")
    ap.add_argument("--nlp", default="spacy_small", choices=["spacy_small", "no_op"])
    ap.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="lw-cluster-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    run_dir = work / "run"
    shutil.copytree(REPO / "conf", run_dir / "conf", dirs_exist_ok=True)
    env = spark_env(work / "cluster")
    env["LAKEWARDEN_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    env["TLDEXTRACT_CACHE"] = os.environ.get("TLDEXTRACT_CACHE", str(REPO / ".cache" / "tldextract"))
    py = sys.executable

    print(f"demo lake: {args.rows:,} rows ...", flush=True)
    base = work / "lake-base"
    if not base.exists():
        _run([py, "-m", "jobs.cli", "demo", "--lake", str(base), "--rows", str(args.rows), "--skip-steps"], env=env, cwd=run_dir)
    lakes = {e: work / f"lake-{e}" for e in ("embedded", "cluster")}
    for lake in lakes.values():
        shutil.rmtree(lake, ignore_errors=True)
        shutil.copytree(base, lake)
    wheel = build_wheel(work / "wheel" / "dist") if not list((work / "wheel" / "dist").glob("*.whl")) else next((work / "wheel" / "dist").glob("*.whl"))

    runs: list[Run] = []
    t_start = time.monotonic()
    cluster = StandaloneCluster(work=work / "cluster", workers=2, cores=1, memory="2g")
    cluster.start()
    print(f"cluster up: {cluster.master_url} ({time.monotonic() - t_start:.0f}s)", flush=True)
    try:
        for job in ("classify", "protect"):
            for engine in ("embedded", "cluster"):
                lake = lakes[engine]
                out_json = work / f"{engine}-classification.json"
                job_args = (["--lake", str(lake), "--force", "--nlp", args.nlp, "--json", str(out_json)] if job == "classify"
                            else ["--lake", str(lake), "customers", "--apply"])
                if engine == "embedded":
                    cmd = [py, "-m", "jobs.cli", "--engine", "embedded", job, *job_args]
                    proc, wall, cpu, exec_cpu = _run(cmd, env=env, cwd=run_dir)
                else:
                    cmd = submit_command(master=cluster.master_url, wheel=wheel, job=job, job_args=job_args)
                    proc, wall, cpu, exec_cpu = _run(cmd, env=env, cwd=run_dir, sampler=ExecutorSampler(cluster.worker_pids()))
                if job == "classify":
                    job_s, values = _classify_figures(out_json)
                else:
                    # under spark-submit the Python driver's stderr is merged into stdout
                    job_s, values = _protect_seconds(proc.stdout + proc.stderr), _protect_values(proc.stdout)
                r = Run(engine=engine, job=job, wall_s=wall, job_s=job_s, values=values, driver_cpu_s=cpu, executor_cpu_s=exec_cpu)
                runs.append(r)
                print(f"  {job:<8} {engine:<8} wall {wall:6.1f}s  job {job_s:6.1f}s  values {values:>8,}  "
                      f"cpu driver {cpu:6.1f}s executors {exec_cpu:6.1f}s  cores {r.cores:4.2f}", flush=True)
    finally:
        cluster.stop()

    lines = [
        "# Cluster vs embedded: classify and protect",
        "",
        f"Demo lake of {args.rows:,} rows (customers {args.rows // 20:,}); classify `--force --nlp {args.nlp}` over every table "
        "(sampled), then `protect customers --apply`. Cluster: Spark standalone, master + 2 workers x 1 core on 127.0.0.1, "
        "the README's spark-submit line. Embedded: Sail in one process. Same machine, same run "
        f"({os.cpu_count()} cores, shared; load average at the end {os.getloadavg()[0]:.1f}).",
        "",
        "| job | engine | wall s (end to end) | job s (inside) | values | values/s (wall) | values/s (job) | CPU s driver | CPU s executors | cores used |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        vps_job = f"{r.values / r.job_s:,.0f}" if r.job_s and r.job_s == r.job_s else "-"
        lines.append(f"| {r.job} | {r.engine} | {r.wall_s:.1f} | {r.job_s:.1f} | {r.values:,} | {r.values / r.wall_s:,.0f} | {vps_job} | "
                     f"{r.driver_cpu_s:.1f} | {r.executor_cpu_s:.1f} | {r.cores:.2f} |")
    lines.append("")
    by = {(r.job, r.engine): r for r in runs}
    for job in ("classify", "protect"):
        e, c = by[(job, "embedded")], by[(job, "cluster")]
        lines.append(f"- {job}: cluster / embedded wall time {c.wall_s / e.wall_s:.2f}x, job time "
                     f"{c.job_s / e.job_s if e.job_s else float('nan'):.2f}x; cores used {c.cores:.2f} vs {e.cores:.2f}")
    lines += ["", "Values: classify = sampled cells (rows_sampled x columns, summed over tables); protect = rows x protected columns. "
              "Cluster wall time includes spark-submit's JVM, Ivy resolution of the Delta jar (cached) and executor start-up; "
              "'job s' is the time the job itself reports. Executor CPU is sampled from /proc (processes living < 0.2 s are missed).",
              "", f"Rerun: `.venv/bin/python benchmarks/cluster_bench.py --rows {args.rows}`", ""]
    text = "\n".join(lines)
    print()
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
