"""TABLE arguments resolve through the Spark catalog: ``db.table`` registered with
``CREATE TABLE ... USING DELTA LOCATION`` (the session catalog on classic Spark, Sail's catalog on
the embedded engine) resolves to its location, reports show the catalog name, paths and names
under the lake root keep working without Spark, and an unknown name says where it was looked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from governance.catalog import Catalog
from governance.config import load_settings
from governance.errors import TableNotFoundError
from governance.lake import locate_table
from jobs.cli import main

REPO = Path(__file__).parents[2]
pytestmark = pytest.mark.both_engines


def _no_spark() -> Any:
    raise AssertionError("the catalog was consulted for a table the lake root already holds")


@pytest.fixture()
def registered(tmp_path: Path, spark: Any) -> Iterator[tuple[str, Path, Path]]:
    """A Delta table outside the lake root, registered as ``<db>.customers``; yields (name, location, config)."""
    root = tmp_path / "lake"
    root.mkdir()
    location = tmp_path / "warehouse" / "crm_export"  # a folder name no policy rule names
    rows = [(f"c{i}@example.com", ["4111 1111 1111 1111", "5500 0000 0000 0004"][i % 2], i * 2.5) for i in range(40)]
    spark.createDataFrame(rows, "email string, card string, amount double").write.format("delta").save(str(location))
    db = f"lw_bank_{uuid.uuid4().hex[:8]}"
    spark.sql(f"CREATE DATABASE {db} LOCATION '{tmp_path / 'warehouse' / db}'")
    spark.sql(f"CREATE TABLE {db}.customers USING DELTA LOCATION '{location}'")
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(
        f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n"
        f"classification:\n  nlp: no_op\n  sample_rows: 100\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n"
    )
    yield f"{db}.customers", location, cfg
    spark.sql(f"DROP TABLE IF EXISTS {db}.customers")  # external: the data stays
    spark.sql(f"DROP DATABASE IF EXISTS {db}")


def test_classify_of_a_catalog_name_reads_its_location_and_reports_the_name(
    registered: tuple[str, Path, Path], tmp_path: Path
) -> None:
    name, location, cfg = registered
    out = tmp_path / "report.json"
    assert main(["classify", "--config", str(cfg), "--quiet", "--json", str(out), name]) == 0
    (table,) = json.loads(out.read_text())["tables"]
    assert table["table"] == name and table["path"] == str(location) and table["status"] == "scanned"
    assert {c["name"]: c["entity"] for c in table["columns"]}["email"] == "EMAIL_ADDRESS"
    cols = Catalog(load_settings(cfg)).effective_columns(str(location))
    assert {c.table_name for c in cols} == {name}


def test_review_and_protect_plan_take_the_catalog_name(
    registered: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    name, location, cfg = registered
    assert main(["classify", "--config", str(cfg), "--quiet", name]) == 0
    assert main(["review", "--config", str(cfg), name, "card", "--confirm", "--by", "Ada"]) == 0
    assert {c.column: c.reviewed for c in Catalog(load_settings(cfg)).effective_columns(str(location))}["card"] is True
    capsys.readouterr()
    assert main(["protect", "--config", str(cfg), name]) == 0  # a dry-run plan of the registered table
    out = capsys.readouterr().out
    assert "card" in out and "dry run" in out


def test_locate_table_finds_a_bare_catalog_name_that_is_no_folder_under_the_root(
    registered: tuple[str, Path, Path], spark: Any
) -> None:
    name, location, cfg = registered
    db, table = name.split(".")
    spark.catalog.setCurrentDatabase(db)
    try:
        ref = locate_table(load_settings(cfg), table, spark=spark)
    finally:
        spark.catalog.setCurrentDatabase("default")
    assert ref.path == str(location) and ref.name == table and ref.catalog_name == table


def test_paths_and_folders_under_the_root_resolve_without_the_catalog(tmp_path: Path) -> None:
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {tmp_path / 'lake'}\n")
    (tmp_path / "lake" / "customers").mkdir(parents=True)
    s = load_settings(cfg)
    ref = locate_table(s, "customers", spark=_no_spark)
    assert ref.path == str(tmp_path / "lake" / "customers") and ref.name == "customers" and ref.catalog_name is None
    assert locate_table(s, str(tmp_path / "elsewhere" / "t"), spark=_no_spark).path == str(tmp_path / "elsewhere" / "t")
    assert locate_table(s, "s3://bank/t", spark=_no_spark).path == "s3://bank/t"


def test_an_unknown_catalog_name_exits_4_naming_the_lake_root_and_the_catalog(
    tmp_path: Path, spark: Any, engine_kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {tmp_path / 'lake'}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n")
    with pytest.raises(TableNotFoundError, match=r"no_db\.nothing: no such table: not a folder under the lake root"):
        locate_table(load_settings(cfg), "no_db.nothing", spark=spark)
    capsys.readouterr()
    assert main(["classify", "--config", str(cfg), "no_db.nothing"]) == 4
    err = capsys.readouterr().err
    assert "no_db.nothing" in err and str(tmp_path / "lake" / "no_db.nothing") in err
    assert ("SAIL_CATALOG__LIST" if engine_kind == "embedded" else "spark.sql.catalogImplementation") in err


def test_cli_classify_finds_a_table_an_earlier_spark_job_registered_in_a_hive_metastore(
    tmp_path: Path, engine_kind: str
) -> None:
    """Two processes share a Hive metastore (embedded Derby under tmp), as jobs on a cluster share theirs."""
    if engine_kind != "classic":
        pytest.skip("the Hive metastore is classic Spark's catalog; the --engine classic run covers it")
    location = tmp_path / "data" / "crm_export"
    conf = (f"--conf spark.sql.catalogImplementation=hive --conf spark.sql.warehouse.dir={tmp_path / 'warehouse'} "
            f"--conf spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName={tmp_path / 'metastore_db'};create=true "
            f"--driver-java-options -Dderby.system.home={tmp_path} pyspark-shell")
    env = {**os.environ, "PYSPARK_SUBMIT_ARGS": conf, "PYTHONPATH": str(REPO), "LAKEWARDEN_ENGINE__KIND": "classic"}
    register = textwrap.dedent(f"""
        from governance.config import EngineSettings
        from governance.engine import get_session
        spark = get_session(EngineSettings(kind="classic", shuffle_partitions=2))
        assert spark.conf.get("spark.sql.catalogImplementation") == "hive"
        rows = [(f"c{{i}}@example.com", i * 2.5) for i in range(40)]
        spark.createDataFrame(rows, "email string, amount double").write.format("delta").save({str(location)!r})
        spark.sql("CREATE DATABASE bank")
        spark.sql("CREATE TABLE bank.customers USING DELTA LOCATION '{location}'")
        spark.stop()
    """)
    subprocess.run([sys.executable, "-c", register], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=900)
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(
        f"lake:\n  root: {tmp_path / 'lake'}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n"
        f"classification:\n  nlp: no_op\n  sample_rows: 100\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n"
    )
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "jobs.cli", "--config", str(cfg), "--quiet", "classify", "bank.customers", "--json", str(out)],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    (table,) = json.loads(out.read_text())["tables"]
    assert table["table"] == "bank.customers" and table["path"] == str(location)
    assert {c["name"]: c["entity"] for c in table["columns"]} == {"email": "EMAIL_ADDRESS", "amount": None}
