"""Hot exit: unsaved text is kept on disk, so a crash or kill -9 loses at most a second.

Each open document has a journal file under the data dir: a snapshot of its text, then
the edits made since, appended about once a second (`DocumentJournal`). Per keystroke
the window only records the edit in memory, in time proportional to the edit; one
background thread does all the writing. A journal whose edit log has grown past its
snapshot is compacted into a fresh snapshot by that thread. A clean close deletes it.

Whether a journal's writer still runs is told by an OS file lock each `Journal` holds
for its whole life (see `lifelock`): at start-up, journals whose lock can be taken are
what a crash left behind, and Writer restores those with unsaved changes.

`Journal.record` (a whole-text write per call, the `<id>.json` files of format 1) is
kept for callers that have not moved to `DocumentJournal`.
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
from writer_app.atomic import write_bytes_atomically
from writer_app.documents import lifelock
from writer_app.documents.journal_records import (
    JournalState,
    edits_record,
    replay,
    snapshot_record,
    utf16_length,
)

log = logging.getLogger(__name__)
FORMAT_VERSION = 1  # of the whole-text `<id>.json` files `record` writes
_PRIVATE = 0o600  # journals hold the user's unsaved text
# An edit log longer than its snapshot (and than this) is compacted into a new snapshot.
COMPACT_MIN_BYTES = 256 * 1024


@dataclass(frozen=True)
class JournalEntry:
    """One document's unsaved state, as a crash left it."""

    document_id: str
    path: str | None  # the file it belongs to; None for an untitled document
    text: str
    saved_at: float  # time.time() of the journal write
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. generation history
    file: Path | None = None  # the journal file itself
    cursor: int | None = None  # the cursor's position (UTF-16 units), when it was kept


def journal_dir() -> Path:
    return paths.data_dir() / "journal"


class DocumentJournal:
    """The journal of one open document. Call from one thread (the window's):

    - `snapshot(text, cursor, ...)` at open, save and restore: the whole text, written
      by the background thread (the caller pays only for handing the string over);
    - `edit(position, removed, inserted)` for every change, in the editor's positions
      (UTF-16 code units, as QTextDocument.contentsChange reports them; `removed` is a
      count, `inserted` the new text): kept in memory, cost proportional to the edit;
    - `move_cursor`, `set_modified`, `set_path`, `set_extra`: small state, kept with
      the next flush;
    - `flush()` within a second of an edit: hands the pending edits to the writer;
    - `discard()` when the document closes cleanly.

    Edits made before the first snapshot are ignored (there is nothing to replay them
    on): `needs_snapshot` says when the window must call `snapshot`.
    """

    def __init__(self, journal: Journal, document_id: str) -> None:
        self.journal = journal
        self.document_id = document_id
        self.file = journal.folder / f"{document_id}.journal"
        self._lock = threading.Lock()
        self._edits: list[list[Any]] = []  # [position, removed, [inserted pieces], units]
        self._state: dict[str, Any] = {}  # cursor / modified / path / extra since the flush
        self._has_snapshot = False
        self._path: str | None = None

    @property
    def needs_snapshot(self) -> bool:
        """True until a snapshot was given, or again when its file could not be trusted."""
        return not self._has_snapshot

    def snapshot(self, text: str, cursor: int | None = None, *, path: str | None = None,
                 modified: bool = True, extra: dict[str, Any] | None = None) -> None:
        """Start the journal afresh from the whole `text` (replacing what was pending)."""
        meta = {"owner": self.journal.owner, "document_id": self.document_id, "path": path,
                "cursor": cursor, "modified": modified, "saved_at": time.time(),
                "extra": extra or {}}
        with self._lock:
            self._edits.clear()
            self._state.clear()
            self._has_snapshot = True
            self._path = path
        self.journal._enqueue(self, ("snapshot", meta, text), replace=True)

    def edit(self, position: int, removed: int, inserted: str) -> None:
        """Record one change: `removed` units at `position` went, `inserted` came."""
        if not self._has_snapshot:
            return
        with self._lock:
            last = self._edits[-1] if self._edits else None
            if last is not None and removed == 0 and position == last[0] + last[3]:
                last[2].append(inserted)  # typing on: one edit grows, not one per key
                last[3] += utf16_length(inserted)
            else:
                self._edits.append([position, removed, [inserted], utf16_length(inserted)])
            self._state["modified"] = True

    def move_cursor(self, cursor: int | None) -> None:
        with self._lock:
            self._state["cursor"] = cursor

    def set_modified(self, modified: bool) -> None:
        """False after a save (or an undo back to the saved text): nothing to restore."""
        with self._lock:
            self._state["modified"] = modified

    def set_path(self, path: str | None) -> None:
        with self._lock:
            self._state["path"] = self._path = path

    def set_extra(self, extra: dict[str, Any]) -> None:
        with self._lock:
            self._state["extra"] = dict(extra)

    def flush(self) -> None:
        """Hand what changed since the last flush to the writer thread (cheap)."""
        with self._lock:
            if not self._has_snapshot or not (self._edits or self._state):
                return
            edits = [[p, r, "".join(pieces)] for p, r, pieces, _ in self._edits]
            batch = {"edits": edits, "saved_at": time.time(), **self._state}
            self._edits.clear()
            self._state.clear()
        self.journal._enqueue(self, ("edits", batch))

    def discard(self) -> None:
        """The document was closed cleanly: delete its journal."""
        with self._lock:
            self._edits.clear()
            self._state.clear()
            self._has_snapshot = False
        self.journal._enqueue(self, ("discard",), replace=True)

    def _lost_base(self) -> None:
        """The file on disk is gone or damaged: edits cannot follow until a snapshot."""
        with self._lock:
            self._has_snapshot = False
            self._edits.clear()
            self._state.clear()


class _Queue:
    """The writer thread's work for one document, in order, and what is on disk."""

    def __init__(self, owner: DocumentJournal | None) -> None:
        self.owner = owner
        self.operations: list[tuple[Any, ...]] = []
        self.good_size = -1  # bytes of the journal file known intact; -1: no base
        self.snapshot_size = 0
        self.failed = False


class Journal:
    """The journals of one process: holds the life lock, writes on one background thread,
    and finds what dead processes left.

    The thread and the lock are taken at the first write, so a Journal made only to look
    for orphans costs nothing and leaves nothing running.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or journal_dir())
        self.owner = uuid.uuid4().hex
        self._life: lifelock.LifeLock | None = None  # held before any file of ours exists
        self._thread: threading.Thread | None = None
        self._documents: dict[str, DocumentJournal] = {}
        self._queues: dict[str, _Queue] = {}
        self._ready: list[str] = []  # documents with work for the thread, in order
        self._condition = threading.Condition()
        self._stopping = False
        self._busy = False  # a write is under way outside the lock

    @staticmethod
    def new_document_id() -> str:
        return uuid.uuid4().hex

    def document(self, document_id: str) -> DocumentJournal:
        """The incremental journal of one document (made on first use)."""
        with self._condition:
            found = self._documents.get(document_id)
            if found is None:
                found = self._documents[document_id] = DocumentJournal(self, document_id)
            return found

    # ---- the whole-text API (format 1) ------------------------------------------------

    def record(self, document_id: str, path: str | None, text: str,
               extra: dict[str, Any] | None = None, cursor: int | None = None) -> None:
        """Queue the document's whole current state; only the newest one is written."""
        state = {"version": FORMAT_VERSION, "owner": self.owner, "pid": os.getpid(),
                 "document_id": document_id, "path": path, "text": text, "cursor": cursor,
                 "saved_at": time.time(), "extra": extra or {}}
        self._enqueue_for(document_id, None, ("whole", state), replace=True)

    def discard(self, document_id: str) -> None:
        """The document was saved or closed cleanly: forget its journal."""
        document = self._documents.get(document_id)
        if document is not None:
            document.discard()
        else:
            self._enqueue_for(document_id, None, ("discard",), replace=True)

    # ---- writing ------------------------------------------------------------------------

    def _enqueue(self, document: DocumentJournal, operation: tuple[Any, ...],
                 replace: bool = False) -> None:
        self._enqueue_for(document.document_id, document, operation, replace)

    def _enqueue_for(self, document_id: str, owner: DocumentJournal | None,
                     operation: tuple[Any, ...], replace: bool) -> None:
        with self._condition:
            queue = self._queues.get(document_id)
            if queue is None:
                queue = self._queues[document_id] = _Queue(owner)
            queue.owner = queue.owner or owner
            if replace:  # a whole new state supersedes whatever was still waiting
                queue.operations.clear()
            queue.operations.append(operation)
            queue.failed = False
            if document_id not in self._ready:
                self._ready.append(document_id)
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="writer-journal",
                                                daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Hand every document's pending edits over and wait until all is on disk.

        False when that did not happen in time or a write failed (a full disk): then the
        unsaved text is NOT safe in the journal and the caller must not rely on it. A
        failed write is retried at the next flush.
        """
        for document in list(self._documents.values()):
            document.flush()
        deadline = time.monotonic() + timeout
        with self._condition:
            for document_id, queue in self._queues.items():  # retry what failed before
                if queue.failed and queue.operations and document_id not in self._ready:
                    queue.failed = False
                    self._ready.append(document_id)
            self._condition.notify_all()
            while (self._ready or self._busy) and self._thread is not None \
                    and self._thread.is_alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return not any(queue.failed for queue in self._queues.values())

    def close(self) -> None:
        """Write what is pending, stop the thread and give up the life lock: journals
        still here (a hot-exit close) are then what the next start restores."""
        self.flush()
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._life is not None:
            self._life.release()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._ready and not self._stopping:
                    self._condition.wait()
                if not self._ready:
                    return
                document_id = self._ready.pop(0)
                queue = self._queues[document_id]
                if not queue.operations:
                    continue
                operation = queue.operations[0]
                self._busy = True
            try:
                self._write(document_id, queue, operation)
                done = True
            except Exception:  # a failing disk must not kill the thread; log and carry on
                log.exception("Could not write the journal of %s", document_id)
                done = False
            with self._condition:
                self._busy = False
                if done:
                    if queue.operations and queue.operations[0] is operation:
                        queue.operations.pop(0)
                    if queue.operations and document_id not in self._ready:
                        self._ready.append(document_id)
                else:
                    queue.failed = True
                self._condition.notify_all()

    def _write(self, document_id: str, queue: _Queue, operation: tuple[Any, ...]) -> None:
        if self._life is None:  # no journal of ours may exist unless our lock is held
            self.folder.mkdir(parents=True, exist_ok=True)
            self._life = lifelock.LifeLock(self.folder / f"{self.owner}.lock")
        kind = operation[0]
        incremental = self.folder / f"{document_id}.journal"
        whole = self.folder / f"{document_id}.json"
        if kind == "discard":
            for file in (incremental, whole):
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()
            queue.good_size = -1
        elif kind == "whole":
            text = json.dumps(operation[1], ensure_ascii=False)
            write_bytes_atomically(whole, text.encode("utf-8", "surrogatepass"),
                                   new_file_mode=_PRIVATE)
        elif kind == "snapshot":
            record = snapshot_record(operation[1], operation[2])
            write_bytes_atomically(incremental, record, new_file_mode=_PRIVATE)
            queue.good_size = queue.snapshot_size = len(record)
        elif kind == "edits":
            self._append(incremental, queue, edits_record(operation[1]))

    def _append(self, file: Path, queue: _Queue, record: bytes) -> None:
        """Append one record to an intact file; a torn earlier attempt is cut off first."""
        if queue.good_size < 0:  # no snapshot on disk: these edits have nothing to follow
            raise FileNotFoundError(f"{file.name} has no snapshot to append to")
        try:
            handle = os.open(file, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            self._base_lost(queue)
            return
        try:
            size = os.fstat(handle).st_size
            if size < queue.good_size:
                self._base_lost(queue)  # someone cut the file: its edits no longer replay
                return
            if size > queue.good_size:
                os.ftruncate(handle, queue.good_size)  # the torn tail of a failed append
            os.lseek(handle, queue.good_size, os.SEEK_SET)
            view = memoryview(record)
            while view:
                view = view[os.write(handle, view):]
            os.fsync(handle)
        finally:
            os.close(handle)
        queue.good_size += len(record)
        if queue.good_size - queue.snapshot_size > max(COMPACT_MIN_BYTES, queue.snapshot_size):
            self._compact(file, queue)

    def _base_lost(self, queue: _Queue) -> None:
        queue.good_size = -1
        if queue.owner is not None:
            queue.owner._lost_base()
        raise FileNotFoundError("the journal file was removed or cut short")

    def _compact(self, file: Path, queue: _Queue) -> None:
        """Replace a long edit log by a snapshot of the text it gives (on this thread)."""
        state = replay(file.read_bytes()[:queue.good_size], exact=True)
        if state is None:
            return
        meta = {"owner": self.owner, "document_id": state.document_id, "path": state.path,
                "cursor": state.cursor, "modified": state.modified,
                "saved_at": state.saved_at, "extra": state.extra}
        record = snapshot_record(meta, state.text)
        write_bytes_atomically(file, record, new_file_mode=_PRIVATE)
        queue.good_size = queue.snapshot_size = len(record)

    # ---- finding what crashed ------------------------------------------------------------

    def orphans(self) -> list[JournalEntry]:
        """Journals with unsaved changes left by processes that are gone.

        Journals of dead processes with nothing unsaved, and lock files no journal needs
        any more, are deleted on the way.
        """
        entries = []
        owners_seen: set[str] = set()
        for file in sorted([*self.folder.glob("*.journal"), *self.folder.glob("*.json")]):
            try:
                state = _read_any(file)
                if state is None:
                    log.warning("Ignoring a journal with no intact snapshot: %s", file)
                    continue
                owners_seen.add(state.owner)
                if not self._is_dead(state.owner):
                    continue
                if not state.modified:
                    file.unlink()
                    continue
                entries.append(JournalEntry(state.document_id, state.path, state.text,
                                            state.saved_at, state.extra, file, state.cursor))
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("Ignoring unreadable journal %s: %s", file, error)
        for lock in self.folder.glob("*.lock"):
            if lock.stem != self.owner and lock.stem not in owners_seen:
                with contextlib.suppress(OSError):
                    lifelock.remove_if_free(lock)
        return sorted(entries, key=lambda entry: entry.saved_at)

    def _is_dead(self, owner: str) -> bool:
        if owner == self.owner:
            return False
        if not owner:  # written before journals had owners: only the pid was kept
            return True
        return not lifelock.is_held(self.folder / f"{owner}.lock")

    def remove(self, entry: JournalEntry) -> bool:
        """Delete a restored orphan once everything queued is safely on disk (so the text
        it held now lives in our own journal). False (and kept) when that failed."""
        if not self.flush():
            return False
        if entry.file is not None:
            with contextlib.suppress(FileNotFoundError):
                entry.file.unlink()
        return True

    def adopt(self, entry: JournalEntry, document_id: str) -> None:
        """Take a recovered entry over: its text now lives under our document id."""
        self.record(document_id, entry.path, entry.text, entry.extra, entry.cursor)
        self.remove(entry)


def _read_any(file: Path) -> JournalState | None:
    """Either format: an incremental `.journal` or a whole-text `.json`."""
    if file.suffix == ".journal":
        return replay(file.read_bytes())
    raw = json.loads(file.read_text(encoding="utf-8"))
    if raw.get("version") != FORMAT_VERSION:
        return None
    cursor = raw.get("cursor")
    return JournalState(str(raw["document_id"]), str(raw.get("owner") or ""), raw.get("path"),
                        str(raw["text"]), int(cursor) if cursor is not None else None, True,
                        float(raw["saved_at"]), dict(raw.get("extra") or {}))
