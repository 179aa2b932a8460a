"""The Delta features a table uses, read from its ``_delta_log`` without delta-rs.

delta-rs refuses to open tables with reader features it does not know (deletion vectors, type
widening, v2 checkpoints ...), and the engines fail late with raw protocol errors. This module
replays the log itself: the newest checkpoint (a classic Parquet checkpoint, a multi-part one, or
a v2 checkpoint in JSON or Parquet with its sidecars under ``_delta_log/_sidecars``, read with
pyarrow) plus the JSON commits after it. Files are reached through ``pyarrow.fs``, so the same
code reads a local lake and ``s3://``.

The result, :class:`TableFeatures`, lists the features in use by their Delta protocol names
(``deletionVectors``, ``columnMapping``, ``changeDataFeed``, ``clustering`` ...) plus
``notNull`` for NOT NULL columns; :mod:`governance.feature_policy` decides what each command may
do with them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.errors import CorruptDataError, NotADeltaTableError, TableNotFoundError
from governance.lake import DELTA_LOG, is_remote, local_path

#: Reader features of the Delta protocol that delta-spark 4.4 and Sail 0.7 know by name.
KNOWN_READER_FEATURES: frozenset[str] = frozenset({
    "columnMapping", "deletionVectors", "timestampNtz", "typeWidening", "typeWidening-preview",
    "v2Checkpoint", "vacuumProtocolCheck", "variantType", "variantType-preview",
})
#: Writer features of the Delta protocol known by name (anything else is reported as unknown).
KNOWN_WRITER_FEATURES: frozenset[str] = KNOWN_READER_FEATURES | frozenset({
    "appendOnly", "invariants", "checkConstraints", "changeDataFeed", "generatedColumns", "identityColumns",
    "domainMetadata", "clustering", "rowTracking", "inCommitTimestamp", "icebergCompatV1", "icebergCompatV2",
    "icebergCompatV3", "icebergWriterCompatV1", "allowColumnDefaults", "coordinatedCommits-preview", "catalogOwned-preview",
    "collations-preview", "variantShredding-preview", "materializePartitionColumns",
})
#: Features a legacy protocol (writer version < 7) implies, by writer version.
_LEGACY_WRITER: dict[int, tuple[str, ...]] = {
    2: ("appendOnly", "invariants"),
    3: ("checkConstraints",),
    4: ("changeDataFeed", "generatedColumns"),
    5: ("columnMapping",),
    6: ("identityColumns",),
}

_COMMIT = re.compile(r"^(\d{20})\.json$")
_CLASSIC_CP = re.compile(r"^(\d{20})\.checkpoint\.parquet$")
_MULTI_CP = re.compile(r"^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$")
_V2_CP = re.compile(r"^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$")


class DeltaLogError(CorruptDataError):
    """A ``_delta_log`` file cannot be parsed (the message names the table and the file)."""


@dataclass(frozen=True)
class TableFeatures:
    """What a Delta table's log says about its protocol, metadata and live files.

    Attributes:
        path: The table path.
        version: The newest committed version.
        min_reader_version: ``protocol.minReaderVersion``.
        min_writer_version: ``protocol.minWriterVersion``.
        reader_features: ``protocol.readerFeatures`` (empty on a legacy protocol).
        writer_features: ``protocol.writerFeatures`` (empty on a legacy protocol).
        configuration: ``metaData.configuration`` (the ``delta.*`` table properties).
        partition_columns: ``metaData.partitionColumns``.
        column_mapping_mode: ``none``, ``name`` or ``id``.
        physical_names: Logical top-level column -> physical name (column mapping only).
        generated_columns: Column -> ``delta.generationExpression``.
        identity_columns: Columns carrying ``delta.identity.*``.
        identity_always_columns: Identity columns that refuse explicit values (``GENERATED ALWAYS``).
        check_constraints: Constraint name -> expression (``delta.constraints.*``).
        not_null_columns: Top-level columns declared NOT NULL.
        timestamp_ntz_columns: Top-level ``timestamp_ntz`` columns.
        widened_columns: Columns with recorded type changes (``delta.typeChanges``).
        clustering_columns: Liquid clustering columns (``delta.clustering`` domain metadata).
        domains: Names of live ``domainMetadata`` domains.
        checkpoint_version: Version of the checkpoint the replay started from, if any.
        checkpoint_kind: ``classic``, ``multi-part``, ``v2`` or ``None``.
        sidecar_files: Sidecar files the v2 checkpoint references.
        live_files: Number of live data files.
        files_with_deletion_vectors: Live files that carry a deletion vector.
        features: Features in use, by Delta protocol name, sorted (see module doc).
        unknown_reader_features: Reader features neither engine knows.
        unknown_writer_features: Writer features not known by name.
    """

    path: str
    version: int
    min_reader_version: int
    min_writer_version: int
    reader_features: tuple[str, ...] = ()
    writer_features: tuple[str, ...] = ()
    configuration: Mapping[str, str] = field(default_factory=dict)
    partition_columns: tuple[str, ...] = ()
    column_mapping_mode: str = "none"
    physical_names: Mapping[str, str] = field(default_factory=dict)
    generated_columns: Mapping[str, str] = field(default_factory=dict)
    identity_columns: tuple[str, ...] = ()
    identity_always_columns: tuple[str, ...] = ()
    check_constraints: Mapping[str, str] = field(default_factory=dict)
    not_null_columns: tuple[str, ...] = ()
    timestamp_ntz_columns: tuple[str, ...] = ()
    widened_columns: tuple[str, ...] = ()
    clustering_columns: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    checkpoint_version: int | None = None
    checkpoint_kind: str | None = None
    sidecar_files: tuple[str, ...] = ()
    live_files: int = 0
    files_with_deletion_vectors: int = 0
    features: tuple[str, ...] = ()
    unknown_reader_features: tuple[str, ...] = ()
    unknown_writer_features: tuple[str, ...] = ()

    def uses(self, feature: str) -> bool:
        """True when ``feature`` (a Delta protocol name, or ``notNull``) is in use."""
        return feature in self.features

    @property
    def has_deletion_vectors(self) -> bool:
        """True when deletion vectors are enabled or any live file carries one."""
        return "deletionVectors" in self.features

    @property
    def change_data_feed(self) -> bool:
        """True when ``delta.enableChangeDataFeed`` is on."""
        return self.configuration.get("delta.enableChangeDataFeed", "false").lower() == "true"


# -- file access --------------------------------------------------------------------------------
class _Log:
    """The ``_delta_log`` folder of one table, local or on an object store (:mod:`governance.storage`)."""

    def __init__(self, path: str) -> None:
        from governance.storage import storage_for

        self.table = path
        self.store = storage_for(path)
        self.base = path.rstrip("/") if is_remote(path) else local_path(path).rstrip("/")
        self.dir = f"{self.base}/{DELTA_LOG}"

    def names(self) -> list[str]:
        entries = self.store.list_files(self.dir, recursive=False)
        if not entries and not self.store.exists(self.dir):
            if not self.store.exists(self.base) and not self.store.list_files(self.base, recursive=False):
                raise TableNotFoundError(f"{self.table}: table path does not exist")
            raise NotADeltaTableError(f"{self.table}: not a Delta table, no {DELTA_LOG}/ folder")
        return sorted(e.path.rsplit("/", 1)[-1] for e in entries)

    def read_text(self, name: str) -> str:
        return self.store.read_bytes(f"{self.dir}/{name}").decode("utf-8")

    def json_actions(self, name: str) -> Iterator[dict[str, Any]]:
        for lineno, line in enumerate(self.read_text(name).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                action = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DeltaLogError(
                    f"{self.table}: malformed JSON in Delta log file {DELTA_LOG}/{name} line {lineno} ({exc.msg}); "
                    "the log was written by a broken or non-Delta writer: restore that file from the writer's "
                    "storage versioning or recreate the table"
                ) from None
            if not isinstance(action, dict):
                raise DeltaLogError(f"{self.table}: Delta log file {DELTA_LOG}/{name} line {lineno} is not a JSON object")
            yield action

    def parquet_actions(self, rel: str) -> Iterator[dict[str, Any]]:
        import pyarrow.parquet as pq

        try:
            with self.store.open_input(f"{self.dir}/{rel}") as f:
                pf = pq.ParquetFile(f)
                wanted = [c for c in ("protocol", "metaData", "add", "remove", "domainMetadata", "sidecar", "checkpointMetadata")
                          if c in pf.schema_arrow.names]
                table = pf.read(columns=wanted)
        except (OSError, ValueError) as exc:
            raise DeltaLogError(f"{self.table}: cannot read Delta checkpoint {DELTA_LOG}/{rel}: {str(exc).splitlines()[0][:200]}") from None
        for row in table.to_pylist():
            for key, value in row.items():
                if value is not None:
                    yield {key: value}


# -- replay --------------------------------------------------------------------------------------
@dataclass
class _State:
    protocol: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[tuple[str, str], bool] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    sidecars: list[str] = field(default_factory=list)
    #: The live ``add`` actions themselves, by (path, deletion vector), when asked for.
    adds: dict[tuple[str, str], dict[str, Any]] | None = None

    def apply(self, action: dict[str, Any]) -> None:
        if "protocol" in action:
            self.protocol = action["protocol"]
        elif "metaData" in action:
            self.metadata = action["metaData"]
        elif "add" in action:
            add = action["add"]
            dv = add.get("deletionVector")
            self.files[(add["path"], _dv_id(dv))] = bool(dv)
            if self.adds is not None:
                self.adds[(add["path"], _dv_id(dv))] = add
        elif "remove" in action:
            rm = action["remove"]
            self.files.pop((rm["path"], _dv_id(rm.get("deletionVector"))), None)
            if self.adds is not None:
                self.adds.pop((rm["path"], _dv_id(rm.get("deletionVector"))), None)
        elif "domainMetadata" in action:
            dm = action["domainMetadata"]
            if dm.get("removed"):
                self.domains.pop(dm["domain"], None)
            else:
                self.domains[dm["domain"]] = dm.get("configuration") or ""
        elif "sidecar" in action:
            self.sidecars.append(action["sidecar"]["path"])


def _dv_id(dv: dict[str, Any] | None) -> str:
    if not dv:
        return ""
    offset = dv.get("offset")
    return f"{dv.get('storageType')}{dv.get('pathOrInlineDv')}" + (f"@{offset}" if offset is not None else "")


def _checkpoint(names: list[str], log: _Log) -> tuple[int, str, list[str]] | None:
    """(version, kind, files) of the newest complete checkpoint, preferring ``_last_checkpoint``'s."""
    by_version: dict[int, tuple[str, list[str]]] = {}
    multi: dict[tuple[int, int], list[str]] = {}
    for n in names:
        if m := _CLASSIC_CP.match(n):
            by_version[int(m.group(1))] = ("classic", [n])
        elif m := _V2_CP.match(n):
            by_version[int(m.group(1))] = ("v2", [n])
        elif m := _MULTI_CP.match(n):
            multi.setdefault((int(m.group(1)), int(m.group(3))), []).append(n)
    for (v, parts), files in multi.items():
        if len(files) == parts:
            by_version.setdefault(v, ("multi-part", sorted(files)))
    if not by_version:
        return None
    hinted = None
    if "_last_checkpoint" in names:
        try:
            last = json.loads(log.read_text("_last_checkpoint"))
            hinted = int(last["version"])
            v2 = (last.get("v2Checkpoint") or {}).get("path")
            if v2 and v2 in names:
                by_version[hinted] = ("v2", [v2])
        except (ValueError, KeyError, TypeError):
            hinted = None  # a torn hint: the file listing decides
    version = hinted if hinted in by_version else max(by_version)
    kind, files = by_version[version]
    return version, kind, files


def _version_of(name: str) -> int:
    return int(name[:20]) if name[:20].isdigit() else -1


def _replay(log: _Log, *, upto: int | None = None, keep_adds: bool = False) -> tuple[_State, int, int | None, str | None]:
    names = log.names()
    if upto is not None:
        names = [n for n in names if _version_of(n) <= upto or not n[:1].isdigit()]
    commits = {int(m.group(1)): n for n in names if (m := _COMMIT.match(n))}
    state = _State(adds={} if keep_adds else None)
    cp = _checkpoint(names, log)
    start = 0
    cp_version = cp_kind = None
    if cp is not None:
        cp_version, cp_kind, files = cp
        for f in files:
            actions: Iterable[dict[str, Any]] = log.json_actions(f) if f.endswith(".json") else log.parquet_actions(f)
            for a in actions:
                state.apply(a)
        for sc in state.sidecars:
            for a in log.parquet_actions(f"_sidecars/{sc.rsplit('/', 1)[-1]}"):
                state.apply(a)
        start = cp_version + 1
    if not commits and cp_version is None:
        raise NotADeltaTableError(f"{log.table}: {DELTA_LOG}/ holds no commit and no checkpoint")
    version = max([*commits, cp_version if cp_version is not None else -1])
    for v in range(start, version + 1):
        name = commits.get(v)
        if name is None:
            raise DeltaLogError(f"{log.table}: Delta log is missing commit {v:020d}.json (versions {start}..{version} expected)")
        for a in log.json_actions(name):
            state.apply(a)
    if not state.protocol or not state.metadata:
        raise DeltaLogError(f"{log.table}: Delta log holds no {'protocol' if not state.protocol else 'metaData'} action")
    return state, version, cp_version, cp_kind


def _as_dict(value: Any) -> dict[str, Any]:
    """A map from JSON (a dict) or from a Parquet checkpoint (pyarrow gives a list of pairs)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(k): v for k, v in value}
    return {}


def _fields(schema_string: str) -> list[dict[str, Any]]:
    try:
        return list(json.loads(schema_string).get("fields") or [])
    except (ValueError, AttributeError):
        return []


def table_columns(path: str) -> list[str]:
    """Top-level column names of the Delta table at ``path``, from its newest metadata (log only)."""
    state, _, _, _ = _replay(_Log(path))
    return [str(f.get("name")) for f in _fields(state.metadata.get("schemaString") or "{}")]


def read_features(path: str) -> TableFeatures:
    """Read the protocol, metadata and feature use of the Delta table at ``path`` from its log.

    Reads (never writes) ``_delta_log``: the newest checkpoint (with v2 sidecars) and the commits after it.

    Raises:
        TableNotFoundError: Nothing exists at ``path``.
        NotADeltaTableError: No ``_delta_log`` (or an empty one).
        DeltaLogError: A log file is malformed; the message names the table and the file.
    """
    log = _Log(path)
    state, version, cp_version, cp_kind = _replay(log)
    proto, md = state.protocol, state.metadata
    config = {str(k): str(v) for k, v in _as_dict(md.get("configuration")).items()}
    reader = tuple(proto.get("readerFeatures") or ())
    writer = tuple(proto.get("writerFeatures") or ())
    fields = _fields(md.get("schemaString") or "{}")
    mode = config.get("delta.columnMapping.mode", "none").lower() or "none"
    physical = {}
    generated: dict[str, str] = {}
    identity: list[str] = []
    identity_always: list[str] = []
    not_null: list[str] = []
    ntz: list[str] = []
    widened: list[str] = []
    invariants = False
    for f in fields:
        name, meta = str(f.get("name")), f.get("metadata") or {}
        if "delta.columnMapping.physicalName" in meta:
            physical[name] = str(meta["delta.columnMapping.physicalName"])
        if "delta.generationExpression" in meta:
            generated[name] = str(meta["delta.generationExpression"])
        if any(k.startswith("delta.identity.") for k in meta):
            identity.append(name)
            if str(meta.get("delta.identity.allowExplicitInsert", False)).lower() != "true":
                identity_always.append(name)
        if "delta.invariants" in meta:
            invariants = True
        if "delta.typeChanges" in meta:
            widened.append(name)
        if f.get("nullable") is False:
            not_null.append(name)
        if f.get("type") == "timestamp_ntz":
            ntz.append(name)
    constraints = {k[len("delta.constraints."):]: v for k, v in config.items() if k.startswith("delta.constraints.")}
    clustering: list[str] = []
    if "delta.clustering" in state.domains:
        try:
            cols = json.loads(state.domains["delta.clustering"]).get("clusteringColumns") or []
            clustering = [".".join(c) if isinstance(c, list) else str(c) for c in cols]
        except (ValueError, AttributeError):
            clustering = []
    if physical and mode != "none":  # clustering columns are recorded by physical name
        logical = {p: n for n, p in physical.items()}
        clustering = [logical.get(c, c) for c in clustering]
    dv_files = sum(1 for has in state.files.values() if has)

    def on(key: str) -> bool:
        return config.get(key, "false").lower() == "true"

    used: set[str] = set()
    if "deletionVectors" in reader or on("delta.enableDeletionVectors") or dv_files:
        used.add("deletionVectors")
    if mode != "none":
        used.add("columnMapping")
    if on("delta.enableChangeDataFeed"):
        used.add("changeDataFeed")
    if "delta.clustering" in state.domains or "clustering" in writer:
        used.add("clustering")
    if "v2Checkpoint" in reader or config.get("delta.checkpointPolicy", "classic") == "v2" or cp_kind == "v2":
        used.add("v2Checkpoint")
    if "timestampNtz" in reader or ntz:
        used.add("timestampNtz")
    if generated:
        used.add("generatedColumns")
    if identity:
        used.add("identityColumns")
    if constraints:
        used.add("checkConstraints")
    if invariants:
        used.add("invariants")
    if on("delta.appendOnly"):
        used.add("appendOnly")
    if "typeWidening" in reader or "typeWidening-preview" in reader or widened:
        used.add("typeWidening")
    if not_null:
        used.add("notNull")
    for feat in ("rowTracking", "inCommitTimestamp", "variantType", "variantType-preview", "vacuumProtocolCheck",
                 "icebergCompatV1", "icebergCompatV2", "icebergCompatV3", "coordinatedCommits-preview",
                 "catalogOwned-preview", "collations-preview"):
        if feat in reader or feat in writer:
            used.add(feat)
    unknown_r = tuple(sorted(f for f in reader if f not in KNOWN_READER_FEATURES))
    unknown_w = tuple(sorted(f for f in writer if f not in KNOWN_WRITER_FEATURES))
    used.update(unknown_r)
    used.update(unknown_w)
    return TableFeatures(
        path=path,
        version=version,
        min_reader_version=int(proto.get("minReaderVersion", 1)),
        min_writer_version=int(proto.get("minWriterVersion", 2)),
        reader_features=reader,
        writer_features=writer,
        configuration=config,
        partition_columns=tuple(md.get("partitionColumns") or ()),
        column_mapping_mode=mode,
        physical_names=physical,
        generated_columns=generated,
        identity_columns=tuple(identity),
        identity_always_columns=tuple(identity_always),
        check_constraints=constraints,
        not_null_columns=tuple(not_null),
        timestamp_ntz_columns=tuple(ntz),
        widened_columns=tuple(widened),
        clustering_columns=tuple(clustering),
        domains=tuple(sorted(state.domains)),
        checkpoint_version=cp_version,
        checkpoint_kind=cp_kind,
        sidecar_files=tuple(state.sidecars),
        live_files=len(state.files),
        files_with_deletion_vectors=dv_files,
        features=tuple(sorted(used)),
        unknown_reader_features=unknown_r,
        unknown_writer_features=unknown_w,
    )


def legacy_writer_features(min_writer_version: int) -> tuple[str, ...]:
    """Writer features a legacy protocol (writer version < 7) allows, by its version."""
    out: list[str] = []
    for v, feats in sorted(_LEGACY_WRITER.items()):
        if min_writer_version >= v:
            out.extend(feats)
    return tuple(out)
