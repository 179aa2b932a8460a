"""Settings of the native allocators that run inside a job's own process.

Two native libraries allocate on their own in the job's process, outside Python's view: the embedded
engine (Sail, with a mimalloc built into it) and delta-rs (``deltalake``, with a jemalloc built
into it). By default both keep freed memory for a while, so a job that runs many engine writes and
delta-rs calls (protect's, retention's and erasure's file groups, keying millions of subjects)
grows with the number of them, not with the data each one holds. Each allocator reads its settings
from the environment once, when it starts, so they are set before the engine starts and before
delta-rs is first imported; a value the environment already has wins (set it to get a library's
own default back).
"""

from __future__ import annotations

import ctypes
import os

#: Sail's mimalloc (``pysail``), for the embedded engine only (see :func:`configure_embedded_engine`).
#: ``MIMALLOC_PURGE_DELAY=0`` returns freed pages at once (the default delay is one that idle engine
#: threads never come back to); ``MIMALLOC_ALLOW_THP=0`` turns transparent huge pages off for the
#: process and the children it starts: a 2 MB page stays resident while any block on it is in use.
EMBEDDED_ENGINE = {"MIMALLOC_PURGE_DELAY": "0", "MIMALLOC_ALLOW_THP": "0"}

#: delta-rs's jemalloc (``deltalake``; its variables carry the ``_RJEM_`` prefix). Pages freed by a
#: commit, a log read or a streamed key-table write are returned after 1 s rather than 10 s.
DELTA_RS = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:1000,muzzy_decay_ms:0"}


def _defaults(values: dict[str, str]) -> dict[str, str]:
    return {name: os.environ.setdefault(name, value) for name, value in values.items()}


def configure_embedded_engine() -> dict[str, str]:
    """Give the embedded engine's allocator :data:`EMBEDDED_ENGINE` unless the environment sets it.

    Call before the engine starts. Returns the values the engine will read.
    """
    return _defaults(EMBEDDED_ENGINE)


def configure_delta_rs() -> dict[str, str]:
    """Give delta-rs's allocator :data:`DELTA_RS` unless the environment sets it.

    Call before ``deltalake`` is first imported in the process (it has no effect afterwards).
    Returns the values delta-rs will read.
    """
    return _defaults(DELTA_RS)


#: glibc's mmap threshold for the job's process, in bytes (glibc's own starting value). glibc raises the
#: threshold each time a large mmapped block is freed; after that, blocks of that size come from the
#: heap and stay resident in fragments. Protection sends each batch to its workers and gets it back as
#: Python bytes of a few hundred KB, thousands of times per table: with the threshold fixed they stay
#: mmapped and are returned when freed (``benchmarks/scale_bench.py`` protect at 10M: 447 against 476 MB).
PYTHON_HEAP_MMAP_THRESHOLD = 128 * 1024

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h


def configure_python_heap() -> int | None:
    """Fix glibc's mmap threshold at :data:`PYTHON_HEAP_MMAP_THRESHOLD` unless ``MALLOC_MMAP_THRESHOLD_`` is set.

    Takes effect at once (``mallopt``), for the rest of the process.

    Returns:
        The threshold set, or None when left alone: the environment sets it, or the C library is not glibc.
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return None
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return PYTHON_HEAP_MMAP_THRESHOLD if mallopt(_M_MMAP_THRESHOLD, PYTHON_HEAP_MMAP_THRESHOLD) == 1 else None
