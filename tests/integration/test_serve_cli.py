"""``lakewarden serve`` as a user starts it: a process on a port, HTTP on loopback, HTTPS with a certificate."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.fixtures.openbao import _free_port
from tests.fixtures.openbao_tls import make_certificates

REPO = Path(__file__).parents[2]



@pytest.fixture
def lake_config(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  anchor_dir: {tmp_path / 'anchors'}\n"
                   f"policy: {REPO / 'conf' / 'policy.yaml'}\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n", encoding="utf-8")
    return cfg


def _serve(cfg: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    env = {**os.environ, "LAKEWARDEN_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    proc = subprocess.Popen([sys.executable, "-m", "jobs.cli", "--config", str(cfg), "serve", "--port", str(port), "--no-usage", *args],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, port


def _wait(url: str, proc: subprocess.Popen[str], **kw: object) -> requests.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            return requests.get(url, timeout=2, allow_redirects=False, **kw)  # type: ignore[arg-type]
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"serve did not answer on {url} in 60 s")


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def test_serve_on_loopback_sends_anonymous_visitors_to_sign_in_with_safe_headers(lake_config: Path, stop: list[subprocess.Popen[str]]) -> None:
    proc, port = _serve(lake_config)
    stop.append(proc)
    login = _wait(f"http://127.0.0.1:{port}/login", proc)
    assert login.status_code == 200 and 'name="csrf"' in login.text
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert login.headers["x-frame-options"] == "DENY" and login.headers["cache-control"] == "no-store"
    home = requests.get(f"http://127.0.0.1:{port}/", timeout=5, allow_redirects=False)
    assert home.status_code == 303 and home.headers["location"].startswith("/login")
    assert requests.post(f"http://127.0.0.1:{port}/review", data={"table": "t"}, timeout=5, allow_redirects=False).status_code == 401


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_serve_with_a_certificate_speaks_only_https_and_marks_cookies_secure(lake_config: Path, tmp_path: Path,
                                                                              stop: list[subprocess.Popen[str]]) -> None:
    tls = make_certificates(tmp_path / "tls")
    proc, port = _serve(lake_config, "--tls-cert", str(tls.server_cert), "--tls-key", str(tls.server_key))
    stop.append(proc)
    login = _wait(f"https://127.0.0.1:{port}/login", proc, verify=False)
    assert login.status_code == 200
    assert "secure" in login.headers["set-cookie"].lower() and "max-age" in login.headers["strict-transport-security"]
    served = ssl.get_server_certificate(("127.0.0.1", port))
    assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(tls.server_cert.read_text())
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/login", timeout=5)


def test_serve_refuses_a_non_loopback_address_without_tls(lake_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jobs.cli import main

    assert main(["--config", str(lake_config), "serve", "--host", "0.0.0.0", "--no-usage"]) == 3
    assert "serve it with tls_cert and tls_key" in capsys.readouterr().err
