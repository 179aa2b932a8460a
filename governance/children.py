"""Run a module-level function over many argument tuples in this process's own child processes.

``multiprocessing``'s spawn start method imports the job's main module again in every child (a
``spark-submit`` script without an ``if __name__ == "__main__"`` guard would run twice) and fork is
unsafe in a process that runs the embedded engine's threads. These children are started as
``python -m governance.children`` and talk over two pipes each: each task names the function by
module and name, its arguments and result travel pickled between this process and its own
children, never elsewhere. A task's error comes back as the error itself when it is a
:class:`~governance.errors.LakewardenError` (their messages name tables and columns, never values)
and by exception type only otherwise (a message could quote a value).
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from governance.errors import EngineError, LakewardenError

T = TypeVar("T")


def start_child(module: str) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """Start ``python -m module <read fd> <write fd>`` with this process's import path; returns it with
    the connection to send to it and the one to receive from it."""
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen(
        [sys.executable, "-m", module, str(to_child_r), str(from_child_w)],
        pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env=env, close_fds=True,
    )
    os.close(to_child_r)
    os.close(from_child_w)
    return proc, Connection(to_child_w, readable=False), Connection(from_child_r, writable=False)


def stop_child(proc: subprocess.Popen[bytes], *conns: Connection) -> None:
    """Close the pipes (the child's loop ends at end of input) and wait for it; kill it after 5 s."""
    for c in conns:
        try:
            c.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class _Child:
    def __init__(self) -> None:
        self.proc, self.out, self.inp = start_child("governance.children")

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], label: str) -> Any:
        try:
            self.out.send_bytes(pickle.dumps((fn.__module__, fn.__qualname__, args), protocol=pickle.HIGHEST_PROTOCOL))
            ok, result = pickle.loads(self.inp.recv_bytes())
        except (EOFError, OSError):
            raise EngineError(f"a {label} worker process ended unexpectedly (exit code {self.proc.poll()})") from None
        if ok:
            return result
        if isinstance(result, LakewardenError):
            raise result
        raise EngineError(f"a {label} worker process failed: {result}")

    def stop(self) -> None:
        stop_child(self.proc, self.out, self.inp)


def run_in_children(fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]], *, workers: int, label: str) -> list[T]:
    """``[fn(*t) for t in tasks]``, computed by ``workers`` child processes taking tasks as they finish.

    Args:
        fn: A module-level function (the children import its module).
        tasks: Its argument tuples (picklable).
        workers: Child processes (1 or fewer, or one task: run here).
        label: What the work is, for error messages.

    Raises:
        LakewardenError: A task raised one (re-raised as is).
        EngineError: A task raised anything else (by type only), or a child ended.
    """
    if workers <= 1 or len(tasks) <= 1:
        return [fn(*t) for t in tasks]
    n = min(workers, len(tasks))
    children = [_Child() for _ in range(n)]
    results: list[Any] = [None] * len(tasks)
    queue = list(enumerate(tasks))
    queue.reverse()

    def drain(child: _Child) -> None:
        while queue:
            try:
                i, t = queue.pop()
            except IndexError:
                return
            try:
                results[i] = child.call(fn, t, label)
            except BaseException:
                queue.clear()  # the other children stop after their current task
                raise

    try:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="lw-children") as threads:
            for f in [threads.submit(drain, c) for c in children]:
                f.result()
    finally:
        queue.clear()
        for c in children:
            c.stop()
    return results


def _serve(read_fd: int, write_fd: int) -> None:
    """The child's loop: one (module, name, args) in, one (ok, result or error) out."""
    inp, out = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    while True:
        try:
            module, name, args = pickle.loads(inp.recv_bytes())
        except EOFError:
            return
        try:
            fn: Any = importlib.import_module(module)
            for part in name.split("."):
                fn = getattr(fn, part)
            reply: tuple[bool, Any] = (True, fn(*args))
        except LakewardenError as exc:
            reply = (False, exc)
        except Exception as exc:  # noqa: BLE001 - reported by type only: a message could quote a value
            reply = (False, type(exc).__name__)
        try:
            out.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError):
            out.send_bytes(pickle.dumps((False, type(reply[1]).__name__)))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
