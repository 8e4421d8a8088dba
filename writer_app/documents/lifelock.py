"""An OS file lock held for a process's whole life: how one Writer tells whether the
process that wrote a journal still runs.

The system drops the lock the moment its holder dies, however it dies (crash, kill -9,
power cut), so "the lock can be taken" means "the writer is gone". Unlike a process id
this cannot be fooled by a new process reusing the number, and unlike `os.kill(pid, 0)`
it works on Windows, where signal 0 is CTRL_C_EVENT and no liveness check at all.
POSIX uses `flock` (whole-file, tied to the open file, never inherited across exec);
Windows uses `msvcrt.locking` on the file's first byte.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

if os.name == "nt":
    import msvcrt
else:
    import fcntl

# What a refused non-blocking lock raises: EWOULDBLOCK on POSIX, EACCES/EDEADLOCK on Windows.
_HELD = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK,
         getattr(errno, "EDEADLOCK", errno.EDEADLK)}


def _try_lock(descriptor: int) -> bool:
    try:
        if os.name == "nt":
            os.lseek(descriptor, 0, os.SEEK_SET)
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in _HELD:
            return False
        raise
    return True


def _unlock(descriptor: int) -> None:
    with contextlib.suppress(OSError):
        if os.name == "nt":
            os.lseek(descriptor, 0, os.SEEK_SET)
            msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


class LifeLock:
    """Holds the lock at `path` until `release()` or the process's death."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._descriptor = self._acquire()

    def _acquire(self) -> int:
        # A checker may hold the file for an instant, or delete it (if it found it free
        # just before we locked it): retry until we hold the lock on the file at `path`.
        for _ in range(1000):
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if _try_lock(descriptor) and _is_same_file(descriptor, self.path):
                return descriptor
            os.close(descriptor)
        raise OSError(errno.EBUSY, "cannot take the journal's lock", str(self.path))

    def release(self) -> None:
        """Give the lock up and remove its file (the owner is ending cleanly)."""
        if self._descriptor < 0:
            return
        if os.name != "nt":  # POSIX: remove while still holding, so no one sees it free
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        _unlock(self._descriptor)
        os.close(self._descriptor)
        self._descriptor = -1
        if os.name == "nt":  # Windows cannot remove a file that is still open
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _is_same_file(descriptor: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except OSError:
        return False


def is_held(path: Path) -> bool:
    """Whether a running process holds the lock at `path` (a missing file: no one)."""
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        if not _try_lock(descriptor):
            return True
        _unlock(descriptor)
        return False
    finally:
        os.close(descriptor)


def remove_if_free(path: Path) -> bool:
    """Delete a lock file its dead owner left; a held one is kept. True when removed."""
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        if not _try_lock(descriptor):
            return False
        if os.name != "nt":
            with contextlib.suppress(OSError):
                os.unlink(path)
        _unlock(descriptor)
    finally:
        os.close(descriptor)
    if os.name == "nt":
        with contextlib.suppress(OSError):
            os.unlink(path)
    return True
