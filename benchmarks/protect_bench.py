"""Protect benchmark: Lakewarden end to end vs a bare AES-SIV loop vs Transit batch vs per-value Transit.

One run against one OpenBao dev server it starts itself, on generated Delta tables (default
1,000,000 rows, 4 sensitive string columns, data files of at most 125,000 rows):

* ``lakewarden``        read Delta, tokenize the 4 columns (AES-SIV data keys from Transit,
                        role ``protector``), write Delta through safe_write (verified commit).
                        Runs in a child process so its wall time, CPU time (cores used = CPU s /
                        wall s; the embedded Sail engine runs inside that process) and peak RSS
                        are its own; repeated at N/4 rows to show how memory scales, next to an
                        engine-only copy of the same table as the memory baseline.
* ``bare AES-SIV``      a plain Python loop of ``AESSIV.encrypt`` over the same values (1 core),
                        and the same loop with Lakewarden's token formatting.
* ``Transit batch``     hvac ``transit/encrypt`` with 200-item batches on a sample.
* ``Transit per value`` one hvac call per value on a smaller sample.

Run:  .venv/bin/python benchmarks/protect_bench.py [--rows 1000000]
Figures are printed; nothing is asserted (see CONTRIBUTING.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLUMNS = ["email", "phone", "iban", "full_name"]
POLICY = "protection:\n  tables:\n    bench:\n      columns:\n" + "".join(
    f"        {c}: {{action: tokenize}}\n" for c in COLUMNS
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu() -> float:
    """CPU seconds of this process (the embedded Sail engine runs in it) and its reaped children."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def make_table(path: str, rows: int, files: int) -> None:
    """Generate the benchmark table with Spark (Sail) in this process."""
    from governance.config import EngineSettings
    from governance.engine import get_session, stop_embedded

    spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=files))
    df = spark.range(rows).selectExpr(
        "id",
        "concat('user', id, '@example-mail.test') AS email",
        "concat('+44 20 7', lpad(cast(id % 10000000 AS string), 7, '0')) AS phone",
        "concat('GB82WEST1234', lpad(cast(id AS string), 10, '0')) AS iban",
        "concat('Person Number ', id) AS full_name",
        "cast(id % 100000 AS decimal(12,2)) AS amount",
    ).repartition(files)
    df.write.format("delta").mode("overwrite").save(path)
    stop_embedded()


def child_e2e(args: argparse.Namespace) -> None:
    """Child process: protect ``args.table`` end to end and print one JSON line of figures."""
    from governance.config import EngineSettings, Settings
    from governance.engine import get_session, stop_embedded
    from governance.keys.manager import KeyManager, key_tables
    from governance.keys.vault import VaultKeyProvider
    from governance.policy import ProtectionPolicy
    from governance.protection.apply import apply_plan
    from governance.protection.plan import build_plan
    from governance.yamlconf import parse_yaml_text, validate_data

    settings = Settings.model_validate({"lake": {"root": args.lake}, "keys": {"provider": "vault", "vault": {"url": args.vault_url}}})
    data, node = parse_yaml_text(POLICY, source="bench-policy")
    policy = validate_data(ProtectionPolicy, data["protection"], source="bench-policy")
    spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=args.files))
    spark.read.format("delta").load(args.table).limit(1).collect()  # engine warm-up, not timed
    rss0, cpu0, t0 = _rss_mb(), _cpu(), time.perf_counter()
    provider = VaultKeyProvider(settings.keys.vault, role="protector", role_id=args.role_id, secret_id=args.secret_id)
    km = KeyManager(provider, key_tables(settings))
    plan = build_plan(spark, settings, policy, args.table, keys=km, labels=[])
    res = apply_plan(spark, plan, km, udf_processes=args.udf_processes)
    wall = time.perf_counter() - t0
    from governance.protection import fanout

    fanout.shutdown()  # reaps the worker processes: their CPU time and peak RSS count as this process's children
    cpu = _cpu() - cpu0
    workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(json.dumps({"rows": res.rows, "values": res.rows * len(COLUMNS), "wall_s": wall, "cpu_s": cpu,
                      "peak_rss_mb": _rss_mb(), "rss_before_mb": rss0, "version": res.version,
                      "worker_peak_rss_mb": workers_rss}))
    stop_embedded()


def child_copy(args: argparse.Namespace) -> None:
    """Child process: the engine alone (read Delta, write Delta, no protection) as a memory baseline."""
    from governance.config import EngineSettings
    from governance.engine import get_session, stop_embedded

    spark = get_session(EngineSettings(kind="embedded", shuffle_partitions=args.files))
    spark.read.format("delta").load(args.table).limit(1).collect()
    rss0, cpu0, t0 = _rss_mb(), _cpu(), time.perf_counter()
    spark.read.format("delta").load(args.table).write.format("delta").mode("overwrite").save(args.table + "_copy")
    wall = time.perf_counter() - t0
    print(json.dumps({"wall_s": wall, "cpu_s": _cpu() - cpu0, "peak_rss_mb": _rss_mb(), "rss_before_mb": rss0}))
    stop_embedded()


def bare_siv(table: str) -> dict[str, float]:
    """Plain Python AES-SIV over the same values (one core)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV
    from deltalake import DeltaTable

    t = DeltaTable(table).to_pyarrow_table(columns=COLUMNS)
    values = [v for c in COLUMNS for v in t.column(c).to_pylist()]
    siv, aad = AESSIV(os.urandom(64)), [b"lw1:tok:pii"]
    cpu0, t0 = _cpu(), time.perf_counter()
    for v in values:
        siv.encrypt(v.encode(), aad)
    wall = time.perf_counter() - t0
    # the same loop with the token formatting Lakewarden adds (base64 + prefix)
    t1 = time.perf_counter()
    for v in values:
        "lw1:tok:pii.1:s:" + base64.urlsafe_b64encode(siv.encrypt(v.encode(), aad)).rstrip(b"=").decode()
    wall_fmt = time.perf_counter() - t1
    return {"values": len(values), "wall_s": wall, "cpu_s": _cpu() - cpu0, "wall_fmt_s": wall_fmt}


def transit(url: str, token: str, sample: int, per_value: int) -> dict[str, float]:
    import hvac

    c = hvac.Client(url=url, token=token)
    c.secrets.transit.create_key("bench", mount_point="transit")
    items = [{"plaintext": base64.b64encode(f"user{i}@example-mail.test".encode()).decode()} for i in range(sample)]
    t0 = time.perf_counter()
    for i in range(0, sample, 200):
        c.adapter.post("/v1/transit/encrypt/bench", json={"batch_input": items[i: i + 200]})
    batch = time.perf_counter() - t0
    t1 = time.perf_counter()
    for i in range(per_value):
        c.adapter.post("/v1/transit/encrypt/bench", json=items[i])
    single = time.perf_counter() - t1
    return {"batch_values": sample, "batch_s": batch, "single_values": per_value, "single_s": single}


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False,
                         env={**os.environ, "RUST_LOG": "error"})
    if out.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{out.stderr[-3000:]}")
    lines = [ln for ln in out.stdout.strip().splitlines() if ln.startswith("{")]
    return dict(json.loads(lines[-1])) if lines else {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rows-per-file", type=int, default=125_000,
                    help="rows per data file (= per read partition); fixed, so a bigger table has more partitions")
    ap.add_argument("--files", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--transit-sample", type=int, default=20_000)
    ap.add_argument("--per-value-sample", type=int, default=2_000)
    ap.add_argument("--sizes", help="comma-separated table sizes in rows (default: --rows and --rows/4)")
    ap.add_argument("--no-baselines", action="store_true", help="skip the bare AES-SIV loop and the Transit calls")
    ap.add_argument("--udf-processes", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--mode", choices=["main", "make", "e2e", "copy"], default="main", help=argparse.SUPPRESS)
    for a in ("table", "lake", "vault-url", "role-id", "secret-id"):
        ap.add_argument(f"--{a}", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mode == "make":
        make_table(args.table, args.rows, args.files)
        print("{}")
        return 0
    if args.mode == "e2e":
        child_e2e(args)
        return 0
    if args.mode == "copy":
        child_copy(args)
        return 0

    from tests.fixtures.openbao import start_openbao

    work = Path(tempfile.mkdtemp(prefix="lw-bench-"))
    bao = start_openbao(work / "bao")
    try:
        prot = bao.bootstrap().credentials["protector"]
        runs = sorted({int(x) for x in args.sizes.split(",")} if args.sizes else {args.rows, max(args.rows // 4, 1)})
        args.rows = max(runs)
        e2e: dict[int, dict[str, Any]] = {}
        inproc: dict[int, dict[str, Any]] = {}
        for n in runs:
            lake = work / f"lake{n}"
            table = str(lake / "bench")
            files = str(max(1, -(-n // args.rows_per_file)))
            _child(["--mode", "make", "--table", table, "--rows", str(n), "--files", files])
            copy = _child(["--mode", "copy", "--table", table, "--files", files])
            shutil.rmtree(table + "_copy", ignore_errors=True)
            common = ["--mode", "e2e", "--table", table, "--lake", str(lake), "--vault-url", bao.url,
                      "--role-id", prot.role_id, "--secret-id", prot.secret_id, "--files", files]
            # baseline in the same run: the crypto in the engine's own process (engine.udf_processes: 0),
            # on an identical table named like the policy's (its own lake folder)
            lake_in = work / f"lake{n}-in"
            _child(["--mode", "make", "--table", str(lake_in / "bench"), "--rows", str(n), "--files", files])
            inproc[n] = _child(["--mode", "e2e", "--table", str(lake_in / "bench"), "--lake", str(lake_in), "--vault-url", bao.url,
                                "--role-id", prot.role_id, "--secret-id", prot.secret_id, "--files", files, "--udf-processes", "0"])
            shutil.rmtree(lake_in, ignore_errors=True)
            e2e[n] = _child(common)
            e2e[n]["files"] = int(files)
            e2e[n]["copy"] = copy
            shutil.rmtree(table, ignore_errors=True)
        if args.no_baselines:
            _report(args, e2e, inproc)
            return 0
        # the bare loop needs the plaintext values: one more unprotected copy of the big table
        plain = str(work / "plain" / "bench")
        _child(["--mode", "make", "--table", plain, "--rows", str(args.rows), "--files", "1"])
        bare = bare_siv(plain)
        tr = transit(bao.url, bao.root_token, args.transit_sample, args.per_value_sample)
    finally:
        bao.stop()
        shutil.rmtree(work, ignore_errors=True)
    _report(args, e2e, inproc)
    bare_rate = bare["values"] / bare["wall_s"]
    bare_fmt_rate = bare["values"] / bare["wall_fmt_s"]
    batch_rate = tr["batch_values"] / tr["batch_s"]
    single_rate = tr["single_values"] / tr["single_s"]
    big = e2e[args.rows]
    rate = big["values"] / big["wall_s"]
    cores = big["cpu_s"] / big["wall_s"]
    print(f"protect benchmark: {args.rows:,} rows x {len(COLUMNS)} sensitive columns (tokenize) = {big['values']:,} values, "
          f"{big['files']} data files of <= {args.rows_per_file:,} rows, {os.cpu_count()} cores on this machine")
    print(f"{'method':<52}{'values/s':>12}{'per core':>12}{'cores':>7}{'wall s':>8}")
    print(f"{'lakewarden end to end (read, protect, write+verify)':<52}{rate:>12,.0f}{rate / max(cores, 1e-9):>12,.0f}"
          f"{cores:>7.2f}{big['wall_s']:>8.1f}")
    print(f"{'bare Python AES-SIV loop (encrypt only)':<52}{bare_rate:>12,.0f}{bare_rate:>12,.0f}{1.0:>7.2f}{bare['wall_s']:>8.1f}")
    print(f"{'bare loop + token formatting (base64, prefix)':<52}{bare_fmt_rate:>12,.0f}{bare_fmt_rate:>12,.0f}{1.0:>7.2f}"
          f"{bare['wall_fmt_s']:>8.1f}")
    print(f"{'Transit batch encrypt, 200/request, hvac (sample)':<52}{batch_rate:>12,.0f}{'':>12}{'':>7}{tr['batch_s']:>8.1f}")
    print(f"{'Transit per-value encrypt, hvac (sample)':<52}{single_rate:>12,.0f}{'':>12}{'':>7}{tr['single_s']:>8.1f}")
    print(f"end to end per core vs bare loop: {rate / max(cores, 1e-9) / bare_rate:.2f}x (target >= 0.5); "
          f"vs bare loop with formatting: {rate / max(cores, 1e-9) / bare_fmt_rate:.2f}x")
    print(f"end to end vs Transit batch: {rate / batch_rate:.1f}x (target >= 10); the bare loop itself is "
          f"{bare_rate / batch_rate:.1f}x Transit batch on this machine; vs per-value Transit: {rate / single_rate:,.0f}x")
    print(f"rerun: .venv/bin/python benchmarks/protect_bench.py --rows {args.rows}")
    return 0


def _report(args: argparse.Namespace, e2e: dict[int, dict[str, Any]], inproc: dict[int, dict[str, Any]]) -> None:
    """Per table size: worker processes vs the engine's own process; cores used and peak RSS."""
    print(f"protect end to end ({len(COLUMNS)} tokenized columns; data files of <= {args.rows_per_file:,} rows; "
          f"{os.cpu_count()} cores): crypto in worker processes vs in the engine's process (baseline, same run)")
    print(f"{'rows':>12} {'mode':<22}{'wall s':>8}{'values/s':>12}{'cores':>7}{'peak RSS MB':>13}{'workers MB':>12}{'copy MB':>9}")
    for n in sorted(e2e):
        for label, r in (("engine process (0)", inproc[n]), ("worker processes", e2e[n])):
            rate = r["values"] / r["wall_s"]
            print(f"{n:>12,} {label:<22}{r['wall_s']:>8.1f}{rate:>12,.0f}{r['cpu_s'] / r['wall_s']:>7.2f}"
                  f"{r['peak_rss_mb']:>13,.0f}{r.get('worker_peak_rss_mb', 0):>12,.0f}{e2e[n]['copy']['peak_rss_mb']:>9,.0f}")
        print(f"{'':>12} speed-up {e2e[n]['wall_s'] and inproc[n]['wall_s'] / e2e[n]['wall_s']:.2f}x")
    sizes = sorted(e2e)
    if len(sizes) > 1:
        lo, hi = e2e[sizes[0]]["peak_rss_mb"], e2e[sizes[-1]]["peak_rss_mb"]
        print(f"peak RSS from {sizes[0]:,} to {sizes[-1]:,} rows ({sizes[-1] / sizes[0]:.0f}x the rows): "
              f"{lo:,.0f} -> {hi:,.0f} MB ({hi / lo:.2f}x; flat means within 1.2x)")
    print(f"rerun: .venv/bin/python benchmarks/protect_bench.py --sizes {','.join(str(n) for n in sizes)}"
          f"{' --no-baselines' if args.no_baselines else ''}")


if __name__ == "__main__":
    raise SystemExit(main())
