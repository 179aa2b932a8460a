"""The erasure ledger: a durable, append-only Delta table of requests and their progress.

Location: ``<lake>/_lakewarden/erasure_ledger`` (``settings.system_table("erasure_ledger")``),
written with delta-rs so it is usable while Spark is busy. Every change of a request is a
new row (an event) carrying the full progress after it; the current state of a request is
its newest row. Identifiers are stored only as keyed hashes (see
:mod:`retention.erasure.identifiers`); subject keys only by their pseudonymous references
and key ids. Nothing in the ledger is a raw identifier.
"""

from __future__ import annotations

import calendar
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from governance.config import Settings
from governance.errors import EngineError, InputError
from governance.lake import read_delta_rows

Regulation = Literal["gdpr", "ccpa"]
REGULATIONS: tuple[str, ...] = ("gdpr", "ccpa")
#: Request states, in the order a request moves through them.
STATES: tuple[str, ...] = ("received", "erasing", "erased", "purged", "keys_destroyed", "verified", "done", "not_found")
#: States outside the normal order.
SIDE_STATES: tuple[str, ...] = ("blocked", "verify_failed", "failed")

_SCHEMA = pa.schema([
    ("request_id", pa.string()),
    ("seq", pa.int64()),
    ("ts", pa.string()),
    ("event", pa.string()),
    ("state", pa.string()),
    ("regulation", pa.string()),
    ("received", pa.string()),
    ("deadline", pa.string()),
    ("identifiers", pa.string()),
    ("progress", pa.string()),
])
_lock = threading.Lock()


def deadline_for(regulation: str, received: date) -> date:
    """Legal deadline: GDPR one calendar month (Art. 12(3)), CCPA 45 days (Cal. Civ. Code 1798.130).

    Raises:
        InputError: Unknown regulation.
    """
    if regulation == "gdpr":
        y, m = (received.year, received.month + 1) if received.month < 12 else (received.year + 1, 1)
        return date(y, m, min(received.day, calendar.monthrange(y, m)[1]))
    if regulation == "ccpa":
        return received + timedelta(days=45)
    raise InputError(f"unknown regulation {regulation!r}; valid choices: {', '.join(REGULATIONS)}")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class ErasureRequest:
    """One request as the ledger knows it (hashes only)."""

    request_id: str
    regulation: str
    received: date
    deadline: date
    #: ``[{"key", "kind", "hash"}]`` per identifier; ``tokens``: hashes of its protected tokens.
    identifiers: dict[str, Any]
    state: str = "received"
    progress: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    updated_at: str = ""

    def days_left(self, today: date | None = None) -> int:
        """Days until the deadline (negative: overdue)."""
        return (self.deadline - (today or datetime.now(timezone.utc).date())).days

    @property
    def open(self) -> bool:
        """True until the request is done (erased, or closed as found nowhere)."""
        return self.state not in ("done", "not_found")

    def all_ids(self) -> list[dict[str, Any]]:
        """The request's identifiers plus those derived through link columns (hashes only)."""
        return list(self.identifiers.get("ids", [])) + list(self.progress.get("derived", []))

    def hashes(self) -> set[str]:
        """Every keyed hash this request matches: identifiers and their tokens."""
        return {i["hash"] for i in self.identifiers.get("ids", [])} | set(self.identifiers.get("tokens", []))


class Ledger:
    """Read and append the erasure ledger.

    Args:
        settings: Platform settings (the ledger path comes from ``system_table``).
    """

    def __init__(self, settings: Settings) -> None:
        self.path = settings.system_table("erasure_ledger")

    def _exists(self) -> bool:
        from deltalake import DeltaTable

        if "://" not in self.path:
            return Path(self.path, "_delta_log").is_dir()
        return bool(DeltaTable.is_deltatable(self.path))

    def _rows(self) -> list[dict[str, Any]]:
        if not self._exists():
            return []
        try:
            return read_delta_rows(self.path)
        except Exception as exc:  # noqa: BLE001 - delta-rs errors
            raise EngineError(f"erasure ledger {self.path} is unreadable: {str(exc).splitlines()[0][:200]}") from None

    def _append(self, row: dict[str, Any]) -> None:
        from deltalake import write_deltalake

        try:
            write_deltalake(self.path, pa.Table.from_pylist([row], schema=_SCHEMA), mode="append")
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"erasure ledger {self.path} could not be written: {str(exc).splitlines()[0][:200]}") from None

    @staticmethod
    def _from_row(r: dict[str, Any]) -> ErasureRequest:
        return ErasureRequest(
            request_id=r["request_id"], regulation=r["regulation"], received=date.fromisoformat(r["received"]),
            deadline=date.fromisoformat(r["deadline"]), identifiers=json.loads(r["identifiers"]), state=r["state"],
            progress=json.loads(r["progress"] or "{}"), seq=int(r["seq"]), updated_at=r["ts"],
        )

    def create(self, *, regulation: str, received: date, identifiers: dict[str, Any]) -> ErasureRequest:
        """Record a new request (state ``received``) and return it.

        Touches: the ledger table (one append).
        """
        deadline = deadline_for(regulation, received)
        req = ErasureRequest(
            request_id="er-" + uuid.uuid4().hex[:12], regulation=regulation, received=received, deadline=deadline,
            identifiers=identifiers, progress={"timestamps": {"received": now_iso()}},
        )
        return self.record(req, state="received", event="requested")

    def record(self, req: ErasureRequest, *, state: str, event: str) -> ErasureRequest:
        """Append the request's new state and progress (one row) and return the updated request.

        Touches: the ledger table (one append).
        """
        with _lock:
            req.state = state
            req.seq += 1
            req.updated_at = now_iso()
            self._append({
                "request_id": req.request_id, "seq": req.seq, "ts": req.updated_at, "event": event, "state": state,
                "regulation": req.regulation, "received": req.received.isoformat(), "deadline": req.deadline.isoformat(),
                "identifiers": json.dumps(req.identifiers, sort_keys=True),
                "progress": json.dumps(req.progress, sort_keys=True, default=str),
            })
        return req

    def all(self) -> list[ErasureRequest]:
        """The newest state of every request."""
        latest: dict[str, dict[str, Any]] = {}
        for r in self._rows():
            cur = latest.get(r["request_id"])
            if cur is None or int(r["seq"]) > int(cur["seq"]):
                latest[r["request_id"]] = r
        return [self._from_row(r) for r in latest.values()]

    def events(self, request_id: str) -> list[dict[str, Any]]:
        """Every event of one request, oldest first (state and event names only)."""
        rows = [r for r in self._rows() if r["request_id"] == request_id]
        return [{"seq": r["seq"], "ts": r["ts"], "event": r["event"], "state": r["state"]} for r in sorted(rows, key=lambda r: r["seq"])]

    def get(self, request_id: str) -> ErasureRequest:
        """The newest state of one request.

        Raises:
            InputError: No such request.
        """
        for req in self.all():
            if req.request_id == request_id:
                return req
        raise InputError(f"erasure request {request_id!r} is not in the ledger {self.path}")

    def due(self) -> list[ErasureRequest]:
        """Open requests, most urgent (earliest deadline) first."""
        return sorted((r for r in self.all() if r.open), key=lambda r: (r.deadline, r.request_id))
