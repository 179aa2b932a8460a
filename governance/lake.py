"""Lake paths: resolve table names, check that a path holds a Delta table, list tables."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.config import Settings, join_path
from governance.errors import InputError, NotADeltaTableError, TableNotFoundError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA_LOG = "_delta_log"
#: Hidden folder of a table where Lakewarden writes files before it renames or commits them.
STAGING_DIR = "_lakewarden_staging"
#: One part of a catalog identifier: a plain SQL name or a back-quoted one.
_IDENT_PART = r"(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`]|``)+`)"
_IDENTIFIER = re.compile(rf"^{_IDENT_PART}(?:\.{_IDENT_PART}){{0,2}}$")


def is_remote(path: str) -> bool:
    """True for object-store URLs (``s3://``, ``abfss://``, ``gs://`` ...)."""
    return "://" in path and not path.startswith("file://")


def canonical_url(path: str) -> str:
    """``s3a://`` and ``s3n://`` URLs as ``s3://`` (one name per object); other paths unchanged."""
    from governance.storage import canonical

    return canonical(path).rstrip("/") if is_remote(path) else path


def local_path(path: str) -> str:
    """Strip a ``file://`` scheme."""
    return path[len("file://"):] if path.startswith("file://") else path


def resolve_table(settings: Settings, name_or_path: str) -> str:
    """Turn a table name under the lake root, or a path/URL, into a table path.

    A value with a path separator or a scheme is taken as a path; a bare name is
    looked up under ``settings.lake.root``.
    """
    if "://" in name_or_path or os.sep in name_or_path or name_or_path.startswith("."):
        return canonical_url(name_or_path) if is_remote(name_or_path) else str(Path(local_path(name_or_path)).absolute())
    root = settings.lake.root
    joined = join_path(root, name_or_path)
    return canonical_url(joined) if is_remote(joined) else str(Path(joined).absolute())


def _looks_like_path(name_or_path: str) -> bool:
    return "://" in name_or_path or os.sep in name_or_path or "/" in name_or_path or name_or_path.startswith(".")


@dataclass(frozen=True)
class TableRef:
    """A table resolved from what the user typed.

    Attributes:
        path: The table's location (absolute local path or URL): what jobs read and write.
        name: The name reports show: the catalog name (``bank.customers``) for a catalog table,
            else the path relative to the lake root (or the path itself outside the root).
        catalog_name: The Spark catalog identifier the table was found under, or None.
    """

    path: str
    name: str
    catalog_name: str | None = None


#: Tables this process located (paths, names), newest last: when a job fails on an engine read, the
#: CLI checks these for damaged files (:mod:`governance.corrupt`).
LOCATED: list[tuple[str, str]] = []


def locate_table(
    settings: Settings,
    name_or_path: str,
    *,
    spark: "SparkSession | Callable[[], SparkSession]",
) -> TableRef:
    """Resolve a table argument through the lake root and the Spark catalog.

    - A path or URL (a separator, a scheme, or a leading ``.``) is taken as is.
    - A bare name that is a folder under ``settings.lake.root`` is that folder (no Spark needed).
    - A catalog identifier (``db.table``, ``catalog.db.table``, or a bare name that is no folder
      under the root) is looked up in the session's catalog (the Hive metastore or in-memory
      catalog on classic Spark, Sail's catalog on the embedded engine) and resolves to the
      table's location (``DESCRIBE TABLE EXTENDED``, which both engines answer). A dotted name
      that the catalog does not know still resolves to a folder of that name under the root.

    Reads the catalog only; touches no table.

    Args:
        settings: Platform settings (``lake.root``, ``engine.kind``).
        name_or_path: What the user typed.
        spark: The session, or a function returning it (called only when the catalog is needed).

    Raises:
        TableNotFoundError: The name is neither a folder under the root nor a catalog table
            (the message says where it looked).
        InputError: The catalog entry is a view or has no location.
    """
    if _looks_like_path(name_or_path):
        path = resolve_table(settings, name_or_path)
        return _located(TableRef(path=path, name=table_name(settings, path)))
    under_root = resolve_table(settings, name_or_path)
    dotted = "." in name_or_path.strip("`")
    if not dotted and _exists(under_root):
        return _located(TableRef(path=under_root, name=table_name(settings, under_root)))
    if _IDENTIFIER.match(name_or_path):
        session = spark() if callable(spark) else spark
        location = _catalog_location(session, name_or_path)
        if location is not None:
            return _located(TableRef(path=location, name=name_or_path, catalog_name=name_or_path))
    else:
        session = None
    if dotted and _exists(under_root):
        return _located(TableRef(path=under_root, name=table_name(settings, under_root)))
    where = f"not a folder under the lake root ({under_root} does not exist)"
    if session is not None:
        where += f" and not a table in {_catalog_description(settings, session)}"
    raise TableNotFoundError(f"{name_or_path}: no such table: {where}")


def _located(ref: "TableRef") -> "TableRef":
    LOCATED.append((ref.path, ref.name))
    return ref


def _exists(path: str) -> bool:
    return is_delta(path) if is_remote(path) else Path(local_path(path)).exists()


def _quote(identifier: str) -> str:
    """Back-quote every part of a catalog identifier (already quoted parts are kept)."""
    parts = re.findall(_IDENT_PART, identifier)
    return ".".join(p if p.startswith("`") else f"`{p}`" for p in parts)


def _location_path(location: str) -> str:
    """A catalog location as a path: ``file:/x`` and ``file:///x`` become ``/x``; URLs stay."""
    from urllib.parse import unquote, urlparse

    if location.startswith("file:"):
        return str(Path(unquote(urlparse(location).path)).absolute())
    return location


def _catalog_location(spark: "SparkSession", identifier: str) -> str | None:
    """The location of ``identifier`` in the session's catalog, or None when the catalog has no such table.

    Raises:
        InputError: The catalog holds a view (or a table without a location) under that name.
    """
    try:
        if not spark.catalog.tableExists(identifier):
            return None
    except Exception:  # noqa: BLE001 - an unknown catalog or namespace: the table is not there
        return None
    try:
        rows = spark.sql(f"DESCRIBE TABLE EXTENDED {_quote(identifier)}").collect()
    except Exception as exc:  # noqa: BLE001 - engines raise many types; name the table
        from governance.engine import engine_error

        raise engine_error(exc, table=identifier) from None
    info = {str(r[0]).strip(): ("" if r[1] is None else str(r[1]).strip()) for r in rows}
    location = info.get("Location", "")
    if not location:
        kind = info.get("Type", "").lower() or "entry"
        raise InputError(f"{identifier}: the Spark catalog holds it as a {kind} without a location; name a table (or its path)")
    return _location_path(location)


def _catalog_description(settings: Settings, spark: "SparkSession") -> str:
    """Which catalog was searched, and how to reach a persistent one, for error messages."""
    from governance.engine import is_connect

    if not is_connect(spark):
        try:
            impl = spark.conf.get("spark.sql.catalogImplementation")
        except Exception:  # noqa: BLE001
            impl = None
        if impl == "hive":
            return "the Spark session catalog (Hive metastore)"
        return ("the Spark session catalog (in-memory: this session has no Hive metastore; start Spark with "
                "--conf spark.sql.catalogImplementation=hive to use the cluster's metastore)")
    if settings.engine.kind == "embedded":
        return ("the embedded engine's catalog (Sail: in memory for this process unless SAIL_CATALOG__LIST names a "
                "persistent one such as a Hive metastore, AWS Glue or Unity Catalog)")
    return "the Spark Connect server's catalog"


def is_delta(path: str) -> bool:
    """True when ``path`` holds a Delta table (a ``_delta_log`` with at least one commit or checkpoint)."""
    if is_remote(path):
        from governance.storage import storage_for

        entries = storage_for(path).list_files(join_path(path, DELTA_LOG), recursive=False)
        return any(e.path.endswith((".json", ".parquet")) for e in entries)
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
    """Return the Delta table roots under a lake root (local or ``s3://``), sorted, skipping Lakewarden's own folder.

    Raises:
        TableNotFoundError: The root does not exist.
    """
    if is_remote(root):
        return _list_remote_tables(canonical_url(root), system_dir=system_dir)
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


def _list_remote_tables(root: str, *, system_dir: str) -> list[str]:
    from governance.storage import storage_for

    store = storage_for(root)
    found: list[str] = []
    pending = [root]
    seen_any = False
    while pending:
        folder = pending.pop()
        subs = store.list_dirs(folder)
        seen_any = seen_any or bool(subs)
        names = {d.rstrip("/").rsplit("/", 1)[-1]: d.rstrip("/") for d in subs}
        if DELTA_LOG in names and folder != root:
            found.append(folder)
            continue
        for name, sub in names.items():
            if folder == root and name == system_dir:
                continue
            if not name.startswith((".", "_")):
                pending.append(sub)
    if not seen_any and not store.list_files(root, recursive=False):
        raise TableNotFoundError(f"{root}: lake root does not exist (no objects under this prefix)")
    return sorted(found)


def table_name(settings: Settings, path: str) -> str:
    """A short display name: the path relative to the lake root when it lies inside it."""
    root = settings.lake.root
    if not is_remote(path) and not is_remote(root):
        try:
            return str(Path(path).absolute().relative_to(Path(root).absolute()))
        except ValueError:
            return path
    root, path = canonical_url(root), canonical_url(path)
    return path[len(root) + 1:] if path.startswith(root + "/") else path


def read_delta_rows(path: str) -> list[dict[str, Any]]:
    """All rows of a small Delta table (Lakewarden's system tables) as dicts, via delta-rs.

    Read single-threaded: ``to_pyarrow_table()`` leaves Arrow C++ threads behind that can
    abort the process at exit (exit code 134).
    """
    from deltalake import DeltaTable

    return list(DeltaTable(path).to_pyarrow_dataset().to_table(use_threads=False).to_pylist())
