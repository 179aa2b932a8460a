"""Protection's per-value work sliced across worker processes gives exactly the in-process result."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pyarrow as pa
import pytest

from governance.protection import fanout
from governance.protection.transforms import HashTransform, MaskTransform, TokenTransform


@pytest.fixture(scope="module", autouse=True)
def _stop_workers() -> Iterator[None]:
    yield
    fanout.shutdown()


def _apply(transform: object, arrays: list[pa.Array], *, workers: int) -> pa.Array:
    """One transform over ``arrays`` through the worker processes (a batch of one output column)."""
    return fanout.submit([fanout.Step(transform, tuple(range(len(arrays))))], arrays, workers=workers)()[0]


def _values(n: int) -> pa.Array:
    return pa.array([None if i % 7 == 0 else f"user{i % 900}@example.test" for i in range(n)], pa.string())


@pytest.mark.parametrize("transform", [
    TokenTransform("pii", 1, os.urandom(64), "s"),
    HashTransform("pii", 2, os.urandom(32), "s"),
    MaskTransform(1, 2, "*", "s"),
], ids=["token", "hash", "mask"])
def test_fanned_out_batch_equals_the_in_process_result_in_row_order(transform: object) -> None:
    values = _values(10_001)
    got = _apply(transform, [values], workers=2)
    assert got.type == pa.string() and len(got) == len(values)
    assert got.to_pylist() == transform.apply(values.to_pylist())  # type: ignore[attr-defined]
    assert got.null_count == values.null_count


def test_short_batch_stays_in_this_process() -> None:
    fanout.shutdown()
    t = TokenTransform("pii", 1, os.urandom(64), "s")
    got = _apply(t, [_values(fanout.MIN_FANOUT_ROWS - 1)], workers=2)
    assert got.to_pylist() == t.apply(_values(fanout.MIN_FANOUT_ROWS - 1).to_pylist())
    assert fanout.started() == 0


def test_a_new_key_in_the_same_workers_gives_that_keys_tokens() -> None:
    a, b = TokenTransform("pii", 1, os.urandom(64), "s"), TokenTransform("pii", 1, os.urandom(64), "s")
    values = _values(5000)
    first = _apply(a, [values], workers=2).to_pylist()
    second = _apply(b, [values], workers=2).to_pylist()
    assert first == a.apply(values.to_pylist()) and second == b.apply(values.to_pylist()) and first != second


def test_no_workers_outside_the_embedded_engine() -> None:
    assert fanout.workers_for(object(), configured=None) == 0  # type: ignore[arg-type]


class _Exploding:
    def apply(self, values: list[str | None]) -> list[str | None]:
        raise ValueError(f"cannot handle {values[0]}")


def test_worker_failure_names_the_error_type_never_the_value() -> None:
    from governance.errors import EngineError

    with pytest.raises(EngineError) as err:
        _apply(_Exploding(), [_values(5000)], workers=2)
    assert "ValueError" in str(err.value) and "example.test" not in str(err.value)
    t = TokenTransform("pii", 1, os.urandom(64), "s")
    assert _apply(t, [_values(5000)], workers=2).to_pylist() == t.apply(_values(5000).to_pylist())


def test_a_killed_worker_is_an_engine_error_and_the_next_batch_gets_a_new_one() -> None:
    from governance.errors import EngineError

    t = TokenTransform("pii", 1, os.urandom(64), "s")
    _apply(t, [_values(5000)], workers=2)
    fanout._workers[0].proc.kill()
    fanout._workers[0].proc.wait()
    with pytest.raises(EngineError, match="ended unexpectedly"):
        for w in list(fanout._workers):
            w.run(b"x", b"", b"")
    assert _apply(t, [_values(5000)], workers=2).to_pylist() == t.apply(_values(5000).to_pylist())
    assert fanout.started() == 2


def test_per_subject_encryption_fanned_out_uses_each_subjects_key_in_row_order() -> None:
    from governance.protection.transforms import Revealer, SubjectKeying, SubjectTransform

    keying = SubjectKeying(secret=os.urandom(32))
    values = _values(10_001)
    subjects = pa.array([f"c{i % 1234}" for i in range(len(values))], pa.string())
    got = _apply(SubjectTransform(keying, "s"), [values, subjects], workers=2).to_pylist()
    assert len(got) == len(values)
    keys = {keying.key_of(f"c{i}")[0]: keying.key_of(f"c{i}")[1] for i in range(1234)}
    assert Revealer({}, {}, keys).apply(got) == values.to_pylist()  # randomized: compared through decryption
    assert all(g is None or g.split(":")[2] == keying.key_of(s)[0] for g, s in zip(got, subjects.to_pylist(), strict=True))


def test_one_request_for_several_columns_gives_each_columns_in_process_result_in_row_order() -> None:
    from governance.protection.transforms import Revealer, SubjectKeying, SubjectTransform

    token, mask = TokenTransform("pii", 1, os.urandom(64), "s"), MaskTransform(1, 2, "*", "s")
    keying = SubjectKeying(secret=os.urandom(32))
    values = _values(10_001)
    other = pa.array([f"+44 20 7{i:07d}" for i in range(len(values))], pa.string())
    subjects = pa.array([f"c{i % 321}" for i in range(len(values))], pa.string())
    steps = [fanout.Step(token, (0,)), fanout.Step(mask, (1,)), fanout.Step(SubjectTransform(keying, "s"), (0, 2))]
    wait = fanout.submit(steps, [values, other, subjects], workers=2)
    got = wait()
    assert [len(g) for g in got] == [len(values)] * 3 and all(g.type == pa.string() for g in got)
    assert got[0].to_pylist() == token.apply(values.to_pylist())
    assert got[1].to_pylist() == mask.apply(other.to_pylist())
    keys = {keying.key_of(f"c{i}")[0]: keying.key_of(f"c{i}")[1] for i in range(321)}
    assert Revealer({}, {}, keys).apply(got[2].to_pylist()) == values.to_pylist()


def test_several_batches_in_flight_come_back_each_with_its_own_values() -> None:
    t = TokenTransform("pii", 1, os.urandom(64), "s")
    batches = [pa.array([f"b{b}-{i}" for i in range(3000 + b)], pa.string()) for b in range(4)]
    waits = [fanout.submit([fanout.Step(t, (0,))], [v], workers=2) for v in batches]  # all started before any is read
    assert [w()[0].to_pylist() for w in reversed(waits)] == [t.apply(v.to_pylist()) for v in reversed(batches)]


def test_a_failing_column_fails_the_whole_request_with_its_type_only() -> None:
    from governance.errors import EngineError

    t = TokenTransform("pii", 1, os.urandom(64), "s")
    wait = fanout.submit([fanout.Step(t, (0,)), fanout.Step(_Exploding(), (0,))], [_values(5000)], workers=2)
    with pytest.raises(EngineError, match="ValueError") as err:
        wait()
    assert "example.test" not in str(err.value)
