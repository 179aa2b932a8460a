"""Run one job module as a script (``spark-submit jobs/<name>.py ...``)."""

from __future__ import annotations

import sys


def run_job(name: str, argv: list[str] | None = None) -> int:
    """Run the job ``name`` with ``argv`` (default ``sys.argv[1:]``).

    Under spark-submit the classic engine is the default: the session is the one
    spark-submit configured (with ``--packages io.delta:delta-spark_2.13:4.4.1``).
    """
    from jobs.cli import main

    args = list(sys.argv[1:] if argv is None else argv)
    return main([name, *args], default_engine="classic")
