"""Reading a table's protocol, metadata and feature use from its ``_delta_log`` (no delta-rs, no Spark).

Logs come from real writers: deltalake (delta-rs) here, delta-spark through the ``feature_tables``
fixture in ``tests/integration/test_delta_features.py``. The one hand-made log line is the
malformed-JSON fault, which no real writer produces; it is named as a fake below.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from governance.errors import NotADeltaTableError, TableNotFoundError, UnsupportedTableFeatureError
from governance.feature_policy import refusals, require_supported
from governance.features import DeltaLogError, read_features


def _people(n: int, start: int = 1) -> pa.Table:
    ids = list(range(start, start + n))
    return pa.table({"id": pa.array(ids, pa.int64()), "email": [f"user{i}@example.com" for i in ids]})


def _table(tmp_path: Path, *, commits: int = 1, configuration: dict[str, str | None] | None = None) -> str:
    from deltalake import write_deltalake

    path = str(tmp_path / "t")
    for i in range(commits):
        write_deltalake(path, _people(5, 1 + 5 * i), mode="append", configuration=configuration)
    return path


def test_plain_table_reports_version_files_and_no_features(tmp_path: Path) -> None:
    path = _table(tmp_path, commits=3)
    f = read_features(path)
    assert (f.version, f.live_files, f.features, f.checkpoint_version) == (2, 3, (), None)
    assert f.min_reader_version == 1 and f.unknown_reader_features == ()


def test_checkpoint_then_commits_are_replayed(tmp_path: Path) -> None:
    from deltalake import DeltaTable, write_deltalake

    path = _table(tmp_path, commits=2)
    DeltaTable(path).create_checkpoint()
    write_deltalake(path, _people(5, 100), mode="overwrite")
    f = read_features(path)
    assert (f.version, f.checkpoint_version, f.checkpoint_kind, f.live_files) == (2, 1, "classic", 1)


def test_configuration_and_constraints_are_read(tmp_path: Path) -> None:
    from deltalake import DeltaTable

    path = _table(tmp_path, configuration={"delta.enableChangeDataFeed": "true"})
    DeltaTable(path).alter.add_constraint({"id_positive": "id > 0"})
    f = read_features(path)
    assert f.change_data_feed and f.check_constraints == {"id_positive": "id > 0"}
    assert {"changeDataFeed", "checkConstraints"} <= set(f.features)


def test_malformed_json_line_names_the_table_and_the_log_file(tmp_path: Path) -> None:
    path = _table(tmp_path, commits=2)
    # FAKE: a torn commit line; no real Delta writer produces one, but lakes hold them (DLT, crashed copies).
    commit = Path(path, "_delta_log", "00000000000000000001.json")
    commit.write_text(commit.read_text(encoding="utf-8") + '{"add": {"path": "x.parquet", \n', encoding="utf-8")
    with pytest.raises(DeltaLogError, match=r"t: malformed JSON in Delta log file _delta_log/00000000000000000001\.json line \d+"):
        read_features(path)


def test_missing_path_and_folder_without_log_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(TableNotFoundError):
        read_features(str(tmp_path / "nothing"))
    (tmp_path / "plain").mkdir()
    with pytest.raises(NotADeltaTableError):
        read_features(str(tmp_path / "plain"))


def test_unknown_reader_feature_is_refused_by_name_for_every_command(tmp_path: Path) -> None:
    from dataclasses import replace

    f = replace(read_features(_table(tmp_path)), reader_features=("futureFeature",), unknown_reader_features=("futureFeature",))
    for command in ("classify", "protect.apply", "erase.run"):
        (r,) = refusals(f, command=command, engine_kind="classic", maintenance="delta_spark")
        assert r.features == ("futureFeature",) and "neither" in r.reason


def test_plain_table_passes_every_check(tmp_path: Path) -> None:
    path = _table(tmp_path)
    for command in ("classify", "protect.apply", "retention.apply", "erase.run", "purge_history"):
        assert require_supported(path, command=command, engine_kind="embedded", maintenance="deltalake").version == 0


def test_refusal_is_an_exit_5_error_naming_table_feature_and_way_out(tmp_path: Path) -> None:
    from deltalake import DeltaTable

    path = _table(tmp_path, configuration={"delta.enableChangeDataFeed": "true"})
    DeltaTable(path)  # opens: delta-rs writes CDF tables
    with pytest.raises(UnsupportedTableFeatureError, match=r"t: protect\.apply refused before writing anything: table feature\(s\) "
                       r"changeDataFeed: .*Sail.*Way out: run this command on classic Spark") as exc:
        require_supported(path, command="protect.apply", engine_kind="embedded", maintenance="deltalake")
    assert exc.value.exit_code == 5
    assert require_supported(path, command="protect.apply", engine_kind="classic", maintenance="delta_spark").change_data_feed


def _with_identity(path: str, *, allow_explicit_insert: bool) -> None:
    """Give column ``id`` the identity metadata delta-spark writes (``GENERATED ALWAYS`` or ``BY DEFAULT``)."""
    import json

    commit = Path(path, "_delta_log", "00000000000000000000.json")
    lines = []
    for line in commit.read_text(encoding="utf-8").splitlines():
        action = json.loads(line)
        if "metaData" in action:
            schema = json.loads(action["metaData"]["schemaString"])
            schema["fields"][0]["metadata"] = {"delta.identity.start": 1, "delta.identity.step": 1,
                                               "delta.identity.allowExplicitInsert": allow_explicit_insert}
            action["metaData"]["schemaString"] = json.dumps(schema)
        lines.append(json.dumps(action))
    commit.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("allow_explicit_insert", "refused"), [(False, True), (True, False)])
def test_generated_always_identity_refuses_whole_table_rewrites_on_classic(
        tmp_path: Path, allow_explicit_insert: bool, refused: bool) -> None:
    path = _table(tmp_path)
    _with_identity(path, allow_explicit_insert=allow_explicit_insert)
    f = read_features(path)
    assert f.identity_columns == ("id",) and "identityColumns" in f.features
    assert f.identity_always_columns == (("id",) if refused else ())
    for command in ("protect.apply", "keys.reencrypt"):
        found = refusals(f, command=command, engine_kind="classic", maintenance="delta_spark")
        assert [r.features for r in found] == ([("identityColumns",)] if refused else [])
        if refused:
            assert "GENERATED ALWAYS AS IDENTITY" in found[0].reason and "id" in found[0].reason
    # retention deletes rows and erasure rewrites files: neither supplies identity values through the engine
    assert refusals(f, command="retention.apply", engine_kind="classic", maintenance="delta_spark") == []


def test_a_deletion_vector_descriptor_resolves_to_its_file_as_the_delta_protocol_says() -> None:
    from governance.maintenance import dv_file

    # the example of the Delta protocol (storage type "u": a random prefix and a Z85-encoded UUID)
    assert dv_file("/t", {"storageType": "u", "pathOrInlineDv": "ab^-aqEH.-t@S}K{vb[*k^"}) == \
        "/t/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin"
    assert dv_file("/t", {"storageType": "i", "pathOrInlineDv": "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L"}) is None
