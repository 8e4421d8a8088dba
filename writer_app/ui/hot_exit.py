"""Hot exit for the window: unsaved text reaches the journal within a second of typing,
and what a crash, a kill or a hot-exit close left behind comes back on the next start.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from writer_app.documents.document import Document
from writer_app.documents.journal import Journal, JournalEntry
from writer_app.ui.editor import WriterEditor

# The journal is written this long after the first unsaved change, and again every this
# long while typing goes on: at most about a second of typing can be lost.
JOURNAL_DELAY_MS = 400


class HotExit(QObject):
    """Keeps one document's unsaved state in the journal, in time proportional to each edit.

    The first change after an open or a save schedules a snapshot of the whole text;
    every later change is recorded as the edit it was (`DocumentJournal.edit`), and what
    was recorded is handed to the journal's thread at most JOURNAL_DELAY_MS later.
    `editor` says when and where the text changes; `document` says what to keep;
    `details` adds what else a restore needs (the instructions); `restore` puts an entry
    back into the window.
    """

    def __init__(self, editor: WriterEditor, document: Document,
                 details: Callable[[], dict[str, Any]],
                 restore: Callable[[JournalEntry], None],
                 journal: Journal | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document = document
        self.journal = journal or Journal()
        self.document_id = Journal.new_document_id()
        self.entries = self.journal.document(self.document_id)
        self._details = details
        self._restore = restore
        self._snapshot_due = True  # the next write takes the whole text
        self._stopped = False
        self._length = self._units()  # of the text as journaled (UTF-16 units)
        text_document = editor.document()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(JOURNAL_DELAY_MS)
        self._timer.timeout.connect(self.write_now)
        text_document.contentsChange.connect(self._on_contents_change)
        text_document.modificationChanged.connect(self._on_modification_changed)

    @property
    def timer(self) -> QTimer:
        """Runs while a change waits for the journal (its interval bounds the loss)."""
        return self._timer

    def note_change(self) -> None:
        """Something a restore brings back changed (the text, the cursor, instructions)."""
        # Not restarted while typing goes on: that would postpone the write indefinitely.
        if not self._timer.isActive() and self.document.modified:
            self._timer.start()

    def _units(self) -> int:
        return self.editor.document().characterCount() - 1  # less the last block's end

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        length = self._units()
        if not self._snapshot_due:
            # Qt's counts may include the last block's end (setPlainText reports one unit
            # more than it added): bring them back to what the text's lengths allow.
            old = self._length
            removed = min(removed, max(0, old - position))
            added = length - (old - removed)
            if position > old or added < 0:
                self._snapshot_due = True  # counts that cannot be followed: start afresh
            else:
                self.entries.edit(position, removed, self.editor.text_between(
                    position, position + added) if added else "")
        self._length = length
        self.note_change()

    def _on_modification_changed(self, modified: bool) -> None:
        if modified:
            self.note_change()
            return
        # Saved, or undone back to the saved text: nothing to keep until the next change.
        self._timer.stop()
        self._snapshot_due = True
        self.entries.discard()

    def write_now(self) -> None:
        """Hand the current unsaved state to the journal's thread."""
        document = self.document
        if not document.modified:
            return
        extra = {"encoding": document.encoding, "newline": document.newline,
                 **self._details()}
        path = str(document.path) if document.path else None
        if self._snapshot_due or self.entries.needs_snapshot:
            self._snapshot_due = False
            self._length = self._units()
            self.entries.snapshot(document.text(), self._cursor(), path=path, modified=True,
                                  extra=extra)
            return
        self.entries.move_cursor(self._cursor())
        self.entries.set_path(path)
        self.entries.set_extra(extra)
        self.entries.flush()

    def _cursor(self) -> int:
        return self.editor.textCursor().position()

    def keep_for_next_start(self) -> bool:
        """At a close with unsaved changes: write them now, to be restored next time."""
        self._timer.stop()
        self.write_now()
        return self.journal.flush()

    def restore_orphan(self, only_path: Path | None = None) -> JournalEntry | None:
        """Bring back the newest journal a dead process left (for `only_path` if given)."""
        for entry in reversed(self.journal.orphans()):
            if only_path is not None and (entry.path is None
                                          or Path(entry.path) != Path(only_path)):
                continue
            self.adopt(entry)
            return entry
        return None

    def adopt(self, entry: JournalEntry) -> None:
        """Put an orphan's text into this document; its journal becomes ours."""
        self._restore(entry)
        self._timer.stop()
        self._snapshot_due = True
        self.write_now()  # its text now lives in our journal ...
        self.journal.remove(entry)  # ... so the orphan can go, once that is on disk

    def discard(self) -> None:
        """The document closes without keeping its changes: nothing of it to restore."""
        self.stop()
        self.entries.discard()

    def stop(self) -> None:
        """Stop listening to the editor (its document is closing); the journal stays."""
        self._timer.stop()
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(RuntimeError, TypeError):  # an editor already gone
            text_document = self.editor.document()
            text_document.contentsChange.disconnect(self._on_contents_change)
            text_document.modificationChanged.disconnect(self._on_modification_changed)

    def close(self) -> None:
        """Stop, and close the journal too (the window's last document)."""
        self._timer.stop()
        self.journal.close()


def describe_age(saved_at: float) -> str:
    """'just now', '5 minutes ago', ... for the restore message, in the window's language."""
    seconds = max(0, time.time() - saved_at)
    if seconds < 90:
        return QCoreApplication.translate("HotExit", "just now")
    if seconds < 90 * 60:
        return QCoreApplication.translate("HotExit", "{count} minutes ago").format(
            count=round(seconds / 60))
    if seconds < 36 * 3600:
        return QCoreApplication.translate("HotExit", "{count} hours ago").format(
            count=round(seconds / 3600))
    return QCoreApplication.translate("HotExit", "on {date}").format(
        date=time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at)))
