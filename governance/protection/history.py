"""Purge what older versions of a protected table still hold, and check that it is really gone.

``DeltaMaintenance.purge_history`` does the work (zero retention, checkpoint, log clean-up,
removal of unreferenced files). Protection then checks the table folder itself once more: a
data file that the current version does not reference is an older version's file and may hold
plaintext, so it is removed and reported, unless it is new and no commit names it (another
writer may be about to commit it).

Touches: the table's data files and ``_delta_log``.
"""

from __future__ import annotations

from governance.lake import is_remote, local_path
from governance.maintenance import DeltaMaintenance, PurgeReport, remove_unreferenced_files


def purge_plaintext_history(maint: DeltaMaintenance, path: str, *, dry_run: bool = True) -> PurgeReport:
    """Purge older versions of ``path`` and make sure no unreferenced data file is left.

    Returns the maintenance report, with any stray files this check removed added to
    ``data_files``. A new file no commit names yet is kept (another writer may be about to
    commit it) and reported in ``kept_in_flight``.
    """
    report = maint.purge_history(path, dry_run=dry_run)
    if is_remote(path):
        return report
    stray, young = remove_unreferenced_files(path, dry_run=dry_run)
    report.data_files = sorted(set(report.data_files) | set(stray))
    report.kept_in_flight = sorted(set(report.kept_in_flight) | set(young))
    return report
