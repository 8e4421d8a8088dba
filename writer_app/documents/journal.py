"""Hot exit: unsaved text is kept on disk, so a crash or kill -9 loses at most a second.

Each open document with unsaved changes has one journal file under the data dir,
rewritten atomically (a background thread does the writing) shortly after typing
stops. A clean save or close deletes it. At start-up, journal files whose process is no
longer running are what a crash left behind: Writer restores them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import write_text_atomically

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class JournalEntry:
    """One document's unsaved state, as a crash left it."""

    document_id: str
    path: str | None  # the file it belongs to; None for an untitled document
    text: str
    saved_at: float  # time.time() of the journal write
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. generation history
    file: Path | None = None  # the journal file itself


def journal_dir() -> Path:
    return paths.data_dir() / "journal"


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists but belongs to someone else
    return True


class Journal:
    """Writes and finds journal files; all writes happen on one background thread."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or journal_dir()
        self._pending: dict[str, dict[str, Any] | None] = {}  # newest state per document
        self._condition = threading.Condition()
        self._stopping = False
        self._busy = False  # a write is under way outside the lock
        self._failed: set[str] = set()  # documents whose newest state could not be written
        self._thread = threading.Thread(target=self._run, name="writer-journal", daemon=True)
        self._thread.start()

    @staticmethod
    def new_document_id() -> str:
        return uuid.uuid4().hex

    def _file(self, document_id: str) -> Path:
        return self.folder / f"{document_id}.json"

    def record(self, document_id: str, path: str | None, text: str,
               extra: dict[str, Any] | None = None) -> None:
        """Queue the document's current state; only the newest one is written."""
        state = {"version": FORMAT_VERSION, "pid": os.getpid(), "document_id": document_id,
                 "path": path, "text": text, "saved_at": time.time(), "extra": extra or {}}
        with self._condition:
            self._pending[document_id] = state
            self._condition.notify()

    def discard(self, document_id: str) -> None:
        """The document was saved or closed cleanly: forget its journal."""
        with self._condition:
            self._pending[document_id] = None
            self._condition.notify()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued is on disk (e.g. before a clean exit).

        False when that did not happen in time or a write failed (a full disk): then the
        unsaved text is NOT safe in the journal and the caller must not rely on it.
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return not self._failed

    def close(self) -> None:
        self.flush()
        with self._condition:
            self._stopping = True
            self._condition.notify()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending and not self._stopping:
                    self._condition.wait()
                if self._stopping and not self._pending:
                    return
                document_id, state = self._pending.popitem()
                self._busy = True
            try:
                self._write(document_id, state)
                self._failed.discard(document_id)
            except Exception:  # a failing disk must not kill the thread; log and carry on
                log.exception("Could not write the journal of %s", document_id)
                self._failed.add(document_id)
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _write(self, document_id: str, state: dict[str, Any] | None) -> None:
        target = self._file(document_id)
        if state is None:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            return
        write_text_atomically(target, json.dumps(state, ensure_ascii=False))

    def orphans(self) -> list[JournalEntry]:
        """Journals left by processes that are gone: what a crash did not let us save."""
        entries = []
        for file in sorted(self.folder.glob("*.json")):
            try:
                raw = json.loads(file.read_text(encoding="utf-8"))
                if raw.get("version") != FORMAT_VERSION or _process_alive(int(raw["pid"])):
                    continue
                entries.append(JournalEntry(str(raw["document_id"]), raw.get("path"),
                                            str(raw["text"]), float(raw["saved_at"]),
                                            dict(raw.get("extra") or {}), file))
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("Ignoring unreadable journal %s: %s", file, error)
        return sorted(entries, key=lambda entry: entry.saved_at)

    def adopt(self, entry: JournalEntry, document_id: str) -> None:
        """Take a recovered entry over: its text now lives under our document id."""
        self.record(document_id, entry.path, entry.text, entry.extra)
        self.flush()
        if entry.file is not None:
            with contextlib.suppress(FileNotFoundError):
                entry.file.unlink()
