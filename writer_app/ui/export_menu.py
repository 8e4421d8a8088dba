"""File → Export ▸ HTML…, PDF…, Word (.docx)…: the active document written in another
format beside it, through a save dialog that proposes the document's name.

An export is a copy: it never touches the document's own file, its path, its modified
state or its encoding. Files are written atomically (an old export stays whole if the
write fails), and a failure is one line in the message bar with what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu

from writer_app.documents.textfiles import file_error
from writer_app.errors import WriterError
from writer_app.export.docx import export_docx
from writer_app.export.html import export_html
from writer_app.export.source import ExportSource
from writer_app.ui.export_pdf import export_pdf
from writer_app.ui.menus import make_action

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)


# kind → (suffix, the dialog's filter)
FORMATS = {
    "html": (".html", "HTML (*.html *.htm)"),
    "pdf": (".pdf", "PDF (*.pdf)"),
    "docx": (".docx", "Word (*.docx)"),
}


class ExportMenu(QObject):
    """The File → Export submenu and the exports it runs."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # Asks where to write (None: cancelled). Tests replace it with a path.
        self.ask_path: Callable[[str, Path], Path | None] = self._dialog
        file_menu = window.actions_.menus["file"]
        self.menu = QMenu(self.tr("&Export"), file_menu)
        self.menu.setObjectName("exportMenu")
        self.actions: dict[str, QAction] = {
            "html": make_action(window, self.tr("&HTML…"), lambda: self.export("html"),
                                tip=self.tr("Write the document as a web page")),
            "pdf": make_action(window, self.tr("&PDF…"), lambda: self.export("pdf"),
                               tip=self.tr("Write the document as a PDF, ready to print")),
            "docx": make_action(window, self.tr("&Word (.docx)…"),
                                lambda: self.export("docx"),
                                tip=self.tr("Write the document as a Word file")),
        }
        for kind, action in self.actions.items():
            action.setObjectName(f"export{kind.capitalize()}Action")
            self.menu.addAction(action)
        separators = [a for a in file_menu.actions() if a.isSeparator()]
        if separators:  # above Quit
            file_menu.insertMenu(separators[-1], self.menu)
        else:
            file_menu.addMenu(self.menu)

    def source(self) -> ExportSource:
        """The active document as the exporters see it."""
        language = QLocale.languageToCode(QLocale().language())
        return ExportSource.of(self.window.editor.text(), self.window.path,
                               language if language.isalpha() and language != "C" else "en",
                               self.tr("Untitled"))

    def default_path(self, kind: str) -> Path:
        """The document's name with the format's suffix, in the document's folder."""
        suffix = FORMATS[kind][0]
        path = self.window.path
        if path is None:
            return Path.home() / f"{self.tr('Untitled')}{suffix}"
        return path.with_suffix(suffix)

    def export(self, kind: str) -> Path | None:
        """Ask where, then write; the path written, or None (cancelled or failed)."""
        target = self.ask_path(kind, self.default_path(kind))
        if target is None:
            return None
        target = Path(target)
        if not target.suffix:
            target = target.with_suffix(FORMATS[kind][0])
        try:
            self._refuse_own_file(target)
            self.write(kind, target)
        except WriterError as error:
            self.window.show_error(error.message, error.hint)
            return None
        except OSError as error:
            failure = file_error(error, target, "save")
            self.window.show_error(failure.message, failure.hint)
            return None
        except Exception as error:  # a library's own error (lxml, Qt): still one line
            log.exception("Export to %s failed", target)
            self.window.show_error(
                self.tr("Could not export {name}: {error}").format(name=target.name,
                                                                     error=error),
                self.tr("try another format, or report the problem"))
            return None
        self.window.show_status(self.tr("Exported {name}").format(name=target.name), 5000)
        return target

    def write(self, kind: str, target: Path) -> None:
        """Write on the GUI thread (Qt lays out the PDF), under a busy cursor: a book
        takes seconds."""
        source = self.source()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if kind == "html":
                export_html(source, target)
            elif kind == "pdf":
                export_pdf(source, target, self.window.editor.font())
            else:
                export_docx(source, target)
        finally:
            QApplication.restoreOverrideCursor()

    def _refuse_own_file(self, target: Path) -> None:
        own = self.window.path
        if own is None:
            return
        try:
            same = target.resolve() == own.resolve()
        except OSError:
            same = target.absolute() == own.absolute()
        if same:
            raise WriterError(
                self.tr("{name} is the document itself").format(name=target.name),
                self.tr("choose another name for the export"))

    def _dialog(self, kind: str, suggested: Path) -> Path | None:
        titles = {"html": self.tr("Export as HTML"), "pdf": self.tr("Export as PDF"),
                  "docx": self.tr("Export as Word")}
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window, titles[kind], str(suggested),
            f"{FORMATS[kind][1]};;{self.tr('All files (*)')}")
        return Path(chosen) if chosen else None


def install(window: MainWindow) -> ExportMenu:
    return ExportMenu(window)


__all__ = ["FORMATS", "ExportMenu", "install"]
