"""The tabs of the open documents: one editor per tab, titled by file name.

A title is the file's name with a dot when it has unsaved changes; two open files of the
same name are told apart by their folders ("notes.txt — draft"), and the tooltip gives
the whole path. The tabs move and close; the window decides what closing means.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QTabWidget, QWidget

from writer_app.ui.document_view import DocumentView

# Qt's lupdate finds the strings of translate("Context", "...") calls.
translate = QCoreApplication.translate

MODIFIED_MARK = " •"



def tab_names(paths: list[Path | None]) -> list[str]:
    """Each document's name; files of the same name get their parent folders added
    (as many levels as it takes to tell them apart)."""
    names = [p.name if p is not None else translate("DocumentTabs", "Untitled") for p in paths]
    counts = Counter(names)
    result = list(names)
    for index, path in enumerate(paths):
        if path is None or counts[names[index]] < 2:
            continue
        rivals = [p for p in paths if p is not None and p.name == path.name and p != path]
        levels = 1
        while levels < len(path.parts) and any(
                p.parts[-levels - 1:-1] == path.parts[-levels - 1:-1] for p in rivals):
            levels += 1
        folder = "/".join(path.parts[-levels - 1:-1])
        result[index] = f"{path.name} — {folder}" if folder else path.name
    return result


class DocumentTabs(QTabWidget):
    """The documents, in tab order; `views()` and `current_view()` say which is which."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentTabs")
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.setUsesScrollButtons(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the editor
        self._views: dict[QWidget, DocumentView] = {}
        self._font: tuple[str, int] = ("", 14)
        self._reach: int | None = None

    # ---- the documents ----------------------------------------------------------------------

    def views(self) -> list[DocumentView]:
        return [self._views[self.widget(i)] for i in range(self.count())]

    def current_view(self) -> DocumentView:
        return self._views[self.currentWidget()]

    def view_at(self, index: int) -> DocumentView:
        return self._views[self.widget(index)]

    def index_of(self, view: DocumentView) -> int:
        return self.indexOf(view.editor)

    def add(self, view: DocumentView, index: int = -1) -> int:
        self._views[view.editor] = view
        index = self.insertTab(index, view.editor, "")
        view.editor.document().modificationChanged.connect(self.refresh_titles)
        view.files.pathChanged.connect(self.refresh_titles)
        self.refresh_titles()
        return index

    def take(self, view: DocumentView) -> None:
        """Remove the view's tab (the view is disposed by the caller)."""
        view.editor.document().modificationChanged.disconnect(self.refresh_titles)
        view.files.pathChanged.disconnect(self.refresh_titles)
        self.removeTab(self.index_of(view))
        del self._views[view.editor]
        self.refresh_titles()

    def find(self, path: Path) -> DocumentView | None:
        return next((view for view in self.views() if view.same_file(path)), None)

    def refresh_titles(self, *_args: object) -> None:
        views = self.views()
        for index, (view, name) in enumerate(zip(views, tab_names([v.path for v in views]),
                                                 strict=True)):
            self.setTabText(index, name + (MODIFIED_MARK if view.modified else ""))
            self.setTabToolTip(index, str(view.path) if view.path
                               else translate("DocumentTabs", "Not saved yet"))

    # ---- what every editor shares ----------------------------------------------------------

    @property
    def font_choice(self) -> tuple[str, int]:
        return self._font

    @property
    def reach(self) -> int | None:
        return self._reach

    def set_writing_font(self, family: str = "", size: int = 14) -> None:
        """Every document's text size and face (View → Bigger Text acts on all)."""
        self._font = (family, size)
        for view in self.views():
            view.editor.set_writing_font(family, size)

    def set_model_reach(self, characters: int | None) -> None:
        self._reach = characters
        for view in self.views():
            view.editor.set_model_reach(characters)
