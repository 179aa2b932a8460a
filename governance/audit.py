"""Append-only, hash-chained audit log.

Every action that reads plaintext, changes a table, touches a key or answers a request
is appended here. Each entry carries the hash of the one before it, so
:meth:`AuditLog.verify` detects an entry that was removed, reordered or edited and
says which. Entries never contain key material or raw sensitive values: callers pass
table and column names, counts and ids only.

Two sinks implement :class:`AuditSink`: :class:`DeltaAuditSink` (production: a Delta
table in the lake's system area, written with delta-rs so no Spark job is needed) and
:class:`JsonlAuditSink` (embedded: one local append-only file).
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from governance.audit_anchor import AnchorHead, AuditAnchor, check_anchor
from governance.config import Settings
from governance.errors import AuditIntegrityError, ConfigError
from governance.lake import is_remote, local_path, read_delta_rows

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One audit record. ``hash`` covers every other field, ``prev_hash`` links the chain."""

    seq: int
    ts: str
    actor: str
    job: str
    action: str
    table: str | None
    columns: list[str]
    counts: dict[str, int]
    details: dict[str, Any]
    prev_hash: str
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Every field but ``hash``, as hashed."""
        d = asdict(self)
        d.pop("hash")
        return d

    def compute_hash(self) -> str:
        """SHA-256 over the canonical JSON of :meth:`body`."""
        canon = json.dumps(self.body(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


@dataclass
class VerifyReport:
    """Result of checking the chain."""

    entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return not self.problems


class AuditSink(ABC):
    """Where audit entries are stored."""

    location: str

    @abstractmethod
    def append(self, entry: AuditEntry) -> None:
        """Store one entry durably."""

    @abstractmethod
    def read_all(self) -> list[AuditEntry]:
        """Every stored entry, in storage order."""

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialize appenders (the chain must not fork): a file lock here, a put-if-absent lock object on S3."""
        if is_remote(self.location):
            from governance.locks import object_lock

            with object_lock(self.location.rstrip("/") + ".lock", subject=f"audit log {self.location}", job="audit",
                             wait_s=120.0, stale_after_s=600.0):
                yield
            return
        lock_path = Path(local_path(self.location) + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _entry_from(d: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(d["seq"]),
        ts=str(d["ts"]),
        actor=str(d["actor"]),
        job=str(d["job"]),
        action=str(d["action"]),
        table=d.get("table"),
        columns=list(d.get("columns") or []),
        counts={str(k): int(v) for k, v in (d.get("counts") or {}).items()},
        details=dict(d.get("details") or {}),
        prev_hash=str(d["prev_hash"]),
        hash=str(d.get("hash", "")),
    )


class JsonlAuditSink(AuditSink):
    """Embedded sink: one JSON object per line in a local file, opened for append only."""

    def __init__(self, path: str) -> None:
        self.location = path

    def append(self, entry: AuditEntry) -> None:
        p = Path(local_path(self.location))
        p.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(entry), sort_keys=True, default=str)
        with open(p, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def read_all(self) -> list[AuditEntry]:
        p = Path(local_path(self.location))
        if not p.exists():
            return []
        out = []
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(_entry_from(json.loads(line)))
            except (json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
                raise AuditIntegrityError(f"{p}:{n}: audit entry is not readable ({exc})") from None
        return out


_DELTA_FIELDS = ["seq", "ts", "actor", "job", "action", "table", "columns", "counts", "details", "prev_hash", "hash"]


class DeltaAuditSink(AuditSink):
    """Production sink: a Delta table (one commit per entry), written with delta-rs."""

    def __init__(self, path: str) -> None:
        self.location = path

    def _schema(self) -> Any:
        import pyarrow as pa

        return pa.schema(
            [
                ("seq", pa.int64()),
                ("ts", pa.string()),
                ("actor", pa.string()),
                ("job", pa.string()),
                ("action", pa.string()),
                ("table", pa.string()),
                ("columns", pa.string()),
                ("counts", pa.string()),
                ("details", pa.string()),
                ("prev_hash", pa.string()),
                ("hash", pa.string()),
            ]
        )

    def append(self, entry: AuditEntry) -> None:
        import pyarrow as pa
        from deltalake import write_deltalake

        d = asdict(entry)
        row = {k: d[k] for k in _DELTA_FIELDS}
        for k in ("columns", "counts", "details"):
            row[k] = json.dumps(row[k], sort_keys=True, default=str)
        write_deltalake(self.location, pa.Table.from_pylist([row], schema=self._schema()), mode="append")

    def read_all(self) -> list[AuditEntry]:
        from deltalake import DeltaTable

        if not DeltaTable.is_deltatable(self.location):
            return []
        rows = read_delta_rows(self.location)
        out = []
        for r in rows:
            for k in ("columns", "counts", "details"):
                r[k] = json.loads(r[k]) if r[k] else None
            out.append(_entry_from(r))
        out.sort(key=lambda e: e.seq)
        return out


def make_sink(settings: Settings) -> AuditSink:
    """The sink named by ``audit.sink`` at ``settings.audit_path``."""
    if settings.audit.sink == "jsonl":
        if is_remote(settings.audit_path):
            raise ConfigError("audit.sink=jsonl needs a local audit.path; use audit.sink=delta for object stores")
        return JsonlAuditSink(settings.audit_path)
    return DeltaAuditSink(settings.audit_path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def current_actor() -> str:
    """Who runs the job: ``$LAKEWARDEN_ACTOR`` or the OS user."""
    try:
        return os.environ.get("LAKEWARDEN_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class AuditLog:
    """The hash-chained audit log of one lake, as seen by one job."""

    def __init__(self, sink: AuditSink, *, job: str, actor: str | None = None, anchor: "AuditAnchor | None" = None) -> None:
        self.sink = sink
        self.job = job
        self.actor = actor or current_actor()
        #: Where the chain head is recorded outside the lake after every append (None: not anchored).
        self.anchor = anchor

    def append(
        self,
        *,
        action: str,
        table: str | None = None,
        columns: list[str] | None = None,
        counts: dict[str, int] | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry linked to the last one. Never pass key material or raw values.

        Touches: the audit table/file.
        """
        with self.sink.locked():
            entries = self.sink.read_all()
            prev = entries[-1] if entries else None
            entry = AuditEntry(
                seq=(prev.seq + 1) if prev else 1,
                ts=_now(),
                actor=self.actor,
                job=self.job,
                action=action,
                table=table,
                columns=list(columns or []),
                counts=dict(counts or {}),
                details=dict(details or {}),
                prev_hash=prev.hash if prev else GENESIS,
            )
            entry = AuditEntry(**{**asdict(entry), "hash": entry.compute_hash()})
            self.sink.append(entry)
            if self.anchor is not None:
                self.anchor.write(AnchorHead(seq=entry.seq, hash=entry.hash, ts=entry.ts, log=self.sink.location))
            return entry

    def entries(self) -> list[AuditEntry]:
        """All entries in storage order."""
        return self.sink.read_all()

    def verify(self) -> VerifyReport:
        """Check the chain, and its head against the anchor; each problem names the entry and what is wrong.

        Without an anchor only the chain itself is checked (removed, edited or reordered entries).
        With one, a deleted log, a removed tail, a rewritten head and a missing anchor are found too.
        """
        entries = self.sink.read_all()
        report = verify_entries(entries)
        if self.anchor is not None:
            head = self.anchor.read()
            report.problems += check_anchor(entries, head, log=self.sink.location, anchor=self.anchor.location)
        return report


def verify_entries(entries: list[AuditEntry]) -> VerifyReport:
    """Check a list of entries (in storage order) for removal, reordering and edits."""
    report = VerifyReport(entries=len(entries))
    prev_hash = GENESIS
    expected_seq = 1
    by_hash = {e.hash: e for e in entries}
    for pos, e in enumerate(entries):
        if e.compute_hash() != e.hash:
            report.problems.append(f"entry #{e.seq} (position {pos + 1}) was edited: its content no longer matches its hash")
            prev_hash, expected_seq = e.hash, e.seq + 1
            continue
        if e.seq != expected_seq:
            if e.seq > expected_seq and e.prev_hash not in by_hash and e.prev_hash != prev_hash:
                missing = f"#{expected_seq}" if e.seq == expected_seq + 1 else f"#{expected_seq}..#{e.seq - 1}"
                report.problems.append(f"entry {missing} removed: #{e.seq} follows #{expected_seq - 1}")
            else:
                report.problems.append(f"entries out of order: #{e.seq} found at position {pos + 1} where #{expected_seq} was expected")
        elif e.prev_hash != prev_hash:
            report.problems.append(f"entry #{e.seq} does not link to the entry before it (removed or replaced entry before #{e.seq})")
        prev_hash, expected_seq = e.hash, e.seq + 1
    return report
