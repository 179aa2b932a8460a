"""Run one job module as a script (``spark-submit jobs/<name>.py ...``)."""

from __future__ import annotations

import os
import sys


def _unshadow_packages() -> None:
    """Drop the ``jobs/`` folder itself from ``sys.path``.

    Python puts a script's own folder first on ``sys.path``, so under ``spark-submit jobs/erase.py``
    the module ``jobs/retention.py`` would shadow the ``retention`` package (``No module named
    'retention.erasure'; 'retention' is not a package``). The job modules are imported as ``jobs.*``.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.isdir(here):  # imported from a wheel or zip on --py-files: compare with the script's folder
        here = os.path.dirname(os.path.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else ""
    if not here or not os.path.isfile(os.path.join(here, "_entry.py")):
        return
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    for name, mod in list(sys.modules.items()):
        origin = os.path.abspath(getattr(mod, "__file__", None) or "")
        if "." not in name and os.path.dirname(origin) == here and name not in ("__main__",):
            del sys.modules[name]  # a job module imported by its bare name (e.g. ``retention``)


def run_job(name: str, argv: list[str] | None = None) -> int:
    """Run the job ``name`` with ``argv`` (default ``sys.argv[1:]``).

    Under spark-submit the classic engine is the default: the session is the one
    spark-submit configured (with ``--packages io.delta:delta-spark_4.2_2.13:4.4.0``).
    """
    _unshadow_packages()
    from jobs.cli import main

    args = list(sys.argv[1:] if argv is None else argv)
    return main([name, *args], default_engine="classic")
