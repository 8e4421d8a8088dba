"""An OS file lock held for a process's whole life: how one Writer tells whether the
process that wrote a journal still runs.

The system drops the lock the moment its holder dies, however it dies (crash, kill -9,
power cut), so "the lock can be taken" means "the writer is gone". Unlike a process id
this cannot be fooled by a new process reusing the number, and unlike `os.kill(pid, 0)`
it works on Windows, where signal 0 is CTRL_C_EVENT and no liveness check at all. The
locking itself is `writer_app.file_lock` (flock on POSIX, msvcrt.locking on Windows).
"""

from __future__ import annotations

import errno
from pathlib import Path

from writer_app import file_lock


class LifeLock:
    """Holds the lock at `path` until `release()` or the process's death."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = self._acquire()

    def _acquire(self) -> file_lock.FileLock:
        # A checker may hold the file for an instant, or delete it (if it found it free
        # just before we locked it): retry until we hold the lock on the file at `path`.
        for _ in range(1000):
            lock = file_lock.try_lock_exclusive(self.path)
            if lock is not None:
                if lock.is_on_file_at_path():
                    return lock
                lock.release()
        raise OSError(errno.EBUSY, "cannot take the journal's lock", str(self.path))

    def release(self) -> None:
        """Give the lock up and remove its file (the owner is ending cleanly)."""
        self._lock.release(remove_file=True)


def is_held(path: Path) -> bool:
    """Whether a running process holds the lock at `path` (a missing file: no one)."""
    if not Path(path).exists():
        return False
    lock = file_lock.try_lock_exclusive(Path(path), create=False)
    if lock is None:
        return Path(path).exists()  # gone meanwhile: its owner ended cleanly
    lock.release()
    return False


def remove_if_free(path: Path) -> bool:
    """Delete a lock file its dead owner left; a held one is kept. True when removed."""
    lock = file_lock.try_lock_exclusive(Path(path), create=False)
    if lock is None:
        return False
    lock.release(remove_file=True)
    return True
