"""Purge what older versions of a protected table still hold, and check that it is really gone.

``DeltaMaintenance.purge_history`` does the work (zero retention, checkpoint, vacuum, log
cleanup). Protection then checks the table folder itself: a data file that the current
version does not reference is an older version's file and may hold plaintext, so it is
removed with a full-listing vacuum and reported. (delta-rs' default "lite" vacuum only sees
files named by tombstones, and a checkpoint written with zero retention drops tombstones.)

Touches: the table's data files and ``_delta_log``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from governance.lake import is_remote, local_path
from governance.maintenance import DeltaMaintenance, PurgeReport


def unreferenced_data_files(maint: DeltaMaintenance, path: str) -> list[str]:
    """Parquet files under a local table folder that the current version does not reference."""
    root = Path(local_path(path))
    live = {os.path.realpath(unquote(f.path)) for f in maint.files(path)}
    return sorted(
        str(p) for p in root.rglob("*.parquet")
        if "_delta_log" not in p.relative_to(root).parts and os.path.realpath(p) not in live
    )


def purge_plaintext_history(maint: DeltaMaintenance, path: str, *, dry_run: bool = True) -> PurgeReport:
    """Purge older versions of ``path`` and make sure no unreferenced data file is left.

    Returns the maintenance report, with any stray files this check removed added to
    ``data_files``.
    """
    report = maint.purge_history(path, dry_run=dry_run)
    if is_remote(path):
        return report
    stray = unreferenced_data_files(maint, path)
    if dry_run:
        report.data_files = sorted(set(report.data_files) | set(stray))
        return report
    if stray:
        from deltalake import DeltaTable

        DeltaTable(local_path(path)).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False, full=True)
        left = unreferenced_data_files(maint, path)
        for f in left:  # e.g. files a crashed writer left behind: never referenced by any version
            Path(f).unlink(missing_ok=True)
        report.data_files = sorted(set(report.data_files) | set(stray))
    return report
