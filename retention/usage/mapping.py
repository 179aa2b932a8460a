"""Map a storage location named by read evidence to a Delta table root, partitions and columns.

Evidence names what was read in several shapes: a Spark file index
(``InMemoryFileIndex(2 paths)[file:/lake/t/p=1, file:/lake/t/p=2]``,
``PreparedDeltaFileIndex(1 paths)[s3a://bank/lake/t]``), an object URL
(``s3://bank/lake/t/p=1/part-0.parquet``) or a plain path. :class:`LakeMapper` normalizes
schemes (``file:``, ``s3a``/``s3n`` -> ``s3``), applies path aliases (a log may name the lake
by another URL than ``lake.root``), finds the Delta table root by longest prefix, takes
partitions from ``k=v`` path segments and from Spark's ``PartitionFilters`` evaluated against
the partition values in the Delta log, and columns from the pruned ``ReadSchema``.

Touches: reads the Delta logs of the lake's tables (file lists); writes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

from governance.config import Settings
from governance.lake import is_delta, is_remote, list_tables, local_path

if TYPE_CHECKING:
    from governance.maintenance import DeltaMaintenance

Status = Literal["present", "missing", "outside_lake", "not_delta", "system", "delta_log"]
Scope = Literal["all", "exact", "superset"]

#: Statuses whose reads are recorded in the usage table.
RECORDED: tuple[str, ...] = ("present", "missing")

_INDEX = re.compile(r"^(?P<cls>[A-Za-z_][\w$]*)(?:\((?P<n>\d+) paths?\))?\s*\[(?P<paths>.*)\]$", re.S)
_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class MappedRead:
    """Where one piece of evidence points in the lake."""

    status: Status
    path: str
    table: str | None = None
    table_path: str | None = None
    #: Partition keys read (``country=FR`` or ``y=2024/m=01``); None = the whole table.
    partitions: list[str] | None = None
    scope: Scope = "all"
    #: Top-level columns read; None = unknown (every column counts as read).
    columns: list[str] | None = None
    #: Stored bytes of what was selected, from the Delta log (used when the evidence has no byte metric).
    est_bytes: int | None = None
    #: Share of the evidence's bytes that belongs to this table (a file index can span tables).
    weight: float = 1.0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Table:
    path: str
    name: str
    partition_columns: list[str]
    partition_bytes: dict[str, int]
    total_bytes: int


def normalize_uri(uri: str) -> str:
    """``file:/x``, ``file:///x`` -> ``/x``; ``s3a://``/``s3n://`` -> ``s3://`` (URL-decoded); no trailing slash."""
    u = uri.strip()
    if u.startswith("file:"):
        u = u[len("file:"):]
        if u.startswith("//"):
            u = u[2:]
        u = "/" + u.lstrip("/")
    for scheme in ("s3a://", "s3n://"):
        if u.startswith(scheme):
            u = "s3://" + u[len(scheme):]
    if u.startswith("s3://") and "%" in u:  # keys in S3 access logs are URL-encoded
        u = unquote(u)
    return u.rstrip("/") or "/"


def parse_location(location: str) -> tuple[list[str], bool]:
    """Split a Spark file-index description (or a bare URI) into normalized paths.

    Returns:
        The paths and whether Spark truncated the list (``...``; more paths than shown).
    """
    text = location.strip()
    m = _INDEX.match(text)
    if not m:
        return [normalize_uri(text)], False
    raw = [p.strip() for p in m.group("paths").split(", ")]
    truncated = any(p in ("...", "") or p.endswith("...") for p in raw)
    paths = [normalize_uri(p) for p in raw if p and not p.endswith("...")]
    if m.group("n") and int(m.group("n")) > len(paths):
        truncated = True
    return paths, truncated


def _split_top(text: str, sep: str = ",") -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    depth, quote = 0, False
    for ch in text:
        if ch == "`":
            quote = not quote
        elif not quote and ch in "(<[":
            depth += 1
        elif not quote and ch in ")>]":
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def schema_columns(read_schema: str | None) -> list[str] | None:
    """Top-level field names of a Spark ``ReadSchema`` (``struct<a:int,b:struct<c:int>>`` -> a, b)."""
    if read_schema is None:
        return None
    s = read_schema.strip()
    if not (s.startswith("struct<") and s.endswith(">")):
        return None
    inner = s[len("struct<"):-1]
    names = []
    for part in _split_top(inner):
        name = part.split(":", 1)[0] if not part.startswith("`") else part[1:part.index("`", 1)]
        names.append(name.strip())
    return [n for n in names if n]


def output_columns(text: str | None) -> list[str]:
    """Attribute names of a scan's output list (``id#5L,amount#8`` -> id, amount)."""
    if not text:
        return []
    return [re.sub(r"#\d+L?$", "", p.strip()).strip("`") for p in text.split(",") if p.strip() and "more field" not in p]


_CMP = re.compile(r"^\(?(?P<col>`?[^\s#()`]+`?)#\d+L? (?P<op><=>|=|>=|<=|>|<) (?P<val>.*?)\)?$")
_IN = re.compile(r"^\(?(?P<col>`?[^\s#()`]+`?)#\d+L? IN \((?P<vals>.*)\)\)?$")
_NOTNULL = re.compile(r"^isnotnull\((?P<col>[^\s#()]+)#\d+L?\)$")


def parse_partition_filters(text: str | None) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    """Parse Spark's ``PartitionFilters`` (``[isnotnull(c#9), (c#9 = FR)]``) into simple predicates.

    Returns:
        ``(column, op, values)`` predicates it understands, and the conjuncts it does not
        (those are treated as true, so the partition set is a superset).
    """
    if not text:
        return [], []
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    preds: list[tuple[str, str, list[str]]] = []
    unknown: list[str] = []
    for conj in _split_top(s):
        if not conj or _NOTNULL.match(conj):
            continue
        m = _IN.match(conj)
        if m:
            preds.append((m.group("col").strip("`"), "in", [v.strip() for v in _split_top(m.group("vals"))]))
            continue
        m = _CMP.match(conj)
        if m and " " not in m.group("val").strip() and "(" not in m.group("val"):
            op = "=" if m.group("op") == "<=>" else m.group("op")
            preds.append((m.group("col").strip("`"), op, [m.group("val").strip()]))
            continue
        unknown.append(conj)
    return preds, unknown


def _cmp(a: str, op: str, b: str) -> bool:
    x: float | str
    y: float | str
    try:
        x, y = float(a), float(b)
    except ValueError:
        x, y = a, b
    if op in ("=", "in"):
        return x == y
    if op == ">":
        return x > y  # type: ignore[operator]
    if op == ">=":
        return x >= y  # type: ignore[operator]
    if op == "<":
        return x < y  # type: ignore[operator]
    return x <= y  # type: ignore[operator]


def _partition_key(values: dict[str, str | None], order: list[str]) -> str:
    return "/".join(f"{k}={_DEFAULT_PARTITION if values.get(k) is None else values.get(k)}" for k in order)


def _key_values(key: str) -> dict[str, str]:
    out = {}
    for seg in key.split("/"):
        if "=" in seg:
            k, v = seg.split("=", 1)
            out[k] = v
    return out


class LakeMapper:
    """Maps evidence locations to the lake's Delta tables.

    Args:
        settings: Platform settings (``lake.root``, ``lake.system_dir``).
        maintenance: Delta backend used to list each table's files (partition values, sizes).
        aliases: ``(from_prefix, to_prefix)`` pairs applied to evidence paths, e.g.
            ``("s3://bank-lake/prod", "/mnt/lake")`` when logs name the lake by another URL.
    """

    def __init__(self, settings: Settings, maintenance: "DeltaMaintenance", *, aliases: list[tuple[str, str]] | None = None) -> None:
        self.settings = settings
        self.maintenance = maintenance
        root = settings.lake.root
        self.root = normalize_uri(root) if is_remote(root) else str(Path(local_path(root)).absolute())
        self.aliases = [(normalize_uri(a), normalize_uri(b) if is_remote(b) else str(Path(local_path(b)).absolute())) for a, b in (aliases or [])]
        self._tables: dict[str, _Table | None] = {}
        self._roots: list[str] | None = None

    # ------------------------------------------------------------------ lookups
    def _apply_aliases(self, path: str) -> str:
        for src, dst in self.aliases:
            if path == src or path.startswith(src + "/"):
                return dst + path[len(src):]
        return path

    def _known_roots(self) -> list[str]:
        if self._roots is None:
            if is_remote(self.root):
                self._roots = []
            else:
                try:
                    self._roots = list_tables(self.root, system_dir=self.settings.lake.system_dir)
                except Exception:  # noqa: BLE001 - a missing root means no tables
                    self._roots = []
        return self._roots

    def _find_root(self, path: str) -> str | None:
        best = None
        for r in self._known_roots():
            if (path == r or path.startswith(r + "/")) and (best is None or len(r) > len(best)):
                best = r
        if best is not None or not is_remote(path):
            return best
        cur = path
        while cur.startswith(self.root) and len(cur) > len(self.root):
            if is_delta(cur):
                return cur
            cur = cur.rsplit("/", 1)[0]
        return None

    def table(self, path: str) -> _Table | None:
        """Stored bytes per partition of the Delta table at ``path`` (cached; None if unreadable)."""
        if path not in self._tables:
            try:
                files = self.maintenance.files(path)
            except Exception:  # noqa: BLE001 - a table that cannot be read is treated as missing
                self._tables[path] = None
                return None
            order: list[str] = []
            for f in files:
                for k in f.partition_values:
                    if k not in order:
                        order.append(k)
            parts: dict[str, int] = {}
            for f in files:
                key = _partition_key(f.partition_values, order) if order else ""
                parts[key] = parts.get(key, 0) + int(f.size_bytes)
            self._tables[path] = _Table(path, self.name_of(path), order, parts, sum(parts.values()))
        return self._tables[path]

    def name_of(self, table_path: str) -> str:
        """Display name of a table: its path relative to the lake root."""
        if table_path.startswith(self.root + "/"):
            return table_path[len(self.root) + 1:]
        return table_path

    # ------------------------------------------------------------------ mapping
    def map(
        self,
        location: str,
        *,
        partition_filters: str | None = None,
        read_schema: str | None = None,
        output: str | None = None,
    ) -> list[MappedRead]:
        """Map one piece of evidence; one result per table it touches (or one with a non-table status)."""
        paths, truncated = parse_location(location)
        by_table: dict[str, list[str]] = {}
        others: list[MappedRead] = []
        for raw in paths:
            p = self._apply_aliases(raw)
            if not (p == self.root or p.startswith(self.root + "/")):
                others.append(MappedRead(status="outside_lake", path=raw))
                continue
            rel = p[len(self.root) + 1:] if p != self.root else ""
            if rel.split("/", 1)[0] == self.settings.lake.system_dir:
                others.append(MappedRead(status="system", path=raw))
                continue
            if "/_delta_log" in "/" + rel:
                others.append(MappedRead(status="delta_log", path=raw))
                continue
            root = self._find_root(p)
            if root is None:
                exists = not is_remote(p) and os.path.exists(p)
                if exists:
                    others.append(MappedRead(status="not_delta", path=raw))
                    continue
                root = self._guess_missing_root(p)
            by_table.setdefault(root, []).append(p)
        results: list[MappedRead] = []
        for root, tpaths in by_table.items():
            results.append(self._map_table(root, tpaths, truncated, partition_filters, read_schema, output))
        if len(results) > 1:
            total = sum(r.est_bytes or 0 for r in results)
            results = [
                MappedRead(**{**r.__dict__, "weight": ((r.est_bytes or 0) / total) if total else 1.0 / len(results)}) for r in results
            ]
        return results + others

    def _guess_missing_root(self, path: str) -> str:
        segs = path.split("/")
        while segs and ("=" in segs[-1] or "." in segs[-1] and segs[-1].endswith((".parquet", ".json", ".crc", ".orc"))):
            segs.pop()
        return "/".join(segs)

    def _map_table(
        self,
        root: str,
        paths: list[str],
        truncated: bool,
        partition_filters: str | None,
        read_schema: str | None,
        output: str | None,
    ) -> MappedRead:
        table = self.table(root) if (is_remote(root) or os.path.isdir(root)) else None
        name = self.name_of(root)
        notes: list[str] = []
        cols = schema_columns(read_schema)
        out_cols = output_columns(output)
        if table is None:
            found = sorted({"/".join(s for s in p[len(root):].strip("/").split("/") if "=" in s) for p in paths})
            missing_parts = [unquote(x) for x in found if x] or None
            return MappedRead(
                status="missing",
                path=paths[0],
                table=name,
                table_path=root,
                partitions=missing_parts,
                scope="exact" if missing_parts else "all",
                columns=cols,
                notes=["table no longer in the lake"],
            )
        if cols is not None:
            extra = [c for c in table.partition_columns if c in out_cols and c not in cols]
            cols = cols + extra
        selected = set(table.partition_bytes)
        scope: Scope = "all"
        prefixes = []
        for p in paths:
            rel = p[len(root):].strip("/")
            segs = [unquote(s) for s in rel.split("/") if "=" in s] if rel else []
            prefixes.append("/".join(segs))
        if any(prefixes) and not truncated:
            selected = {k for k in selected if any(not pre or k == pre or k.startswith(pre + "/") for pre in prefixes)}
            scope = "exact"
        elif truncated:
            notes.append("Spark listed only some of the scanned paths; partitions are a superset")
            scope = "superset"
        preds, unknown = parse_partition_filters(partition_filters)
        if preds:
            keep = set()
            for key in selected:
                vals = _key_values(key)
                ok = True
                for col, op, values in preds:
                    v = vals.get(col)
                    if v is None:
                        continue
                    if op == "in":
                        ok = any(_cmp(v, "=", x) for x in values)
                    else:
                        ok = _cmp(v, op, values[0])
                    if not ok:
                        break
                if ok:
                    keep.add(key)
            selected = keep
            scope = "exact" if scope != "superset" else scope
        if unknown:
            notes.append(f"partition filter not evaluated: {unknown[0][:80]}")
            scope = "superset"
        parts: list[str] | None
        if not table.partition_columns:
            parts = None
            scope = "all"
        elif selected == set(table.partition_bytes) and scope != "exact":
            parts = None
        else:
            parts = sorted(selected)
            if scope == "all":
                scope = "exact"
        est = table.total_bytes if parts is None else sum(table.partition_bytes.get(k, 0) for k in parts)
        return MappedRead(
            status="present",
            path=paths[0],
            table=name,
            table_path=root,
            partitions=parts,
            scope=scope,
            columns=cols,
            est_bytes=est,
            notes=notes,
        )
