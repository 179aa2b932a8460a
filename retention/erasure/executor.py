"""Run an erasure request through its resumable steps.

Steps, each recorded in the ledger before the next starts::

    received -> erasing (per table: located, erased) -> erased -> purged
             -> keys_destroyed -> verified -> done (receipt written)

* **erase**: per table, locate the subject (:mod:`retention.erasure.locate`), record what
  will be removed (and the subject's key references, which vanish with the rows) *before*
  committing, then rewrite the touched files in one commit (:mod:`retention.erasure.rewrite`)
  and locate again until nothing is left (a concurrent writer may have added rows). A
  commit lost by a crash before its ledger record is found again in the table history by
  its request id, so nothing is repeated or lost. A concurrent writer's conflict is retried.
  A table removed mid-run is recorded as gone. A legal hold on a table skips it and leaves
  the request ``blocked`` (its deadline still tracked).
* **purge**: every erased table, and every searched table whose older versions still hold
  the subject, loses its history (:meth:`DeltaMaintenance.purge_history`: zero retention,
  checkpoint, vacuum, log clean-up): deletion vectors, old files, old log statistics and
  predicates go.
* **keys**: the subject's per-subject keys are destroyed (crypto-shredding): every copy of
  their values (old versions, clones, backups) becomes unreadable.
* **verify**: every byte under the lake is read (:mod:`retention.erasure.verify`); the request
  is done only when nothing is found.
* **receipt**: a signed receipt (:mod:`retention.erasure.receipt`).

A :class:`FaultInjector` stops the run at a named point, for crash tests.
"""

from __future__ import annotations

import os
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from governance.errors import (
    ConcurrentWriteError,
    InputError,
    LegalHoldError,
    NotADeltaTableError,
    TableNotFoundError,
    UnsupportedTableFeatureError,
    VerificationFailedError,
)
from governance.locks import table_lock
from governance.lake import is_delta, list_tables
from governance.retention_policy import LegalHold, RetentionPolicy
from retention.erasure.identifiers import Hasher
from retention.erasure.ledger import ErasureRequest, Ledger, now_iso
from retention.erasure.locate import FileHit, Located, TableTargets, locate, plan_targets
from retention.erasure.rewrite import rewrite_files
from retention.erasure.secrets import ErasureKeys
from retention.erasure.verify import ScanReport, scan_lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from governance.audit import AuditLog
    from governance.config import Settings
    from governance.maintenance import DeltaMaintenance

#: Points where a fault injector can stop a run.
FAULT_POINTS: tuple[str, ...] = ("after_locate", "before_commit", "after_delete", "before_vacuum",
                                 "before_key_destruction", "before_verify", "before_receipt")
FAULT_ENV = "LAKEWARDEN_FAULT_INJECT"


class InjectedCrash(BaseException):
    """Raised by a :class:`FaultInjector` to simulate a killed process (not an ``Exception``)."""


@dataclass
class FaultInjector:
    """Stop a run at a named point (crash tests) or run a hook there (concurrency tests).

    Args:
        crash_at: A point from :data:`FAULT_POINTS`, optionally ``point:table`` for one table.
        hooks: Point -> callable(table) run when the point is reached.
        hard: Exit the process (``os._exit(99)``) instead of raising :class:`InjectedCrash`.
    """

    crash_at: str | None = None
    hooks: dict[str, Callable[[str | None], None]] = field(default_factory=dict)
    hard: bool = False

    @classmethod
    def from_env(cls) -> "FaultInjector":
        """``$LAKEWARDEN_FAULT_INJECT=<point>[:table]`` kills the process at that point (for subprocess tests)."""
        point = os.environ.get(FAULT_ENV) or None
        if point and point.split(":", 1)[0] not in FAULT_POINTS:
            raise InputError(f"${FAULT_ENV}={point!r} is not a fault point; valid: {', '.join(FAULT_POINTS)}")
        return cls(crash_at=point, hard=True)

    def hit(self, point: str, table: str | None = None) -> None:
        hook = self.hooks.get(point)
        if hook is not None:
            hook(table)
        if self.crash_at is None:
            return
        want, _, want_table = self.crash_at.partition(":")
        if want == point and (not want_table or want_table == table):
            if self.hard:
                os._exit(99)
            raise InjectedCrash(f"injected crash at {point}" + (f" ({table})" if table else ""))


@dataclass
class KeyAccess:
    """What the executor needs from the key layer (subject-key references and destruction).

    Args:
        subject_refs: Subject values -> pseudonymous references (provider HMAC).
        subject_rows: The current subject key rows (objects with ``key_id`` and ``subject_ref``) whose
            ``key_id`` is in ``key_ids`` or whose ``subject_ref`` is in ``subject_refs`` (keywords).
        destroy: Destroy the given subject key ids (delete + purge of the key table's history); returns
            the removed files. Purges even when the rows are already gone (a run resumed after the delete).
    """

    subject_refs: Callable[[list[str]], list[str]]
    subject_rows: Callable[..., list[Any]]
    destroy: Callable[[set[str]], list[str]]


def key_access_from_settings(settings: "Settings", provider: Any) -> KeyAccess:
    """Key access through the protection layer's key tables (``_lakewarden/subject_keys``)."""
    from governance.keys.manager import key_tables

    tables = key_tables(settings)

    def _destroy(key_ids: set[str]) -> list[str]:
        if not key_ids:
            return []
        tables.delete_subject_keys(key_ids=key_ids)
        return list(tables.purge_subject_history())

    return KeyAccess(subject_refs=lambda vs: list(provider.subject_refs(vs)) if vs else [],
                     subject_rows=tables.subject_rows_where, destroy=_destroy)


@dataclass
class RunOutcome:
    """The result of one ``erase run`` on one request."""

    request: ErasureRequest
    dry_run: bool
    planned: list[dict[str, Any]] = field(default_factory=list)
    receipt_path: str | None = None
    scan: ScanReport | None = None


def _table_columns(path: str) -> list[tuple[str, str]]:
    from deltalake import DeltaTable

    out = []
    for f in DeltaTable(path).schema().fields:
        t = f.type
        out.append((f.name, t.type if hasattr(t, "type") and isinstance(getattr(t, "type"), str) else str(t)))
    return out


def subject_columns(settings: "Settings") -> dict[str, str]:
    """Table name -> data-subject column, from the protection policy (empty if none)."""
    try:
        from governance.policy import load_policy

        pol = load_policy(settings.policy)
    except Exception:  # noqa: BLE001 - no policy, or a policy still being written: no subject columns
        return {}
    return {name: t.subject_column for name, t in pol.protection.tables.items() if t.subject_column}


class ErasureRunner:
    """Runs erasure requests. See the module docstring.

    Args:
        settings: Platform settings (lake root, system tables).
        spark: Session used to locate rows.
        maintenance: Delta maintenance backend (versions, files, history purge).
        ledger: The erasure ledger.
        keys: The lake's erasure keys (hash + signing).
        key_access: Subject-key references and destruction.
        policy: Retention policy (legal holds, erasure settings).
        audit: Audit log (one entry per step; counts and ids only).
        faults: Fault injector (crash tests).
        catalog: Catalog columns (default: read the catalog).
        today: The date holds are judged on.
        log: Progress line printer.
    """

    def __init__(
        self,
        *,
        settings: "Settings",
        spark: "SparkSession",
        maintenance: "DeltaMaintenance",
        ledger: Ledger,
        keys: ErasureKeys,
        key_access: KeyAccess,
        policy: RetentionPolicy,
        audit: "AuditLog | None" = None,
        faults: FaultInjector | None = None,
        catalog: list[Any] | None = None,
        today: date | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.spark = spark
        self.maintenance = maintenance
        self.ledger = ledger
        self.keys = keys
        self.hasher = Hasher(keys.hash_key)
        self.key_access = key_access
        self.policy = policy
        self.audit = audit
        self.faults = faults or FaultInjector()
        self.catalog = catalog
        self.today = today or datetime.now(timezone.utc).date()
        self.log = log or (lambda _m: None)

    # -- helpers ----------------------------------------------------------------------------
    def _audit(self, action: str, req: ErasureRequest, *, table: str | None = None, counts: dict[str, int] | None = None,
               details: dict[str, Any] | None = None) -> None:
        if self.audit is not None:
            self.audit.append(action=action, table=table, counts=counts or {},
                              details={"request": req.request_id, "regulation": req.regulation, **(details or {})})

    def _record(self, req: ErasureRequest, state: str, event: str) -> ErasureRequest:
        req.progress.setdefault("timestamps", {})[event.split(" ", 1)[0]] = now_iso()
        return self.ledger.record(req, state=state, event=event)

    def _targets(self, req: ErasureRequest) -> list[TableTargets]:
        root = self.settings.lake.root
        tables = [(p, _table_columns(p)) for p in list_tables(root, system_dir=self.settings.lake.system_dir)]
        return plan_targets(self.settings, tables, req.all_ids(), catalog=self.catalog,
                            subject_columns=subject_columns(self.settings), tokens=bool(req.identifiers.get("tokens")))

    def _locate(self, req: ErasureRequest, tt: TableTargets) -> Located:
        return locate(self.spark, tt, maintenance=self.maintenance, hasher=self.hasher,
                      idents=req.all_ids(), tokens=set(req.identifiers.get("tokens", [])))

    def _holds(self, name: str) -> list[LegalHold]:
        return self.policy.active_holds(name, self.today)

    def _apply_row_holds(self, hits: list[FileHit], holds: list[LegalHold]) -> tuple[list[FileHit], int]:
        """Drop rows covered by a row-level hold from the masks; returns (hits, rows kept by holds)."""
        import pyarrow.parquet as pq

        from retention.rules.holds import condition_mask

        kept = 0
        out = []
        for h in hits:
            table = pq.read_table(h.file.path)
            covered = None
            for hold in holds:
                assert hold.where is not None
                m = condition_mask(table, hold.where, partition_values=h.file.partition_values)
                covered = m if covered is None else (covered | m)
            mask = h.mask & ~covered if covered is not None else h.mask
            kept += int(h.mask.sum() - mask.sum())
            if mask.any():
                out.append(FileHit(file=h.file, mask=mask))
        return out, kept

    def _adopt_lost_commit(self, req: ErasureRequest, path: str, since: int) -> dict[str, Any] | None:
        """A commit of this request after ``since`` that the ledger missed (crash right after it)."""
        for e in self.maintenance.history(path):
            if e.version > since and e.parameters.get("lakewarden") == "erasure" and e.parameters.get("request") == req.request_id:
                return {"version_after": e.version, "rows_removed": int(e.parameters.get("rows_removed", 0)),
                        "files_rewritten": int(e.parameters.get("files_rewritten", 0)),
                        "files_removed": int(e.parameters.get("files_removed", 0))}
        return None

    def _check_features(self, targets: list[TableTargets], command: str) -> None:
        """Refuse (exit 5) before any write when a target table uses a Delta feature this run cannot handle."""
        from governance.feature_policy import check_for_job

        for tt in targets:
            if is_delta(tt.path):
                check_for_job(self.settings, tt.path, command, table=tt.name)

    # -- steps ------------------------------------------------------------------------------
    def plan(self, req: ErasureRequest) -> list[dict[str, Any]]:
        """Dry run: where the subject is, per table (nothing is changed or recorded)."""
        out = []
        targets = self._targets(req)
        self._check_features(targets, "erase.plan")
        for tt in targets:
            holds = self._holds(tt.name)
            loc = self._locate(req, tt)
            out.append({"table": tt.name, "columns": ",".join(t.column for t in tt.targets), "rows": loc.rows,
                        "files_to_rewrite": len(loc.hits), "files_read": loc.files_candidate, "files_total": loc.files_total,
                        "hold": ",".join(h.name for h in holds if h.where is None) or ",".join(f"{h.name} (rows)" for h in holds)})
        return out

    def _expand(self, req: ErasureRequest) -> None:
        """Derive identifiers through link columns before anything is deleted (they vanish with the rows).

        Touches: the ledger (the derived keyed hashes are recorded before the first commit).
        """
        links = self.policy.erasure.link_columns
        if not links or "derived" in req.progress:
            return
        import pyarrow.parquet as pq

        from retention.erasure.identifiers import kind_for_column, normalize

        derived: list[dict[str, Any]] = []
        known = {i["hash"] for i in req.all_ids()}
        for _hop in range(self.policy.erasure.link_hops):
            req.progress["derived"] = derived
            found = 0
            for tt in self._targets(req):
                try:
                    loc = self._locate(req, tt)
                except (TableNotFoundError, NotADeltaTableError):
                    continue
                for h in loc.hits:
                    cols = list(links)
                    table = pq.read_table(h.file.path).filter(h.mask)
                    for col in cols:
                        values = table.column(col).to_pylist() if col in table.column_names else (
                            [h.file.partition_values.get(col)] if col in h.file.partition_values else [])
                        kind = kind_for_column(col)
                        for v in values:
                            if v is None:
                                continue
                            hv = self.hasher.hash(kind, normalize(str(v), kind))
                            if hv not in known:
                                known.add(hv)
                                derived.append({"key": col, "kind": kind, "entity": False, "hash": hv, "derived": True})
                                found += 1
            if not found:
                break
        req.progress["derived"] = derived
        self._record(req, "erasing", f"expanded {len(derived)}")
        self.log(f"link columns {', '.join(links)}: {len(derived)} more identifier(s) of the subject found")

    def _erase_table(self, req: ErasureRequest, tt: TableTargets) -> None:
        tables = req.progress.setdefault("tables", {})
        tp = tables.get(tt.name, {})
        if tp.get("state") in ("erased", "gone", "held", "clean"):
            return
        holds = self._holds(tt.name)
        whole = [h for h in holds if h.where is None]
        if whole:
            h = whole[0]
            tables[tt.name] = {"state": "held", "hold": h.name, "until": h.until.isoformat()}
            self._record(req, "erasing", f"held {tt.name}")
            self._audit("erase.held", req, table=tt.path, details={"hold": h.name, "until": h.until.isoformat()})
            self.log(f"{tt.name}: legal hold {h.name} until {h.until}: not erased")
            return
        row_holds = [h for h in holds if h.where is not None]
        if tp.get("state") == "located":
            lost = self._adopt_lost_commit(req, tt.path, int(tp["version_before"]))
            if lost is not None:
                tp.update(lost)
                tp["state"] = "erased"
                tp["commits"] = tp.get("commits", 0) + 1
                self._record(req, "erasing", f"erased {tt.name} (commit found in history)")
        self._purge_deletion_vectors(req, tt)
        totals = {k: int(tp.get(k, 0)) for k in ("rows_removed", "files_rewritten", "files_removed", "rows_held")}
        attempts = 0
        max_attempts = self.policy.erasure.max_commit_attempts
        while True:
            try:
                loc = self._locate(req, tt)
            except (TableNotFoundError, NotADeltaTableError):
                tables[tt.name] = {**tp, "state": "gone"}
                self._record(req, "erasing", f"gone {tt.name}")
                self.log(f"{tt.name}: table removed during the run; nothing left to erase there")
                return
            hits = loc.hits
            if row_holds and hits:
                hits, held_rows = self._apply_row_holds(hits, row_holds)
                totals["rows_held"] = max(totals["rows_held"], held_rows)
            self.faults.hit("after_locate", tt.name)
            if not hits:
                tp = {**tp, **totals, "state": "erased" if (totals["rows_removed"] or tp.get("version_before") is not None) else "clean"}
                if totals["rows_held"]:
                    tp["hold"] = ",".join(h.name for h in row_holds)
                    tp["until"] = max(h.until for h in row_holds).isoformat()
                tp.setdefault("version_before", loc.version)
                tp.setdefault("version_after", loc.version)
                tp["columns_searched"] = sorted({t.column for t in tt.targets})
                tables[tt.name] = tp
                self._record(req, "erasing", f"{tp['state']} {tt.name}")
                return
            refs = self.key_access.subject_refs(sorted(loc.subject_values))
            req.progress["refs"] = sorted(set(req.progress.get("refs", [])) | set(refs))
            req.progress["key_ids"] = sorted(set(req.progress.get("key_ids", [])) | loc.subject_key_ids)
            tp = {**tp, "state": "located", "rows_located": sum(h.rows for h in hits), "files_total": loc.files_total,
                  "files_read": loc.files_candidate, "columns_searched": sorted({t.column for t in tt.targets})}
            tp.setdefault("version_before", loc.version)
            tables[tt.name] = tp
            self._record(req, "erasing", f"located {tt.name}")
            self.faults.hit("before_commit", tt.name)
            try:
                res = rewrite_files(tt.path, hits, read_version=loc.version, maintenance=self.maintenance,
                                    metadata={"request": req.request_id})
            except ConcurrentWriteError:
                attempts += 1
                if attempts >= max_attempts:
                    raise
                self.log(f"{tt.name}: a concurrent writer committed first; locating again (attempt {attempts + 1})")
                time.sleep(min(2.0, 0.1 * 2 ** attempts))
                continue
            except (TableNotFoundError, NotADeltaTableError, FileNotFoundError):
                if not is_delta(tt.path):
                    tables[tt.name] = {**tp, "state": "gone"}
                    self._record(req, "erasing", f"gone {tt.name}")
                    return
                raise
            req.progress.get("purged", {}).pop(tt.name, None)  # a new commit: its old files must be purged (again)
            totals["rows_removed"] += res.rows_removed
            totals["files_rewritten"] += res.files_rewritten
            totals["files_removed"] += res.files_removed
            tp = {**tp, **totals, "state": "erased", "version_after": res.version,
                  "partitions": sorted(set(tp.get("partitions", [])) | set(res.partitions)),
                  "commits": tp.get("commits", 0) + 1}
            tables[tt.name] = tp
            self._record(req, "erasing", f"erased {tt.name}")
            self._audit("erase.delete", req, table=tt.path,
                        counts={"rows": res.rows_removed, "files_rewritten": res.files_rewritten, "files_removed": res.files_removed},
                        details={"version": res.version})
            self.log(f"{tt.name}: removed {res.rows_removed} row(s), rewrote {res.files_rewritten} of {loc.files_total} file(s)")
            self.faults.hit("after_delete", tt.name)
            tp["state"] = "located"  # confirm on the next pass that nothing is left (concurrent appends)
            tp["version_before"] = tp.get("version_before", loc.version)

    def _has_deletion_vectors(self, tt: TableTargets) -> bool:
        try:
            return is_delta(tt.path) and self.maintenance.has_deletion_vectors(tt.path)
        except UnsupportedTableFeatureError:
            return True

    def _refuse_unpurgeable_deletion_vectors(self, targets: list[TableTargets]) -> None:
        """Before anything is written: every table with deletion vectors must be purgeable by the backend.

        Raises:
            UnsupportedTableFeatureError: A table has deletion vectors and the backend (delta-rs) cannot
                purge them; names the table, the feature and the way out. Nothing was written.
        """
        if self.maintenance.name == "delta_spark":
            return
        for tt in targets:
            if self._has_deletion_vectors(tt):
                from governance.engine import delta_package

                raise UnsupportedTableFeatureError(
                    f"{tt.path}: table uses the Delta feature deletionVectors, which hides rows that are still in its "
                    "files; erasure must purge them first and delta-rs (engine.maintenance=deltalake) cannot. Run with "
                    f"engine.kind=classic and engine.maintenance=delta_spark (spark-submit --packages {delta_package()}), "
                    f"or purge them on Spark with delta-spark: REORG TABLE delta.`{tt.path}` APPLY (PURGE). Nothing was erased"
                )

    def _purge_deletion_vectors(self, req: ErasureRequest, tt: TableTargets) -> None:
        """Rows hidden by deletion vectors are still in the files: purge them before rewriting files.

        Touches: the table (one ``REORG ... APPLY (PURGE)`` commit when a file carries a deletion vector).

        Raises:
            UnsupportedTableFeatureError: The backend cannot purge them (delta-rs); the message says how.
        """
        if not self._has_deletion_vectors(tt):
            return
        self._refuse_unpurgeable_deletion_vectors([tt])
        purged = self.maintenance.purge_deletion_vectors(tt.path, dry_run=False)
        if purged:
            req.progress.setdefault("deletion_vectors_purged", []).append(tt.name)
            self._record(req, "erasing", f"dv-purged {tt.name}")
            self._audit("erase.purge_deletion_vectors", req, table=tt.path, counts={"files": len(purged)})
            self.log(f"{tt.name}: purged the deletion vectors of {len(purged)} file(s) (REORG ... APPLY (PURGE))")

    def _purge(self, req: ErasureRequest, targets: list[TableTargets]) -> None:
        tables = req.progress.setdefault("tables", {})
        purged = req.progress.setdefault("purged", {})
        ids = req.all_ids()
        tokens = set(req.identifiers.get("tokens", []))
        self.faults.hit("before_vacuum")
        for tt in targets:
            tp = tables.get(tt.name, {})
            if tt.name in purged or tp.get("state") in ("gone", "held") or not is_delta(tt.path):
                continue
            reason = None
            if int(tp.get("rows_removed", 0)) > 0:
                reason = "rows erased"
            elif not scan_lake(tt.path, hasher=self.hasher, idents=ids, tokens=tokens).clean:
                reason = "older versions hold the subject"
            if reason is None:
                continue
            rep = self.maintenance.purge_history(tt.path, dry_run=False)
            purged[tt.name] = {"reason": reason, "data_files": len(rep.data_files), "log_files": len(rep.log_files),
                               "version": rep.version}
            if rep.bucket_versioning != "none":
                purged[tt.name].update(bucket_versioning=rep.bucket_versioning, noncurrent_versions=rep.noncurrent_versions,
                                       delete_markers=rep.delete_markers)
            self._record(req, "erasing", f"purged {tt.name}")
            self._audit("erase.purge", req, table=tt.path,
                        counts={"data_files": len(rep.data_files), "log_files": len(rep.log_files)}, details={"reason": reason})
            self.log(f"{tt.name}: history purged ({reason}): {len(rep.data_files)} old data file(s), {len(rep.log_files)} log file(s)"
                     + (f", {rep.noncurrent_versions} noncurrent object version(s) and {rep.delete_markers} delete marker(s)"
                        if rep.bucket_versioning != "none" else ""))

    def _destroy_keys(self, req: ErasureRequest) -> None:
        refs = set(req.progress.get("refs", [])) | set(req.identifiers.get("refs", []))
        key_ids = set(req.progress.get("key_ids", []))
        kp = req.progress.get("keys")
        if kp is None or kp["state"] == "done":
            current = {r.key_id for r in self.key_access.subject_rows(key_ids=key_ids, subject_refs=refs)}
            done_before = set(kp["key_ids"]) if kp else set()
            if kp is None or current - done_before:
                ids = sorted(done_before | current)
                kp = req.progress["keys"] = {"state": "pending", "key_ids": ids, "destroyed": len(ids)}
                self._record(req, "purged", "keys pending")
        self.faults.hit("before_key_destruction")
        if kp["state"] != "done":
            removed = self.key_access.destroy(set(kp["key_ids"])) if kp["key_ids"] else []
            kp.update(state="done", key_table_files_removed=len(removed))
            self._audit("erase.keys", req, counts={"subject_keys": int(kp["destroyed"])})
            self.log(f"destroyed {kp['destroyed']} per-subject key(s)")
        self._record(req, "keys_destroyed", "keys destroyed")

    def verify(self, req: ErasureRequest) -> ScanReport:
        """Read every byte under the lake for this request's subject, and check its keys are gone (no change)."""
        from retention.erasure.verify import Finding

        scan = scan_lake(self.settings.lake.root, hasher=self.hasher, idents=req.all_ids(),
                         tokens=set(req.identifiers.get("tokens", [])))
        destroyed = set(req.progress.get("keys", {}).get("key_ids", []))
        if destroyed:
            alive = sorted(r.key_id for r in self.key_access.subject_rows(key_ids=destroyed))
            scan.findings += [Finding("subject key table", f"subject key {k} still exists", "key") for k in alive]
        return scan

    def run(self, req: ErasureRequest, *, apply: bool = False) -> RunOutcome:
        """Run (or, by default, plan) one request, resuming from its recorded state.

        Touches: every table holding the subject (one commit each, then history purge), the
        subject key table, the ledger, the audit log, ``_lakewarden/erasure_receipts/``.

        Raises:
            LegalHoldError: A hold kept part of the subject's data (request left ``blocked``).
            VerificationFailedError: The scan still found the subject (request ``verify_failed``).
        """
        if req.state in ("done", "not_found"):
            return RunOutcome(request=req, dry_run=False, receipt_path=req.progress.get("receipt"))
        if not apply:
            return RunOutcome(request=req, dry_run=True, planned=self.plan(req))
        from retention.erasure.receipt import load_receipt, write_receipt

        if req.state == "verify_failed":  # the subject came back (or was missed): look everywhere again
            for tp in req.progress.get("tables", {}).values():
                if tp.get("state") in ("erased", "clean"):
                    tp["state"] = "pending"
            req.state = "erasing"
        if req.state == "blocked":  # a hold kept data back: what it kept, and any new rows, are looked for again
            for tp in req.progress.get("tables", {}).values():
                if tp.get("state") == "clean":
                    tp["state"] = "pending"
        if req.state in ("received", "erasing", "blocked", "failed"):
            self._refuse_unpurgeable_deletion_vectors(self._targets(req))
            if self.policy.erasure.link_columns and "derived" not in req.progress:
                self._expand(req)
            targets = self._targets(req)
            self._check_features(targets, "erase.run")
            tables = req.progress.setdefault("tables", {})
            for name, tp in tables.items():  # a hold that ended: erase what it kept now
                if tp.get("state") == "held" and not any(h.where is None for h in self._holds(name)):
                    tp["state"] = "pending"
                elif tp.get("rows_held") and not any(h.where is not None for h in self._holds(name)):
                    tp.update(state="pending", rows_held=0)
                    tp.pop("hold", None)
                    tp.pop("until", None)
            with contextlib.ExitStack() as held_locks:
                # every target table, in one order (two runs never wait on each other crosswise)
                for path in sorted({tt.path for tt in targets}):
                    held_locks.enter_context(table_lock(self.settings, path, job=f"erase run {req.request_id}"))
                for tt in targets:
                    self._erase_table(req, tt)
                self._purge(req, targets)
            held = {n: tp for n, tp in tables.items() if tp.get("state") == "held" or tp.get("rows_held")}
            if held:
                req.progress["holds"] = {n: {"hold": tp.get("hold"), "until": tp.get("until")} for n, tp in held.items()}
                self._record(req, "blocked", "blocked by legal hold")
                self._audit("erase.blocked", req, details={"tables": sorted(held)})
                raise LegalHoldError(
                    f"erasure request {req.request_id}: legal hold(s) "
                    + ", ".join(sorted({str(tp.get('hold')) for tp in held.values()}))
                    + f" keep the subject's data in {', '.join(sorted(held))}; the rest was erased. The request stays open "
                    f"(deadline {req.deadline.isoformat()}); run it again when the hold ends"
                )
            req.progress.pop("holds", None)
            req = self._record(req, "erased", "erased")
        if req.state == "erased":
            self._purge(req, self._targets(req))
            req = self._record(req, "purged", "purged")
        if req.state == "purged":
            self._destroy_keys(req)
        if req.state == "keys_destroyed":
            self.faults.hit("before_verify")
            scan = self.verify(req)
            req.progress["verification"] = scan.summary()
            if not scan.clean:
                req.progress["findings"] = [f.to_dict() for f in scan.findings[:50]]
                self._record(req, "verify_failed", "verify failed")
                self._audit("erase.verify_failed", req, counts={"findings": len(scan.findings)})
                where = "; ".join(f"{f.file} ({f.where})" for f in scan.findings[:5])
                raise VerificationFailedError(
                    f"erasure request {req.request_id}: the subject is still readable in {len(scan.findings)} place(s): {where}"
                )
            req.progress.pop("findings", None)
            req = self._record(req, "verified", "verified")
            self._audit("erase.verify", req, counts={"files": scan.files, "bytes": scan.bytes, "scan_ms": round(scan.seconds * 1000)})
        if req.state == "verified":
            self.faults.hit("before_receipt")
            path = write_receipt(self.settings, req, self.keys, alg=self.policy.erasure.signing)
            req.progress["receipt"] = path
            # a subject found nowhere is its own end state: the receipt says what was searched, never "done"
            final = "done" if load_receipt(path)["matched"] else "not_found"
            req = self._record(req, final, final)
            self._audit("erase.receipt", req, details={"receipt": os.path.basename(path)})
        return RunOutcome(request=req, dry_run=False, receipt_path=req.progress.get("receipt"))
