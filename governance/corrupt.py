"""Name the corrupt file behind an engine's read failure.

Engines report a damaged Parquet file as "An exception was thrown from the Python worker" or a raw
decoder error, without the table or the file. When a read fails, :func:`diagnose` checks the live
files of the table's current version itself (pyarrow: the footer of every file, then every page
of each file within a byte budget) and, if one is damaged or missing, returns a
:class:`CorruptDataError` naming the table, the file, the version and the way out.
"""

from __future__ import annotations

import os
from urllib.parse import unquote

from governance.errors import CorruptDataError
from governance.lake import is_remote, local_path

#: Bytes of data files read page by page when every footer is sound (the rest is left unchecked).
FULL_READ_BUDGET = 2 * 1024**3


def find_damaged_files(path: str, *, budget: int = FULL_READ_BUDGET) -> tuple[int, list[tuple[str, str]]]:
    """(version, [(file, what is wrong)]) for the live data files of the local table at ``path``."""
    import pyarrow.parquet as pq

    from governance import delta_commit

    version = delta_commit.latest_version(path)
    adds = list(delta_commit.snapshot_adds(path, version).values())
    root = local_path(path)
    bad: list[tuple[str, str]] = []
    sound: list[str] = []
    for a in adds:
        rel = unquote(str(a["path"]))
        f = os.path.join(root, rel)
        if not os.path.exists(f):
            bad.append((rel, "missing: deleted outside Delta"))
            continue
        try:
            meta = pq.ParquetFile(f).metadata
            if a.get("size") and int(a["size"]) != os.path.getsize(f):
                bad.append((rel, f"its size is {os.path.getsize(f)} bytes where the log records {a['size']} (truncated or replaced)"))
                continue
            del meta
            sound.append(f)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError ...
            bad.append((rel, f"not a readable Parquet file ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"))
    if bad:
        return version, bad
    spent = 0
    for f in sound:
        size = os.path.getsize(f)
        if spent + size > budget:
            break
        spent += size
        try:
            pq.read_table(f)
        except Exception as exc:  # noqa: BLE001
            bad.append((os.path.relpath(f, root), f"a data page cannot be decoded ({type(exc).__name__})"))
    return version, bad


def diagnose(path: str, exc: BaseException, *, table: str | None = None) -> CorruptDataError | None:
    """A :class:`CorruptDataError` naming the damaged file(s) of ``path`` behind ``exc``, or None.

    Reads (never writes) the table's log and data files; object stores are not checked here.
    """
    if is_remote(path):
        return None
    try:
        version, bad = find_damaged_files(path)
    except CorruptDataError as log_error:
        return log_error
    except Exception:  # noqa: BLE001 - not a table we can check: leave the engine's error as it is
        return None
    if not bad:
        return None
    name = table or path
    listed = "; ".join(f"{f} ({what})" for f, what in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
    return CorruptDataError(
        f"table {name} version {version}: {len(bad)} data file(s) cannot be read: {listed}. Nothing was written. "
        f"Way out: restore the file(s) from backup or the storage's versioning; if the data is lost, delete the "
        f"file(s) and run FSCK REPAIR TABLE delta.`{path}` on classic Spark, which removes them from the table "
        f"(engine said: {type(exc).__name__})"
    )
