"""Settings loading: defaults, environment overrides and each kind of YAML mistake."""

from pathlib import Path

import pytest

from governance.config import Settings, load_settings
from governance.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "lakewarden.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_repo_settings_file_loads_with_documented_defaults() -> None:
    s = load_settings(Path(__file__).parents[2] / "conf" / "lakewarden.yaml", environ={})
    assert s == Settings()


def test_missing_default_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).engine.kind == "embedded"


def test_missing_named_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: settings file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_invalid_choice_names_file_line_key_and_choices(tmp_path: Path) -> None:
    p = _write(tmp_path, "lake:\n  root: /x\nengine:\n  kind: sparky\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(p, environ={})
    msg = str(exc.value)
    assert f"{p}:4: engine.kind" in msg
    assert "'embedded', 'connect' or 'classic'" in msg


def test_unknown_key_is_refused_with_its_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "engine:\n  kind: embedded\n  shufle_partitions: 3\n")
    with pytest.raises(ConfigError, match=r":3: engine\.shufle_partitions: unknown key"):
        load_settings(p, environ={})


def test_wrong_type_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "classification:\n  sample_rows: lots\n")
    with pytest.raises(ConfigError, match=r":2: classification\.sample_rows"):
        load_settings(p, environ={})


def test_out_of_range_value_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "classification:\n  min_cell_share: 1.5\n")
    with pytest.raises(ConfigError, match=r"min_cell_share"):
        load_settings(p, environ={})


def test_broken_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "lake:\n  root: [unclosed\nengine:\n  kind: embedded\n")
    with pytest.raises(ConfigError, match=r"not valid YAML"):
        load_settings(p, environ={})


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "lake:\n  root: a\nlake:\n  root: b\n")
    with pytest.raises(ConfigError, match=r":3: duplicate key 'lake'"):
        load_settings(p, environ={})


def test_top_level_list_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "- a\n- b\n")
    with pytest.raises(ConfigError, match=r"expected a mapping"):
        load_settings(p, environ={})


def test_environment_overrides_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "lake:\n  root: /from/file\n")
    s = load_settings(p, environ={"LAKEWARDEN_LAKE__ROOT": "/from/env", "LAKEWARDEN_ENGINE__SHUFFLE_PARTITIONS": "8"})
    assert s.lake.root == "/from/env"
    assert s.engine.shuffle_partitions == 8


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    p = _write(tmp_path, "lake:\n  root: /x\n")
    with pytest.raises(ConfigError, match="LAKEWARDEN_ENGINE__KIND"):
        load_settings(p, environ={"LAKEWARDEN_ENGINE__KIND": "warp"})


def test_system_tables_live_under_the_lake(tmp_path: Path) -> None:
    s = load_settings(_write(tmp_path, f"lake:\n  root: {tmp_path}/lake\n"), environ={})
    assert s.system_table("catalog") == f"{tmp_path}/lake/_lakewarden/catalog"
    s3 = load_settings(_write(tmp_path, "lake:\n  root: s3://bank/lake/\n"), environ={})
    assert s3.system_table("audit") == "s3://bank/lake/_lakewarden/audit"


@pytest.mark.parametrize(("kind", "maintenance"), [("classic", "delta_spark"), ("embedded", "deltalake"), ("connect", "deltalake")])
def test_unset_maintenance_follows_the_engine_kind(tmp_path: Path, kind: str, maintenance: str) -> None:
    p = _write(tmp_path, f"engine:\n  kind: {kind}\n")
    assert load_settings(p, environ={}).engine.maintenance == maintenance
    assert load_settings(p, environ={"LAKEWARDEN_ENGINE__KIND": "classic"}).engine.maintenance == "delta_spark"


def test_explicit_maintenance_wins_over_the_engine_kind(tmp_path: Path) -> None:
    p = _write(tmp_path, "engine:\n  kind: classic\n  maintenance: deltalake\n")
    assert load_settings(p, environ={}).engine.maintenance == "deltalake"


def test_a_complex_yaml_key_is_refused_with_its_line_not_a_crash(tmp_path: Path) -> None:
    # found by tests/fuzz: `? 0:` made the duplicate-key check raise TypeError (unhashable dict)
    p = _write(tmp_path, "lake:\n  root: /x\n? {a: 1}\n: 2\n")
    with pytest.raises(ConfigError, match=r":3: a key must be a name, not a dict"):
        load_settings(p, environ={})
