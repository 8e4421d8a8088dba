"""The open documents as a whole: new, open, switch, close, and the session that
brings them back.

Opening a file already open switches to its tab; an untitled, unchanged, empty tab is
replaced by the file opened. Closing one tab with unsaved changes asks (Save / Don't
Save / Cancel); closing the window keeps every document's unsaved text in the journal
(hot exit). At start the last session's documents come back in their order, each
document's unsaved text from its journal, and what a crash left is put back into a tab
of its own. A file of the session that has gone is skipped with one status message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QFileDialog

from writer_app.documents.journal import Journal, JournalEntry
from writer_app.documents.session import Session, SessionDocument, load_session, save_session
from writer_app.ui.document_tabs import DocumentTabs
from writer_app.ui.document_view import DocumentView
from writer_app.ui.project_panel import ProjectPanel

# Qt's lupdate finds the strings of translate("Context", "...") calls.
translate = QCoreApplication.translate



class Documents(QObject):
    """Creates, opens, closes and restores the window's DocumentViews.

    `make_view` builds a view wired into the window; `messages` is the window's
    MessageSink; `stop_generation(view)` stops a generation writing into `view` (True
    when one ran, so the view must outlive it)."""

    def __init__(self, window: Any, tabs: DocumentTabs, journal: Journal,
                 project: ProjectPanel, make_view: Callable[[], DocumentView],
                 stop_generation: Callable[[DocumentView], bool]) -> None:
        super().__init__(window)
        self.window = window
        self.tabs = tabs
        self.journal = journal
        self.project = project
        self._make_view = make_view
        self._stop_generation = stop_generation
        self.restoring = False  # the session is coming back: no session writes meanwhile
        project.openRequested.connect(self.open_path)
        tabs.tabCloseRequested.connect(self.close_tab)
        tabs.tabBar().tabMoved.connect(lambda *_: self.save_session())

    # ---- opening ----------------------------------------------------------------------------

    def new_document(self) -> DocumentView:
        view = self._make_view()
        self.tabs.setCurrentIndex(self.tabs.add(view, self.tabs.currentIndex() + 1))
        self.save_session()
        return view

    def _view_for_opening(self) -> DocumentView:
        current = self.tabs.current_view()
        return current if current.is_blank() else self.new_document()

    def open_path(self, path: str | Path, encoding: str | None = None) -> bool:
        """Open `path` in a tab: its own if it is open already, else a new one."""
        path = Path(path).expanduser()
        existing = self.tabs.find(path)
        if existing is not None:
            self.tabs.setCurrentWidget(existing.editor)
            return existing.files.open_path(path, encoding) if encoding else True
        reused = self.tabs.current_view()
        view = self._view_for_opening()
        if not view.files.open_path(path, encoding):
            if view is not reused and view.is_blank():
                self.close_view(view)  # the tab made for a file that would not open
                self.tabs.setCurrentWidget(reused.editor)
            return False
        self.save_session()
        return True

    def open_dialog(self) -> None:
        current = self.tabs.current_view().path
        start = str(current.parent) if current else str(self.project.folder or "")
        names, _ = QFileDialog.getOpenFileNames(
            self.window, QCoreApplication.translate("FileController", "Open"), start,
            QCoreApplication.translate("FileController", "Text files (*.txt *.md);;All files (*)"))
        for name in names:
            self.open_path(name)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, translate("Documents", "Open Folder as Project"),
            str(self.project.folder or ""))
        if folder:
            self.open_project(Path(folder))

    def open_project(self, folder: Path) -> None:
        self.project.open_folder(folder)
        self.window.project_changed()
        self.save_session()

    def close_project(self) -> None:
        self.project.close_folder()
        self.window.project_changed()
        self.save_session()

    # ---- switching and closing ---------------------------------------------------------------

    def switch(self, step: int) -> None:
        """Ctrl+Tab / Ctrl+Shift+Tab: the next or previous tab, round the end."""
        if self.tabs.count() > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def close_tab(self, index: int | None = None) -> bool:
        """Ctrl+W: close a tab, asking first about unsaved changes. False if kept."""
        view = self.tabs.current_view() if index is None else self.tabs.view_at(index)
        if view.modified:
            self.tabs.setCurrentWidget(view.editor)
            if not view.files.confirm_discard():
                return False
        view.hot_exit.discard()
        self.close_view(view)
        self.save_session()
        return True

    def close_view(self, view: DocumentView) -> None:
        """Take the view's tab away (a last tab leaves a new, empty one behind)."""
        if self.tabs.count() == 1:
            self.new_document()
        running = self._stop_generation(view)
        self.tabs.take(view)
        self.window.editorClosed.emit(view.editor)
        if running:  # the stream still holds the editor: let it go when the stream ends
            self.window.generation.finished.connect(
                lambda _summary: view.dispose(), Qt.ConnectionType.SingleShotConnection)
        else:
            view.dispose()

    def keep_all_for_exit(self, hot_exit: bool) -> bool:
        """At the window's close: every unsaved document goes to the journal (hot exit),
        or is asked about. False when the user cancelled."""
        for view in self.tabs.views():
            if not view.modified:
                continue
            if hot_exit and view.hot_exit.keep_for_next_start():
                continue
            self.tabs.setCurrentWidget(view.editor)
            if not view.files.confirm_discard():
                return False
            if view.modified:  # not kept: nothing of it to restore next time
                view.hot_exit.discard()
        return True

    # ---- the session ------------------------------------------------------------------------

    def session(self) -> Session:
        documents, active = [], 0
        current = self.tabs.current_view()
        for view in self.tabs.views():
            journal_id = view.hot_exit.document_id if view.modified else None
            if view.path is None and journal_id is None:
                continue  # an empty untitled tab: nothing to bring back
            if view is current:
                active = len(documents)
            documents.append(SessionDocument(str(view.path) if view.path else None,
                                             journal_id))
        folder = self.project.folder
        return Session(tuple(documents), active, str(folder) if folder else None)

    def save_session(self) -> None:
        if not self.restoring:
            save_session(self.session())

    def restore(self, reopen: bool) -> None:
        """The last session's documents (if `reopen`), then every orphaned journal, each
        in its own tab."""
        session = load_session() if reopen else Session()
        orphans = list(self.journal.orphans())
        self.restoring = True
        gone: list[str] = []
        active: DocumentView | None = None
        try:
            for number, document in enumerate(session.documents):
                entry = _take(orphans, document)
                if document.path and entry is None and not Path(document.path).is_file():
                    gone.append(Path(document.path).name)
                    continue
                view = self._restore_one(document.path, entry)
                if view is not None and number == session.active:
                    active = view
            for entry in orphans:
                self._restore_one(entry.path, entry)
            if session.project and Path(session.project).is_dir():
                self.project.open_folder(Path(session.project))
                self.window.project_changed()
        finally:
            self.restoring = False
        if active is not None:
            self.tabs.setCurrentWidget(active.editor)
        if gone:
            self.window.show_status(
                translate("Documents", "Not reopened (no longer there): {names}")
                .format(names=", ".join(gone)), 8000)
        self.save_session()

    def _restore_one(self, path: str | None, entry: JournalEntry | None) -> DocumentView | None:
        if path is not None:
            existing = self.tabs.find(Path(path))
            if existing is not None:
                if entry is not None:
                    existing.adopt(entry)
                return existing
        if entry is None:
            return self.tabs.current_view() if path and self.open_path(path) else None
        view = self._view_for_opening()
        if path is not None and Path(path).is_file():
            view.files.open_path(path)
        view.adopt(entry)
        return view


def _take(orphans: list[JournalEntry], document: SessionDocument) -> JournalEntry | None:
    """The orphan that holds `document`'s unsaved text (by journal, else by path)."""
    for entry in orphans:
        if document.journal_id and entry.document_id == document.journal_id:
            orphans.remove(entry)
            return entry
    for entry in orphans:
        if document.path and entry.path:
            with contextlib.suppress(OSError):
                if Path(entry.path).resolve() == Path(document.path).resolve():
                    orphans.remove(entry)
                    return entry
    return None
