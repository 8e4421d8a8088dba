"""Crashes for the hot-exit tests: a real Writer process killed with SIGKILL once its
journal holds what it typed."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def journaled(journal_folder: Path) -> list[Any]:
    """The state each journal in the folder replays to (None for one that holds none)."""
    from writer_app.documents.journal_records import replay

    return [replay(f.read_bytes()) for f in journal_folder.glob("*.journal")]


def kill_once_journaled(child: subprocess.Popen[str], journal_folder: Path,
                        ready: Callable[[list[Any]], bool]) -> None:
    """Wait for the child's "TYPED", then until `ready(journaled states)`, then SIGKILL it
    (killed as soon as the journal holds the text: how soon is the unit tests' job)."""
    try:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().strip() == "TYPED", child.stderr.read()
        deadline = time.monotonic() + 30
        while not ready([s for s in journaled(journal_folder) if s is not None]):
            assert time.monotonic() < deadline and child.poll() is None, "never journaled"
            time.sleep(0.02)  # another process writes it: no signal reaches this one
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
