"""Hot exit for the window: unsaved text reaches the journal within a second of typing,
and what a crash, a kill or a hot-exit close left behind comes back on the next start.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from writer_app.documents.journal import Journal, JournalEntry

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

# The journal is written this long after the first unsaved change, and again every this
# long while typing goes on: at most about a second of typing can be lost.
JOURNAL_DELAY_MS = 400


class HotExit(QObject):
    """Keeps one window's unsaved document in the journal."""

    def __init__(self, window: MainWindow, journal: Journal | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.journal = journal or Journal()
        self.document_id = Journal.new_document_id()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(JOURNAL_DELAY_MS)
        self._timer.timeout.connect(self.write_now)
        document = window.editor.document()
        document.contentsChanged.connect(self._on_change)
        document.modificationChanged.connect(self._on_modification_changed)
        window.instructions.changed.connect(self._on_change)

    def _on_change(self) -> None:
        # Not restarted while typing goes on: that would postpone the write indefinitely.
        if not self._timer.isActive() and self.window.editor.document().isModified():
            self._timer.start()

    def _on_modification_changed(self, modified: bool) -> None:
        if not modified:  # saved, or undone back to the saved text
            self._timer.stop()
            self.journal.discard(self.document_id)

    def write_now(self) -> None:
        """Queue the current unsaved state for the journal thread."""
        window = self.window
        if not window.editor.document().isModified():
            return
        self.journal.record(self.document_id, str(window.path) if window.path else None,
                            window.editor.text(), self._extra())

    def _extra(self) -> dict[str, Any]:
        window = self.window
        extra: dict[str, Any] = {"instructions": window.instructions.field.toPlainText(),
                                 "encoding": window.encoding, "newline": window.newline}
        history = getattr(window, "history_snapshot", None)
        if callable(history):
            extra["history"] = history()
        return extra

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
            self.window.restore_unsaved(entry)
            self.journal.adopt(entry, self.document_id)
            return entry
        return None

    def close(self) -> None:
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
