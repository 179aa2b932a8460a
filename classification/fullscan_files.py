"""The audit scan's files reader: a Delta version's Parquet files read with Arrow, each distinct value matched once.

``classify --full`` counts the pattern entities of every cell (``classification.fullscan``). Inside the
engine that costs about a microsecond per cell to group values plus a regular expression per cell and
prefilter. Parquet already groups them: a column chunk is stored as a dictionary of its distinct values
and one index per cell. This reader keeps that form (``read_dictionary``), so each prefilter runs once
per distinct value of a row group, and cells are counted with ``numpy.bincount`` over the indices.

Each column is one task (:func:`scan_files`): read from every live data file of the pinned Delta version
(the list comes from the log) a row group at a time, its cells counted, the distinct values matching any
entity prefilter kept with their cells and the prefilters they matched, then validated by the pattern
recognizers (validators, context). Tasks run in worker processes (``governance.children``) when the table
is large enough to pay for their start, and a column's values never leave the process that read it.

It covers the columns whose string form Arrow writes as Spark does (strings, integers, dates,
booleans) and partition columns (their values from the log). Any other column, and tables with
deletion vectors, column mapping or type widening (the files alone do not give the table's rows),
are counted inside the engine (``classification.fullscan``). Reads the table's data files only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from classification.detect import FREE_TEXT_SHARE, MAX_SCAN_CHARS, ColumnEvidence
from classification.fullscan import CandidateCounts
from classification.prefilter import EntityPrefilter
from classification.registry import RecognizerConfig
from classification.sampler import Leaf
from governance.errors import LakewardenError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql.types import DataType

    from governance.maintenance import DataFile
    from governance.storage import StorageSettings

#: Below this many bytes of data files the table is read in the job's process (a worker takes about 3 s to start: it imports Presidio).
PARALLEL_MIN_BYTES = 32 << 20
#: Distinct candidate values one column may hold before the table goes to the engine instead
#: (it groups and spills to disk; this reader would hold them all in memory).
MAX_CANDIDATES = 2_000_000


class TooManyCandidatesError(LakewardenError):
    """A column holds more distinct candidate values than the files reader keeps in memory (terminal for this reader: the engine counts the table)."""

    transient = False


@dataclass
class ColumnCandidates:
    """One column's counts over the files read: non-null cells and the distinct candidate values."""

    non_null: int = 0
    #: value -> [cells, bitmask of the prefilters (by index) it matched]
    values: dict[str, list[int]] = field(default_factory=dict)

    def add(self, value: str, cells: int, mask: int) -> None:
        slot = self.values.get(value)
        if slot is None:
            self.values[value] = [cells, mask]
        else:
            slot[0] += cells


def arrow_readable(leaf: Leaf, spark_type: "DataType | None") -> bool:
    """Whether Arrow writes ``leaf``'s values as strings exactly as Spark's ``cast(... as string)`` does.

    Top-level strings, integers, dates and booleans only; timestamps (session time zone), floating point,
    decimals, nested and array leaves are left to the engine.
    """
    from pyspark.sql.types import BooleanType, ByteType, DateType, IntegerType, LongType, ShortType, StringType

    if leaf.kind != "string" or leaf.array or len(leaf.parts) != 1:
        return False
    return isinstance(spark_type, (StringType, ByteType, ShortType, IntegerType, LongType, DateType, BooleanType))


def re2_compatible(prefilters: Sequence[EntityPrefilter]) -> bool:
    """Whether Arrow's RE2 compiles every prefilter (the files reader needs all of them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        for p in prefilters:
            pc.match_substring_regex(pa.array(["x"]), p.pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _open(path: str) -> Any:
    from governance.storage import canonical, storage_for

    if "://" in path and not path.startswith("file://"):
        url = canonical(path)
        return storage_for(url).open_input(url)
    local = path[len("file://"):] if path.startswith("file://") else path
    if not os.path.exists(local) and "%" in local:
        local = unquote(local)
    return open(local, "rb")  # noqa: SIM115 - ParquetFile reads it; closed by the caller


def _as_strings(dictionary: "pa.Array") -> "pa.Array":
    import pyarrow as pa
    import pyarrow.compute as pc

    t = dictionary.type
    if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_date32(t) or pa.types.is_large_string(t):
        dictionary = pc.cast(dictionary, pa.string())
    if len(dictionary) and pc.max(pc.utf8_length(dictionary)).as_py() > MAX_SCAN_CHARS + 1:
        dictionary = pc.utf8_slice_codeunits(dictionary, 0, MAX_SCAN_CHARS + 1)
    return dictionary


def _count_chunk(chunk: "pa.Array", patterns: Sequence[str], into: ColumnCandidates) -> None:
    """Count one column chunk's cells into ``into``: each distinct value matched once against ``patterns``."""
    import numpy as np
    import pyarrow as pa

    if not pa.types.is_dictionary(chunk.type):
        chunk = chunk.dictionary_encode()
    valid = chunk.indices.drop_null()
    into.non_null += len(valid)
    if len(valid):
        _count_values(chunk.dictionary, np.bincount(valid.to_numpy(zero_copy_only=False), minlength=len(chunk.dictionary)),
                      patterns, into)


def _count_values(dictionary: "pa.Array", cells: Any, patterns: Sequence[str], into: ColumnCandidates) -> None:
    """Keep the values of ``dictionary`` (with ``cells`` cells each) that match any of ``patterns``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    dictionary = _as_strings(dictionary)
    masks = np.zeros(len(dictionary), dtype=np.int64)
    for j, pattern in enumerate(patterns):
        hit = pc.match_substring_regex(dictionary, pattern).to_numpy(zero_copy_only=False)
        masks |= hit.astype(np.int64) << j
    picked = np.flatnonzero((masks != 0) & (cells > 0))
    if not len(picked):
        return
    values = dictionary.take(pa.array(picked)).to_pylist()
    for v, n, mask in zip(values, cells[picked].tolist(), masks[picked].tolist()):
        into.add(v, n, mask)


#: One data file to read: its path, its rows and its partition values, from the log.
FileItem = tuple[str, int | None, dict[str, str | None]]


def _read_column(files: Sequence[FileItem], column: str, *, partition: bool, patterns: Sequence[str]) -> tuple[int, ColumnCandidates]:
    """Read ``column`` from every file (as dictionaries, a row group at a time) or, for a partition column,
    from the log's partition values and row counts; its rows and candidates. A column missing from an
    older file (added later) has only nulls there."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    into = ColumnCandidates()
    for path, log_rows, parts in files:
        if partition and log_rows is not None:
            file_rows = log_rows  # the footer holds nothing a partition column needs
        else:
            with _open(path) as fh:
                pf = pq.ParquetFile(fh)
                file_rows = pf.metadata.num_rows
                if not partition and column in pf.schema_arrow.names:
                    pf = pq.ParquetFile(fh, metadata=pf.metadata, read_dictionary=[column])
                    for rg in range(pf.metadata.num_row_groups):
                        for chunk in pf.read_row_group(rg, columns=[column]).column(column).chunks:
                            _count_chunk(chunk, patterns, into)
                        if len(into.values) > MAX_CANDIDATES:
                            raise TooManyCandidatesError(f"column {column}: more than {MAX_CANDIDATES:,} distinct candidate values")
        rows += file_rows
        if partition:
            v = parts.get(column)
            if v is not None and file_rows:
                into.non_null += file_rows
                _count_values(pa.array([v], pa.string()), np.array([file_rows]), patterns, into)
    return rows, into


def _scan_column(files: Sequence[FileItem], column: str, partition: bool, patterns: Sequence[str], entities: Sequence[str],
                 config_json: str, storage: "StorageSettings | None" = None) -> tuple[str, int, int, dict[str, Any] | None]:
    """Count one column over every file and validate its candidates with the pattern recognizers: the column,
    its rows, its non-null cells and its exact evidence as a dict (None: no candidate). Worker or job process."""
    from classification.detect import ColumnScanner
    from classification.engine import get_engine
    from classification.fullscan import patterns_only

    if storage is not None:
        from governance.storage import configure

        configure(storage)
    rows, cc = _read_column(files, column, partition=partition, patterns=patterns)
    if not cc.values:
        return column, rows, cc.non_null, None
    engine = get_engine(patterns_only(RecognizerConfig.model_validate_json(config_json)), nlp="no_op")
    sc = ColumnScanner(engine, column, sample_values=None, min_share=0.5, free_text_share=FREE_TEXT_SHARE)
    vals = list(cc.values)
    counts = [cc.values[v][0] for v in vals]
    sc.add_nulls(0, sum(counts))
    sc.feed(vals, counts, None, [frozenset(e for j, e in enumerate(entities) if cc.values[v][1] >> j & 1) for v in vals])
    sc.ev.distinct = sc.ev.values_checked
    return column, rows, cc.non_null, sc.ev.to_dict()


def scan_files(files: Sequence["DataFile"], leaves: Iterable[Leaf], *, partition_columns: Sequence[str],
               prefilters: Sequence[EntityPrefilter], config: RecognizerConfig, workers: int | None,
               parallel_min_bytes: int = PARALLEL_MIN_BYTES) -> tuple[dict[str, CandidateCounts], dict[str, ColumnEvidence]]:
    """Count and validate the pattern entities of ``leaves`` over every row of ``files`` (one Delta version).

    Each column is one task (read from every file, then validated), so a column's distinct values are
    exact and never cross processes; ``workers`` processes take the columns as they finish.

    Args:
        files: The version's live data files (from the log: no deletion vectors, no column mapping).
        leaves: The leaves to count (each :func:`arrow_readable`, or a partition column).
        partition_columns: The table's partition columns (their values come from the log).
        prefilters: One per pattern entity (each must compile in RE2: :func:`re2_compatible`).
        config: The recognizer configuration (its profilers are switched off for validation).
        workers: Worker processes (1: everything in the job's process; None: one per core when the data
            files hold ``parallel_min_bytes`` or more, else none).
        parallel_min_bytes: With ``workers`` None, tables smaller than this are read in the job's process.

    Returns:
        Per leaf name its rows and non-null cells, and the exact evidence of its validated candidates
        (leaves without a candidate have none).

    Raises:
        TooManyCandidatesError: a column's distinct candidates exceed :data:`MAX_CANDIDATES`.
    """
    from governance.children import run_in_children
    from governance.storage import current

    names = [leaf.name for leaf in leaves]
    parts = set(partition_columns)
    patterns = [p.pattern for p in prefilters]
    entities = [p.entity for p in prefilters]
    items: list[FileItem] = [(f.path, f.num_records, dict(f.partition_values)) for f in files]
    config_json = config.model_dump_json()
    if workers is None:
        workers = (os.cpu_count() or 1) if sum(f.size_bytes for f in files) >= parallel_min_bytes else 1
    n = max(1, min(workers, len(names)))
    args = [(items, c, c in parts, patterns, entities, config_json) for c in names]
    results = run_in_children(_scan_column, [(*a, current() if n > 1 else None) for a in args], workers=n,
                              label="classify --full")
    counts = {c: CandidateCounts(column=c, rows=rows, non_null=non_null) for c, rows, non_null, _ in results}
    return counts, {c: ColumnEvidence.from_dict(d) for c, _, _, d in results if d is not None}
