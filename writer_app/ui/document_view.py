"""One open document's parts: its editor (its own undo history), its file (path,
encoding, line ending), its generated passages and versions, and its hot-exit journal.

The window keeps one `DocumentView` per tab. What serves only the active document (the
pane, generation, suggestions, Continue ×3) lives once in the window and follows the
active view; what belongs to a document lives here, so switching tabs loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from writer_app.documents.journal import Journal, JournalEntry
from writer_app.ui.editor import WriterEditor
from writer_app.ui.feedback import MessageSink
from writer_app.ui.files import FileController
from writer_app.ui.hot_exit import HotExit
from writer_app.ui.probabilities import ProbabilityActions, ProbabilityController


class DocumentView(QObject):
    """A document and the parts that belong to it alone."""

    def __init__(self, window: Any, messages: MessageSink, journal: Journal,
                 shared: ProbabilityActions, continue_text: Callable[[], None],
                 busy: Callable[[], bool], details: Callable[[], dict[str, Any]],
                 set_instructions: Callable[[str], None],
                 font: tuple[str, int], reach: int | None) -> None:
        super().__init__(window)
        self.editor = WriterEditor(font_family=font[0], font_size=font[1])
        self.editor.set_model_reach(reach)
        self.files = FileController(self.editor, messages, window, set_instructions)
        self.probabilities = ProbabilityController(self.editor, continue_text, busy,
                                                   parent=self, shared=shared)
        self.hot_exit = HotExit(self.editor, self.files.document, details,
                                self.files.restore_unsaved, journal, parent=self)
        self.editor.cursorPositionChanged.connect(self.hot_exit.note_change)
        self._disposed = False

    @property
    def path(self) -> Path | None:
        return self.files.path

    @property
    def modified(self) -> bool:
        return self.editor.document().isModified()

    def is_blank(self) -> bool:
        """Untitled, unchanged and empty: a file opened now may take its place."""
        return self.path is None and not self.modified and self.editor.document().isEmpty()

    def same_file(self, path: Path) -> bool:
        if self.path is None:
            return False
        try:
            return self.path.resolve() == Path(path).expanduser().resolve()
        except OSError:
            return self.path == Path(path)

    def adopt(self, entry: JournalEntry) -> None:
        """Take in unsaved text a crash or a hot-exit close left in the journal."""
        self.hot_exit.adopt(entry)

    def dispose(self) -> None:
        """The tab closed: stop listening and let the editor go (idempotent)."""
        if self._disposed:
            return
        self._disposed = True
        self.files.shut_down()
        self.probabilities.shut_down()
        self.hot_exit.stop()
        self.files.deleteLater()
        self.editor.deleteLater()
        self.deleteLater()
