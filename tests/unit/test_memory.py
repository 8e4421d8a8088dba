"""Returning freed heap to the OS: effective on glibc, a no-op elsewhere."""

from __future__ import annotations

import ctypes
import sys

import pytest

from writer_app.engine.memory import release_free_heap


def resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_small_blocks_leave_the_process():
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    blocks = [libc.malloc(1024) for _ in range(120_000)]  # ~120 MB below the mmap threshold
    for block in blocks:
        libc.memset(block, 1, 1024)
    kept = blocks[::16]  # scattered survivors: free() alone cannot shrink the heap
    for index, block in enumerate(blocks):
        if index % 16:
            libc.free(block)
    before = resident_mb()
    assert release_free_heap()
    assert resident_mb() < before - 40
    for block in kept:
        libc.free(block)


def test_release_free_heap_is_a_no_op_off_linux(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert release_free_heap() is False
