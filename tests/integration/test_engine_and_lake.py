"""The engine layer and lake paths, against the real embedded Sail server."""

from pathlib import Path

import pytest

from governance.config import EngineSettings, Settings, LakeSettings
from governance.engine import get_session, is_connect
from governance.errors import EngineUnavailableError, InputError, NotADeltaTableError, TableNotFoundError
from governance.lake import list_tables, require_delta, resolve_table


def test_embedded_engine_reads_and_writes_delta(spark, tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    spark.range(5).write.format("delta").save(path)
    assert spark.read.format("delta").load(path).count() == 5
    assert is_connect(spark)


def test_embedded_session_is_shared(spark) -> None:
    assert get_session(EngineSettings()) is spark


def test_unreachable_connect_server_is_a_transient_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EngineUnavailableError, match=f"127.0.0.1:{port} is unreachable") as exc:
        get_session(EngineSettings(kind="connect", connect_url=f"sc://127.0.0.1:{port}", connect_timeout_s=1))
    assert exc.value.transient and exc.value.exit_code == 75


def test_connect_without_url_is_an_input_error() -> None:
    with pytest.raises(InputError, match="connect_url is not set"):
        get_session(EngineSettings(kind="connect"))


def test_missing_path_and_non_delta_folder_are_told_apart(spark, tmp_path: Path) -> None:
    with pytest.raises(TableNotFoundError, match="does not exist"):
        require_delta(str(tmp_path / "nothing"))
    parquet = tmp_path / "legacy"
    spark.range(3).write.parquet(str(parquet))
    with pytest.raises(NotADeltaTableError, match="legacy folder"):
        require_delta(str(parquet))


def test_list_tables_finds_delta_tables_and_skips_the_system_area(spark, tmp_path: Path) -> None:
    for name in ("a", "nested/b", "_lakewarden/catalog"):
        spark.range(1).write.format("delta").save(str(tmp_path / name))
    found = [Path(p).relative_to(tmp_path).as_posix() for p in list_tables(str(tmp_path))]
    assert found == ["a", "nested/b"]


def test_resolve_table_takes_names_under_the_root_and_paths_as_given(tmp_path: Path) -> None:
    s = Settings(lake=LakeSettings(root=str(tmp_path)))
    assert resolve_table(s, "customers") == str(tmp_path / "customers")
    assert resolve_table(s, "s3://bank/t") == "s3://bank/t"


_START_EMBEDDED = (
    # Huge pages back on first: a process inherits PR_SET_THP_DISABLE from its parent (the test's own
    # engine may have turned it off), so only the engine started here decides what the child reports.
    "import ctypes\n"
    "assert ctypes.CDLL(None).prctl(41, 0, 0, 0, 0) == 0  # PR_SET_THP_DISABLE, 0\n"
    "from governance.config import EngineSettings\n"
    "from governance.engine import get_session, stop_embedded\n"
    "assert get_session(EngineSettings(kind='embedded')).range(3).count() == 3\n"
    "print(''.join(l for l in open('/proc/self/status') if l.startswith('THP_enabled:')), flush=True)\n"
    "stop_embedded()\n"
)


def _python_output(code: str, *, drop: str, extra_env: dict[str, str], timeout: int) -> str:
    """Run ``code`` in a fresh Python process from the repository root, without the environment
    variables starting with ``drop`` and with ``extra_env``; return its stdout and stderr."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra_env)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=str(Path(__file__).resolve().parents[2]), timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout + proc.stderr


def _allocator_options(extra_env: dict[str, str]) -> dict[str, str]:
    """Start the embedded engine in a fresh process; return the options its allocator reports it read.

    Also ``THP_enabled``: whether the kernel still backs the process's memory with transparent huge pages.
    """
    import re

    out = _python_output(_START_EMBEDDED, drop="MIMALLOC_", extra_env={"MIMALLOC_VERBOSE": "1", "RUST_LOG": "error", **extra_env}, timeout=180)
    options = dict(re.findall(r"option '(\w+)': (-?\d+)", out))
    assert "purge_delay" in options, "the engine's allocator printed no options"
    thp = re.findall(r"THP_enabled:\s*(\d)", out)
    if thp:
        options["THP_enabled"] = thp[-1]
    return options


def test_embedded_engine_allocator_purges_freed_memory_at_once() -> None:
    assert _allocator_options({})["purge_delay"] == "0"


def test_embedded_engine_allocator_keeps_an_explicit_purge_delay() -> None:
    assert _allocator_options({"MIMALLOC_PURGE_DELAY": "25"})["purge_delay"] == "25"


def test_embedded_engine_turns_transparent_huge_pages_off_for_its_process() -> None:
    options = _allocator_options({})
    assert options["allow_thp"] == "0"
    assert options.get("THP_enabled", "0") == "0"  # the line is missing on kernels before 5.0


def test_delta_rs_allocator_reads_the_configured_decay() -> None:
    import re

    code = ("import os\n"
            "from governance import allocators\n"
            "allocators.configure_delta_rs()\n"
            "os.environ['_RJEM_MALLOC_CONF'] += ',stats_print:true'  # jemalloc prints what it read at exit\n"
            "import deltalake\n")
    out = _python_output(code, drop="_RJEM_MALLOC_CONF", extra_env={}, timeout=120)
    assert "Invalid conf" not in out
    assert re.search(r"opt\.dirty_decay_ms: 1000\b", out), out[:2000]
    assert re.search(r"opt\.muzzy_decay_ms: 0\b", out)


def test_embedded_engine_keeps_transparent_huge_pages_when_the_environment_allows_them() -> None:
    options = _allocator_options({"MIMALLOC_ALLOW_THP": "1"})
    assert options["allow_thp"] == "1"
    assert options.get("THP_enabled", "1") == "1"
