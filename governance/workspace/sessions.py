"""Server-side sessions of the workspace: the cookie holds a random id, never the key-server token.

A session ends after ``idle_minutes`` without a request, when its key-server token expires, or
at sign-out. Each session has its own CSRF token, checked on every form. Failed sign-ins are
throttled per user name and per client address.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from governance.workspace.auth import Identity

#: Failed sign-ins allowed per user name or client address within :data:`FAILURE_WINDOW_S`.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
LOCKOUT_S = 60.0


def tokens_match(given: str | None, expected: str) -> bool:
    """True when ``given`` is the non-empty ``expected`` token (constant-time; any text, never an error)."""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given).encode("utf-8"), expected.encode("utf-8"))


@dataclass
class Session:
    """One signed-in browser."""

    id: str = field(repr=False)
    csrf: str = field(repr=False)
    identity: Identity
    last_seen: float = field(default_factory=time.monotonic)

    def csrf_ok(self, token: str | None) -> bool:
        """True when ``token`` is this session's CSRF token (constant-time)."""
        return tokens_match(token, self.csrf)


class SessionStore:
    """In-memory sessions of one server process.

    Args:
        idle_minutes: A session unused this long is gone.
    """

    def __init__(self, *, idle_minutes: int) -> None:
        self._idle_s = idle_minutes * 60.0
        self._sessions: dict[str, Session] = {}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def create(self, identity: Identity) -> Session:
        """A new session (a new id at every sign-in: no fixation)."""
        s = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), identity=identity)
        with self._lock:
            self._sessions[s.id] = s
        return s

    def get(self, session_id: str | None) -> Session | None:
        """The live session of ``session_id``, touched; None when unknown, idle too long or its token expired."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return None
            if now - s.last_seen > self._idle_s or s.identity.expires_at <= datetime.now(timezone.utc):
                del self._sessions[session_id]
                return None
            s.last_seen = now
            return s

    def drop(self, session_id: str) -> Session | None:
        """End a session; returns it when it existed."""
        with self._lock:
            return self._sessions.pop(session_id, None)

    def locked_out(self, *keys: str) -> bool:
        """True when any of ``keys`` (user name, client address) failed too often recently."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                recent = [t for t in self._failures.get(k, []) if now - t < FAILURE_WINDOW_S]
                self._failures[k] = recent
                if len(recent) >= MAX_FAILURES and now - recent[-1] < LOCKOUT_S:
                    return True
        return False

    def failed(self, *keys: str) -> None:
        """Count one failed sign-in against each of ``keys``."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._failures.setdefault(k, []).append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys``."""
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
