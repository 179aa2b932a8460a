"""The native allocators' settings: given unless the environment has them, before the libraries start."""

from __future__ import annotations

import os

import pytest

from governance import allocators


def test_delta_rs_allocator_gets_the_short_decay_when_the_environment_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    assert allocators.configure_delta_rs() == allocators.DELTA_RS
    assert os.environ["_RJEM_MALLOC_CONF"] == allocators.DELTA_RS["_RJEM_MALLOC_CONF"]


def test_delta_rs_allocator_keeps_a_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000")
    assert allocators.configure_delta_rs() == {"_RJEM_MALLOC_CONF": "dirty_decay_ms:10000"}


def test_embedded_engine_allocator_keeps_each_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIMALLOC_ALLOW_THP", "1")
    monkeypatch.delenv("MIMALLOC_PURGE_DELAY", raising=False)
    assert allocators.configure_embedded_engine() == {"MIMALLOC_PURGE_DELAY": "0", "MIMALLOC_ALLOW_THP": "1"}


def test_cli_sets_the_delta_rs_allocator_before_parsing_its_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    from jobs.cli import main

    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    with pytest.raises(SystemExit):
        main(["--help"])
    assert os.environ["_RJEM_MALLOC_CONF"] == allocators.DELTA_RS["_RJEM_MALLOC_CONF"]


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_python_heap_gets_a_fixed_mmap_threshold_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert allocators.configure_python_heap() == allocators.PYTHON_HEAP_MMAP_THRESHOLD == 128 * 1024


def test_python_heap_keeps_a_threshold_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert allocators.configure_python_heap() is None
