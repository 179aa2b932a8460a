"""governance.children: tasks in this process's own child processes, results in order, errors without values."""

from __future__ import annotations

import os

import pytest

from governance.children import run_in_children
from governance.errors import EngineError, InputError


def square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def fail_on(x: int, bad: int, kind: str) -> int:
    if x == bad:
        if kind == "input":
            raise InputError(f"row {x} is bad")
        raise ValueError("secret value 4111111111111111")
    return x


def test_results_come_back_in_task_order_from_child_processes() -> None:
    out = run_in_children(square_and_pid, [(i,) for i in range(9)], workers=2, label="test")
    assert [r for r, _ in out] == [i * i for i in range(9)]
    pids = {p for _, p in out}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_one_worker_runs_in_this_process() -> None:
    out = run_in_children(square_and_pid, [(3,), (4,)], workers=1, label="test")
    assert out == [(9, os.getpid()), (16, os.getpid())]


def test_a_lakewarden_error_comes_back_as_itself() -> None:
    with pytest.raises(InputError, match="row 3 is bad"):
        run_in_children(fail_on, [(i, 3, "input") for i in range(6)], workers=2, label="test")


def test_another_error_is_reported_by_type_only_never_its_message() -> None:
    with pytest.raises(EngineError) as info:
        run_in_children(fail_on, [(i, 2, "value") for i in range(6)], workers=2, label="audit")
    assert "ValueError" in str(info.value) and "4111" not in str(info.value) and "audit" in str(info.value)
