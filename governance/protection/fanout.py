"""Protection's per-value work on every core when the engine runs Python UDFs in this process.

The embedded engine (Sail) calls Arrow UDFs on its own threads inside the job's process, so
under the GIL tokenization, hashing and encryption get one core however many the machine has.
Here each Arrow batch is cut into one slice per worker process; a slice travels as Arrow IPC
bytes (no pickled lists of values), the worker applies the transform and sends the result back
the same way. The workers are this process's own children (``python -m
governance.protection.fanout``, talking over two pipes each): they import nothing of the job's
main module, so any script may protect. The transform (with its key bytes) is pickled to a worker
once per job and kept in its memory only; key material is never written anywhere, and a
worker's error reports only the exception's type (a message could quote a value).

On classic Spark and on a Spark Connect cluster each task already has its own Python worker:
nothing is fanned out there (:func:`workers_for` returns 0).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from governance.children import start_child, stop_child
from governance.errors import EngineError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: A batch shorter than this is transformed in this process (the round trip would cost more).
MIN_FANOUT_ROWS = 2048

_lock = threading.Lock()
_workers: list["_Worker"] = []
_threads: ThreadPoolExecutor | None = None


def workers_for(spark: "SparkSession", *, configured: int | None = None) -> int:
    """Worker processes for the per-value work of ``spark``'s UDFs: 0 unless it is the embedded engine.

    Args:
        spark: The session the UDFs run in.
        configured: ``engine.udf_processes`` (None: one per core; 0: none).
    """
    from governance.engine import is_embedded

    if not is_embedded(spark):
        return 0
    if configured is not None:
        return max(0, configured)
    return os.cpu_count() or 1


class _Worker:
    """One child process and its two pipes; one request at a time."""

    def __init__(self) -> None:
        self.proc, self.out, self.inp = start_child("governance.protection.fanout")
        self.lock = threading.Lock()
        self.known: bytes | None = None

    def run(self, digest: bytes, payload: bytes, data: bytes) -> bytes:
        with self.lock:
            try:
                self.out.send_bytes(pickle.dumps((digest, None if self.known == digest else payload, data)))
                ok, result = pickle.loads(self.inp.recv_bytes())
            except (EOFError, OSError):
                code = self.proc.poll()
                raise EngineError(f"a protection worker process ended unexpectedly (exit code {code}); "
                                  "nothing was committed; set engine.udf_processes: 0 to protect in the engine's process") from None
            self.known = digest
        if not ok:
            raise EngineError(f"a protection worker process failed: {result}; nothing was committed")
        return bytes(result)

    def stop(self) -> None:
        stop_child(self.proc, self.out, self.inp)


def _pool(workers: int) -> tuple[list[_Worker], ThreadPoolExecutor]:
    global _threads
    with _lock:
        alive = [w for w in _workers if w.proc.poll() is None]
        if len(alive) != len(_workers):
            for w in _workers:
                if w not in alive:
                    w.stop()
            _workers[:] = alive
        while len(_workers) < workers:
            _workers.append(_Worker())
        if _threads is None:
            _threads = ThreadPoolExecutor(max_workers=4 * max(workers, 2), thread_name_prefix="lw-fanout")
        return list(_workers[:workers]), _threads


def shutdown() -> None:
    """Stop the worker processes (they start again on the next fanned-out batch)."""
    global _threads
    with _lock:
        workers, _workers[:] = list(_workers), []
        threads, _threads = _threads, None
    for w in workers:
        w.stop()
    if threads is not None:
        threads.shutdown(wait=True)


def started() -> int:
    """How many worker processes are running now."""
    with _lock:
        return sum(1 for w in _workers if w.proc.poll() is None)


atexit.register(shutdown)


def _to_ipc(arrays: list[pa.Array]) -> bytes:
    batch = pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue().to_pybytes())


def _from_ipc(data: bytes) -> list[pa.Array]:
    table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    return [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in table.columns]


@dataclass(frozen=True)
class Step:
    """One output column of a fanned-out batch: ``transform.apply`` over the argument columns ``args``."""

    transform: Any
    args: tuple[int, ...]


def _apply_steps(steps: Sequence[Step], columns: list[pa.Array]) -> list[pa.Array]:
    values = [c.to_pylist() for c in columns]
    return [pa.array(s.transform.apply(*[values[i] for i in s.args]), pa.string()) for s in steps]


def submit(steps: Sequence[Step], arrays: list[pa.Array], *, workers: int) -> Callable[[], list[pa.Array]]:
    """Start ``steps`` over ``arrays`` (the argument columns of one batch), sliced across ``workers`` processes.

    One request per slice carries every column of the batch, and the call returns at once: the
    caller reads its next batch while the workers transform this one. Short batches (or
    ``workers`` 0) are transformed in this process.

    Returns:
        A function that waits for the results: one string array per step, in row order.

    Raises:
        EngineError: (from the returned function) a worker process failed or ended; nothing is
            committed by the job then.
    """
    n = len(arrays[0])
    if workers <= 0 or n < MIN_FANOUT_ROWS:
        done = _apply_steps(steps, arrays)
        return lambda: done
    payload = pickle.dumps(list(steps), protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).digest()
    procs, threads = _pool(workers)
    step = -(-n // workers)
    slices = [_to_ipc([a.slice(i, step) for a in arrays]) for i in range(0, n, step)]
    futures = [threads.submit(procs[k % len(procs)].run, digest, payload, s) for k, s in enumerate(slices)]

    def _wait() -> list[pa.Array]:
        parts = [_from_ipc(f.result()) for f in futures]
        return [pa.concat_arrays([p[k] for p in parts]) if len(parts) > 1 else parts[0][k] for k in range(len(steps))]

    return _wait


def _serve(read_fd: int, write_fd: int) -> None:
    """The worker loop: one (digest, steps or None, IPC slice) in, one (ok, IPC or error type) out."""
    inp, out = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    current: tuple[bytes, Any] | None = None
    while True:
        try:
            digest, payload, data = pickle.loads(inp.recv_bytes())
        except EOFError:
            return
        try:
            if current is None or current[0] != digest:
                current = (digest, pickle.loads(payload))  # one job's steps at a time
            reply: tuple[bool, Any] = (True, _to_ipc(_apply_steps(current[1], _from_ipc(data))))
        except Exception as exc:  # noqa: BLE001 - reported by type only: a message could quote a value
            reply = (False, type(exc).__name__)
        out.send_bytes(pickle.dumps(reply))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
