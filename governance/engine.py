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

from governance import allocators
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
    os.environ.setdefault("RUST_LOG", "error")
    allocators.configure_embedded_engine()  # before the engine's allocator starts
    allocators.configure_python_heap()
    try:
        from pysail.spark import SparkConnectServer
    except ImportError as exc:  # pragma: no cover - the lock file installs pysail
        raise EngineUnavailableError(
            "the embedded engine needs pysail; install the project with `make test` or `pip install -r requirements.lock`"
        ) from exc
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


def delta_package() -> str:
    """The Maven coordinate of the delta-spark jar that matches the installed pyspark and delta-spark.

    Built the way delta-spark's own ``configure_spark_with_delta_pip`` builds it:
    ``io.delta:delta-spark_<spark major.minor>_2.13:<delta-spark version>``.
    """
    from importlib.metadata import version

    import pyspark

    spark_mm = ".".join(pyspark.__version__.split(".")[:2])
    return f"io.delta:delta-spark_{spark_mm}_2.13:{version('delta-spark')}"


def _delta_hint() -> str:
    return (
        f"spark-submit --packages {delta_package()} "
        "--conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension "
        "--conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog"
    )


def _under_spark_submit() -> bool:
    # spark-submit launches the JVM first and hands the Python driver its gateway port.
    return "PYSPARK_GATEWAY_PORT" in os.environ


def hadoop_aws_package() -> str:
    """The Maven coordinate of ``hadoop-aws`` matching the Hadoop client jars pyspark ships.

    hadoop-aws brings its AWS SDK bundle as a dependency; both must match Spark's Hadoop version,
    so the version is read from the ``hadoop-client-api-<version>.jar`` next to pyspark.
    """
    from pathlib import Path

    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    for jar in sorted(jars.glob("hadoop-client-api-*.jar")):
        return f"org.apache.hadoop:hadoop-aws:{jar.stem[len('hadoop-client-api-'):]}"
    raise EngineUnavailableError(f"cannot tell Spark's Hadoop version: no hadoop-client-api jar under {jars}")


def _s3a_conf() -> dict[str, str]:
    from governance.storage import hadoop_s3a_conf

    # s3:// URLs (what Lakewarden, Sail and delta-rs write) are read by S3A too: one name per object.
    return {**hadoop_s3a_conf(), "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}


def configure_object_store(spark: "SparkSession") -> None:
    """Point a running classic session's S3A file system at the configured store (no-op elsewhere)."""
    jsc: Any = getattr(getattr(spark, "sparkContext", None), "_jsc", None) if not is_connect(spark) else None
    if jsc is None:
        return
    conf = jsc.hadoopConfiguration()
    for key, value in _s3a_conf().items():
        conf.set(key[len("spark.hadoop."):], value)


def _classic_session(settings: EngineSettings, *, object_store: bool = False) -> "SparkSession":
    # A Spark Connect session earlier in this process leaves this set; classic would then fail.
    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    try:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            _require_delta_classes(active)
            return active
        from pyspark import SparkConf

        conf = SparkConf()
        local = conf.get("spark.master", "local").startswith("local")
        if local:
            # Local workers must run this interpreter (the venv), not whatever `python3` is first on PATH.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            SparkSession.builder.appName("lakewarden")
            .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
            .config("spark.sql.session.timeZone", "UTC")
        )
        jars = conf.get("spark.jars.packages", "") + "," + conf.get("spark.jars", "")
        has_delta = "delta-spark" in jars or "delta-core" in jars
        if not has_delta and not _under_spark_submit() and settings.delta_jars == "fetch":
            # Outside spark-submit (a laptop, CI, `lakewarden --engine classic`) the JVM starts here,
            # so Spark's own Maven resolver can fetch the matching jar (cached under ~/.ivy2*).
            packages = [delta_package()]
            if object_store and "hadoop-aws" not in jars:
                packages.append(hadoop_aws_package())
            builder = builder.config("spark.jars.packages", ",".join(packages))
            has_delta = True
        if has_delta:
            if not conf.contains("spark.sql.extensions"):
                builder = builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            if not conf.contains("spark.sql.catalog.spark_catalog"):
                builder = builder.config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        if object_store:
            for key, value in _s3a_conf().items():
                if not conf.contains(key):
                    builder = builder.config(key, value)
        if local:
            # Delta's log replay defaults to 50 partitions: right for a cluster, slow on one machine.
            builder = builder.config("spark.databricks.delta.snapshotPartitions", str(max(1, settings.shuffle_partitions)))
            # VACUUM lists files with this many tasks (default 10,000): minutes of task overhead on one machine.
            builder = builder.config("spark.sql.sources.parallelPartitionDiscovery.parallelism", str(max(2, settings.shuffle_partitions)))
            builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001
        raise EngineUnavailableError(
            f"could not start a classic Spark session ({str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__}); "
            "the classic engine needs Java 17+ (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) "
            f"and, for Delta, the delta-spark jar: {_delta_hint()}"
        ) from exc
    _require_delta_classes(session)
    return session


def _require_delta_classes(session: "SparkSession") -> None:
    """Fail with the spark-submit line when the classic session has no Delta jar on its class path."""
    jvm: Any = getattr(session, "_jvm", None)
    if jvm is None:
        return
    try:
        # Spark's loader sees --packages/--jars; java.lang.Class.forName through py4j would not.
        loadable = bool(jvm.org.apache.spark.util.Utils.classIsLoadable("io.delta.sql.DeltaSparkSessionExtension"))
    except Exception:  # noqa: BLE001 - py4j errors: an old Spark without the helper; let Delta fail later
        return
    if not loadable:
        raise EngineUnavailableError(
            f"the classic Spark session has no delta-spark jar, so it cannot read or write Delta tables; start it with {_delta_hint()}"
        ) from None


def get_session(settings: EngineSettings, *, object_store: bool = False) -> "SparkSession":
    """Return a SparkSession for the configured engine.

    Args:
        settings: The ``engine`` section of the settings.
        object_store: The lake is on S3: a classic session started here also fetches ``hadoop-aws``
            (matched to Spark's Hadoop) and points S3A at ``storage.s3``. Sail and delta-rs read the
            standard AWS variables that :func:`governance.storage.configure` exports.

    Raises:
        EngineUnavailableError: The engine cannot be started or reached (transient).
        InputError: The connect URL is malformed.
    """
    if settings.kind == "classic":
        session = _classic_session(settings, object_store=object_store)
        if object_store:
            configure_object_store(session)
        return session
    if settings.kind == "connect":
        if not settings.connect_url:
            raise InputError("engine.kind is 'connect' but engine.connect_url is not set (LAKEWARDEN_ENGINE__CONNECT_URL)")
        return _connect_session(settings.connect_url, settings)
    with _lock:
        emb = _start_sail()
        if emb.session is None:
            emb.session = _connect_session(emb.url, settings)
        return emb.session


def is_embedded(spark: "SparkSession") -> bool:
    """True when ``spark`` is the session of the embedded engine started in this process."""
    emb = _embedded
    return emb is not None and emb.session is not None and emb.session is spark


def is_connect(spark: "SparkSession") -> bool:
    """True when ``spark`` is a Spark Connect session (Sail or a remote server)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def engine_error(exc: BaseException, *, table: str | None = None) -> EngineError:
    """Wrap an engine exception in an :class:`EngineError` naming the table."""
    where = f" on table {table}" if table else ""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return EngineError(f"Spark engine failed{where}: {first[:500]}")
