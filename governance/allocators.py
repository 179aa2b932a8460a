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
