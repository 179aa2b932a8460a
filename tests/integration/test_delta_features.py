"""Every command on every Delta feature, on the engine of this run: it works, or it stops before writing.

The tables are written by delta-spark (``tests/fixtures/delta_features.py``). For each feature and
command the cell either works (row count right, no column read as null where data exists, the
command's effect visible) or exits 5 naming the table and the feature, with the table's version and
file listing unchanged. Each cell's outcome is recorded in ``.cache/feature-matrix/<engine>.json``;
``benchmarks/feature_matrix.py`` renders both engines' files as the README's table.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from governance.features import read_features
from tests.fixtures.delta_features import EXPECTED_ROWS, REPO, copy_feature_table, run_cli
from tests.fixtures.lake_scan import grep_lake

pytestmark = pytest.mark.both_engines

MATRIX_DIR = REPO / ".cache" / "feature-matrix"
#: (feature, command) -> outcome, for this run's engine; written at module end.
_CELLS: dict[tuple[str, str], dict[str, str]] = {}
#: Rows whose ``joined`` date (2016-01-01 + 60 days x id) falls before 2018-01-01: ids 1..12.
RETENTION_CUTOFF = date(2018, 1, 1)
SUBJECT_ID = 7
SUBJECT_EMAIL = f"user{SUBJECT_ID}@example.com"


@pytest.fixture(scope="module", autouse=True)
def _record_matrix(engine_kind: str) -> Iterator[None]:
    yield
    MATRIX_DIR.mkdir(parents=True, exist_ok=True)
    out = MATRIX_DIR / f"{engine_kind}.json"
    old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"cells": []}
    cells = {(c["feature"], c["command"]): c for c in old.get("cells", [])}
    for (feature, command), cell in _CELLS.items():
        cells[(feature, command)] = {"feature": feature, "command": command, **cell}
    import pyspark
    import pysail

    doc = {"engine": engine_kind, "pyspark": pyspark.__version__, "pysail": getattr(pysail, "__version__", "?"),
           "maintenance": "delta_spark" if engine_kind == "classic" else "deltalake",
           "cells": sorted(cells.values(), key=lambda c: (c["feature"], c["command"]))}
    out.write_text(json.dumps(doc, indent=1), encoding="utf-8")


def _policy(feature: str) -> str:
    older = (date.today() - RETENTION_CUTOFF).days
    return f"""protection:
  tables:
    {feature}:
      columns:
        email: {{action: tokenize}}
        ssn: {{action: hash}}
retention:
  rules:
    - name: old-members
      match: {{table: {feature}}}
      age: {{column: joined, older_than_days: {older}}}
      action: delete
"""


class Lake:
    """One lake holding one copy of a feature table, with a CLI bound to its config."""

    def __init__(self, tmp: Path, feature_tables: dict[str, Path], feature: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = tmp / "lake"
        self.feature = feature
        self.table = copy_feature_table(feature_tables, feature, self.root / feature)
        (tmp / "policy.yaml").write_text(_policy(feature), encoding="utf-8")
        self.cfg = tmp / "lw.yaml"
        self.cfg.write_text(json.dumps({"lake": {"root": str(self.root)}, "policy": str(tmp / "policy.yaml"),
                                        "audit": {"sink": "jsonl"}, "keys": {"provider": "local"}}), encoding="utf-8")
        self._capsys = capsys

    def cli(self, *args: str) -> tuple[int, str, str]:
        return run_cli(self._capsys, self.cfg, *args)

    def snapshot(self) -> tuple[int, list[tuple[str, int]]]:
        """The table's version and its file listing (names and sizes): what 'nothing written' compares."""
        files = sorted((str(p.relative_to(self.table)), p.stat().st_size) for p in self.table.rglob("*") if p.is_file())
        return read_features(str(self.table)).version, files

    def rows(self, spark: Any) -> list[dict[str, Any]]:
        return [r.asDict() for r in spark.read.format("delta").load(str(self.table)).collect()]

    def bytes_hold(self, needle: str) -> list[str]:
        """Files under the table whose bytes or decoded Parquet values hold ``needle`` (plaintext left behind)."""
        return grep_lake(self.table, [needle])


def _no_null_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Columns that read as null in every row although the table has rows (the column-mapping trap)."""
    if not rows:
        return []
    return [c for c in rows[0] if all(r[c] is None for r in rows)]


class Cell:
    """Runs one command on one feature table and records works / refused / fails."""

    def __init__(self, lake: Lake, command: str) -> None:
        self.lake = lake
        self.command = command
        self.problems: list[str] = []

    def run(self, args: list[str], check: Callable[[str], list[str]]) -> str:
        """Run the CLI; exit 0 -> ``check(stdout)`` lists what is wrong; exit 5 -> a clean refusal is checked."""
        before = self.lake.snapshot()
        rc, out, err = self.lake.cli(*args)
        key = (self.lake.feature, self.command)
        if rc == 0:
            wrong = check(out)
            _CELLS[key] = {"outcome": "works" if not wrong else "fails", "reason": "; ".join(wrong)}
            self.problems += [f"{self.command}: {w}" for w in wrong]
            return out
        msg = err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"
        # 5: refused; 11: the run's only table was reported as failed (partial), with the same refusal text.
        if rc == 5 or (rc == 11 and "deltalake" not in msg and any(f in msg for f in read_features(str(self.lake.table)).features)) \
                or (rc == 11 and "cannot read deletion vectors" in msg):
            after = self.lake.snapshot()
            wrong = []
            if after != before:
                wrong.append("refused but the table changed")
            if self.lake.feature not in msg:
                wrong.append("refusal does not name the table")
            feats = read_features(str(self.lake.table)).features
            if not any(f in msg for f in feats):
                wrong.append("refusal names none of the table's features")
            _CELLS[key] = {"outcome": "refused" if not wrong else "fails", "reason": _short(msg) + ("; " + "; ".join(wrong) if wrong else "")}
            self.problems += [f"{self.command}: {w}" for w in wrong]
            return ""
        _CELLS[key] = {"outcome": "fails", "reason": f"exit {rc}: {_short(msg)}"}
        self.problems.append(f"{self.command}: exit {rc}: {msg[:400]}")
        return ""


def _short(msg: str) -> str:
    """The refusal's feature and reason without the table path (the README table shows these)."""
    m = re.search(r"table feature\(s\) ([^:]+): (.+?)\. Way out", msg)
    if m:
        return f"{m.group(1)}: {m.group(2)}"
    msg = re.sub(r"^lakewarden \w+: error: ", "", msg)
    return re.sub(r"(/[^\s:]+)+: ", "", msg)[:240]


@pytest.mark.parametrize("feature", sorted(EXPECTED_ROWS))
def test_every_command_works_or_refuses_before_writing(feature: str, spark: Any, feature_tables: dict[str, Path], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    n = EXPECTED_ROWS[feature]
    problems: list[str] = []

    # classify, then protect plan / apply / reveal / purge-history on one copy
    lake = Lake(tmp_path / "p", feature_tables, feature, capsys)
    verdicts_file = tmp_path / "verdicts.json"

    def classified(_out: str) -> list[str]:
        doc = json.loads(verdicts_file.read_text(encoding="utf-8"))
        t = doc["tables"][0]
        got = {c["name"]: c["entity"] for c in t["columns"]}
        wrong = [f"{col} classified {got.get(col)!r}, expected {want}" for col, want in
                 (("email", "EMAIL_ADDRESS"), ("ssn", "US_SSN")) if got.get(col) != want]
        if t.get("rows_sampled") != n:
            wrong.append(f"sampled {t.get('rows_sampled')} rows, the table holds {n}")
        return wrong

    c = Cell(lake, "classify")
    c.run(["classify", "--nlp", "no_op", "--json", str(verdicts_file), feature], classified)
    problems += c.problems

    c = Cell(lake, "protect plan")
    c.run(["protect", feature], lambda out: [] if "email" in out else ["the plan does not list email"])
    problems += c.problems

    def protected(_out: str) -> list[str]:
        rows = lake.rows(spark)
        wrong = [f"{len(rows)} rows after protect, expected {n}"] if len(rows) != n else []
        wrong += [f"column {col} reads all null" for col in _no_null_columns(rows)]
        if any(not str(r["email"]).startswith("lw1:") or not str(r["ssn"]).startswith("lw1:hsh") for r in rows):
            wrong.append("email/ssn not protected")
        return wrong

    c = Cell(lake, "protect --apply")
    applied = c.run(["protect", feature, "--apply"], protected)
    problems += c.problems

    if applied or _CELLS[(feature, "protect --apply")]["outcome"] == "works":
        c = Cell(lake, "reveal")
        c.run(["reveal", feature, "--columns", "email", "--also", "id", "--reason", "feature matrix", "--json"],
              lambda out: [] if "user2@example.com" in out else ["plaintext not revealed"])
        problems += c.problems

        def purged(_out: str) -> list[str]:
            rows = lake.rows(spark)
            wrong = [f"{len(rows)} rows after purge, expected {n}"] if len(rows) != n else []
            left = lake.bytes_hold("user2@example.com")
            return wrong + ([f"plaintext e-mail still in {', '.join(left[:3])}"] if left else [])

        c = Cell(lake, "protect --purge-history")
        c.run(["protect", feature, "--apply", "--purge-history"], purged)
        problems += c.problems

    # retention apply on a fresh copy
    lake = Lake(tmp_path / "r", feature_tables, feature, capsys)
    visible = {r["id"]: r for r in lake.rows(spark)}
    keep = {i for i, r in visible.items() if r["joined"] >= RETENTION_CUTOFF}

    def retained(_out: str) -> list[str]:
        rows = lake.rows(spark)
        wrong = [] if {r["id"] for r in rows} == keep else [f"{len(rows)} rows after retention, expected {len(keep)}"]
        return wrong + [f"column {col} reads all null" for col in _no_null_columns(rows)]

    c = Cell(lake, "retention apply")
    c.run(["retention", "apply", "--apply"], retained)
    problems += c.problems

    # erase run / verify on a fresh copy
    lake = Lake(tmp_path / "e", feature_tables, feature, capsys)
    rc, out, err = lake.cli("erase", "request", "--subject", f"EMAIL_ADDRESS={SUBJECT_EMAIL}")
    assert rc == 0, err
    request_id = out.split()[-1]

    def erased(_out: str) -> list[str]:
        rows = lake.rows(spark)
        wrong = [] if len(rows) == n - 1 and SUBJECT_ID not in {r["id"] for r in rows} else [f"{len(rows)} rows after erasure"]
        wrong += [f"column {col} reads all null" for col in _no_null_columns(rows)]
        left = lake.bytes_hold(SUBJECT_EMAIL)
        return wrong + ([f"subject's e-mail still in {', '.join(left[:3])}"] if left else [])

    c = Cell(lake, "erase run --apply")
    c.run(["erase", "run", request_id, "--apply"], erased)
    problems += c.problems
    if _CELLS[(feature, "erase run --apply")]["outcome"] == "works":
        receipt = lake.root / "_lakewarden" / "erasure_receipts" / f"{request_id}.json"
        c = Cell(lake, "erase verify")
        c.run(["erase", "verify", str(receipt)], lambda out: [])
        problems += c.problems

    assert not problems, "\n".join(problems)


def test_log_reader_sees_each_feature_delta_spark_wrote(feature_tables: dict[str, Path]) -> None:
    f = {name: read_features(str(p)) for name, p in feature_tables.items()}
    assert f["deletion_vectors"].files_with_deletion_vectors >= 1 and "deletionVectors" in f["deletion_vectors"].reader_features
    for mode in ("name", "id"):
        cm = f[f"column_mapping_{mode}"]
        assert cm.column_mapping_mode == mode and set(cm.physical_names) == {"id", "full_name", "email", "ssn", "joined"}
        assert all(p.startswith("col-") for p in cm.physical_names.values())
    assert f["liquid_clustering"].clustering_columns == ("id",) and "delta.clustering" in f["liquid_clustering"].domains
    assert f["change_data_feed"].change_data_feed
    v2 = f["v2_checkpoints"]
    assert v2.checkpoint_kind == "v2" and len(v2.sidecar_files) == 1 and v2.live_files == 8 and v2.version == 4
    assert f["timestamp_ntz"].timestamp_ntz_columns == ("seen",)
    assert f["generated_columns"].generated_columns == {"id_bucket": "CAST(id % 4 AS INT)"}
    assert f["check_constraint"].check_constraints == {"id_positive": "id > 0"}
    assert f["identity_column"].identity_columns == ("row_key",)
    assert f["not_null"].not_null_columns == ("id", "email")
    assert f["type_widening"].widened_columns == ("score",)
    old = f["old_protocol"]
    assert (old.min_reader_version, old.min_writer_version, old.features) == (1, 2, ())
    assert all(not x.unknown_reader_features for x in f.values())
