"""Purge what older versions of a protected table still hold.

``DeltaMaintenance.purge_history`` does the work: it checkpoints, removes the older log files and,
on a local table, every data file the current version does not reference (an older version's file
may hold plaintext) unless it is new and no commit names it (another writer may be about to commit
it; such files are reported in ``kept_in_flight``).

Touches: the table's data files and ``_delta_log``.
"""

from __future__ import annotations

from governance.maintenance import DeltaMaintenance, PurgeReport


def purge_plaintext_history(maint: DeltaMaintenance, path: str, *, dry_run: bool = True) -> PurgeReport:
    """Purge older versions of ``path``: their data files and log entries (a dry run by default).

    Returns the maintenance report: files removed (or that would be), and new files kept.
    """
    return maint.purge_history(path, dry_run=dry_run)
