"""Advisory file locks, shared or exclusive, between processes, on POSIX and Windows.

Used by the converted-model cache (readers share a folder, a rebuild excludes them) and
by the crash journal (a writer holds its lock for life: `documents.lifelock`).

The system drops a lock the moment its holder dies, however it dies, so a lock that
cannot be taken always means a live holder. POSIX uses `flock` (whole file, tied to the
open file, so two opens in one process exclude each other as two processes do).
Windows' `msvcrt.locking` has no shared mode: there byte 0 is the gate and bytes
1..READER_SLOTS are reader slots. A reader passes the gate and keeps one slot; an
exclusive holder keeps the gate and every slot, which it gets only when no slot is held.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

if os.name == "nt":
    import msvcrt
else:
    import fcntl

READER_SLOTS = 256  # Windows: at most this many readers of one file at once
_WINDOWS_RETRY_S = 0.05
# What a refused non-blocking lock raises: EWOULDBLOCK on POSIX, EACCES/EDEADLOCK on Windows.
_HELD = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK,
         getattr(errno, "EDEADLOCK", errno.EDEADLK)}


class FileLock:
    """A held lock on the file at `path`; `release()` gives it up (so does dying)."""

    def __init__(self, path: Path, descriptor: int, ranges: list[tuple[int, int]]) -> None:
        self.path = path
        self._descriptor = descriptor
        self._ranges = ranges  # Windows: the (offset, length) byte ranges held

    def release(self, *, remove_file: bool = False) -> None:
        """Give the lock up; with `remove_file`, delete the lock file while still holding
        it (POSIX), so that no one else can find it free and think it theirs."""
        if self._descriptor < 0:
            return
        if remove_file and os.name != "nt":
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        with contextlib.suppress(OSError):
            if os.name == "nt":
                for offset, length in self._ranges:
                    _windows_lock(self._descriptor, msvcrt.LK_UNLCK, offset, length)
            else:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
        self._descriptor = -1
        if remove_file and os.name == "nt":  # Windows removes no open file
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def is_on_file_at_path(self) -> bool:
        """Whether the locked file is still the one at `path` (no one removed it meanwhile)."""
        try:
            return os.path.samestat(os.fstat(self._descriptor), os.stat(self.path))
        except OSError:
            return False


def lock_shared(path: Path) -> FileLock:
    """Wait for and take a shared lock: any number of holders, but no exclusive one."""
    descriptor = _open(path)
    try:
        if os.name == "nt":
            return FileLock(path, descriptor, [_windows_take_reader_slot(descriptor)])
        fcntl.flock(descriptor, fcntl.LOCK_SH)
    except BaseException:
        os.close(descriptor)
        raise
    return FileLock(path, descriptor, [])


def try_lock_exclusive(path: Path, *, create: bool = True) -> FileLock | None:
    """Take an exclusive lock now, or return None when anyone holds the file (or, without
    `create`, when there is no file to lock)."""
    try:
        descriptor = _open(path, create)
    except FileNotFoundError:
        if create:
            raise
        return None
    try:
        if os.name == "nt":
            if not _windows_try(descriptor, 0, 1):
                os.close(descriptor)
                return None
            if not _windows_try(descriptor, 1, READER_SLOTS):
                _windows_lock(descriptor, msvcrt.LK_UNLCK, 0, 1)
                os.close(descriptor)
                return None
            return FileLock(path, descriptor, [(0, 1), (1, READER_SLOTS)])
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if error.errno in _HELD:
            return None
        raise
    return FileLock(path, descriptor, [])


@contextlib.contextmanager
def shared(path: Path) -> Iterator[FileLock]:
    lock = lock_shared(path)
    try:
        yield lock
    finally:
        lock.release()


def _open(path: Path, create: bool = True) -> int:
    return os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)


def _windows_lock(descriptor: int, mode: int, offset: int, length: int) -> None:
    os.lseek(descriptor, offset, os.SEEK_SET)
    msvcrt.locking(descriptor, mode, length)


def _windows_try(descriptor: int, offset: int, length: int) -> bool:
    try:
        _windows_lock(descriptor, msvcrt.LK_NBLCK, offset, length)
    except OSError as error:
        if error.errno in _HELD:
            return False
        raise
    return True


def _windows_take_reader_slot(descriptor: int) -> tuple[int, int]:
    """Pass the gate (waiting while an exclusive holder has it), keep a free slot."""
    while True:
        if _windows_try(descriptor, 0, 1):
            try:
                for slot in random.sample(range(1, READER_SLOTS + 1), READER_SLOTS):
                    if _windows_try(descriptor, slot, 1):
                        return (slot, 1)
            finally:
                _windows_lock(descriptor, msvcrt.LK_UNLCK, 0, 1)
        time.sleep(_WINDOWS_RETRY_S)  # msvcrt cannot wait for a byte range itself
