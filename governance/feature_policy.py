"""Which Delta features each command supports, on which engine and maintenance backend.

Every table-changing job calls :func:`require_supported` for each table it will change, before it
writes anything; a refusal is an :class:`UnsupportedTableFeatureError` (exit 5) that names the
table, the feature and the way out. Read-only commands call it too: a reader feature neither
engine knows is refused by name instead of failing later with an engine's raw protocol error.

What the rules encode (each measured by ``tests/integration/test_delta_features.py``, whose
results ``benchmarks/feature_matrix.py`` renders as the README's feature x command table):

* Both engines read deletion vectors, column mapping (``name`` and ``id``), liquid clustering,
  change data feed, v2 checkpoints, ``TIMESTAMP_NTZ``, generated/identity columns, CHECK
  constraints, NOT NULL and type widening correctly (no column reads as null).
* Sail (the embedded engine) refuses to write tables with change data feed, liquid clustering
  (domain metadata) or identity columns; delta-spark writes them all.
* delta-rs (``engine.maintenance=deltalake``) cannot read deletion vectors and refuses to commit
  to tables with type widening, identity columns or liquid clustering, so history purges on such
  tables need ``engine.maintenance=delta_spark``.
* Erasure rewrites the touched Parquet files itself and commits them through delta-rs: it reads
  and writes files by column name, so on column-mapped tables (physical names differ) it is
  refused, and so is any table delta-rs refuses to commit to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from governance.errors import UnsupportedTableFeatureError
from governance.features import TableFeatures, read_features

if TYPE_CHECKING:
    from governance.config import Settings

Command = Literal[
    "classify", "protect.plan", "protect.apply", "reveal", "keys.reencrypt", "keys.reencrypt.plan", "retention.plan",
    "retention.apply", "retention.risk", "erase.plan", "erase.run", "erase.verify", "purge_history",
]
#: Commands that change a table (data, log or files).
WRITING: frozenset[str] = frozenset({"protect.apply", "keys.reencrypt", "retention.apply", "erase.run", "purge_history"})
#: Commands whose writes go through the engine's own Delta writer (DataFrame write, DELETE/UPDATE).
ENGINE_WRITES: frozenset[str] = frozenset({"protect.apply", "keys.reencrypt", "retention.apply"})
#: Commands that clean history through the maintenance backend (vacuum, checkpoint, log clean-up).
HISTORY_PURGES: frozenset[str] = frozenset({"retention.apply", "erase.run", "purge_history"})

#: Features Sail 0.7 refuses to write ("Unsupported table features required").
SAIL_CANNOT_WRITE: frozenset[str] = frozenset({
    "changeDataFeed", "clustering", "domainMetadata", "identityColumns", "rowTracking", "inCommitTimestamp",
    "icebergCompatV1", "icebergCompatV2", "icebergCompatV3", "coordinatedCommits-preview", "catalogOwned-preview",
})
#: Features delta-rs (deltalake 1.6) cannot read, or refuses to commit to ("Unsupported table features
#: required"): its maintenance (properties, checkpoint, vacuum) and the erasure commit stop on them.
DELTA_RS_CANNOT_WRITE: frozenset[str] = frozenset({
    "deletionVectors", "typeWidening", "identityColumns", "clustering", "domainMetadata", "rowTracking",
    "inCommitTimestamp", "icebergCompatV1", "icebergCompatV2", "icebergCompatV3", "coordinatedCommits-preview",
    "catalogOwned-preview", "variantType", "variantType-preview",
})
#: Features the file-level erasure rewrite (pyarrow reads and writes files by column name) cannot honour.
ERASURE_REWRITE_CANNOT: frozenset[str] = frozenset({"columnMapping"})

_CLASSIC_WAY_OUT = (
    "run this command on classic Spark with delta-spark (engine.kind=classic, engine.maintenance=delta_spark; "
    "under spark-submit or `lakewarden --engine classic`)"
)

_ERASE_WAY_OUT = (
    "delete the subject's rows with delta-spark SQL (DELETE FROM ..., then REORG TABLE ... APPLY (PURGE) and "
    "VACUUM ... RETAIN 0 HOURS) and check with `lakewarden erase verify`"
)


@dataclass(frozen=True)
class Refusal:
    """One reason a command cannot run on a table: the features at fault and the way out."""

    features: tuple[str, ...]
    reason: str
    way_out: str

    def message(self, table: str, command: str) -> str:
        """The one-line error text: table, command, features, reason and way out."""
        return (f"{table}: {command} refused before writing anything: table feature(s) {', '.join(self.features)}: "
                f"{self.reason}. Way out: {self.way_out}")


def refusals(features: TableFeatures, *, command: str, engine_kind: str, maintenance: str) -> list[Refusal]:
    """Every reason ``command`` cannot run on the table ``features`` describes (empty: it is supported).

    Args:
        features: The table's features (:func:`governance.features.read_features`).
        command: A :data:`Command`.
        engine_kind: ``embedded``, ``classic`` or ``connect``.
        maintenance: ``deltalake`` or ``delta_spark``.
    """
    out: list[Refusal] = []
    if features.unknown_reader_features:
        out.append(Refusal(
            features.unknown_reader_features,
            "the table requires reader feature(s) that neither the embedded engine nor delta-spark supports",
            "read it with the runtime that wrote it, or drop the feature there (ALTER TABLE ... DROP FEATURE) "
            "and rerun",
        ))
        return out
    if command not in WRITING:
        return out
    if features.unknown_writer_features:
        out.append(Refusal(
            features.unknown_writer_features,
            "the table requires writer feature(s) Lakewarden's writers do not know, so a write could break the table",
            "change it with the runtime that wrote it, or drop the feature there (ALTER TABLE ... DROP FEATURE)",
        ))
    used = set(features.features)
    if command in ENGINE_WRITES and engine_kind == "embedded":
        bad = sorted(used & SAIL_CANNOT_WRITE)
        if bad:
            out.append(Refusal(tuple(bad), "the embedded engine (Sail) cannot write tables with this feature", _CLASSIC_WAY_OUT))
    if command in HISTORY_PURGES and maintenance != "delta_spark":
        bad = sorted(used & DELTA_RS_CANNOT_WRITE)
        if bad:
            dv = " (rows hidden by a deletion vector are still in the data files)" if "deletionVectors" in bad else ""
            out.append(Refusal(
                tuple(bad),
                f"the delta-rs maintenance backend (engine.maintenance=deltalake) cannot read or commit to such a table, "
                f"so it cannot purge its history{dv}",
                _CLASSIC_WAY_OUT,
            ))
    if command == "erase.run":
        bad = sorted(used & (DELTA_RS_CANNOT_WRITE - {"deletionVectors"}))
        if bad:
            out.append(Refusal(
                tuple(bad),
                "erasure commits its rewritten files through delta-rs, which refuses to commit to such a table",
                _ERASE_WAY_OUT,
            ))
    if command in ("erase.run", "erase.plan"):
        bad = sorted(used & ERASURE_REWRITE_CANNOT)
        if bad:
            out.append(Refusal(
                tuple(bad),
                "erasure rewrites the touched Parquet files by column name, and with column mapping the files hold "
                "physical names, so the rewrite would read and write the wrong columns",
                _ERASE_WAY_OUT + ", or rewrite the table without column mapping",
            ))
    return out


def require_supported(path: str, *, command: str, engine_kind: str, maintenance: str, table: str | None = None) -> TableFeatures:
    """Refuse ``command`` on the Delta table at ``path`` unless every feature it uses is supported.

    Reads the table's ``_delta_log`` only; call it before anything is written.

    Args:
        path: The table path.
        command: A :data:`Command` (``protect.apply``, ``erase.run`` ...).
        engine_kind: ``engine.kind`` of the run.
        maintenance: ``engine.maintenance`` of the run.
        table: Display name (default: ``path``).

    Returns:
        The table's features (for callers that choose a read path by them).

    Raises:
        UnsupportedTableFeatureError: A feature is not supported for this command on this engine;
            the message names the table, the feature(s) and the way out.
        DeltaLogError: The log is malformed (names the table and the file).
    """
    feats = read_features(path)
    found = refusals(feats, command=command, engine_kind=engine_kind, maintenance=maintenance)
    if found:
        raise UnsupportedTableFeatureError(" | ".join(r.message(table or path, command) for r in found))
    return feats


def require_all_supported(paths: Iterable[str], *, command: str, engine_kind: str, maintenance: str) -> None:
    """:func:`require_supported` for every table of a run, before the first write.

    Raises:
        UnsupportedTableFeatureError: The first table refused (every refusal of that table in one message).
    """
    for p in paths:
        require_supported(p, command=command, engine_kind=engine_kind, maintenance=maintenance)


def check_for_job(settings: "Settings", path: str, *commands: str, table: str | None = None) -> TableFeatures:
    """:func:`require_supported` with the engine and maintenance backend of ``settings``, for each command.

    Reads the table's ``_delta_log`` only; jobs call it before their first write.

    Raises:
        UnsupportedTableFeatureError: See :func:`require_supported`.
    """
    feats = read_features(path)
    found = [r for c in commands
             for r in refusals(feats, command=c, engine_kind=settings.engine.kind, maintenance=settings.engine.maintenance)]
    if found:
        cmd = "/".join(commands)
        msgs = dict.fromkeys(r.message(table or path, cmd) for r in found)
        raise UnsupportedTableFeatureError(" | ".join(msgs))
    return feats
