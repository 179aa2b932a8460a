"""The :class:`UsageSource` interface: where read evidence comes from.

Each source turns its evidence (Spark event logs, object-store access logs, Lakewarden's
own audit log) into *raw reads*: one row per scan of a storage location, with the
location exactly as the evidence names it. Mapping a location to a Delta table root,
partitions and columns is done once for all sources by
:class:`retention.usage.mapping.LakeMapper`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from retention.usage.sources.codecs import codec_of

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

ReadKind = Literal["business", "governance"]

#: Columns every source returns (Spark DDL). ``location`` is the storage location exactly as the
#: evidence names it (a URI, or a Spark file-index string such as ``InMemoryFileIndex(1 paths)[file:/x]``);
#: ``read_schema`` is Spark's pruned ``ReadSchema`` (NULL: columns unknown, every column counts as
#: read); ``output_columns`` the scan's output list (adds partition columns); ``bytes_read`` NULL
#: means the evidence has no byte metric (the stored bytes of what was selected are used).
RAW_READ_SCHEMA = (
    "source string, kind string, read_key string, app_id string, app_name string, user string, "
    "execution_id long, read_time timestamp, location string, "
    "partition_filters string, read_schema string, output_columns string, bytes_read long, "
    "files_read long, spark_version string, origin string"
)


@dataclass(frozen=True)
class SourceFile:
    """One evidence file and what identifies its content (for incremental ingest)."""

    path: str
    size: int
    mtime_ms: int
    #: The group that must be re-read as a whole when one member changes (a Spark application).
    group: str
    complete: bool = True


@dataclass
class SourceStats:
    """Counts of what a source read and skipped, for the ingest summary."""

    source: str
    files: int = 0
    bytes: int = 0
    lines: int = 0
    events: int = 0
    malformed: int = 0
    truncated: int = 0
    corrupt_files: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)


class UsageSource(ABC):
    """One kind of read evidence."""

    #: Stable name stored with every read (``spark_eventlog``, ``s3_access``, ``lakewarden``).
    name: ClassVar[str]

    @abstractmethod
    def discover(self) -> list[SourceFile]:
        """List the evidence files this source would read.

        Raises:
            InputError: The source path does not exist.
        """

    @abstractmethod
    def load(self, spark: "SparkSession", files: list[SourceFile], *, staging: str) -> tuple["DataFrame", SourceStats]:
        """Parse ``files`` with Spark into raw reads (:data:`RAW_READ_SCHEMA`).

        Args:
            spark: The session to parse with.
            files: The files to read (a subset of :meth:`discover`).
            staging: A scratch Delta table path this source may overwrite.

        Returns:
            The raw reads (a lazy DataFrame) and counts of what was read and skipped.
        """


#: Spark's event-log codecs compress JSON about this much; used to size rounds and partitions.
_COMPRESSION_RATIO = 6
#: Uncompressed log bytes per Spark partition of the reader.
PARTITION_BYTES = 256 << 20


def estimated_bytes(f: SourceFile) -> int:
    """Uncompressed size estimate of one evidence file."""
    return f.size * (_COMPRESSION_RATIO if codec_of(f.path) != "none" else 1)
