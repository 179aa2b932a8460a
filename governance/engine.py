"""The engine layer: one function that returns a SparkSession for the configured engine.

``embedded`` starts a Sail Spark Connect server in this process on 127.0.0.1, port 0
(stopped at exit); ``connect`` attaches to a ``sc://`` URL; ``classic`` returns the
session spark-submit provides (with delta-spark). Application code only sees a
``pyspark.sql.SparkSession`` and never asks which one it has.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from governance.config import EngineSettings
from governance.errors import EngineError, EngineUnavailableError, InputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

_lock = threading.Lock()


@dataclass
class _Embedded:
    server: Any
    url: str
    session: "SparkSession | None" = None


_embedded: _Embedded | None = None


def _start_sail() -> _Embedded:
    global _embedded
    if _embedded is not None:
        return _embedded
    try:
        from pysail.spark import SparkConnectServer
    except ImportError as exc:  # pragma: no cover - the lock file installs pysail
        raise EngineUnavailableError(
            "the embedded engine needs pysail; install the project with `make test` or `pip install -r requirements.lock`"
        ) from exc
    os.environ.setdefault("RUST_LOG", "error")
    server = SparkConnectServer("127.0.0.1", 0)
    try:
        server.start(background=True)
    except Exception as exc:  # noqa: BLE001 - pysail raises plain RuntimeError
        raise EngineUnavailableError(f"could not start the embedded Sail server: {exc}") from exc
    host, port = server.listening_address
    _embedded = _Embedded(server=server, url=f"sc://{host}:{port}")
    atexit.register(stop_embedded)
    log.info("embedded Sail server listening on %s:%s", host, port)
    return _embedded


def stop_embedded() -> None:
    """Stop the embedded Sail server and its session, if one is running."""
    global _embedded
    with _lock:
        emb, _embedded = _embedded, None
    if emb is None:
        return
    if emb.session is not None:
        try:
            emb.session.stop()
        except Exception:  # noqa: BLE001 - best effort at shutdown
            pass
    try:
        emb.server.stop()
    except Exception:  # noqa: BLE001
        pass
    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)


def _check_reachable(url: str, timeout_s: float) -> None:
    parsed = urlparse(url.replace("sc://", "http://", 1))
    host, port = parsed.hostname, parsed.port or 15002
    if not host:
        raise InputError(f"engine.connect_url {url!r} is not a sc://host:port URL")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise EngineUnavailableError(
            f"Spark Connect server {host}:{port} is unreachable ({exc.strerror or exc}); "
            "check engine.connect_url / LAKEWARDEN_ENGINE__CONNECT_URL and that the server is running"
        ) from None


def _connect_session(url: str, settings: EngineSettings) -> "SparkSession":
    from pyspark.sql import SparkSession

    _check_reachable(url, settings.connect_timeout_s)
    try:
        spark = SparkSession.builder.remote(url).getOrCreate()
        spark.conf.set("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    except Exception as exc:  # noqa: BLE001 - connect client raises many types
        raise EngineUnavailableError(f"could not open a Spark Connect session on {url}: {exc}") from exc
    return spark


def _classic_session(settings: EngineSettings) -> "SparkSession":
    # A Spark Connect session earlier in this process leaves this set; classic would then fail.
    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    try:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        from pyspark import SparkConf

        conf = SparkConf()
        if conf.get("spark.master", "local").startswith("local"):
            # Local workers must run this interpreter (the venv), not whatever `python3` is first on PATH.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            SparkSession.builder.appName("lakewarden")
            .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
            .config("spark.sql.session.timeZone", "UTC")
        )
        # Delta's SQL extension and catalog exist only when delta-spark's jars were given
        # (--packages io.delta:delta-spark_2.13:4.4.1); naming them otherwise breaks every query.
        jars = conf.get("spark.jars.packages", "") + "," + conf.get("spark.jars", "")
        if "delta-spark" in jars or "delta-core" in jars:
            if not conf.contains("spark.sql.extensions"):
                builder = builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            if not conf.contains("spark.sql.catalog.spark_catalog"):
                builder = builder.config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        return builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001
        raise EngineUnavailableError(
            f"could not start a classic Spark session ({exc}); the classic engine needs Java 17+ "
            "(Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) and, for Delta, "
            "spark-submit --packages io.delta:delta-spark_2.13:4.4.1"
        ) from exc


def get_session(settings: EngineSettings) -> "SparkSession":
    """Return a SparkSession for the configured engine.

    Args:
        settings: The ``engine`` section of the settings.

    Raises:
        EngineUnavailableError: The engine cannot be started or reached (transient).
        InputError: The connect URL is malformed.
    """
    if settings.kind == "classic":
        return _classic_session(settings)
    if settings.kind == "connect":
        if not settings.connect_url:
            raise InputError("engine.kind is 'connect' but engine.connect_url is not set (LAKEWARDEN_ENGINE__CONNECT_URL)")
        return _connect_session(settings.connect_url, settings)
    with _lock:
        emb = _start_sail()
        if emb.session is None:
            emb.session = _connect_session(emb.url, settings)
        return emb.session


def is_connect(spark: "SparkSession") -> bool:
    """True when ``spark`` is a Spark Connect session (Sail or a remote server)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def engine_error(exc: BaseException, *, table: str | None = None) -> EngineError:
    """Wrap an engine exception in an :class:`EngineError` naming the table."""
    where = f" on table {table}" if table else ""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return EngineError(f"Spark engine failed{where}: {first[:500]}")
