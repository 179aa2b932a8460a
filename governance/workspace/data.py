"""What the workspace's pages show, read from the lake's own tables; never a raw value.

Sources, all read without Spark except the usage report (built by the caller, see
:class:`WorkspaceData`):

* the catalog and the reviews (``<root>/_lakewarden/catalog``, ``classification_reviews``):
  verdicts, confidence, evidence, redacted examples, review history;
* the classification policy: risk tiers and review cadence;
* each table's current Delta version, read with delta-rs: the protection state of its columns;
* the retention rules of the policy file;
* the erasure ledger and the signed receipts (``_lakewarden/erasure_ledger``, ``erasure_receipts``);
* the audit log.

Only the catalog's redacted examples reach a page; values of the lake's tables are counted,
never shown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from governance.catalog import Catalog, CatalogColumn
from governance.config import Settings
from governance.errors import InputError, LakewardenError

if TYPE_CHECKING:
    from governance.audit import AuditEntry
    from governance.protection.state import ColumnProtection, TableProtection
    from governance.risk import ClassificationPolicy, TableRisk
    from retention.erasure.ledger import ErasureRequest
    from retention.usage.report import ColumnUsage, SensitiveColdItem, TableUsage, UsageReport

#: Audit actions the workspace lists on a table's history and on the audit page.
REVIEW_ACTION = "classification_review"


@dataclass(frozen=True)
class TableSummary:
    """One row of the lake overview."""

    name: str
    path: str
    tier: str
    sensitivity: str
    personal_columns: int
    unprotected_personal: int | None
    reviewed: bool
    review_due: datetime | None
    overdue: bool
    days_overdue: int
    cold: bool | None


@dataclass(frozen=True)
class ErasureSummary:
    """One erasure request as the workspace shows it (hashes never leave the ledger)."""

    request_id: str
    regulation: str
    state: str
    received: date
    deadline: date
    days_left: int
    open: bool
    receipt: str
    receipt_detail: str
    last_verified: str | None


@dataclass(frozen=True)
class Overview:
    """The lake overview page."""

    tables: list[TableSummary]
    cold_unruled: list["SensitiveColdItem"]
    erasures: list[ErasureSummary]
    usage_note: str | None


@dataclass(frozen=True)
class ColumnView:
    """One column of a table page."""

    column: CatalogColumn
    protection: "ColumnProtection | None"
    usage: "ColumnUsage | None"
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class TableView:
    """A table page."""

    name: str
    path: str
    risk: "TableRisk | None"
    columns: list[ColumnView]
    protection_version: int | None
    protection_note: str | None
    usage: "TableUsage | None"
    usage_note: str | None
    retention_rules: list[str]


@dataclass
class _Cached:
    value: Any
    at: float = field(default_factory=time.monotonic)


class WorkspaceData:
    """Reads the lake for the workspace's pages.

    Args:
        settings: Platform settings (lake root, policy files).
        usage: Builds the usage report (needs the engine); None when no usage is available.
            Its result is kept for ``usage_ttl_s`` seconds.
        usage_ttl_s: How long a usage report is reused.
    """

    def __init__(self, settings: Settings, *, usage: Callable[[], "UsageReport | None"] | None = None,
                 usage_ttl_s: float = 600.0) -> None:
        self.settings = settings
        self._usage_builder = usage
        self._usage_ttl_s = usage_ttl_s
        self._lock = threading.Lock()
        self._usage_lock = threading.Lock()
        self._usage: _Cached | None = None
        self._protection: dict[tuple[str, int | None], "TableProtection"] = {}

    # ------------------------------------------------------------------ sources
    def policy(self) -> "ClassificationPolicy":
        """The classification policy (risk tiers, review cadence)."""
        from governance.risk import classification_policy_path, load_classification_policy

        return load_classification_policy(classification_policy_path(self.settings))

    def catalog(self) -> Catalog:
        """The lake's catalog and reviews tables."""
        return Catalog(self.settings, policy=self.policy())

    def usage(self) -> tuple["UsageReport | None", str | None]:
        """The usage report (cached), and a note when there is none."""
        if self._usage_builder is None:
            return None, "usage is not measured in this workspace (no engine configured)"
        with self._usage_lock:
            if self._usage is not None and time.monotonic() - self._usage.at < self._usage_ttl_s:
                return self._usage.value
            try:
                report = self._usage_builder()
                result: tuple[UsageReport | None, str | None] = (
                    (report, None) if report is not None and report.has_evidence
                    else (report, "no usage evidence ingested yet (lakewarden usage ingest)"))
            except LakewardenError as exc:
                result = (None, f"usage unavailable: {exc}")
            self._usage = _Cached(result)
            return result

    def protection(self, path: str, columns: list[str]) -> "TableProtection":
        """Protection state of ``columns`` of the table at ``path``, read from its current version (cached per version)."""
        from governance.delta_commit import latest_version
        from governance.lake import is_delta
        from governance.protection.state import table_protection

        try:
            version: int | None = latest_version(path) if is_delta(path) else None
        except LakewardenError:
            version = None  # the state reader reports why the table cannot be read
        key = (path, version)
        with self._lock:
            hit = self._protection.get(key)
        if hit is not None and set(columns) <= set(hit.columns):
            return hit
        result = table_protection(path, columns=columns)
        with self._lock:
            self._protection[(path, result.version)] = result
        return result

    # ------------------------------------------------------------------ pages
    def overview(self, *, now: datetime | None = None) -> Overview:
        """The lake overview: tables by risk (overdue reviews first), cold sensitive data without a rule, open erasures."""
        from governance.risk import TIER_ORDER, rate_tables

        now = now or datetime.now(timezone.utc)
        cols = self.catalog().all_effective_columns()
        risks = rate_tables(cols, self.policy(), now=now)
        by_table: dict[str, list[CatalogColumn]] = {}
        for c in cols:
            by_table.setdefault(c.table, []).append(c)
        report, note = self.usage()
        usage_by_path = {t.path: t for t in report.tables} if report is not None else {}
        rows = []
        for r in risks:
            tcols = by_table.get(r.table, [])
            personal = [c.column for c in tcols if c.entity]
            unprotected: int | None = None
            if personal:
                try:
                    prot = self.protection(r.table, [c.column for c in tcols])
                    unprotected = sum(1 for c in personal if c in prot.columns and prot.columns[c].state == "plaintext")
                except LakewardenError:
                    unprotected = None
            u = usage_by_path.get(r.table)
            rows.append(TableSummary(
                name=_name(tcols, r.table), path=r.table, tier=r.tier, sensitivity=r.sensitivity,
                personal_columns=len(personal), unprotected_personal=unprotected,
                reviewed=r.last_reviewed is not None, review_due=r.review_due, overdue=r.overdue,
                days_overdue=r.days_overdue, cold=None if u is None else u.cold,
            ))
        rows.sort(key=lambda t: (not t.overdue, -TIER_ORDER[t.tier], -t.days_overdue, t.name))  # type: ignore[index]
        cold = list(report.sensitive_cold) if report is not None else []
        return Overview(tables=rows, cold_unruled=cold, erasures=[e for e in self.erasures() if e.open], usage_note=note)

    def table_names(self) -> dict[str, str]:
        """Table name (relative to the lake root) -> catalog path, for every classified table."""
        out: dict[str, str] = {}
        for c in self.catalog().all_effective_columns():
            out.setdefault(c.table_name or c.table, c.table)
        return out

    def table(self, name: str) -> TableView:
        """One table's page.

        Raises:
            InputError: No classified table has that name.
        """
        from governance.risk import rate_tables

        paths = self.table_names()
        if name not in paths:
            raise InputError(f"table {name!r} is not in the catalog")
        path = paths[name]
        catalog = self.catalog()
        cols = catalog.effective_columns(path)
        risk = next(iter(rate_tables(cols, self.policy())), None)
        history: dict[str, list[dict[str, Any]]] = {}
        for r in catalog.reviews(path):
            history.setdefault(r["column"], []).append(r)
        try:
            prot: TableProtection | None = self.protection(path, [c.column for c in cols])
            prot_note = prot.note if prot else None
        except LakewardenError as exc:
            prot, prot_note = None, f"protection state unavailable: {exc}"
        report, note = self.usage()
        tusage = next((t for t in report.tables if t.path == path), None) if report is not None else None
        cusage = {c.column: c for c in tusage.columns} if tusage is not None else {}
        rules = self._rules(name, risk.sensitivity if risk else None)
        views = [ColumnView(column=c, protection=prot.columns.get(c.column) if prot else None, usage=cusage.get(c.column),
                            history=list(reversed(history.get(c.column, [])))) for c in cols]
        return TableView(name=name, path=path, risk=risk, columns=views, protection_version=prot.version if prot else None,
                         protection_note=prot_note, usage=tusage, usage_note=note, retention_rules=rules)

    def _rules(self, name: str, sensitivity: str | None) -> list[str]:
        from retention.rules_lookup import rules_for_table

        try:
            rules = rules_for_table(self.settings, name, sensitivity=sensitivity)
        except LakewardenError as exc:
            return [f"policy unreadable: {exc}"]
        out = []
        for r in rules:
            when = []
            if r.age is not None:
                when.append(f"rows older than {r.age.older_than_days} days by {r.age.column}")
            if r.cold is not None:
                when.append(f"not read for {r.cold.not_read_days} days")
            out.append(f"{r.name}: {r.action} {' and '.join(when) or 'always'}" + (f" ({r.reason})" if r.reason else ""))
        return out

    def erasures(self, *, today: date | None = None) -> list[ErasureSummary]:
        """Every erasure request, open ones first by deadline; receipts checked against the lake's signing key."""
        from retention.erasure.ledger import Ledger

        reqs = Ledger(self.settings).all()
        verified = self._last_verifications()
        out = [self._erasure(r, today=today, last_verified=verified.get(r.request_id)) for r in reqs]
        return sorted(out, key=lambda e: (not e.open, e.deadline if e.open else date.max, e.request_id))

    def _erasure(self, req: "ErasureRequest", *, today: date | None, last_verified: str | None) -> ErasureSummary:
        from governance.config import join_path
        from retention.erasure.receipt import check_signature, load_receipt, receipts_dir

        path = join_path(receipts_dir(self.settings), f"{req.request_id}.json")
        receipt, detail = "none", "no receipt yet"
        try:
            doc = load_receipt(path)
        except InputError:
            doc = None
        if doc is not None:
            alg = str(doc.get("signature", {}).get("alg", ""))
            if alg == "hmac":
                receipt, detail = "signed (hmac)", "an HMAC receipt is checked with the erasure key: lakewarden erase verify"
            else:
                try:
                    check_signature(self.settings, doc)
                    receipt, detail = "signature valid", f"{doc.get('outcome', '?')}: {doc.get('rows_removed', 0)} row(s) removed, {doc.get('keys_destroyed', 0)} key(s) destroyed"
                except LakewardenError as exc:
                    receipt, detail = "signature INVALID", str(exc)
        return ErasureSummary(
            request_id=req.request_id, regulation=req.regulation, state=req.state, received=req.received,
            deadline=req.deadline, days_left=req.days_left(today), open=req.open, receipt=receipt, receipt_detail=detail,
            last_verified=last_verified,
        )

    def _last_verifications(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.audit_entries():
            if e.action == "erase.verify":
                req = str(e.details.get("request", ""))
                found = int(e.counts.get("findings", 0))
                out[req] = f"{e.ts[:19]}Z by {e.actor}: {e.counts.get('files', 0)} file(s) re-scanned, " + (
                    "nothing found" if found == 0 else f"{found} finding(s)")
        return out

    def audit_entries(self) -> list["AuditEntry"]:
        """The lake's audit log, oldest first."""
        from governance.audit import make_sink

        return make_sink(self.settings).read_all()


def _name(cols: list[CatalogColumn], path: str) -> str:
    return next((c.table_name for c in cols if c.table_name), path)

