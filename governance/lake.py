"""Lake paths: resolve table names, check that a path holds a Delta table, list tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from governance.config import Settings, join_path
from governance.errors import NotADeltaTableError, TableNotFoundError

DELTA_LOG = "_delta_log"


def is_remote(path: str) -> bool:
    """True for object-store URLs (``s3://``, ``abfss://``, ``gs://`` ...)."""
    return "://" in path and not path.startswith("file://")


def local_path(path: str) -> str:
    """Strip a ``file://`` scheme."""
    return path[len("file://"):] if path.startswith("file://") else path


def resolve_table(settings: Settings, name_or_path: str) -> str:
    """Turn a table name under the lake root, or a path/URL, into a table path.

    A value with a path separator or a scheme is taken as a path; a bare name is
    looked up under ``settings.lake.root``.
    """
    if "://" in name_or_path or os.sep in name_or_path or name_or_path.startswith("."):
        return name_or_path if is_remote(name_or_path) else str(Path(local_path(name_or_path)).absolute())
    root = settings.lake.root
    joined = join_path(root, name_or_path)
    return joined if is_remote(joined) else str(Path(joined).absolute())


def is_delta(path: str) -> bool:
    """True when ``path`` holds a Delta table (a ``_delta_log`` with at least one commit or checkpoint)."""
    if is_remote(path):
        from deltalake import DeltaTable

        try:
            return bool(DeltaTable.is_deltatable(path))
        except Exception:  # noqa: BLE001 - object store errors mean "not reachable as Delta"
            return False
    log = Path(local_path(path), DELTA_LOG)
    if not log.is_dir():
        return False
    return any(p.suffix in (".json", ".parquet") for p in log.iterdir())


def is_parquet_folder(path: str) -> bool:
    """True for a plain folder of Parquet files (a legacy, non-Delta table)."""
    p = Path(local_path(path))
    return p.is_dir() and not is_delta(path) and any(p.rglob("*.parquet"))


def require_delta(path: str) -> None:
    """Raise unless ``path`` holds a Delta table.

    Raises:
        TableNotFoundError: Nothing exists at ``path``.
        NotADeltaTableError: ``path`` exists but has no ``_delta_log``.
    """
    if is_delta(path):
        return
    if is_remote(path):
        raise NotADeltaTableError(f"{path}: no Delta table found at this URL (no readable _delta_log)")
    p = Path(local_path(path))
    if not p.exists():
        raise TableNotFoundError(f"{path}: table path does not exist")
    hint = " (it holds Parquet files: a legacy folder, not a Delta table)" if is_parquet_folder(path) else ""
    raise NotADeltaTableError(f"{path}: not a Delta table, no {DELTA_LOG}/ folder{hint}")


def list_tables(root: str, *, system_dir: str = "_lakewarden") -> list[str]:
    """Return the Delta table roots under a local lake root, sorted, skipping Lakewarden's own folder.

    Raises:
        TableNotFoundError: The root does not exist.
    """
    base = Path(local_path(root))
    if not base.is_dir():
        raise TableNotFoundError(f"{root}: lake root does not exist")
    found: list[str] = []
    for dirpath, dirnames, _ in os.walk(base):
        rel = Path(dirpath).relative_to(base)
        if rel.parts and rel.parts[0] == system_dir:
            dirnames[:] = []
            continue
        if DELTA_LOG in dirnames:
            found.append(str(Path(dirpath).absolute()))
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
    return sorted(found)


def table_name(settings: Settings, path: str) -> str:
    """A short display name: the path relative to the lake root when it lies inside it."""
    root = settings.lake.root
    if not is_remote(path) and not is_remote(root):
        try:
            return str(Path(path).absolute().relative_to(Path(root).absolute()))
        except ValueError:
            return path
    return path[len(root.rstrip("/")) + 1:] if path.startswith(root.rstrip("/") + "/") else path


def read_delta_rows(path: str) -> list[dict[str, Any]]:
    """All rows of a small Delta table (Lakewarden's system tables) as dicts, via delta-rs.

    Read single-threaded: ``to_pyarrow_table()`` leaves Arrow C++ threads behind that can
    abort the process at exit (exit code 134).
    """
    from deltalake import DeltaTable

    return list(DeltaTable(path).to_pyarrow_dataset().to_table(use_threads=False).to_pylist())
