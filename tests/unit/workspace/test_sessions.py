"""Workspace sessions: expiry, CSRF, sign-in throttling, and the sign-in redirect target."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from governance.workspace import sessions as sessions_mod
from governance.workspace.app import _local
from governance.workspace.auth import Identity
from governance.workspace.sessions import MAX_FAILURES, SessionStore


def _identity(*, minutes: int = 15) -> Identity:
    return Identity(username="rita", role="reviewer", token="hvs.not-a-real-token",
                    expires_at=datetime.now(timezone.utc) + timedelta(minutes=minutes), policies=("lakewarden-reviewer",))


def test_session_found_by_its_id_and_gone_after_drop() -> None:
    store = SessionStore(idle_minutes=15)
    s = store.create(_identity())
    assert store.get(s.id) is s
    assert store.drop(s.id) is s
    assert store.get(s.id) is None


def test_each_sign_in_gets_a_new_id_and_csrf_token() -> None:
    store = SessionStore(idle_minutes=15)
    a, b = store.create(_identity()), store.create(_identity())
    assert a.id != b.id and a.csrf != b.csrf and len(a.id) >= 40


def test_session_idle_too_long_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SessionStore(idle_minutes=1)
    s = store.create(_identity())
    clock = [sessions_mod.time.monotonic()]
    monkeypatch.setattr(sessions_mod.time, "monotonic", lambda: clock[0])
    clock[0] += 59
    assert store.get(s.id) is s
    clock[0] += 61
    assert store.get(s.id) is None


def test_session_ends_when_its_key_server_token_expired() -> None:
    store = SessionStore(idle_minutes=15)
    s = store.create(_identity(minutes=-1))
    assert store.get(s.id) is None


def test_csrf_check_refuses_missing_and_wrong_tokens() -> None:
    s = SessionStore(idle_minutes=15).create(_identity())
    assert s.csrf_ok(s.csrf)
    assert not s.csrf_ok(None) and not s.csrf_ok("") and not s.csrf_ok(s.csrf[:-1] + "x")
    assert not s.csrf_ok("\u00e9" * 43)  # non-ASCII: refused, not an error


def test_identity_repr_never_shows_the_token() -> None:
    assert "hvs.not-a-real-token" not in repr(_identity())


def test_sign_in_locked_after_too_many_failures_and_freed_by_success() -> None:
    store = SessionStore(idle_minutes=15)
    for _ in range(MAX_FAILURES - 1):
        store.failed("user:rita", "addr:1.2.3.4")
    assert not store.locked_out("user:rita")
    store.failed("user:rita", "addr:1.2.3.4")
    assert store.locked_out("user:rita") and store.locked_out("addr:1.2.3.4")
    assert not store.locked_out("user:victor")
    store.succeeded("user:rita", "addr:1.2.3.4")
    assert not store.locked_out("user:rita", "addr:1.2.3.4")


@pytest.mark.parametrize("target,expected", [
    ("/table?name=customers", "/table?name=customers"),
    ("/", "/"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("javascript:alert(1)", "/"),
    ("table", "/"),
])
def test_sign_in_redirect_stays_on_this_server(target: str, expected: str) -> None:
    assert _local(target) == expected
