"""Lakewarden's own Delta commits: find a job's commit, verify it, and undo only what it did.

Production tables are never quiet: ingestion appends to them while a governance job runs. Delta's
answer is optimistic concurrency, and this module follows it:

* Every write Lakewarden makes carries a tag (``commitInfo.userMetadata``, written by Sail,
  delta-spark and delta-rs alike), so the job finds *its* commit among the others
  (:func:`find_tagged`) and checks that commit's own actions, never the whole table.
* :func:`commit` writes a commit of ``add``/``remove`` actions itself, put-if-absent
  (locally a temporary file hard-linked to ``_delta_log/<version>.json``, on S3 a PUT with
  ``If-None-Match: *``: either fails if another writer took the version). On a lost race the winning commits are checked: blind appends
  never conflict; a winner that removed a file this commit removes, or changed the schema or
  protocol, is a real conflict (:class:`ConcurrentWriteError`, transient).
* :func:`revert` undoes one of Lakewarden's commits with a compensating commit (its added files
  removed, its removed files added back), so nothing another writer committed is touched.

Raw commits are made only on local and S3 tables whose features need nothing from the writer beyond
``add``/``remove`` (:func:`raw_commit_refusal` says why not otherwise); the callers then use the
engine's own writer.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from governance.errors import ConcurrentWriteError, EngineError
from governance.features import TableFeatures, _as_dict, _dv_id, _Log, _replay
from governance.lake import DELTA_LOG, is_remote
from governance.storage import is_s3

#: Features a raw add/remove commit cannot honour (the writer must fill row ids, commit timestamps,
#: Iceberg metadata, coordinated commits; or must check constraints and generated values).
RAW_COMMIT_CANNOT: frozenset[str] = frozenset({
    "rowTracking", "inCommitTimestamp", "icebergCompatV1", "icebergCompatV2", "icebergCompatV3",
    "coordinatedCommits-preview", "catalogOwned-preview", "changeDataFeed", "checkConstraints",
    "generatedColumns", "identityColumns", "invariants", "appendOnly", "columnMapping", "clustering",
    "domainMetadata",
})


def new_tag(job: str) -> str:
    """A unique tag for one write of ``job`` (recorded as ``commitInfo.userMetadata``)."""
    return f"lakewarden:{job}:{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Commit:
    """The actions of one commit of a Delta table."""

    version: int
    info: dict[str, Any]
    adds: tuple[dict[str, Any], ...]
    removes: tuple[dict[str, Any], ...]
    metadata: dict[str, Any] | None
    protocol: dict[str, Any] | None

    @property
    def blind_append(self) -> bool:
        """Only adds: it cannot conflict with a commit that removes files it did not add."""
        return not self.removes and self.metadata is None and self.protocol is None

    @property
    def rows_added(self) -> int | None:
        """Visible rows the commit's ``add`` actions hold (None if a file has no statistics)."""
        return rows_of(self.adds)

    def non_null_added(self, column: str) -> int | None:
        """Non-null values of ``column`` in the added files (None without statistics)."""
        total = 0
        for a in self.adds:
            stats = _stats(a)
            if stats is None or column not in (stats.get("nullCount") or {}) or a.get("deletionVector"):
                return None
            total += int(stats["numRecords"]) - int(stats["nullCount"][column])
        return total


def _stats(add: dict[str, Any]) -> dict[str, Any] | None:
    raw = add.get("stats")
    if not raw:
        return None
    try:
        stats = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    return stats if isinstance(stats, dict) and "numRecords" in stats else None


def rows_of(adds: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> int | None:
    total = 0
    for a in adds:
        stats = _stats(a)
        if stats is None:
            return None
        total += int(stats["numRecords"]) - int((a.get("deletionVector") or {}).get("cardinality") or 0)
    return total


def latest_version(path: str) -> int:
    """The newest committed version of the table at ``path`` (from the log listing)."""
    names = _Log(path).names()
    versions = [int(n[:20]) for n in names if n.endswith(".json") and n[:20].isdigit() and len(n) == 25]
    if not versions:
        raise EngineError(f"{path}: {DELTA_LOG}/ holds no commit file")
    return max(versions)


def read_commit(path: str, version: int) -> Commit:
    """The actions of commit ``version`` of the table at ``path``."""
    info: dict[str, Any] = {}
    adds: list[dict[str, Any]] = []
    removes: list[dict[str, Any]] = []
    metadata = protocol = None
    for a in _Log(path).json_actions(f"{version:020d}.json"):
        if "commitInfo" in a:
            info = a["commitInfo"]
        elif "add" in a:
            adds.append(a["add"])
        elif "remove" in a:
            removes.append(a["remove"])
        elif "metaData" in a:
            metadata = a["metaData"]
        elif "protocol" in a:
            protocol = a["protocol"]
    return Commit(version=version, info=info, adds=tuple(adds), removes=tuple(removes), metadata=metadata, protocol=protocol)


def find_tagged(path: str, *, after: int, tag: str) -> Commit:
    """The commit after version ``after`` that carries ``tag`` (``commitInfo.userMetadata``).

    Raises:
        EngineError: No commit after ``after`` carries the tag (the write did not commit).
    """
    last = latest_version(path)
    for v in range(after + 1, last + 1):
        c = read_commit(path, v)
        if c.info.get("userMetadata") == tag:
            return c
    raise EngineError(f"{path}: the write reported success but no commit after version {after} carries its tag")


def snapshot_adds(path: str, version: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The live ``add`` actions of ``version``, by (path, deletion-vector id)."""
    state, _, _, _ = _replay(_Log(path), upto=version, keep_adds=True)
    assert state.adds is not None
    return {k: _json_add(a) for k, a in state.adds.items()}


def metadata_at(path: str, version: int) -> dict[str, Any]:
    """The table's ``metaData`` action as of ``version`` (schema, partition columns, properties)."""
    state, _, _, _ = _replay(_Log(path), upto=version)
    # from a Parquet checkpoint: maps as lists of pairs, absent fields as None
    md = {k: v for k, v in (state.metadata or {}).items() if v is not None}
    if "configuration" in md:
        md["configuration"] = _as_dict(md["configuration"])
    if isinstance(md.get("format"), dict):
        md["format"] = {**md["format"], "options": _as_dict(md["format"].get("options"))}
    return md


def _json_add(add: dict[str, Any]) -> dict[str, Any]:
    """An ``add`` action in its commit (JSON) form, also when it was read from a Parquet checkpoint.

    A checkpoint row carries ``stats_parsed``/``partitionValues_parsed`` (typed values such as
    timestamps, which a commit must not repeat) and maps as lists of pairs.
    """
    out = {k: v for k, v in add.items() if v is not None and k not in ("stats_parsed", "partitionValues_parsed")}
    out["partitionValues"] = _as_dict(add.get("partitionValues"))
    if "tags" in out:
        out["tags"] = _as_dict(out["tags"])
    return out


def raw_commit_refusal(path: str, features: TableFeatures) -> str | None:
    """Why Lakewarden cannot commit add/remove actions to this table itself (None: it can)."""
    if is_remote(path) and not is_s3(path):
        return "the table is on an object store without put-if-absent support in Lakewarden (s3:// and local disks have it)"
    bad = sorted(set(features.features) & RAW_COMMIT_CANNOT) + list(features.unknown_writer_features)
    if bad:
        return f"table feature(s) {', '.join(bad)} need the engine's own writer"
    return None


def remove_of(add: dict[str, Any], *, now_ms: int) -> dict[str, Any]:
    """The ``remove`` action that retires the file an ``add`` action added."""
    rm: dict[str, Any] = {"path": add["path"], "deletionTimestamp": now_ms, "dataChange": True,
                          "extendedFileMetadata": True, "partitionValues": _as_dict(add.get("partitionValues")),
                          "size": int(add.get("size") or 0)}
    if add.get("deletionVector"):
        rm["deletionVector"] = add["deletionVector"]
    return rm  # no statistics: their min/max values would copy plaintext into the log again


def _conflict(ours_removed: set[tuple[str, str]], winner: Commit) -> str | None:
    if winner.metadata is not None or winner.protocol is not None:
        return f"commit {winner.version} changed the table's schema or protocol"
    theirs = {(r["path"], _dv_id(r.get("deletionVector"))) for r in winner.removes}
    both = sorted(p for p, _ in ours_removed & theirs)
    if both:
        return f"commit {winner.version} also rewrote or removed {len(both)} of the same file(s) (e.g. {both[0]})"
    return None


def commit(
    path: str,
    *,
    read_version: int,
    adds: list[dict[str, Any]],
    removes: list[dict[str, Any]],
    operation: str,
    parameters: dict[str, str],
    tag: str,
    metadata: dict[str, Any] | None = None,
    max_attempts: int = 50,
) -> int:
    """Commit ``adds`` and ``removes`` to the local table at ``path`` as read at ``read_version``.

    Touches: ``<path>/_delta_log/<version>.json`` (one new commit file; nothing is overwritten).

    Args:
        path: Local Delta table.
        read_version: The version the removed files were read at; later commits are checked for conflicts.
        adds: ``add`` actions (paths relative to the table).
        removes: ``remove`` actions.
        operation: ``commitInfo.operation``.
        parameters: ``commitInfo.operationParameters`` (never identifiers or key material).
        tag: ``commitInfo.userMetadata`` (see :func:`new_tag`).
        metadata: A new ``metaData`` action (schema change), only if no other commit intervened.
        max_attempts: Versions tried before giving up.

    Returns:
        The committed version.

    Raises:
        ConcurrentWriteError: A later commit conflicts (same files removed, schema or protocol changed),
            or ``max_attempts`` versions were taken by others (transient: read again and retry).
    """
    log = _Log(path)
    ours_removed = {(r["path"], _dv_id(r.get("deletionVector"))) for r in removes}
    version = read_version + 1
    for _ in range(max_attempts):
        last = latest_version(path)
        while version <= last:
            winner = read_commit(path, version)
            why = _conflict(ours_removed, winner) or (
                f"commit {version} was made after version {read_version} was read and this commit changes the schema"
                if metadata is not None else None)
            if why:
                raise ConcurrentWriteError(f"{path}: {why}; read the table again and retry")
            version += 1
        info = {"timestamp": int(time.time() * 1000), "operation": operation, "operationParameters": parameters,
                "readVersion": read_version, "isBlindAppend": not removes and metadata is None,
                "engineInfo": "lakewarden", "userMetadata": tag}
        lines = [json.dumps({"commitInfo": info})]
        if metadata is not None:
            lines.append(json.dumps({"metaData": metadata}))
        lines += [json.dumps({"remove": r}) for r in removes] + [json.dumps({"add": a}) for a in adds]
        # Put-if-absent: a hard link on a local disk, If-None-Match on S3. A lost race means another
        # writer took this version: check it and try the next one.
        if log.store.put_if_absent(f"{log.dir}/{version:020d}.json", ("\n".join(lines) + "\n").encode("utf-8")):
            return version
    raise ConcurrentWriteError(f"{path}: {max_attempts} versions in a row were taken by other writers; retry later")


def revert(path: str, ours: Commit, *, tag: str, reason: str) -> int:
    """Undo commit ``ours`` with a compensating commit: its adds removed, its removes added back.

    Commits made by other writers before or after ``ours`` are kept as they are.

    Touches: ``<path>/_delta_log`` (one new commit).

    Raises:
        ConcurrentWriteError: A later commit removed or rewrote a file ``ours`` added, or changed the
            schema, so the undo would not be exact; the message names the commits to look at.
        EngineError: The table cannot take a raw commit (object store, features needing the engine).
    """
    now_ms = int(time.time() * 1000)
    before = snapshot_adds(path, ours.version - 1)
    readd = []
    for r in ours.removes:
        key = (r["path"], _dv_id(r.get("deletionVector")))
        add = before.get(key)
        if add is None:
            raise EngineError(f"{path}: cannot undo commit {ours.version}: file {r['path']} was not live before it")
        readd.append({**add, "dataChange": True, "modificationTime": now_ms})
    retire = [remove_of(a, now_ms=now_ms) for a in ours.adds]
    metadata = None
    if ours.metadata is not None:
        state, _, _, _ = _replay(_Log(path), upto=ours.version - 1)
        metadata = state.metadata
    return commit(path, read_version=ours.version, adds=readd, removes=retire, operation="LAKEWARDEN UNDO",
                  parameters={"undoneVersion": str(ours.version), "reason": reason[:200]}, tag=f"{tag}:undo",
                  metadata=metadata)
