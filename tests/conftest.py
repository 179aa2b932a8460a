"""Shared pytest set-up: one Spark session and one OpenBao server per test session.

The integration suite runs on one engine per pytest process: ``--engine embedded`` (Sail,
the default) or ``--engine classic`` (local classic Spark with delta-spark, the jar fetched
from Maven Central by Spark's resolver). A classic session cannot share a process with a
Spark Connect one, so ``make test`` runs pytest once per engine. Tests that hold on every
engine carry the ``both_engines`` marker; the classic run selects them with ``-m both_engines``.

Fixtures live in ``tests/fixtures/`` (one module per backend) and are registered here
explicitly.
"""

import base64
import os

import pytest

os.environ.setdefault("TLDEXTRACT_CACHE", os.path.join(os.path.dirname(__file__), "..", ".cache", "tldextract"))
os.environ.setdefault("RUST_LOG", "error")

pytest_plugins = ["tests.fixtures.minio", "tests.fixtures.spark", "tests.fixtures.openbao", "tests.fixtures.eventlogs",
                  "tests.fixtures.delta_features"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=["embedded", "classic"],
        default=os.environ.get("LAKEWARDEN_TEST_ENGINE", "embedded"),
        help="Spark engine of the integration tests (embedded Sail, or classic Spark with delta-spark)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Jobs anchor the audit chain with a key derived from the local master key (in audit.anchor_dir,
    # outside the lake): give the session one (tests of a missing key remove it themselves).
    os.environ.setdefault("LAKEWARDEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    engine = config.getoption("--engine")
    if engine == "classic":
        # Every job started in-process (jobs.cli.main) then runs on the classic session, with
        # delta-spark SQL as the maintenance backend, as on a cluster.
        os.environ["LAKEWARDEN_ENGINE__KIND"] = "classic"
        os.environ["LAKEWARDEN_ENGINE__MAINTENANCE"] = "delta_spark"


def pytest_report_header(config: pytest.Config) -> str:
    return f"lakewarden engine: {config.getoption('--engine')}"
