"""The privacy officer's workspace, driven in headless Chromium against a real OpenBao and a demo lake.

The lake is the demo generator's bank (small), classified and partly protected by the real jobs;
sign-in goes to the session's OpenBao server (``userpass``), the application runs under uvicorn
on a free port, and Playwright drives Debian's Chromium (no browser download). The screenshots in
the README (docs/screenshots/) are taken here.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.fixtures.openbao import OpenBao, _free_port

REPO = Path(__file__).parents[2]
SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Demo columns whose values are personal: none of them may appear in any page.
PLANTED = {
    "customers": ["first_name", "last_name", "email", "phone", "date_of_birth", "ssn", "street_address", "notes"],
    "accounts": ["iban", "account_number"],
    "cards": ["card_number", "cardholder_name"],
    "transactions": ["memo"],
    "support_tickets": ["body", "client_ip"],
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)"),
]


@dataclass
class Workspace:
    url: str
    root: Path
    config: Path
    planted: set[str]
    users: dict[str, tuple[str, str]]  # name -> (password, role)

    def reviews(self) -> list[dict[str, Any]]:
        from governance.catalog import Catalog
        from governance.config import load_settings

        return Catalog(load_settings(self.config, environ={})).reviews()

    def audit(self) -> list[Any]:
        from governance.audit import make_sink
        from governance.config import load_settings

        return make_sink(load_settings(self.config, environ={})).read_all()



def _demo_lake(root: Path) -> set[str]:
    """Write the demo bank's tables with delta-rs; returns every planted personal value (8+ characters)."""
    import pyarrow as pa
    from deltalake import write_deltalake

    from governance.demo.bank import generate

    planted: set[str] = set()
    for name, frame in generate(total_rows=2000, seed=11).items():
        write_deltalake(str(root / name), pa.Table.from_pandas(frame, preserve_index=False))
        for col in PLANTED.get(name, []):
            planted |= {str(v) for v in frame[col].dropna().unique() if len(str(v)) >= 8}
    return planted


@pytest.fixture(scope="module")
def workspace(openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[Workspace]:
    import uvicorn

    from governance.config import load_settings
    from governance.keys.bootstrap import admin_client, bootstrap
    from governance.keys.workspace_users import add_workspace_user
    from governance.workspace.app import create_app
    from governance.workspace.auth import VaultUserpassSignIn
    from governance.workspace.data import WorkspaceData
    from jobs.cli import main

    base = tmp_path_factory.mktemp("workspace")
    root = base / "lake"
    root.mkdir()
    planted = _demo_lake(root)
    cfg = base / "lw.yaml"
    cfg.write_text(
        f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  anchor_dir: {base / 'anchors'}\nengine:\n  shuffle_partitions: 2\n"
        f"classification:\n  nlp: no_op\nkeys:\n  provider: local\n  vault:\n    url: {openbao.url}\n"
        f"policy: {REPO / 'conf' / 'policy.yaml'}\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n",
        encoding="utf-8",
    )
    old_key = os.environ.get("LAKEWARDEN_MASTER_KEY")
    os.environ["LAKEWARDEN_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    assert main(["--config", str(cfg), "--quiet", "classify"]) == 0
    assert main(["--config", str(cfg), "--quiet", "protect", "customers", "--apply"]) == 0
    assert main(["--config", str(cfg), "--quiet", "erase", "request", "--subject", "customer_id=7"]) == 0
    settings = load_settings(cfg, environ={})
    admin = admin_client(openbao.settings(), openbao.root_token)
    bootstrap(admin, openbao.settings(), workspace=settings.workspace)
    users = {"rita": (secrets.token_urlsafe(16), "reviewer"), "victor": (secrets.token_urlsafe(16), "viewer")}
    for name, (password, role) in users.items():
        add_workspace_user(admin, workspace=settings.workspace, username=name, password=password, role=role)  # type: ignore[arg-type]
    app = create_app(settings, sign_in=VaultUserpassSignIn(settings.keys.vault, settings.workspace), data=WorkspaceData(settings))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield Workspace(url=f"http://127.0.0.1:{port}", root=root, config=cfg, planted=planted, users=users)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if old_key is None:
            os.environ.pop("LAKEWARDEN_MASTER_KEY", None)
        else:
            os.environ["LAKEWARDEN_MASTER_KEY"] = old_key


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            yield b
        finally:
            b.close()


def _signed_in(browser: Any, ws: Workspace, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    page.goto(ws.url + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", ws.users[user][0])
    page.click("button[type=submit]")
    page.wait_for_url(ws.url + "/")
    assert page.inner_text("#who") == f"{user} · {ws.users[user][1]}"
    return page


def test_anonymous_request_is_sent_to_sign_in_and_refused_a_review(workspace: Workspace, browser: Any) -> None:
    page = browser.new_page()
    for path in ("/", "/table?name=customers", "/erasure", "/audit"):
        page.goto(workspace.url + path)
        assert "/login" in page.url and "Sign in" in page.content()
    resp = page.request.post(workspace.url + "/review", form={"table": "customers", "column": "email", "decision": "confirm",
                                                               "reason": "anonymous", "csrf": "x"}, max_redirects=0)
    assert resp.status == 401
    assert not [r for r in workspace.reviews() if r["note"] == "anonymous"]
    page.close()


def test_wrong_password_is_refused_and_audited(workspace: Workspace, browser: Any) -> None:
    page = browser.new_page()
    page.goto(workspace.url + "/login")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", "not-her-password")
    page.click("button[type=submit]")
    assert "sign-in refused for rita" in page.inner_text("#error")
    assert any(e.action == "workspace.sign_in_refused" and e.actor.startswith("rita") for e in workspace.audit())
    page.close()


def test_reviewer_confirms_a_verdict_and_the_audit_log_names_her(workspace: Workspace, browser: Any) -> None:
    page = _signed_in(browser, workspace, "rita")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "workspace-overview.png"), full_page=True)
    page.click("#tables a >> text=customers")
    row = page.locator("tr#col-ssn")
    assert "US_SSN" in row.inner_text()
    assert "tokenized" in page.locator("tr#col-email td.protection").inner_text()
    assert "hashed (pii v1)" in page.locator("tr#col-ssn td.protection").inner_text()
    row.locator("summary >> text=Review").click()
    row.locator("select[name=decision]").select_option("confirm")
    row.locator("input[name=reason]").fill("checked the redacted examples")
    row.locator("button[type=submit]").click()
    assert "Review of ssn recorded" in page.inner_text("#notice")
    assert "confirm by rita" in page.locator("tr#col-ssn").inner_text()
    page.screenshot(path=str(SHOTS / "workspace-table.png"), full_page=False)
    page.goto(workspace.url + "/table?name=accounts")
    assert "IBAN_CODE" in page.locator("tr#col-iban").inner_text()
    assert page.locator("tr#col-iban td.protection .state-plaintext").inner_text() == "plaintext"
    mine = [r for r in workspace.reviews() if r["column"] == "ssn" and r["note"] == "checked the redacted examples"]
    assert [(r["by"], r["decision"], r["entity"]) for r in mine] == [("rita", "confirm", "US_SSN")]
    entry = [e for e in workspace.audit() if e.action == "classification_review" and e.columns == ["ssn"]][-1]
    assert entry.actor == "rita (workspace reviewer)" and entry.job == "serve" and entry.details["decision"] == "confirm"
    page.goto(workspace.url + "/audit?action=classification_review")
    assert "rita (workspace reviewer)" in page.locator("#audit tbody tr").first.inner_text()
    page.screenshot(path=str(SHOTS / "workspace-audit.png"), full_page=False)
    page.close()


def test_viewer_sees_no_review_form_and_the_server_refuses_her_review(workspace: Workspace, browser: Any) -> None:
    page = _signed_in(browser, workspace, "victor")
    page.goto(workspace.url + "/table?name=customers")
    assert page.locator("form.review").count() == 0
    csrf = page.locator("header input[name=csrf]").get_attribute("value")
    before = len(workspace.reviews())
    resp = page.request.post(workspace.url + "/review", form={"table": "customers", "column": "email", "decision": "not_personal",
                                                               "reason": "viewer tries", "csrf": csrf or ""}, max_redirects=0)
    assert resp.status == 403 and "may not review" in resp.text()
    assert len(workspace.reviews()) == before
    assert any(e.action == "workspace.refused" and e.actor == "victor (workspace viewer)" for e in workspace.audit())
    page.close()


def test_review_without_a_csrf_token_is_refused(workspace: Workspace, browser: Any) -> None:
    page = _signed_in(browser, workspace, "rita")
    before = len(workspace.reviews())
    form = {"table": "customers", "column": "email", "decision": "not_personal", "reason": "forged"}
    for extra in ({}, {"csrf": "wrong-token"}):
        resp = page.request.post(workspace.url + "/review", form={**form, **extra}, max_redirects=0)
        assert resp.status == 403 and "CSRF" in resp.text()
    assert len(workspace.reviews()) == before
    page.close()


def test_signed_out_session_cannot_be_reused(workspace: Workspace, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(workspace.url + "/login")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", workspace.users["rita"][0])
    page.click("button[type=submit]")
    page.wait_for_url(workspace.url + "/")
    cookies = context.cookies()
    session = next(c for c in cookies if c["name"] == "lw_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    page.click("header button[type=submit]")
    page.wait_for_url("**/login")
    other = browser.new_context()
    other.add_cookies([session])
    p2 = other.new_page()
    p2.goto(workspace.url + "/")
    assert "/login" in p2.url
    context.close()
    other.close()


def test_erasure_page_lists_the_open_request_with_its_deadline(workspace: Workspace, browser: Any) -> None:
    from retention.erasure.ledger import Ledger
    from governance.config import load_settings

    req = Ledger(load_settings(workspace.config, environ={})).all()[0]
    page = _signed_in(browser, workspace, "victor")
    assert req.request_id in page.inner_text("#erasures")
    page.click("header a >> text=Erasure requests")
    row = page.locator("#requests tbody tr").first.inner_text()
    assert req.request_id in row and str(req.deadline) in row and "no receipt yet" in row
    page.screenshot(path=str(SHOTS / "workspace-erasure.png"), full_page=False)
    page.close()


def test_no_page_holds_a_raw_value_of_the_demo_lake(workspace: Workspace, browser: Any) -> None:
    assert len(workspace.planted) > 500
    page = _signed_in(browser, workspace, "rita")
    pages = {"/": page.content()}
    links = page.eval_on_selector_all("#tables a", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 5
    for href in [*links, "/erasure", "/audit"]:
        page.goto(workspace.url + href)
        pages[href] = page.content()
    for href, html in pages.items():
        leaked = sorted(v for v in workspace.planted if v in html)
        assert not leaked, f"{href} shows {len(leaked)} raw value(s) of the demo lake"
    assert "lw1:" not in "".join(pages.values())
    page.close()
