"""Bounded retries of a table write that lost a commit race to another writer.

A :class:`~governance.errors.ConcurrentWriteError` means another writer changed the same files (or
the schema) first; the write is read again and retried with exponential backoff and jitter, a
bounded number of times (``engine.commit_attempts``), then fails with exit 75 and what to do.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from governance.errors import ConcurrentWriteError

T = TypeVar("T")
log = logging.getLogger(__name__)


def with_conflict_retries(fn: Callable[[], T], *, what: str, attempts: int, base_s: float = 0.2, cap_s: float = 5.0,
                          on_retry: Callable[[int, ConcurrentWriteError], None] | None = None) -> T:
    """Run ``fn`` (which reads the table afresh each time) until it commits, at most ``attempts`` times.

    Args:
        fn: One complete read-transform-commit of the table.
        what: The table and operation, for messages.
        attempts: Tries in all (at least 1).
        base_s: First backoff; doubled each retry, capped at ``cap_s``, with jitter.
        on_retry: Told of each retry (attempt number starting at 2, the conflict).

    Raises:
        ConcurrentWriteError: Every attempt lost to another writer (exit 75: rerun later).
    """
    last: ConcurrentWriteError | None = None
    for n in range(1, max(1, attempts) + 1):
        try:
            return fn()
        except ConcurrentWriteError as exc:
            last = exc
            if n == attempts:
                break
            delay = min(cap_s, base_s * 2 ** (n - 1)) * (0.5 + random.random())
            log.info("%s: conflict with another writer (attempt %d of %d), retrying in %.2fs: %s", what, n, attempts, delay, exc)
            if on_retry is not None:
                on_retry(n + 1, exc)
            time.sleep(delay)
    raise ConcurrentWriteError(
        f"{what}: gave up after {attempts} attempt(s), each lost to another writer changing the same files "
        f"({last}); nothing of the failed attempts was committed. Rerun later, or pause the other writer "
        "(engine.commit_attempts sets the number of attempts)"
    )
