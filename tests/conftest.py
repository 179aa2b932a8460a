"""Shared pytest set-up: one embedded Spark (Sail) session and one OpenBao server per test session.

Fixtures live in ``tests/fixtures/`` (one module per backend) and are registered here
explicitly.
"""

import os

os.environ.setdefault("TLDEXTRACT_CACHE", os.path.join(os.path.dirname(__file__), "..", ".cache", "tldextract"))
os.environ.setdefault("RUST_LOG", "error")

pytest_plugins = ["tests.fixtures.spark", "tests.fixtures.openbao", "tests.fixtures.eventlogs"]
