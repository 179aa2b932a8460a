"""``lakewarden report``: a self-contained HTML file that renders in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from jobs.cli import main

pytestmark = pytest.mark.both_engines

REPO = Path(__file__).parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture()
def report(tmp_path: Path, spark: Any) -> Path:
    root = tmp_path / "lake"
    write_deltalake(str(root / "payments"), pa.table({
        "iban": ["DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606"] * 20,
        "contact": [f"payer{i}@example.com" for i in range(60)],
        "amount": [float(i) for i in range(60)],
    }))
    cfg = tmp_path / "lw.yaml"
    cfg.write_text(f"lake:\n  root: {root}\naudit:\n  sink: jsonl\n  path: {tmp_path / 'audit.jsonl'}\n"
                   f"classification:\n  nlp: no_op\nrecognizers: {REPO / 'conf' / 'recognizers.yaml'}\n")
    assert main(["classify", "--config", str(cfg), "--quiet"]) == 0
    assert main(["review", "--config", str(cfg), "payments", "iban", "--confirm", "--by", "Ada"]) == 0
    out = tmp_path / "report.html"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    return out


def test_report_never_holds_a_raw_value_and_has_no_external_asset(report: Path) -> None:
    page = report.read_text()
    for raw in ("DE89370400440532013000", "GB29", "payer1@example.com", "example.com"):
        assert raw not in page
    assert "<script" not in page and "<link" not in page and 'src="http' not in page
    assert "IBAN_CODE" in page and "confirm by Ada" in page and "<svg" in page


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "Lakewarden classification report" in dom and "IBAN_CODE" in dom and "<svg" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000
