"""The Delta key tables: wrapped data keys (``_lakewarden/keys``) and subject keys (``_lakewarden/subject_keys``).

Only wrapped keys are stored. These small system tables are written with ``deltalake``
(delta-rs) directly: they are not data tables and must be writable while Spark is busy.
Destroying subject keys deletes their rows (rewriting only the files that hold them) and then purges its
history (vacuum with zero retention, checkpoint, log cleanup), so no older version or log
entry still holds the destroyed wrapped keys.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from governance.errors import KeyProviderError
from governance.lake import read_delta_rows

KEYS_SCHEMA = pa.schema([
    ("key_id", pa.string()),
    ("kind", pa.string()),
    ("domain", pa.string()),
    ("version", pa.int64()),
    ("wrapped", pa.string()),
    ("kek", pa.string()),
    ("kek_version", pa.int64()),
    ("created_at", pa.string()),
])
SUBJECT_SCHEMA = pa.schema([
    ("key_id", pa.string()),
    ("subject_ref", pa.string()),
    ("wrapped", pa.string()),
    ("kek_version", pa.int64()),
    ("created_at", pa.string()),
])


@dataclass(frozen=True)
class KeyRow:
    """One wrapped data key (``tok``/``hsh`` per domain version, ``enc`` per protect run and column)."""

    key_id: str
    kind: str
    domain: str
    version: int
    wrapped: str
    kek: str
    kek_version: int
    created_at: str

    def __repr__(self) -> str:
        return f"KeyRow(key_id={self.key_id!r}, kind={self.kind!r}, domain={self.domain!r}, version={self.version})"


@dataclass(frozen=True)
class SubjectKeyRow:
    """One wrapped per-subject key."""

    key_id: str
    subject_ref: str
    wrapped: str
    kek_version: int
    created_at: str

    def __repr__(self) -> str:
        return f"SubjectKeyRow(key_id={self.key_id!r})"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_locks: dict[str, threading.Lock] = {}


def _lock(path: str) -> threading.Lock:
    return _locks.setdefault(path, threading.Lock())


#: Rows per Parquet row group of a key table write (memory of a streamed append of millions of subject keys,
#: see benchmarks/subject_keys_rss.py), and per batch of a filtered key table read.
_ROW_GROUP_ROWS = 16_384


class KeyTables:
    """Read and write the two key tables.

    Args:
        keys_path: Path of ``_lakewarden/keys``.
        subject_keys_path: Path of ``_lakewarden/subject_keys``.
    """

    def __init__(self, *, keys_path: str, subject_keys_path: str) -> None:
        self.keys_path = keys_path
        self.subject_keys_path = subject_keys_path

    @staticmethod
    def _exists(path: str) -> bool:
        from deltalake import DeltaTable

        if "://" not in path:
            return Path(path, "_delta_log").is_dir()
        try:
            return bool(DeltaTable.is_deltatable(path))
        except Exception:  # noqa: BLE001 - object store errors
            return False

    def _read(self, path: str, schema: pa.Schema) -> list[dict[str, Any]]:
        if not self._exists(path):
            return []
        try:
            return read_delta_rows(path)
        except Exception as exc:  # noqa: BLE001 - delta-rs errors
            raise _unreadable(path, exc) from None

    def _write(self, path: str, schema: pa.Schema, rows: list[dict[str, Any]], mode: str) -> None:
        self._write_arrow(path, pa.Table.from_pylist(rows, schema=schema), mode)

    @staticmethod
    def _write_arrow(path: str, data: pa.Table | pa.RecordBatchReader, mode: str) -> None:
        from deltalake import WriterProperties, write_deltalake

        try:
            # row groups of a bounded size: delta-rs otherwise buffers about a million rows before a flush
            write_deltalake(path, data, mode=mode,  # type: ignore[call-overload]
                            writer_properties=WriterProperties(max_row_group_size=_ROW_GROUP_ROWS))
        except Exception as exc:  # noqa: BLE001
            raise KeyProviderError(f"key table {path} could not be written: {str(exc).splitlines()[0][:200]}") from None

    # -- domain and encrypt keys ----------------------------------------------------------
    def key_rows(self) -> list[KeyRow]:
        return [KeyRow(**r) for r in self._read(self.keys_path, KEYS_SCHEMA)]

    def add_keys(self, rows: list[KeyRow]) -> None:
        if rows:
            with _lock(self.keys_path):
                self._write(self.keys_path, KEYS_SCHEMA, [r.__dict__ for r in rows], "append")

    def replace_keys(self, rows: list[KeyRow]) -> None:
        with _lock(self.keys_path):
            self._write(self.keys_path, KEYS_SCHEMA, [r.__dict__ for r in rows], "overwrite")

    # -- subject keys ---------------------------------------------------------------------
    def subject_rows(self) -> list[SubjectKeyRow]:
        return [SubjectKeyRow(**r) for r in self._read(self.subject_keys_path, SUBJECT_SCHEMA)]

    def add_subject_key_batches(self, batches: Iterable[list[SubjectKeyRow]]) -> None:
        """Append every batch of rows in one commit, streaming (one batch in memory at a time).

        Nothing is committed if producing a batch fails; that error is raised as it was.
        """
        failure: list[BaseException] = []
        batches = iter(batches)
        head = next((b for b in batches if b), None)  # nothing to store: no commit
        if head is None:
            return

        def _arrow() -> Iterator[pa.RecordBatch]:
            try:
                yield pa.RecordBatch.from_pylist([r.__dict__ for r in head], schema=SUBJECT_SCHEMA)
                for rows in batches:
                    if rows:
                        yield pa.RecordBatch.from_pylist([r.__dict__ for r in rows], schema=SUBJECT_SCHEMA)
            except BaseException as exc:  # handed back to the caller below, not to the Rust writer
                failure.append(exc)
                raise

        with _lock(self.subject_keys_path):
            try:
                self._write_arrow(self.subject_keys_path, pa.RecordBatchReader.from_batches(SUBJECT_SCHEMA, _arrow()), "append")
            except KeyProviderError:
                if failure:
                    raise failure[0] from None
                raise

    def subject_rows_where(self, *, key_ids: Collection[str] = (), subject_refs: Collection[str] = ()) -> list[SubjectKeyRow]:
        """The subject keys whose ``key_id`` is in ``key_ids`` or whose ``subject_ref`` is in ``subject_refs``.

        Read from ``_lakewarden/subject_keys`` in Arrow batches with the filter applied as they are
        read, so only the matching rows become Python objects (the table holds a row per subject
        protected: millions on a big lake).
        """
        import pyarrow.compute as pc
        import pyarrow.dataset as ds

        wanted = [(col, pa.array(vals, pa.string())) for col, vals in _asked(key_ids, subject_refs)]
        if not wanted or not self._exists(self.subject_keys_path):
            return []
        out: list[SubjectKeyRow] = []
        try:
            from deltalake import DeltaTable

            # batches filtered here: the dataset's own filter trips over the file statistics' string_view type
            # one row group at a time: by default the scan reads ahead and pre-buffers whole files
            batches = DeltaTable(self.subject_keys_path).to_pyarrow_dataset().to_batches(
                batch_size=_ROW_GROUP_ROWS, batch_readahead=0, fragment_readahead=0, use_threads=False,
                fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False))
            for batch in batches:
                masks = [pc.is_in(pc.cast(batch.column(col), pa.string()), value_set=vals) for col, vals in wanted]
                mask = masks[0] if len(masks) == 1 else pc.or_(masks[0], masks[1])
                out += [SubjectKeyRow(**r) for r in batch.filter(pc.fill_null(mask, False)).to_pylist()]
        except Exception as exc:  # noqa: BLE001 - delta-rs errors
            raise _unreadable(self.subject_keys_path, exc) from None
        return out

    def subject_kek_versions(self) -> dict[int, int]:
        """How many subject keys are wrapped under each KEK version (only that column of ``_lakewarden/subject_keys`` is read)."""
        import pyarrow.compute as pc

        if not self._exists(self.subject_keys_path):
            return {}
        try:
            from deltalake import DeltaTable

            column = DeltaTable(self.subject_keys_path).to_pyarrow_dataset().to_table(
                columns=["kek_version"], use_threads=False).column("kek_version")
        except Exception as exc:  # noqa: BLE001 - delta-rs errors
            raise _unreadable(self.subject_keys_path, exc) from None
        return {int(v["values"]): int(v["counts"]) for v in pc.value_counts(column).to_pylist()}

    def delete_subject_keys(self, *, key_ids: Collection[str] = (), subject_refs: Collection[str] = ()) -> int:
        """Delete from ``_lakewarden/subject_keys`` the rows :meth:`subject_rows_where` selects.

        One delta-rs delete: only the files holding such rows are rewritten (in bounded row
        groups), the rest of the table is not read into memory. The history still holds the rows
        until :meth:`purge_subject_history`.

        Returns:
            The rows deleted (0: no commit).
        """
        if not (key_ids or subject_refs) or not self._exists(self.subject_keys_path):
            return 0
        from deltalake import DeltaTable, WriterProperties

        sql = " OR ".join(f"{col} IN ({', '.join(_sql_string(v) for v in vals)})" for col, vals in _asked(key_ids, subject_refs))
        with _lock(self.subject_keys_path):
            if not self.subject_rows_where(key_ids=key_ids, subject_refs=subject_refs):
                return 0
            try:
                metrics = DeltaTable(self.subject_keys_path).delete(
                    sql, writer_properties=WriterProperties(max_row_group_size=_ROW_GROUP_ROWS))
            except Exception as exc:  # noqa: BLE001 - delta-rs errors
                raise KeyProviderError(f"key table {self.subject_keys_path}: could not delete subject keys: "
                                       f"{str(exc).splitlines()[0][:200]}") from None
        return int(metrics.get("num_deleted_rows", 0))

    def replace_subject_keys(self, rows: list[SubjectKeyRow]) -> None:
        with _lock(self.subject_keys_path):
            self._write(self.subject_keys_path, SUBJECT_SCHEMA, [r.__dict__ for r in rows], "overwrite")

    def purge_subject_history(self) -> list[str]:
        """Physically remove older versions of the subject key table (files and log).

        Returns the removed file paths.
        """
        return purge_table_history(self.subject_keys_path)


def _asked(key_ids: Collection[str], subject_refs: Collection[str]) -> list[tuple[str, list[str]]]:
    """The subject key table's columns a selection names, each with its distinct values in order (empty ones left out)."""
    return [(col, sorted(set(vals))) for col, vals in (("key_id", key_ids), ("subject_ref", subject_refs)) if vals]


def _unreadable(path: str, exc: BaseException) -> KeyProviderError:
    """The error of a key table delta-rs could not read (the first line of its message)."""
    return KeyProviderError(f"key table {path} is unreadable: {str(exc).splitlines()[0][:200]}")


def _sql_string(value: str) -> str:
    """``value`` as a SQL string literal for a delta-rs predicate (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def purge_table_history(path: str) -> list[str]:
    """Physically remove what older versions of the key table at ``path`` hold; returns the files removed."""
    from governance.maintenance import DeltaRsMaintenance

    with _lock(path):
        report = DeltaRsMaintenance().purge_history(path, dry_run=False)
    return report.data_files + report.log_files
