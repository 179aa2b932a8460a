"""Prove an erasure: read every byte of every file under the lake and look for the subject.

Every file under the lake root is read in full, whatever it is: data files, change-data-feed
files (``_change_data/``, deleted rows and pre-images), deletion vector files, ``_delta_log``
commits, checksums, checkpoints and v2-checkpoint sidecars (``_delta_log/_sidecars/``, file
statistics), Lakewarden's own system tables (catalog, audit, ledger, keys), receipts. The
report counts each of these kinds, so a receipt shows they were read. Parquet files are decoded (every column of every row group, nested structures
flattened, footer statistics too) because compressed pages hide plaintext from a byte
search; JSON lines are parsed and every leaf checked, including the ``stats`` strings in
``add`` actions; any other file (or one that does not decode) has its raw bytes searched as text.

The scan knows the subject only by keyed hashes (the ledger holds nothing else): each
candidate found in a value (an e-mail address, a phone number, a run of digit groups, a
run of words, a token) is normalized and hashed, then compared. Identifiers given by
column name (``customer_id=42``) are compared whole, in columns and statistics of that name
only, because ``42`` elsewhere is not the subject. Findings name the file and the place,
never the value.
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.protection.codec import SPAN_CLOSE, SPAN_OPEN
from retention.erasure.identifiers import (MAX_GROUPS, STRONG_KINDS, TOKEN_RE, Hasher, candidates, normalize, shapes_by_kind,
                                          token_candidates)

if TYPE_CHECKING:
    from governance.storage import ObjectVersion

_CHUNK = 1 << 20
#: Span-token delimiters, as text and as their UTF-8 bytes read as latin-1 (raw chunks are decoded that way).
_SPAN_DELIMS = re.compile("|".join(re.escape(d) for d in (SPAN_OPEN, SPAN_CLOSE, SPAN_OPEN.encode().decode("latin-1"),
                                                          SPAN_CLOSE.encode().decode("latin-1"))))


@dataclass(frozen=True)
class Finding:
    """A place where the subject is still readable (no value)."""

    file: str
    where: str
    key: str

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "where": self.where, "key": self.key}


@dataclass
class ScanReport:
    """What the every-byte scan read and found."""

    root: str
    files: int = 0
    bytes: int = 0
    parquet_files: int = 0
    json_files: int = 0
    #: Values looked at: every value of each Parquet column read (vectorized), plus each JSON leaf,
    #: footer entry and value checked one by one.
    values_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: Files read per Delta kind: change_data, deletion_vector, checkpoint, sidecar, commit, checksum.
    kinds: dict[str, int] = field(default_factory=dict)
    #: Object store: the bucket's versioning, and how many object versions (noncurrent ones) were read.
    bucket_versioning: str | None = None
    object_versions: int = 0
    noncurrent_versions: int = 0
    #: Bytes actually transferred (ranged reads fetch less than ``bytes``, the size of what was covered).
    bytes_fetched: int = 0
    #: Wall time of the scan (listing included).
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> dict[str, Any]:
        return {"root": self.root, "files": self.files, "bytes": self.bytes, "parquet_files": self.parquet_files,
                "json_files": self.json_files, "values_checked": self.values_checked, "findings": len(self.findings),
                "kinds": dict(sorted(self.kinds.items())), "seconds": round(self.seconds, 3),
                **({"bucket_versioning": self.bucket_versioning, "object_versions_read": self.object_versions,
                    "noncurrent_versions_read": self.noncurrent_versions, "bytes_fetched": self.bytes_fetched}
                   if self.bucket_versioning is not None else {})}


#: Values whose per-value check is remembered, per process: repeated values (names, cities) are
#: checked once, and a scan of many distinct ones (tokens, ciphertexts) stays within about 30 MB
#: rather than growing with the lake (2M entries held about 300 MB in each scanning process).
_CHECK_CACHE_MAX = 100_000


class _Matcher:
    def __init__(self, hasher: Hasher, idents: list[dict[str, Any]], tokens: set[str]) -> None:
        self.hasher = hasher
        self.tokens = tokens
        self.strong: dict[str, set[str]] = {}
        self.by_column: dict[str, dict[str, set[str]]] = {}
        self.keys: dict[str, str] = {}
        for i in idents:
            self.keys[i["hash"]] = i["key"]
            if i["kind"] in STRONG_KINDS:
                self.strong.setdefault(i["kind"], set()).add(i["hash"])
            if not i.get("entity"):
                self.by_column.setdefault(i["key"].lower(), {}).setdefault(i["kind"], set()).add(i["hash"])
        self.shapes = shapes_by_kind(idents)
        self._cache: dict[tuple[str, str], str | None] = {}
        self.checked = 0
        #: Every identifier's keyed hash as raw digest bytes (for the vectorized column checks).
        self.digests = {bytes.fromhex(h) for h in self.keys}
        #: The subject's tokens' keyed hashes as raw digest bytes.
        self.token_digests = {bytes.fromhex(t) for t in tokens}
        self._seen: dict[frozenset[str], _SeenIntegers] = {}

    def seen_integers(self, leaf: str) -> "_SeenIntegers":
        """The integers found to hold no identifier in a column named like ``leaf`` (by which
        identifiers are compared with its values) so far in this scan."""
        kinds = frozenset(self.by_column.get(leaf.lower(), {}))
        return self._seen.setdefault(kinds, _SeenIntegers())

    def check(self, value: str, leaf: str) -> str | None:
        """The key of the identifier ``value`` holds (in a field named ``leaf``), else None."""
        ck = (value, leaf)
        if ck in self._cache:
            return self._cache[ck]
        self.checked += 1
        hit: str | None = None
        if self.tokens and any(self.hasher.token(*tok) in self.tokens for tok in token_candidates(value)):
            hit = "token"  # a tokenized value, or a span token inside a span-protected text
        if hit is None:
            for kind, hashes in self.strong.items():
                for c in candidates(value, kind, self.shapes.get(kind)):  # type: ignore[arg-type]
                    h = self.hasher.hash(kind, c)
                    if h in hashes:
                        hit = self.keys.get(h, kind)
                        break
                if hit:
                    break
        if hit is None and leaf.lower() in self.by_column:
            for kind, hashes in self.by_column[leaf.lower()].items():
                h = self.hasher.hash(kind, normalize(value, kind))  # type: ignore[arg-type]
                if h in hashes:
                    hit = self.keys.get(h, leaf)
                    break
        if len(self._cache) < _CHECK_CACHE_MAX:
            self._cache[ck] = hit
        return hit

    def raw(self, text: str) -> str | None:
        """Search raw text (strong kinds only) for an identifier."""
        for kind, hashes in self.strong.items():
            for c in candidates(text, kind, self.shapes.get(kind)):  # type: ignore[arg-type]
                h = self.hasher.hash(kind, c)
                if h in hashes:
                    return self.keys.get(h, kind)
        if self.tokens:
            for part in _SPAN_DELIMS.sub(" ", text).split():
                for tok in token_candidates(part.strip('",')):
                    if self.hasher.token(*tok) in self.tokens:
                        return "token"
        return None


class _SeenIntegers:
    """A set of 64-bit integers as a bitmap in pages of 65,536 values, at most ``max_pages`` pages.

    An integer column's values are hashed once per scan, not once per chunk: ids repeat across files
    (an account id in every file of its transactions). Values in pages beyond the bound are not
    remembered (they are hashed again where they recur): 4,096 pages are 32 MiB and hold any 268M
    ids of a dense range.
    """

    def __init__(self, *, max_pages: int = 4096) -> None:
        self._pages: dict[int, Any] = {}
        self._max_pages = max_pages

    def unseen(self, values: Any) -> Any:
        """A mask of the int64 ``values`` not added before."""
        import numpy as np

        out = np.ones(len(values), dtype=bool)
        if not self._pages or len(values) == 0:
            return out
        page, bit = values >> 16, values & 0xFFFF
        for p, idx in _by_page(page):
            bits = self._pages.get(p)
            if bits is not None:
                b = bit[idx]
                out[idx] = ((bits[b >> 3] >> (b & 7).astype(np.uint8)) & 1) == 0
        return out

    def add(self, values: Any) -> None:
        """Remember the int64 ``values``."""
        import numpy as np

        if len(values) == 0:
            return
        page, bit = values >> 16, values & 0xFFFF
        for p, idx in _by_page(page):
            bits = self._pages.get(p)
            if bits is None:
                if len(self._pages) >= self._max_pages:
                    continue
                bits = self._pages[p] = np.zeros(8192, dtype=np.uint8)
            b = bit[idx]
            np.bitwise_or.at(bits, b >> 3, np.left_shift(1, b & 7).astype(np.uint8))


def _by_page(page: Any) -> Iterator[tuple[int, Any]]:
    """(page, indices of the values in it) for each distinct page number."""
    import numpy as np

    order = np.argsort(page, kind="stable")
    pages, starts = np.unique(page[order], return_index=True)
    for i, p in enumerate(pages):
        yield int(p), order[starts[i]:starts[i + 1] if i + 1 < len(starts) else len(order)]


def _walk_json(obj: Any, leaf: str, path: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk_json(v, str(k), f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk_json(v, leaf, f"{path}[{i}]")
    elif obj is not None:
        # leaves of decoded Parquet can be dates, timestamps, decimals or bytes (e.g. a checkpoint's stats_parsed)
        text = obj if isinstance(obj, str) else (
            obj.decode("utf-8", errors="replace") if isinstance(obj, bytes) else json.dumps(obj, default=str))
        yield text, leaf, path
        if isinstance(obj, str) and obj[:1] in "{[":
            try:
                inner = json.loads(obj)
            except ValueError:
                return
            yield from _walk_json(inner, leaf, path + "<json>")


#: Uncompressed bytes from which a local Parquet file is decoded ahead in a thread (starting one takes ~0.2 ms).
_AHEAD_MIN_BYTES = 1 << 20


def _scan_parquet(source: Any, m: _Matcher, rel: str, out: list[Finding], *, ranged: bool = False) -> None:
    """Decode a Parquet file: footer metadata and statistics, then its columns, row group by row group.

    Only the columns that can hold an identifier are decoded (:func:`_columns_to_read`), one row
    group at a time, a column at a time: the next columns are decoded in a thread (decoding
    releases the GIL) while one is checked, but in line in a small local file. Each column chunk is first checked whole with
    vectorized Arrow compute (:func:`_could_hold`, which never misses what the per-value check
    would find); only a chunk it flags is checked value by value, so findings name the same places
    as a per-value scan. Columns of few distinct values are read as dictionaries
    (:func:`_dictionary_columns`). A row group's findings count once all its columns decoded as a
    read of the whole row group decodes them; if one did not, the row group is read whole and
    checked again, so a file that does not decode fails where and as it does when read whole.
    ``ranged``: the file is on an object store and read by byte ranges (only those column chunks
    are fetched); the footer is always read whole.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.parquet as pq

    pf = pq.ParquetFile(source)
    meta = pf.metadata
    for k, v in (meta.metadata or {}).items():  # footer key-value metadata (schemas, writer notes)
        for text, leaf, path in _walk_json(v.decode("utf-8", errors="replace"), k.decode("utf-8", errors="replace"), "footer"):
            key = m.check(text, leaf)
            if key:
                out.append(Finding(rel, f"footer metadata {path}", key))
    for rg in range(meta.num_row_groups):
        for ci in range(meta.num_columns):
            col = meta.row_group(rg).column(ci)
            st = col.statistics
            if st is not None and st.has_min_max:
                for v in (st.min, st.max):
                    if isinstance(v, bytes):
                        v = v.decode("utf-8", errors="replace")
                    key = m.check(str(v), col.path_in_schema.split(".")[-1])
                    if key:
                        out.append(Finding(rel, f"footer statistics of {col.path_in_schema}", key))
    names = _columns_to_read(pf.schema_arrow, m)
    # a dotted top-level name would be taken for a nested path: read every column then
    columns = None if len(names) == len(pf.schema_arrow) or any("." in n for n in names) else names
    # a column at a time, unless a name is dotted or twice: the row group whole then
    whole = any("." in n for n in names) or len(set(names)) < len(names)
    parts = [columns] if whole else [[n] for n in names]
    as_dict = _dictionary_columns(pf, names)
    reader = pq.ParquetFile(source, metadata=meta, read_dictionary=as_dict) if as_dict else pf

    def read(rg: int, part: list[str] | None) -> Any:
        table = reader.read_row_group(rg, columns=part, use_threads=whole)
        for name in set(as_dict) & set(table.column_names):
            table.column(name).validate(full=True)  # a corrupt chunk read as a dictionary may index past it
        if table.num_rows != meta.row_group(rg).num_rows:
            raise ValueError("a column's length is not its row group's")
        return table

    big = sum(meta.row_group(rg).total_byte_size for rg in range(meta.num_row_groups)) >= _AHEAD_MIN_BYTES
    ahead = ThreadPoolExecutor(max_workers=1) if ranged or big else None
    submit = ahead.submit if ahead is not None else _done
    try:
        for rg in range(meta.num_row_groups):
            decoded = [submit(read, rg, part) for part in parts]
            found: list[Finding] = []
            try:
                for table in decoded:
                    _check_columns(table.result(), m, rel, found)
            except Exception:
                if all(table.exception() is None for table in decoded):
                    out += found
                    raise  # a check failed, after the row group decoded
                _check_columns(pf.read_row_group(rg, columns=columns), m, rel, out)
            else:
                out += found
    finally:
        if ahead is not None:
            ahead.shutdown(cancel_futures=True)  # and waits: no decoding outlives the file


def _done(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """``fn(*args)``, run now, as a finished future."""
    f: Future[Any] = Future()
    try:
        f.set_result(fn(*args))
    except Exception as exc:  # noqa: BLE001 - raised where the result is taken, as from a thread
        f.set_exception(exc)
    return f


def _check_columns(table: Any, m: _Matcher, rel: str, out: list[Finding]) -> None:
    """Check each column of a decoded (part of a) row group."""
    import pyarrow as pa

    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_nested(col.type):
            for item in col.to_pylist():
                for text, leaf, path in _walk_json(item, name, name):
                    key = m.check(text, leaf)
                    if key:
                        out.append(Finding(rel, f"column {path}", key))
        elif pa.types.is_dictionary(col.type) and (pa.types.is_string(col.type.value_type)
                                                   or pa.types.is_large_string(col.type.value_type)):
            # read as a dictionary here, or stored as one (its file's Arrow schema says so)
            _dictionary_findings(col, name, m, rel, out)
        elif _could_hold(col, name, m):
            _column_findings(col, name, m, rel, out)


#: Where a value is that sits in a chunk's dictionary page but in none of its rows.
UNUSED_ENTRY = "dictionary page, in no row"


def _dictionary_findings(col: Any, name: str, m: _Matcher, rel: str, out: list[Finding]) -> None:
    """Check a column read as a dictionary: the entries its rows use, then those no row uses.

    An entry no row uses is still a value in the file (a copy that filtered rows out of a
    dictionary column keeps the whole dictionary): it is reported as ``column <name>
    (dictionary page, in no row)``.
    """
    import numpy as np
    import pyarrow.compute as pc

    for c in col.chunks:
        used = np.zeros(len(c.dictionary), dtype=bool)
        used[pc.unique(c.indices).drop_null().to_numpy(zero_copy_only=False)] = True
        values = c.dictionary.filter(used)
        if _strings_could_hold(values, name, m, rows=len(c) - c.null_count):
            _column_findings(values, name, m, rel, out)
        if not used.all():
            unused = c.dictionary.filter(~used)
            if _strings_could_hold(unused, name, m, rows=0):
                found: list[Finding] = []
                _column_findings(unused, name, m, rel, found)
                out += [Finding(f.file, f"{f.where} ({UNUSED_ENTRY})", f.key) for f in found]


def _dictionary_columns(pf: Any, names: list[str]) -> list[str]:
    """Top-level string columns to read as Arrow dictionaries.

    A dictionary-encoded Parquet chunk read as a dictionary gives its distinct values without a
    string per row. Chosen from the footer: every chunk of the column has a dictionary page and is
    at most 4 bytes a row uncompressed, dictionary included (mostly indices: few distinct values).
    A wrong guess costs time, never a value: :func:`_dictionary_findings` checks every entry.
    """
    import pyarrow as pa

    meta = pf.metadata
    if meta.num_row_groups == 0:
        return []
    schema = pf.schema_arrow
    index = {pf.schema.column(i).path: i for i in range(meta.num_columns)}
    out = []
    for name in names:
        i = schema.get_field_index(name)
        t = schema.field(i).type if i >= 0 else None
        if t is None or "." in name or name not in index or not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            continue
        chunks = [meta.row_group(rg).column(index[name]) for rg in range(meta.num_row_groups)]
        if all(c.has_dictionary_page and c.total_uncompressed_size <= 4 * c.num_values for c in chunks):
            out.append(name)
    return out


def _column_findings(col: Any, name: str, m: _Matcher, rel: str, out: list[Finding]) -> None:
    """Check a flat column's distinct values one by one and record where the subject is."""
    for v in _prefiltered(col.unique(), m, name):
        if v is None:
            continue
        if isinstance(v, bytes):
            v = v.decode("utf-8", errors="replace")
        for text, leaf, path in _walk_json(v if isinstance(v, str) else str(v), name, name):
            key = m.check(text, leaf)
            if key:
                out.append(Finding(rel, f"column {path}", key))
                break


#: ASCII characters that ``str.strip`` and ``re``'s ``\s`` (both used by ``normalize``) treat as whitespace.
_ASCII_WS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
_WS_RUN = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]+"
#: ``identifiers._EMAIL_RE`` anchored: a trimmed ASCII value matching it is its own only e-mail candidate.
_EMAIL_WHOLE = "^[A-Za-z0-9._%+\\-]+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)+$"
#: :data:`identifiers.TOKEN_RE` for RE2: a whole ``tok``/``hsh`` value, groups 2 and 3 its key reference and
#: payload (``re``'s ``$`` also matches before a final newline, which ``.`` leaves out of the payload).
_TOKEN_WHOLE = TOKEN_RE.pattern.removesuffix("$") + "\\n?$"
#: A number as Arrow casts an integer to text: its phone or compact candidate is its digits.
_INT_TEXT = "^-?[0-9]+$"


def _could_hold(col: Any, leaf: str, m: _Matcher) -> bool:
    """True when a flat column chunk may hold one of the subject's identifiers (never False when it does).

    Integers are checked as their decimal text (as the per-value check reads them), and only for
    a phone or compact identifier or one keyed by this column's name; strings with
    :func:`_strings_could_hold` (a dictionary of strings goes to :func:`_dictionary_findings`); floats,
    booleans and temporal values only where an identifier is keyed by this column's name; any other
    type (binary, decimal) value by value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = t.value_type
    keyed = leaf.lower() in m.by_column
    if pa.types.is_integer(t):
        if not keyed and not any(k in m.strong for k in ("phone", "compact")):
            return False  # :func:`_numbers_that_fit`: a number can only be a phone number or a compact identifier
        values = pc.unique(col).drop_null()
        if not keyed:
            values = _numbers_that_fit(values, m)
            if values is None:
                return False
        seen = m.seen_integers(leaf) if pa.types.is_signed_integer(t) or t.bit_width < 64 else None
        if seen is not None:
            values = pc.cast(values, pa.int64())
            fresh = values.filter(seen.unseen(values.to_numpy(zero_copy_only=False)))
            m.checked += len(values) - len(fresh)  # checked before, in another chunk
            values = fresh
            if len(values) == 0:
                return False
        if _strings_could_hold(pc.cast(values, pa.string()), leaf, m):
            return True
        if seen is not None:
            seen.add(values.to_numpy(zero_copy_only=False))
        return False
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _strings_could_hold(col, leaf, m)
    if (pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_temporal(t) or pa.types.is_null(t)) and not keyed:
        return False
    found: list[Finding] = []
    _column_findings(col, leaf, m, "", found)
    return bool(found)


def _strings_could_hold(values: Any, leaf: str, m: _Matcher, *, rows: int | None = None) -> bool:
    """True when some of these strings may hold an identifier (never False when one does).

    The bytes of the whole chunk are looked at first (:func:`_may_hold`): values without an ``@``,
    without enough digits for a phone or compact identifier, and not JSON or a token, cannot hold a
    strong identifier, so only the others are made distinct and looked at below. ``rows``: how many
    values these stand for (distinct values of a dictionary), for the count of values checked.

    Whole-value candidates of ASCII values are normalized with Arrow compute exactly as
    ``normalize`` does (the whitespace ``str.strip`` and ``\\s`` know, ASCII case mapping) and
    hashed in one loop that stops at a match; names' word n-grams are taken from the distinct values with digit runs
    collapsed (digits end words, so the words are unchanged). What may hold an identifier only
    as a part (free text with ``@``, enough digits for a phone or compact identifier, JSON,
    tokens) and any non-ASCII value that may hold one go through the per-value check.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        return any(_strings_could_hold(chunk, leaf, m) for chunk in values.chunks)
    m.checked += len(values) - values.null_count if rows is None else rows
    values = _may_hold(values, leaf, m)
    if values is None:
        return False
    values = pc.unique(values).drop_null()
    if len(values) == 0:
        return False
    ascii_ = pc.string_is_ascii(values)
    trimmed = pc.utf8_trim(values, characters=_ASCII_WS)
    slow = pc.or_(pc.starts_with(values, "{"), pc.starts_with(values, "["))
    if m.tokens:
        # whole tokens are hashed here in one loop; span-protected texts and the rest go value by value
        whole = pc.match_substring_regex(values, _TOKEN_WHOLE)
        slow = pc.or_(slow, pc.and_(pc.starts_with(values, "lw1:"), pc.invert(whole)))
        ref_payload = pc.replace_substring_regex(values.filter(whole), _TOKEN_WHOLE, "\\2:\\3")
        if len(ref_payload) and m.hasher.any_in("tok", pc.cast(ref_payload, pa.binary()).to_pylist(), m.token_digests):
            return True
    wanted: list[tuple[str, Any]] = []
    int_text = None
    for kind in m.strong:
        shape = m.shapes.get(kind)
        if kind == "email":
            at = pc.match_substring(values, "@")
            whole = pc.and_(at, pc.and_(ascii_, pc.match_substring_regex(trimmed, _EMAIL_WHOLE)))
            wanted.append(("email", pc.ascii_lower(trimmed.filter(whole))))
            slow = pc.or_(slow, pc.and_(at, pc.invert(whole)))
        elif kind in ("phone", "compact"):
            if shape is not None and shape.min_digits:
                may = pc.match_substring_regex(values, "(?:\\P{Nd}*\\p{Nd}){%d}" % shape.min_digits)
            elif shape is not None:  # any non-ASCII letter may upper-case to ASCII ones (ß -> SS)
                may = pc.match_substring_regex(values, "(?:[^A-Za-z0-9\\x{80}-\\x{10FFFF}]*[A-Za-z0-9\\x{80}-\\x{10FFFF}]){%d}"
                                               % max(shape.min_len, 1))
            else:
                may = pc.is_valid(values)
            if int_text is None:
                int_text = pc.match_substring_regex(values, _INT_TEXT)
            digits = pc.utf8_ltrim(values.filter(pc.and_(may, int_text)), characters="-")
            wanted.append((kind, _fitting(_phone_digits(digits) if kind == "phone" else digits, shape)))
            text = pc.and_(may, pc.invert(int_text))
            plain_text = values.filter(pc.and_(text, ascii_))
            wanted.append((kind, _phone_candidates(plain_text, shape) if kind == "phone" else _compact_candidates(plain_text, shape)))
            slow = pc.or_(slow, pc.and_(text, pc.invert(ascii_)))
        elif kind == "name":
            plain = values.filter(ascii_)
            wanted.append(("name", _ascii_normalized(plain, "name")))
            collapsed = pc.unique(pc.replace_substring_regex(plain, "[0-9]+", "0"))
            grams = {g for v in collapsed.to_pylist() for g in candidates(v, "name")}
            wanted.append(("name", pa.array(sorted(grams), type=pa.string())))
            slow = pc.or_(slow, pc.invert(ascii_))
    for kind in m.by_column.get(leaf.lower(), {}):
        wanted.append((kind, _ascii_normalized(values.filter(ascii_), kind)))
        slow = pc.or_(slow, pc.invert(ascii_))
    for kind, cands in wanted:
        if len(cands) and m.hasher.any_in(kind, pc.cast(cands, pa.binary()).to_pylist(), m.digests):
            return True
    for v in values.filter(slow).to_pylist():
        for text, lf, _ in _walk_json(v, leaf, leaf):
            if m.check(text, lf):
                return True
    return False


def _may_hold(values: Any, leaf: str, m: _Matcher) -> Any:
    """The values of a string array that may hold an identifier, judged on its UTF-8 bytes (None: none).

    Per value, with NumPy over the data buffer: a ``{``, ``[`` or ``l`` first byte (JSON, tokens),
    an ``@`` (e-mail), enough digit bytes for the phone and compact shapes (any non-ASCII byte counts
    as a digit: a Unicode digit is one). Names and identifiers keyed by this column take every value.
    """
    import numpy as np
    import pyarrow as pa

    n = len(values)
    if n == 0:
        return None
    if "name" in m.strong or leaf.lower() in m.by_column:
        return values
    bufs = values.buffers()
    off: Any = np.frombuffer(bufs[1], dtype=np.int64 if pa.types.is_large_string(values.type) else np.int32)[values.offset:values.offset + n + 1]
    data: Any = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and off[-1] > off[0] else np.zeros(1, np.uint8)
    data = data[:int(off[-1])]
    if len(data) == 0:
        data = np.zeros(1, np.uint8)
    first = data[np.minimum(off[:-1], len(data) - 1)]
    need = (off[1:] > off[:-1]) & ((first == ord("{")) | (first == ord("[")) | (first == ord("l")))
    for kind in m.strong:
        shape = m.shapes.get(kind)
        if kind == "email":
            at = data == ord("@")
            if at.any():
                need |= _per_value(at, off) > 0
        elif shape is not None and (shape.min_digits or shape.min_len):
            mask = ((data - ord("0")) <= 9) | (data >= 0x80)  # uint8: bytes below "0" wrap round
            if not shape.min_digits:
                mask |= ((data | 0x20) - ord("a")) <= ord("z") - ord("a")
            lo = shape.min_digits or shape.min_len
            if np.count_nonzero(mask) >= lo:
                need |= _per_value(mask, off) >= lo
        else:
            return values
    if not need.any():
        return None
    return values if need.all() else values.filter(need)


#: ``identifiers._PHONE_RE`` for ASCII text (``\\d`` and ``\\s`` spelled as ``re`` reads them in ASCII).
_PHONE_RUN = "\\+?[0-9][0-9\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ().\\-]{5,}[0-9]"


def _phone_candidates(texts: Any, shape: Any) -> Any:
    """The distinct phone candidates of ASCII texts: exactly those ``candidates(v, "phone", shape)`` gives.

    Each text's digits (its own normalized value) and those of each run :data:`_PHONE_RUN` finds,
    normalized, then only those that fully match the shape.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pa.concat_arrays([texts.cast(pa.large_string()), _runs(texts, _PHONE_RUN)])
    return _fitting(pc.unique(_phone_digits(_digits(found))), shape)


def _runs(texts: Any, pattern: str) -> Any:
    """Every match of ``pattern`` in ASCII texts, as large strings.

    RE2 takes the same leftmost, greedy, non-overlapping matches as ``re.findall`` (for these
    patterns: no groups, ASCII classes).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    # matches between marks no ASCII text holds: text, match, text, match, ..., text
    parts = pc.split_pattern(pc.replace_substring_regex(texts, pattern, "\uffff\\0\uffff"), "\uffff")
    offsets = parts.offsets.to_numpy()
    flat = pc.list_flatten(parts)
    position = np.arange(len(flat)) + offsets[0] - offsets[pc.list_parent_indices(parts).to_numpy()]
    return flat.filter(pa.array(position % 2 == 1)).cast(pa.large_string())


def _fitting(cands: Any, shape: Any) -> Any:
    """The ASCII candidates that fully match ``shape`` (``Shape.fullmatch``, in RE2: shapes are ASCII classes and counts)."""
    import pyarrow.compute as pc

    if shape is None or len(cands) == 0:
        return cands
    return cands.filter(pc.match_substring_regex(cands, f"^(?:{shape.pattern.pattern})$"))


#: ``identifiers._GROUPS_RE``: runs of ASCII letter/digit groups joined by single spaces or hyphens.
_GROUP_RUN = "[A-Za-z0-9]+(?:[ \\-][A-Za-z0-9]+)*"


def _compact_candidates(texts: Any, shape: Any) -> Any:
    """The distinct compact candidates of ASCII texts: exactly those ``candidates(v, "compact", shape)`` gives.

    Each text's own normalized value, and every join of one to ``MAX_GROUPS`` consecutive groups of
    each run :data:`_GROUP_RUN` finds (upper-cased) whose length is within the shape's bounds; then
    only those that fully match the shape.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    lo, hi = (shape.min_len, shape.max_len) if shape is not None else (1, 10_000)
    groups = pc.split_pattern(pc.replace_substring(pc.ascii_upper(_runs(texts, _GROUP_RUN)), "-", " "), " ")
    g_off = groups.offsets.to_numpy().astype(np.int64)
    g_off -= g_off[0]
    words = pc.list_flatten(groups)
    parent = pc.list_parent_indices(groups).to_numpy()
    count = np.diff(g_off)[parent]
    pos = np.arange(len(words)) - g_off[parent]
    ends = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(pc.binary_length(words).to_numpy(zero_copy_only=False), out=ends[1:])
    found = [_ascii_normalized(texts, "compact")]
    for k in range(1, MAX_GROUPS + 1):
        start = np.nonzero(pos + k <= count)[0]
        length = ends[start + k] - ends[start]
        start = start[(length >= lo) & (length <= hi)]
        if len(start):
            found.append(pc.binary_join_element_wise(*(words.take(pa.array(start + d)) for d in range(k)),
                                                     pa.scalar("", pa.large_string())))
    cands = pc.unique(pa.chunked_array(found, type=pa.large_string()))
    return _fitting(cands.filter(pc.not_equal(pc.binary_length(cands), 0)), shape)


def _digits(values: Any) -> Any:
    """Each string's ASCII digits, in order (``re.sub("[^0-9]", "", v)``), as large strings; for arrays without nulls."""
    return _kept_bytes(values, _byte_table("0123456789"))


@functools.cache
def _byte_table(chars: str) -> Any:
    """A 256-entry mask that is True at the bytes of these ASCII characters."""
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[list(chars.encode("ascii"))] = True
    return table


def _kept_bytes(values: Any, keep: Any) -> Any:
    """Each string with only the bytes ``keep`` (a 256-entry mask) marks, in order, as large strings; for arrays without nulls."""
    import numpy as np
    import pyarrow as pa

    n = len(values)
    bufs = values.buffers()
    off = np.frombuffer(bufs[1], dtype=np.int64 if pa.types.is_large_string(values.type) else np.int32)
    off = off[values.offset:values.offset + n + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8)[off[0]:off[-1]] if bufs[2] is not None else np.zeros(0, np.uint8)
    mask = keep[data]
    ends = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(_per_value(mask, off - off[0]), out=ends[1:])
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(data[mask]))


def _per_value(byte_mask: Any, off: Any) -> Any:
    """How many bytes of ``byte_mask`` are set in each value (``off``: the values' offsets, ending at its end)."""
    import numpy as np

    lengths = off[1:] - off[:-1]
    nonempty = lengths > 0
    counts = np.zeros(len(lengths), dtype=np.int64)
    if nonempty.any():
        # values are contiguous, so the non-empty ones' starts delimit them; a narrow sum is faster
        counts[nonempty] = np.add.reduceat(byte_mask, off[:-1][nonempty],
                                           dtype=np.uint16 if lengths.max() < 1 << 16 else np.int64)
    return counts


def _phone_digits(digits: Any) -> Any:
    """``normalize(v, "phone")`` of ASCII digit strings: a leading 1 of an 11-digit number dropped."""
    import pyarrow.compute as pc

    eleven = pc.and_(pc.equal(pc.utf8_length(digits), 11), pc.starts_with(digits, "1"))
    return pc.if_else(eleven, pc.utf8_slice_codeunits(digits, 1), digits)


def _ascii_normalized(values: Any, kind: str) -> Any:
    """``normalize(v, kind)`` of every value, for ASCII strings (vectorized)."""
    import pyarrow.compute as pc

    if kind == "phone":
        return _phone_digits(_digits(values))
    if kind == "compact":  # every whitespace byte and hyphen dropped (the trim included), upper-cased
        return pc.ascii_upper(_kept_bytes(values, ~_byte_table(_ASCII_WS + "-")))
    v = pc.utf8_trim(values, characters=_ASCII_WS)
    if kind == "email":
        return pc.ascii_lower(v)
    if kind == "name":
        return pc.ascii_lower(pc.replace_substring_regex(v, _WS_RUN, " "))
    return v


def _columns_to_read(schema: Any, m: "_Matcher") -> list[str]:
    """Top-level columns whose values could hold one of the subject's identifiers.

    Text, binary and nested columns can hold any identifier; integer and decimal columns can hold
    digit identifiers (ids, account and phone numbers stored as numbers). Booleans, floats, dates
    and timestamps cannot hold any, so their chunks are not read (their footer statistics are), unless
    an identifier is keyed by that column's name (``balance=1.5`` is compared whole).
    """
    import pyarrow as pa

    out = []
    for f in schema:
        t = f.type
        if (pa.types.is_boolean(t) or pa.types.is_floating(t) or pa.types.is_temporal(t) or pa.types.is_null(t)) \
                and f.name.lower() not in m.by_column:
            continue
        out.append(f.name)
    return out


def _numbers_that_fit(values: Any, m: "_Matcher") -> Any:
    """The integers with enough digits for the subject's phone or compact identifiers (None: no such identifier).

    A number can only be a phone number or an SSN-like identifier.
    """
    import pyarrow.compute as pc

    digits = [sh.min_digits if sh is not None else 1 for k, sh in m.shapes.items() if k in ("phone", "compact") and k in m.strong]
    if not digits:
        return None
    return values.filter(pc.fill_null(pc.greater_equal(pc.abs(values), 10 ** (max(min(digits), 1) - 1)), False))


def _prefiltered(values: Any, m: "_Matcher", leaf: str) -> list[Any]:
    """The distinct values that could hold an identifier, selected with vectorized Arrow checks.

    A value without an ``@`` cannot hold an e-mail address, one with fewer digits than any
    identifier's shape needs cannot hold a phone or SSN, and so on; only the rest go through
    the (Python) candidate extraction and hashing. Names and column-keyed identifiers admit
    every value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        if leaf.lower() not in m.by_column and pa.types.is_integer(values.type):
            values = _numbers_that_fit(values, m)
            if values is None:
                return []
        elif leaf.lower() not in m.by_column and (pa.types.is_floating(values.type) or pa.types.is_boolean(values.type)
                                                   or pa.types.is_temporal(values.type)):
            return []
        return [v if isinstance(v, str) else (v.decode("utf-8", errors="replace") if isinstance(v, bytes) else str(v))
                for v in values.to_pylist() if v is not None]
    if "name" in m.strong or leaf.lower() in m.by_column:
        return values.to_pylist()
    keep = pc.or_(pc.starts_with(values, "{"), pc.starts_with(values, "["))
    if m.tokens:
        keep = pc.or_(keep, pc.starts_with(values, "lw1:"))
    for kind in m.strong:
        shape = m.shapes.get(kind)
        if kind == "email":
            cond = pc.match_substring(values, "@")
        elif shape is not None and shape.min_digits:
            cond = pc.match_substring_regex(values, "(?:\\D*\\d){%d}" % shape.min_digits)
        elif shape is not None:
            cond = pc.match_substring_regex(values, "(?:[^A-Za-z0-9]*[A-Za-z0-9]){%d}" % max(shape.min_len, 1))
        else:
            return values.to_pylist()
        keep = pc.or_(keep, cond)
    return values.filter(pc.fill_null(keep, False)).to_pylist()


def _scan_text(data: bytes, m: _Matcher, rel: str, out: list[Finding]) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    parsed = False
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s[0] not in "{[":
            continue
        try:
            obj = json.loads(s)
        except ValueError:
            continue
        parsed = True
        for value, leaf, path in _walk_json(obj, "", ""):
            key = m.check(value, leaf)
            if key:
                out.append(Finding(rel, f"line {n} {path}", key))
    return parsed


def _fully_json(data: bytes) -> bool:
    """True when every non-blank line of ``data`` parsed as JSON (so the walk saw every value)."""
    for line in data.decode("utf-8", errors="replace").splitlines():
        s = line.strip()
        if not s:
            continue
        try:
            json.loads(s)
        except ValueError:
            return False
    return True


_PARALLEL_MIN_BYTES = 64 << 20


def delta_kind(rel: str) -> str | None:
    """The Delta kind of a file by its path under the lake (None for data and other files)."""
    parts = Path(rel).parts
    name = parts[-1]
    if "_change_data" in parts:
        return "change_data"
    if name.startswith("deletion_vector_") and name.endswith(".bin"):
        return "deletion_vector"
    if "_delta_log" in parts:
        if "_sidecars" in parts:
            return "sidecar"
        if ".checkpoint" in name:
            return "checkpoint"
        if name.endswith(".crc") and not name.startswith("."):
            return "checksum"
        if name.endswith(".json") and name.split(".", 1)[0].isdigit():
            return "commit"
    return None


@dataclass(frozen=True)
class _Blob:
    """One file to scan: a local file, or one version of an object (current or not)."""

    rel: str
    path: str
    size: int
    version: ObjectVersion | None = None


def _read_all(b: _Blob) -> bytes:
    if "://" not in b.path:
        return Path(b.path).read_bytes()  # a local file (no store client: workers never import one)
    from governance.storage import S3Storage, storage_for

    st = storage_for(b.path)
    if b.version is not None and isinstance(st, S3Storage):
        return st.read_version(b.version)
    return st.read_bytes(b.path)


def _open_ranged(b: _Blob) -> Any:
    from governance.storage import S3Storage, storage_for

    st = storage_for(b.path)
    if isinstance(st, S3Storage) and b.version is not None:
        return st.open_version(b.version)
    return st.open_input(b.path)


def _scan_file(b: _Blob, m: _Matcher, report: ScanReport, *, ranged: bool = True) -> None:
    rel = b.rel
    for part in Path(rel.split(" (version ")[0]).parts[:-1]:  # partition directories (``email=...``) name values too
        leaf, _, value = part.partition("=")
        key = m.check(value, leaf) if value else m.raw(part)
        if key:
            report.findings.append(Finding(rel, f"directory name {leaf}=", key))
    kind = delta_kind(rel.split(" (version ")[0])
    if ranged and "://" in b.path and b.path.endswith(".parquet") and b.size >= 12:
        # Object store: ranged reads of the footer and of the column chunks that can hold an identifier.
        try:
            with _open_ranged(b) as src:
                _scan_parquet(src, m, rel, report.findings, ranged=True)
                report.bytes_fetched += int(getattr(src, "fetched", 0) or 0) or b.size
            report.files += 1
            report.bytes += b.size
            report.parquet_files += 1
            if kind is not None:
                report.kinds[kind] = report.kinds.get(kind, 0) + 1
            return
        except (OSError, ValueError, TypeError):
            pass  # not decodable by ranges: read every byte below
    try:
        data = _read_all(b)
    except OSError:
        return
    report.files += 1
    report.bytes += len(data)
    report.bytes_fetched += len(data)
    if kind is not None:
        report.kinds[kind] = report.kinds.get(kind, 0) + 1
    decoded = False
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        import pyarrow as pa

        try:
            _scan_parquet(pa.BufferReader(data), m, rel, report.findings)
            report.parquet_files += 1
            decoded = True
        except Exception as exc:  # noqa: BLE001 - a corrupt file is reported, never skipped silently
            # where it failed, never the message: an exception's text may quote a value
            where = traceback.extract_tb(exc.__traceback__)[-1]
            report.findings.append(Finding(
                rel, f"unreadable parquet ({type(exc).__name__} at {Path(where.filename).name}:{where.lineno})", "?"))
    elif _scan_text(data, m, rel, report.findings):
        report.json_files += 1
        decoded = _fully_json(data)
    if decoded:
        return  # every value was decoded and checked; compressed bytes hold nothing more
    for off in range(0, len(data), _CHUNK):
        chunk = data[max(0, off - 256): off + _CHUNK].decode("latin-1")
        key = m.raw(chunk)
        if key:
            report.findings.append(Finding(rel, f"raw bytes near offset {off}", key))
            break


def _scan_batch(root: str, blobs: list[_Blob], hasher: Hasher, idents: list[dict[str, Any]], tokens: set[str],
                ranged: bool = True) -> ScanReport:
    """Worker: scan some files (a separate process, or a thread for object-store reads)."""
    return _scan_files(root, blobs, _Matcher(hasher, idents, tokens), ranged)


def _scan_files(root: str, blobs: Iterable[_Blob], m: _Matcher, ranged: bool) -> ScanReport:
    """Scan these files with one matcher; the report counts the values it checked."""
    report = ScanReport(root=root)
    for b in blobs:
        _scan_file(b, m, report, ranged=ranged)
    report.values_checked = m.checked
    return report


def _claimed(claimed: Any, blobs: list[_Blob]) -> Iterator[_Blob]:
    """File after file of ``blobs``, each the next one no process has claimed (``claimed``: a shared counter)."""
    while True:
        with claimed.get_lock():
            i = claimed.value
            claimed.value = i + 1
        if i >= len(blobs):
            return
        yield blobs[i]


#: A worker process's share of a parallel scan (set by :func:`_start_worker`).
_worker: tuple[Any, list[_Blob], _Matcher, bool] | None = None


def _start_worker(claimed: Any, blobs: list[_Blob], hasher: Hasher, idents: list[dict[str, Any]], tokens: set[str],
                  ranged: bool) -> None:
    """Worker process initializer: the shared counter, the files and a matcher of its own."""
    global _worker
    _worker = (claimed, blobs, _Matcher(hasher, idents, tokens), ranged)


def _worker_scan(root: str) -> ScanReport:
    """Worker process: scan files until none is left unclaimed."""
    assert _worker is not None
    claimed, blobs, m, ranged = _worker
    return _scan_files(root, _claimed(claimed, blobs), m, ranged)


def _scan_in_processes(root: str, blobs: list[_Blob], n: int, hasher: Hasher, idents: list[dict[str, Any]],
                       tokens: set[str], ranged: bool) -> list[ScanReport]:
    """Scan ``blobs`` with this process and ``n - 1`` worker processes (matching is GIL-bound).

    Largest files first, each process taking the next unclaimed file when it is done with one, so
    the shares even out and this process scans while the workers start (a spawned interpreter
    importing pyarrow takes about half a second).
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")
    order = sorted(blobs, key=lambda b: -b.size)
    claimed = ctx.Value("q", 0)
    with ProcessPoolExecutor(max_workers=n - 1, mp_context=ctx, initializer=_start_worker,
                             initargs=(claimed, order, hasher, idents, tokens, ranged)) as pool:
        futures = [pool.submit(_worker_scan, root) for _ in range(n - 1)]
        try:
            parts = [_scan_files(root, _claimed(claimed, order), _Matcher(hasher, idents, tokens), ranged)]
        except BaseException:
            with claimed.get_lock():
                claimed.value = len(order)  # the workers stop after the file they are on
            raise
        parts += [f.result() for f in futures]
    return parts


def _blobs(root: str) -> list[_Blob]:
    """Every file under ``root``; on an object store every version of every object, noncurrent ones too."""
    from governance.lake import local_path
    from governance.storage import canonical, storage_for

    if "://" in root and not root.startswith("file://"):
        base = canonical(root).rstrip("/")
        out = []
        for v in storage_for(base).versions(base):
            if v.delete_marker:
                continue
            rel = v.path[len(base) + 1:]
            out.append(_Blob(rel if v.is_latest else f"{rel} (version {v.version_id}, noncurrent)", v.path, v.size, v))
        return out
    base_p = Path(local_path(root))
    files = sorted(Path(d, f) for d, _, names in os.walk(base_p) for f in names)
    return [_Blob(str(p.relative_to(base_p)), str(p), p.stat().st_size if p.exists() else 0) for p in files]


def scan_lake(root: str, *, hasher: Hasher, idents: list[dict[str, Any]], tokens: set[str], workers: int | None = None,
              ranged: bool = True) -> ScanReport:
    """Read every file under ``root`` and report where the subject is still readable.

    On an object store every version of every object under ``root`` is read, noncurrent versions
    (what a versioned bucket keeps of removed or overwritten files) included: Parquet objects by
    ranged reads of their footer and of the column chunks that can hold an identifier, every other
    object in full (``ranged=False`` reads every Parquet object in full too: the benchmark's
    baseline). Large local lakes are scanned by ``workers`` processes (default: the CPU count,
    at most 4; :func:`_scan_in_processes`), this one included; objects by ``workers`` concurrent
    requests.

    Touches: nothing (read only).
    """
    from governance.lake import local_path
    from governance.storage import canonical, storage_for

    started = time.monotonic()
    remote = "://" in root and not root.startswith("file://")
    base = canonical(root).rstrip("/") if remote else str(Path(local_path(root)))
    blobs = _blobs(root)
    n = workers if workers is not None else min(os.cpu_count() or 1, 4)
    report = ScanReport(root=base)
    if remote:
        report.bucket_versioning = storage_for(base).versioning(base)
        report.object_versions = len(blobs)
        report.noncurrent_versions = sum(1 for b in blobs if b.version is not None and not b.version.is_latest)
    total = sum(b.size for b in blobs)
    if n > 1 and len(blobs) > 1 and (remote or total >= _PARALLEL_MIN_BYTES):
        from concurrent.futures import ThreadPoolExecutor

        if remote and total < _PARALLEL_MIN_BYTES:
            # bounded concurrent requests in threads, one share each, so a slow store is read with ``n`` requests in flight
            shares: list[list[_Blob]] = [[] for _ in range(n)]
            loads = [0] * n
            for b in sorted(blobs, key=lambda q: -q.size):
                i = loads.index(min(loads))
                shares[i].append(b)
                loads[i] += b.size
            with ThreadPoolExecutor(max_workers=n) as pool:
                parts = list(pool.map(_scan_batch, [base] * n, shares, [hasher] * n, [idents] * n, [tokens] * n, [ranged] * n))
        else:
            parts = _scan_in_processes(base, blobs, n, hasher, idents, tokens, ranged)
        for part in parts:
            report.files += part.files
            report.bytes += part.bytes
            report.parquet_files += part.parquet_files
            report.json_files += part.json_files
            report.values_checked += part.values_checked
            report.bytes_fetched += part.bytes_fetched
            report.findings += part.findings
            for kind, count in part.kinds.items():
                report.kinds[kind] = report.kinds.get(kind, 0) + count
    else:
        part = _scan_batch(base, blobs, hasher, idents, tokens, ranged)
        report.files, report.bytes, report.parquet_files = part.files, part.bytes, part.parquet_files
        report.bytes_fetched = part.bytes_fetched
        report.json_files, report.values_checked, report.findings = part.json_files, part.values_checked, part.findings
        report.kinds = part.kinds
    seen: set[tuple[str, str, str]] = set()
    uniq = []
    for f in sorted(report.findings, key=lambda f: (f.file, f.where)):
        k = (f.file, f.where, f.key)
        if k not in seen:
            seen.add(k)
            uniq.append(f)
    report.findings = uniq
    report.seconds = time.monotonic() - started
    return report
