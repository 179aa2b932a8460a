"""The catalog of classified columns and the privacy officers' reviews.

Two small Delta tables under the lake's system folder, written with ``deltalake``:

- ``<root>/_lakewarden/catalog``: one row per (scan, column): the verdict of each scan
  (entity, entities, confidence, sensitivity, evidence JSON), the table's Delta version
  and the recognizer fingerprint the scan used. Append-only: history is kept.
- ``<root>/_lakewarden/classification_reviews``: one row per review decision
  (confirm / set ENTITY / not personal), who made it, when, and a note. Append-only.

:meth:`Catalog.effective_columns` gives what other jobs should act on: the latest scan of
a table with every reviewed column overridden by its latest review. Reviewed labels win
over later scans. Neither table ever holds a raw cell value (evidence holds shares,
scores and redacted examples only).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from governance.errors import ColumnNotFoundError, ConfigError, InputError

if TYPE_CHECKING:
    from governance.config import Settings
    from governance.risk import ClassificationPolicy

CATALOG_TABLE = "catalog"
REVIEWS_TABLE = "classification_reviews"
Decision = Literal["confirm", "set", "not_personal"]
_ENTITY_RX = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class CatalogColumn:
    """The effective classification of one column (latest scan, overridden by its latest review)."""

    table: str
    column: str
    entity: str | None
    entities: list[str]
    confidence: float
    sensitivity: str
    reviewed: bool
    delta_version: int | None
    scanned_at: datetime | None
    table_name: str = ""
    scanned_entity: str | None = None
    review_decision: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    first_scanned_at: datetime | None = None
    recognizers: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def personal(self) -> bool:
        """True when the column holds a personal entity."""
        return self.entity is not None

    @property
    def quasi_identifier(self) -> str | None:
        """The quasi-identifier kind the scan reported (country, postcode ...), if any."""
        q = self.evidence.get("quasi_identifier")
        return str(q) if q else None

    @property
    def free_text(self) -> bool:
        """True when the scan found the column to be free text (entities are spans in prose)."""
        return bool(self.evidence.get("free_text"))


@dataclass(frozen=True)
class ScanInfo:
    """The last recorded scan of a table."""

    table: str
    scan_id: str
    delta_version: int | None
    recognizers: str
    nlp: str
    scanned_at: datetime


@dataclass(frozen=True)
class ColumnRecord:
    """One column verdict to record (input of :meth:`Catalog.record_scan`)."""

    column: str
    entity: str | None
    entities: list[str]
    confidence: float
    sensitivity: str
    evidence: dict[str, Any]


def _norm(table: str) -> str:
    """Catalog key of a table: local paths absolute (``file://`` stripped), no trailing slash."""
    from pathlib import Path

    from governance.lake import is_remote, local_path

    if not is_remote(table):
        return str(Path(local_path(table)).absolute())
    return table.rstrip("/")


class Catalog:
    """Read and write the catalog and reviews tables of one lake.

    Args:
        settings: Platform settings (the tables live under ``settings.system_table``).
        policy: Classification policy, used to give a reviewed ``set ENTITY`` its sensitivity;
            loaded from ``conf/classification.yaml`` on first need when not given.
    """

    def __init__(self, settings: "Settings", *, policy: "ClassificationPolicy | None" = None) -> None:
        self.settings = settings
        self.catalog_path = settings.system_table(CATALOG_TABLE)
        self.reviews_path = settings.system_table(REVIEWS_TABLE)
        self._policy = policy

    # ------------------------------------------------------------------ schema / io
    @staticmethod
    def _catalog_schema() -> Any:
        import pyarrow as pa

        return pa.schema([
            ("scan_id", pa.string()), ("table", pa.string()), ("table_name", pa.string()), ("column", pa.string()),
            ("entity", pa.string()), ("entities", pa.list_(pa.string())), ("confidence", pa.float64()),
            ("sensitivity", pa.string()), ("evidence", pa.string()), ("delta_version", pa.int64()),
            ("recognizers", pa.string()), ("nlp", pa.string()), ("full_scan", pa.bool_()),
            ("scanned_at", pa.timestamp("us", tz="UTC")),
        ])

    @staticmethod
    def _reviews_schema() -> Any:
        import pyarrow as pa

        return pa.schema([
            ("table", pa.string()), ("column", pa.string()), ("decision", pa.string()), ("entity", pa.string()),
            ("by", pa.string()), ("note", pa.string()), ("scanned_entity", pa.string()),
            ("reviewed_at", pa.timestamp("us", tz="UTC")),
        ])

    def _read(self, path: str) -> list[dict[str, Any]]:
        from governance.lake import is_delta, read_delta_rows

        if not is_delta(path):
            return []
        return read_delta_rows(path)

    @staticmethod
    def _append(path: str, rows: list[dict[str, Any]], schema: Any) -> None:
        import pyarrow as pa
        from deltalake import write_deltalake

        if not rows:
            return
        write_deltalake(path, pa.Table.from_pylist(rows, schema=schema), mode="append")

    def _policy_or_load(self) -> "ClassificationPolicy | None":
        if self._policy is None:
            from governance.risk import classification_policy_path, load_classification_policy

            try:
                self._policy = load_classification_policy(classification_policy_path(self.settings))
            except ConfigError:
                return None
        return self._policy

    # ------------------------------------------------------------------ scans
    def record_scan(
        self,
        *,
        table: str,
        table_name: str,
        delta_version: int | None,
        columns: list[ColumnRecord],
        recognizers: str,
        nlp: str,
        full_scan: bool = False,
        scanned_at: datetime | None = None,
    ) -> str:
        """Append one scan's column verdicts to the catalog table; returns the scan id.

        Writes ``<root>/_lakewarden/catalog``.
        """
        scan_id = uuid.uuid4().hex
        at = scanned_at or datetime.now(timezone.utc)
        rows = [
            {
                "scan_id": scan_id, "table": _norm(table), "table_name": table_name, "column": c.column,
                "entity": c.entity, "entities": list(c.entities), "confidence": float(c.confidence),
                "sensitivity": c.sensitivity, "evidence": json.dumps(c.evidence, sort_keys=True, default=str),
                "delta_version": delta_version, "recognizers": recognizers, "nlp": nlp, "full_scan": full_scan,
                "scanned_at": at,
            }
            for c in columns
        ]
        if not rows:  # a table with no classifiable column still records that it was scanned
            rows = [{
                "scan_id": scan_id, "table": _norm(table), "table_name": table_name, "column": "", "entity": None,
                "entities": [], "confidence": 0.0, "sensitivity": "public", "evidence": "{}", "delta_version": delta_version,
                "recognizers": recognizers, "nlp": nlp, "full_scan": full_scan, "scanned_at": at,
            }]
        self._append(self.catalog_path, rows, self._catalog_schema())
        return scan_id

    def last_scan(self, table: str) -> ScanInfo | None:
        """The most recent scan of ``table`` (a table path), or None."""
        rows = [r for r in self._read(self.catalog_path) if r["table"] == _norm(table)]
        if not rows:
            return None
        last = max(rows, key=lambda r: r["scanned_at"])
        return ScanInfo(_norm(table), last["scan_id"], last["delta_version"], last["recognizers"], last["nlp"], last["scanned_at"])

    def last_scanned_version(self, table: str) -> int | None:
        """The Delta version of ``table`` at its most recent scan, or None (never scanned / not Delta)."""
        info = self.last_scan(table)
        return info.delta_version if info else None

    def needs_scan(self, table: str, *, version: int | None, recognizers: str, nlp: str) -> tuple[bool, str]:
        """Whether ``table`` must be scanned again, and why.

        A Delta table with no commit since its last scan, scanned with the same recognizers and
        NLP tier, is skipped. A recognizer change re-evaluates the table (reviewed columns keep
        their reviewed label).
        """
        info = self.last_scan(table)
        if info is None:
            return True, "never scanned"
        if version is None:
            return True, "not a Delta table: no version to compare"
        if info.delta_version != version:
            return True, f"new commits since version {info.delta_version}"
        if info.recognizers != recognizers:
            return True, "recognizers changed since the last scan"
        if info.nlp != nlp:
            return True, f"NLP tier changed ({info.nlp} -> {nlp})"
        return False, f"unchanged since the scan of version {version}"

    # ------------------------------------------------------------------ reviews
    def record_review(
        self,
        *,
        table: str,
        column: str,
        decision: Decision,
        by: str,
        entity: str | None = None,
        note: str | None = None,
        reviewed_at: datetime | None = None,
    ) -> CatalogColumn:
        """Record a privacy officer's decision on one column; returns the column's new effective label.

        Writes ``<root>/_lakewarden/classification_reviews``.

        Raises:
            InputError: The table was never classified, ``by`` is empty, or the decision/entity is malformed.
            ColumnNotFoundError: The column is not in the table's latest scan.
        """
        if decision not in ("confirm", "set", "not_personal"):
            raise InputError(f"review decision must be confirm, set or not_personal, not {decision!r}")
        if not by or not by.strip():
            raise InputError("a review needs the reviewer's name (--by NAME)")
        if decision == "set":
            if not entity or not _ENTITY_RX.match(entity):
                raise InputError(f"--set needs an entity name in upper case (e.g. PERSON, IBAN_CODE), not {entity!r}")
        elif entity is not None:
            raise InputError("an entity is only given with --set")
        cols = {c.column: c for c in self.effective_columns(table)}
        if not cols:
            raise InputError(f"{table}: not in the catalog; run `lakewarden classify {table}` first")
        if column not in cols:
            raise ColumnNotFoundError(f"{table}: no column {column!r} in the latest scan (columns: {', '.join(sorted(cols))})")
        current = cols[column]
        if decision == "confirm":
            entity = current.entity
        row = {
            "table": _norm(table), "column": column, "decision": decision, "entity": entity, "by": by.strip(),
            "note": note, "scanned_entity": current.scanned_entity, "reviewed_at": reviewed_at or datetime.now(timezone.utc),
        }
        self._append(self.reviews_path, [row], self._reviews_schema())
        return {c.column: c for c in self.effective_columns(table)}[column]

    def reviews(self, table: str | None = None) -> list[dict[str, Any]]:
        """Every review row (of one table when given), oldest first."""
        rows = self._read(self.reviews_path)
        if table is not None:
            rows = [r for r in rows if r["table"] == _norm(table)]
        return sorted(rows, key=lambda r: r["reviewed_at"])

    # ------------------------------------------------------------------ effective view
    def effective_columns(self, table_path: str) -> list[CatalogColumn]:
        """The latest scan of ``table_path`` with reviews applied, in the scan's column order."""
        return self._effective(self._read(self.catalog_path), self._read(self.reviews_path), only=_norm(table_path))

    def all_effective_columns(self) -> list[CatalogColumn]:
        """:meth:`effective_columns` for every table in the catalog."""
        return self._effective(self._read(self.catalog_path), self._read(self.reviews_path), only=None)

    def tables(self) -> list[str]:
        """Every table path in the catalog, sorted."""
        return sorted({r["table"] for r in self._read(self.catalog_path)})

    def _effective(self, scans: list[dict[str, Any]], reviews: list[dict[str, Any]], *, only: str | None) -> list[CatalogColumn]:
        if only is not None:
            scans = [r for r in scans if r["table"] == only]
            reviews = [r for r in reviews if r["table"] == only]
        latest: dict[str, dict[str, Any]] = {}
        first_seen: dict[str, datetime] = {}
        for r in scans:
            t = r["table"]
            if t not in latest or r["scanned_at"] > latest[t]["scanned_at"]:
                latest[t] = r
            if t not in first_seen or r["scanned_at"] < first_seen[t]:
                first_seen[t] = r["scanned_at"]
        last_review: dict[tuple[str, str], dict[str, Any]] = {}
        for r in sorted(reviews, key=lambda r: r["reviewed_at"]):
            last_review[(r["table"], r["column"])] = r
        policy = self._policy_or_load() if any(r["decision"] == "set" for r in last_review.values()) else self._policy
        out: list[CatalogColumn] = []
        for t in sorted(latest):
            scan_id = latest[t]["scan_id"]
            for r in (x for x in scans if x["table"] == t and x["scan_id"] == scan_id and x["column"]):
                rev = last_review.get((t, r["column"]))
                entity, entities = r["entity"], list(r["entities"] or [])
                confidence, sensitivity = float(r["confidence"]), r["sensitivity"]
                if rev is not None:
                    if rev["decision"] == "not_personal":
                        entity, entities = None, []
                        sensitivity = policy.sensitivity_of(None) if policy else "public"
                    elif rev["decision"] == "set":
                        entity = rev["entity"]
                        entities = [entity] + [e for e in entities if e != entity]
                        sensitivity = policy.max_sensitivity(entities) if policy else "restricted"
                    else:  # confirm: the label confirmed at review time, even if a later scan differs
                        entity = rev["entity"]
                        entities = ([entity] + [e for e in entities if e != entity]) if entity else []
                        if policy:
                            sensitivity = policy.max_sensitivity(entities) if entities else policy.sensitivity_of(None)
                    confidence = 1.0
                try:
                    evidence = json.loads(r["evidence"] or "{}")
                except ValueError:
                    evidence = {}
                out.append(
                    CatalogColumn(
                        table=t, column=r["column"], entity=entity, entities=entities, confidence=confidence,
                        sensitivity=sensitivity, reviewed=rev is not None, delta_version=r["delta_version"],
                        scanned_at=r["scanned_at"], table_name=r["table_name"], scanned_entity=r["entity"],
                        review_decision=rev["decision"] if rev else None, reviewed_by=rev["by"] if rev else None,
                        reviewed_at=rev["reviewed_at"] if rev else None, review_note=rev["note"] if rev else None,
                        first_scanned_at=first_seen.get(t), recognizers=r["recognizers"], evidence=evidence,
                    )
                )
        return out
