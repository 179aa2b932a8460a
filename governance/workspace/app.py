"""The privacy officer's workspace: a FastAPI application with server-rendered pages.

Nobody is anonymous: every page needs a session, made by signing in with a key-server
``userpass`` account (:mod:`governance.workspace.auth`). The key server is asked at every
request whether the identity may still read, and at every review whether it may review; a
``viewer`` is refused reviews by the server, whatever the page shows. Every form carries the
session's CSRF token. Every sign-in, sign-out, review and refusal is written to the lake's
audit log under the signed-in identity.

Touches: reads the catalog, reviews, ledger, receipts, audit log and each table's current
version; writes ``<root>/_lakewarden/classification_reviews`` and the audit log.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from governance.audit import AuditLog, make_sink
from governance.config import Settings
from governance.errors import (
    AccessDeniedError,
    AuthenticationError,
    ColumnNotFoundError,
    InputError,
    KeyProviderError,
    KeyServerUnavailableError,
    LakewardenError,
)
from governance.workspace.auth import Action, Identity, SignIn
from governance.workspace.data import REVIEW_ACTION, WorkspaceData
from governance.workspace.sessions import Session, SessionStore, tokens_match

SESSION_COOKIE = "lw_session"
LOGIN_COOKIE = "lw_login"
_HERE = Path(__file__).parent
_DECISIONS = {"confirm": "confirm", "set": "set", "not_personal": "not_personal"}
_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")


class _Refused(Exception):
    """A request the workspace refuses; rendered as a page with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(settings: Settings, *, sign_in: SignIn, data: WorkspaceData | None = None,
               audit: Callable[[str], AuditLog] | None = None, secure_cookies: bool | None = None) -> FastAPI:
    """Build the workspace application.

    Args:
        settings: Platform settings (lake, policies, ``workspace`` section).
        sign_in: Where identities and roles come from (the key server).
        data: Page data reader (default: :class:`WorkspaceData` without usage).
        audit: Audit log for an actor name (default: the lake's log, anchored as the jobs' is).
        secure_cookies: Mark cookies ``Secure`` (default: when TLS is configured).
    """
    ws = settings.workspace
    data = data or WorkspaceData(settings)
    sessions = SessionStore(idle_minutes=ws.session_minutes)
    secure = (ws.tls_cert is not None) if secure_cookies is None else secure_cookies
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    templates.env.globals["quote"] = lambda s: quote(str(s), safe="")
    audit_for = audit or _default_audit(settings)
    app = FastAPI(title="Lakewarden workspace", docs_url=None, redoc_url=None, openapi_url=None)

    def _audit(actor: str, **entry: Any) -> None:
        audit_for(actor).append(**entry)

    def _actor(identity: Identity) -> str:
        return f"{identity.username} (workspace {identity.role})"

    def _render(request: Request, name: str, code: int = 200, session: Session | None = None, **ctx: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"session": session, "now": datetime.now(timezone.utc), **ctx},
                                          status_code=code)

    def _session(request: Request, action: Action = "read") -> Session:
        s = sessions.get(request.cookies.get(SESSION_COOKIE))
        if s is None:
            raise _Refused(401, "sign in first")
        try:
            ok = sign_in.allowed(s.identity, action)
        except KeyServerUnavailableError as exc:
            raise _Refused(503, f"the key server cannot confirm your access right now: {exc}") from None
        if not ok:
            if action == "read":
                sessions.drop(s.id)
                raise _Refused(401, "your access ended on the key server; sign in again")
            _audit(_actor(s.identity), action="workspace.refused", details={"wanted": action, "path": request.url.path})
            raise _Refused(403, f"{s.identity.username} ({s.identity.role}) may not {action}: the key server's policy refuses it")
        if (s.identity.expires_at - datetime.now(timezone.utc)).total_seconds() < ws.session_minutes * 30:
            try:
                s.identity = sign_in.renew(s.identity)
            except KeyProviderError:
                pass  # the session ends when its token does
        return s

    def _check_form(request: Request, s: Session, csrf: str | None) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
            raise _Refused(403, "cross-site request refused")
        if not s.csrf_ok(csrf):
            _audit(_actor(s.identity), action="workspace.refused", details={"wanted": "form without a valid CSRF token",
                                                                             "path": request.url.path})
            raise _Refused(403, "the form's CSRF token is missing or wrong: reload the page and try again")

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        if secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.exception_handler(_Refused)
    async def _refused(request: Request, exc: _Refused) -> Response:
        if exc.status == 401 and request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        s = sessions.get(request.cookies.get(SESSION_COOKIE))
        return _render(request, "error.html", exc.status, session=s, message=exc.message, status=exc.status)

    @app.get("/static/workspace.css")
    def _css() -> FileResponse:
        return FileResponse(_HERE / "static" / "workspace.css", media_type="text/css")

    def _login_form(request: Request, *, next: str, code: int = 200, error: str | None = None) -> HTMLResponse:
        """The sign-in page with a fresh double-submit CSRF token (hidden field and cookie)."""
        token = secrets.token_urlsafe(24)
        resp = _render(request, "login.html", code, login_csrf=token, next=_local(next), error=error)
        resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure, max_age=600)
        return resp

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return _login_form(request, next=next)

    @app.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form(""),
              next: str = Form("/")) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        if not tokens_match(csrf, expected):
            raise _Refused(403, "the sign-in form's CSRF token is missing or wrong: reload the page")
        client = request.client.host if request.client else "?"
        keys = (f"user:{username.strip().lower()}", f"addr:{client}")

        def again(code: int, error: str) -> HTMLResponse:
            return _login_form(request, next=next, code=code, error=error)

        if sessions.locked_out(*keys):
            return again(429, "too many failed sign-ins: wait a minute")
        try:
            identity = sign_in.sign_in(username=username.strip(), password=password)
        except (AuthenticationError, AccessDeniedError) as exc:
            sessions.failed(*keys)
            _audit(f"{username.strip()[:64] or '?'} (workspace)", action="workspace.sign_in_refused",
                   details={"reason": type(exc).__name__, "client": client})
            return again(401 if isinstance(exc, AuthenticationError) else 403, str(exc))
        except KeyProviderError as exc:  # unreachable, TLS, userpass not mounted: the key server cannot answer
            return again(503, f"the key server cannot sign you in: {exc}")
        sessions.succeeded(*keys)
        s = sessions.create(identity)
        _audit(_actor(identity), action="workspace.sign_in", details={"client": client, "role": identity.role})
        resp = RedirectResponse(_local(next), status_code=303)
        resp.set_cookie(SESSION_COOKIE, s.id, httponly=True, samesite="strict", secure=secure,
                        max_age=ws.session_minutes * 60, path="/")
        resp.delete_cookie(LOGIN_COOKIE)
        return resp

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        s = sessions.get(request.cookies.get(SESSION_COOKIE))
        if s is None:
            return RedirectResponse("/login", status_code=303)
        _check_form(request, s, csrf)
        sessions.drop(s.id)
        try:
            sign_in.sign_out(s.identity)
            revoked = True
        except KeyProviderError:  # the session is gone here; its token expires on the key server by itself
            revoked = False
        _audit(_actor(s.identity), action="workspace.sign_out", details={"token_revoked": revoked})
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        s = _session(request)
        return _render(request, "overview.html", session=s, o=data.overview())

    @app.get("/table", response_class=HTMLResponse)
    def table(request: Request, name: str, done: str | None = None) -> HTMLResponse:
        s = _session(request)
        try:
            view = data.table(name)
        except InputError as exc:
            raise _Refused(404, str(exc)) from None
        return _render(request, "table.html", session=s, t=view, done=done)

    @app.post("/review")
    def review(request: Request, table: str = Form(""), column: str = Form(""), decision: str = Form(""),
               entity: str = Form(""), reason: str = Form(""), csrf: str = Form("")) -> Response:
        s = _session(request, "review")
        _check_form(request, s, csrf)
        if decision not in _DECISIONS:
            raise _Refused(400, f"decision must be one of {', '.join(_DECISIONS)}, not {decision[:40]!r}")
        if len(reason.strip()) < 3:
            raise _Refused(400, f"{table}.{column}: a review needs a reason (at least 3 characters)")
        names = data.table_names()
        if table not in names:
            raise _Refused(404, f"table {table[:200]!r} is not in the catalog")
        catalog = data.catalog()
        try:
            col = catalog.record_review(table=names[table], column=column, decision=_DECISIONS[decision],  # type: ignore[arg-type]
                                        by=s.identity.username, entity=entity.strip() or None if decision == "set" else None,
                                        note=reason.strip())
        except (InputError, ColumnNotFoundError) as exc:
            raise _Refused(400, str(exc)) from None
        _audit(_actor(s.identity), action=REVIEW_ACTION, table=names[table], columns=[column],
               details={"decision": decision, "entity": col.entity, "scanned_entity": col.scanned_entity,
                        "by": s.identity.username, "note": reason.strip(), "via": "workspace"})
        return RedirectResponse(f"/table?name={quote(table, safe='')}&done={quote(column, safe='')}", status_code=303)

    @app.get("/erasure", response_class=HTMLResponse)
    def erasure(request: Request) -> HTMLResponse:
        s = _session(request)
        return _render(request, "erasure.html", session=s, requests=data.erasures())

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, action: str | None = None, limit: int = 200) -> HTMLResponse:
        s = _session(request)
        entries = [e for e in data.audit_entries() if action is None or e.action == action]
        return _render(request, "audit.html", session=s, entries=list(reversed(entries))[: max(1, min(limit, 2000))],
                       action=action)

    app.state.sessions = sessions
    app.state.data = data
    return app


def _local(target: str) -> str:
    """``target`` when it is a path on this server, else ``/`` (no open redirect)."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not (parts.path or "/").startswith("/") or target.startswith("//"):
        return "/"
    return target


def _default_audit(settings: Settings) -> Callable[[str], AuditLog]:
    def make(actor: str) -> AuditLog:
        from governance.audit_anchor import make_anchor

        return AuditLog(make_sink(settings), job="serve", actor=actor, anchor=make_anchor(settings, job="serve"))

    return make
