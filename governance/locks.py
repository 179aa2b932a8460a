"""One Lakewarden job per table at a time: a lock file that survives crashes.

Delta's optimistic concurrency keeps other writers' commits safe; this lock keeps two Lakewarden
jobs from working on the same table at once (protect + erase, two erasures, retention + erase),
where one would purge files the other is about to commit, or undo into the other's rewrite.

The lock is a file ``<root>/<system_dir>/locks/<table hash>.lock`` created exclusively, holding
its owner: job, table, host, pid and start time. A job that finds it waits (``lake.lock_wait_s``),
then fails with :class:`TableLockedError` (exit 75) naming the owner. A lock is *stale*, and is
broken with a warning, when its owner's process is gone (same host) or it is older than
``lake.lock_stale_after_s`` (another host). Breaking is an atomic rename, so two jobs cannot both
break the same stale lock and both proceed. Whoever holds the lock clears the table's staging folder
first: files there can only be a killed job's half-written ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from governance.config import Settings
from governance.errors import TableLockedError
from governance.lake import STAGING_DIR, is_remote, local_path

if TYPE_CHECKING:
    from governance.storage import Storage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockOwner:
    """Who holds a table lock."""

    job: str
    table: str
    host: str
    pid: int
    started: float

    def describe(self, now: float | None = None) -> str:
        age = (now or time.time()) - self.started
        return f"job {self.job!r} (pid {self.pid} on {self.host}, for {age:.0f}s)"


def _lock_file(settings: Settings, table: str) -> Path:
    digest = hashlib.sha256(table.rstrip("/").encode()).hexdigest()[:24]
    return Path(local_path(settings.system_root), "locks", f"{digest}.lock")


def _owner_from(raw: bytes) -> LockOwner | None:
    try:
        d = json.loads(raw.decode("utf-8"))
        return LockOwner(job=str(d["job"]), table=str(d["table"]), host=str(d["host"]), pid=int(d["pid"]),
                         started=float(d["started"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _record(me: LockOwner) -> bytes:
    return json.dumps({"job": me.job, "table": me.table, "host": me.host, "pid": me.pid, "started": me.started}).encode()


def _read_owner(p: Path) -> LockOwner | None:
    try:
        return _owner_from(p.read_bytes())
    except OSError:
        return None


def _owner_gone(owner: LockOwner, stale_after_s: float) -> str | None:
    """Why a readable lock is stale: its owner died on this host, or it is too old (None: live)."""
    now = time.time()
    if owner.host == socket.gethostname() and not _alive(owner.pid):
        return f"its owner {owner.describe(now)} is no longer running"
    if now - owner.started > stale_after_s:
        return f"it is older than lake.lock_stale_after_s ({stale_after_s:.0f}s): {owner.describe(now)}"
    return None


def _locked(subject: str, owner: LockOwner | None, wait_s: float, where: str) -> TableLockedError:
    who = owner.describe() if owner is not None else "an owner still writing its record"
    return TableLockedError(
        f"{subject}: another Lakewarden job holds this table: {who}; it was not interrupted. "
        f"Rerun when it has finished (waited {wait_s:.0f}s, lake.lock_wait_s; {where})"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(owner: LockOwner | None, p: Path, stale_after_s: float) -> str | None:
    """Why the lock at ``p`` is stale (None: it is live)."""
    now = time.time()
    if owner is None:
        # torn or unreadable: stale once it is older than a few seconds (a writer may be mid-write)
        try:
            age = now - p.stat().st_mtime
        except FileNotFoundError:
            return "it is gone"
        return "its owner record is unreadable" if age > 5 else None
    return _owner_gone(owner, stale_after_s)


def _clear_staging(table: str) -> None:
    """Remove what killed Lakewarden jobs left in the table's staging folder (the lock is ours now)."""
    from governance.config import join_path
    from governance.storage import storage_for

    root = table if is_remote(table) else local_path(table)
    if storage_for(table).delete_prefix(join_path(root, STAGING_DIR)):
        log.info("%s: removed a killed job's staged files", table)


@contextmanager
def _object_lock(settings: Settings, table: str, *, job: str, wait_s: float | None) -> Iterator[LockOwner]:
    """:func:`table_lock` on an object store (the staging folder is cleared once the lock is held)."""
    from governance.config import join_path

    digest = hashlib.sha256(table.rstrip("/").encode()).hexdigest()[:24]
    with object_lock(join_path(settings.system_root, "locks", f"{digest}.lock"), subject=table, job=job,
                     wait_s=settings.lake.lock_wait_s if wait_s is None else wait_s,
                     stale_after_s=settings.lake.lock_stale_after_s) as me:
        _clear_staging(table)
        yield me


@contextmanager
def object_lock(p: str, *, subject: str, job: str, wait_s: float, stale_after_s: float) -> Iterator[LockOwner]:
    """Hold the lock object ``p`` (on S3), created put-if-absent (``If-None-Match: *``).

    A stale lock (older than ``stale_after_s``, or its owner gone on this host) is read again just
    before it is deleted, so a lock another job has just taken is not broken.

    Raises:
        TableLockedError: A live owner held it for ``wait_s`` seconds (exit 75).
    """
    from governance.storage import storage_for

    store = storage_for(p)
    me = LockOwner(job=job, table=subject, host=socket.gethostname(), pid=os.getpid(), started=time.time())
    deadline = time.monotonic() + wait_s
    delay = 0.1
    while not store.put_if_absent(p, _record(me)):
        owner = _object_owner(store, p)
        # an unreadable owner is gone between the failed create and the read: try again
        why = _owner_gone(owner, stale_after_s) if owner is not None else None
        if why is not None:
            if _object_owner(store, p) == owner:
                store.delete(p)
                log.warning("%s: broke a stale Lakewarden lock (%s)", subject, why)
            continue
        if time.monotonic() >= deadline:
            raise _locked(subject, owner, wait_s, f"lock object {p}")
        time.sleep(delay)
        delay = min(1.0, delay * 2)
    try:
        yield me
    finally:
        if _object_owner(store, p) == me:
            store.delete(p)


def _object_owner(store: "Storage", p: str) -> LockOwner | None:
    try:
        return _owner_from(store.read_bytes(p))
    except OSError:
        return None


@contextmanager
def table_lock(settings: Settings, table: str, *, job: str, wait_s: float | None = None) -> Iterator[LockOwner | None]:
    """Hold the Lakewarden lock of ``table`` while the block runs.

    Touches: ``<root>/<system_dir>/locks/`` (one small file or object while held). On S3 the lock
    object is created with ``If-None-Match: *``, so only one job can create it.

    Args:
        settings: Lake settings (where the locks live, how long to wait, when a lock is stale).
        table: The table path.
        job: The job taking the lock (shown to whoever waits for it).
        wait_s: Seconds to wait for a live owner (default ``lake.lock_wait_s``).

    Raises:
        TableLockedError: Another live Lakewarden job held the lock for the whole wait (exit 75).
    """
    if is_remote(settings.lake.root):
        with _object_lock(settings, table, job=job, wait_s=wait_s) as held:
            yield held
        return
    p = _lock_file(settings, table)
    p.parent.mkdir(parents=True, exist_ok=True)
    me = LockOwner(job=job, table=table, host=socket.gethostname(), pid=os.getpid(), started=time.time())
    deadline = time.monotonic() + (settings.lake.lock_wait_s if wait_s is None else wait_s)
    delay = 0.05
    while True:
        try:
            fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _read_owner(p)
            why = _stale(owner, p, settings.lake.lock_stale_after_s)
            if why is not None:
                grave = p.with_name(f"{p.name}.stale-{uuid.uuid4().hex[:8]}")
                try:
                    os.rename(p, grave)  # only one breaker wins; the others see the new lock or none
                    grave.unlink(missing_ok=True)
                    log.warning("%s: broke a stale Lakewarden lock (%s)", table, why)
                except FileNotFoundError:
                    pass
                continue
            if time.monotonic() >= deadline:
                raise _locked(table, owner, settings.lake.lock_wait_s if wait_s is None else wait_s, f"lock file {p}")
            time.sleep(delay)
            delay = min(1.0, delay * 2)
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(_record(me))
        break
    _clear_staging(table)
    try:
        yield me
    finally:
        owner = _read_owner(p)
        if owner is not None and (owner.pid, owner.host, owner.started) == (me.pid, me.host, me.started):
            p.unlink(missing_ok=True)
