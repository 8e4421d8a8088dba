"""Opening, saving and watching the document's file; the recent files; crash restores.

Everything about the file goes through `Document` (path, encoding, line ending, the
disk's stamp); this controller adds the dialogs, the questions and the messages. A save
never overwrites a file another program changed without asking; a file changed behind
an unmodified document is reloaded quietly; one changed behind unsaved edits is left
to the user: reload, keep mine, or compare.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from writer_app import paths
from writer_app.documents.document import Document, FileChangedOnDiskError
from writer_app.documents.journal import JournalEntry
from writer_app.documents.textfiles import read_text_file
from writer_app.errors import WriterError
from writer_app.recent import RecentList
from writer_app.ui.editor import WriterEditor
from writer_app.ui.feedback import MessageSink
from writer_app.ui.file_watch import CompareDialog, FileWatch
from writer_app.ui.hot_exit import describe_age

# Strings this part took over from the window keep the window's translation context.
translate = QCoreApplication.translate

APP_TITLE = "Writer"


def recent_files() -> RecentList:
    return RecentList(paths.data_dir() / "recent_files.json")


class EditorStore:
    """The editor as a Document's `TextStore`."""

    def __init__(self, editor: WriterEditor) -> None:
        self.editor = editor

    def text(self) -> str:
        return self.editor.text()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def is_modified(self) -> bool:
        return self.editor.document().isModified()

    def set_modified(self, modified: bool) -> None:
        self.editor.document().setModified(modified)


class FileController(QObject):
    """The document's file: open, save, reopen, watch, remember, restore."""

    pathChanged = Signal(object)  # Path | None

    def __init__(self, editor: WriterEditor, messages: MessageSink, window: QWidget,
                 set_instructions: Callable[[str], None]) -> None:
        super().__init__(window)
        self.editor = editor
        self.messages = messages
        self.window = window
        self.set_instructions = set_instructions
        self.document = Document(EditorStore(editor))
        self.watch = FileWatch(self)
        self.watch.touched.connect(self.check_disk)
        self._missing_reported = False
        self._asking_about: object = None  # the disk stamp a question is on show for
        # Asked before a save would overwrite a file changed by another program; tests
        # replace it. Gets the file's name, answers whether to overwrite.
        self.confirm_overwrite: Callable[[str], bool] = self._ask_overwrite
        # Where Open and Open Recent put a file: the window's tabs (a new tab, or the
        # file's own); None opens it in place of this document, after asking.
        self.open_in_tab: Callable[[str], bool] | None = None

    @property
    def path(self) -> Path | None:
        return self.document.path

    def _set_path(self, path: Path | None) -> None:
        self.document.path = path
        self._missing_reported = False
        self._asking_about = None
        self.watch.watch(path)
        self.pathChanged.emit(path)

    # ---- opening ----------------------------------------------------------------------------

    def open_path(self, path: str | Path, encoding: str | None = None) -> bool:
        """Open a file; a missing one becomes a new document saved there on first save.

        `encoding` forces one (File → Reopen with Encoding); else it is detected.
        """
        path = Path(path).expanduser()
        if path.exists():
            try:
                self.document.open(path.resolve(), encoding)
            except WriterError as error:
                self.messages.show_error(error.message, error.hint, topic="open")
                return False
            self.messages.show_status(
                translate("MainWindow", "Opened {name}").format(name=path.name), 4000)
        else:
            self.document.new(path.absolute())
            self.messages.show_status(
                translate("MainWindow", "{name} will be created when you save")
                .format(name=path.name), 6000)
        self._set_path(self.document.path)
        self._remember(self.document.path)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        return True

    def new_document(self) -> None:
        if self.confirm_discard():
            self.document.new()
            self._set_path(None)

    def open_dialog(self) -> None:
        if self.open_in_tab is None and not self.confirm_discard():
            return
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Open"), start,
                                              self.tr("Text files (*.txt *.md);;All files (*)"))
        if path:
            self._open_recent(path)

    def reopen_with(self, encoding: str) -> bool:
        """File → Reopen with Encoding: for a file whose encoding was guessed wrong."""
        if self.path is None or not self.path.exists():
            self.messages.show_status(translate("Preferences", "Save the document first"), 4000)
            return False
        if not self.confirm_discard():
            return False
        return self.open_path(self.path, encoding=encoding)

    # ---- saving -----------------------------------------------------------------------------

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else "Untitled.txt"
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Save As"), start,
                                              self.tr("Text files (*.txt *.md);;All files (*)"))
        return self.save_to(Path(path)) if path else False

    def save_to(self, path: Path) -> bool:
        """Save atomically (the old file stays whole if anything fails); ask first when
        another program changed the file since Writer read or wrote it."""
        path = Path(path)
        try:
            try:
                self.document.save_to(path)
            except FileChangedOnDiskError:
                if not self.confirm_overwrite(path.name):
                    self.messages.show_status(self.tr("Not saved: {name} was left as the other "
                                                      "program wrote it").format(name=path.name),
                                              6000)
                    return False
                self.document.save_to(path, overwrite_newer=True)
        except WriterError as error:
            self.messages.show_error(error.message, error.hint, topic="save")
            return False
        self._set_path(self.document.path)
        self._remember(path)
        self.messages.clear_topic("save", "restore", "file-watch")
        self.messages.show_status(
            translate("MainWindow", "Saved {name}").format(name=path.name), 4000)
        return True

    def _ask_overwrite(self, name: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window, APP_TITLE,
            self.tr("{name} was changed by another program since Writer read it. Overwrite "
                    "it with your text?").format(name=name),
            buttons.Save | buttons.Cancel, buttons.Cancel)
        return answer == buttons.Save

    def confirm_discard(self) -> bool:
        if not self.document.modified:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window, APP_TITLE, translate("MainWindow", "Save the changes to {name}?").format(
                name=self.path.name if self.path else translate("MainWindow", "Untitled")),
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    # ---- the disk changed -------------------------------------------------------------------

    def check_disk(self) -> None:
        """Look at the file after another program may have changed it."""
        document, path = self.document, self.document.path
        if path is None:
            return
        if not path.exists():
            if not self._missing_reported:
                self._missing_reported = True
                document.forget_disk_version()
                self.messages.show_error(
                    self.tr("{name} was deleted or moved by another program").format(
                        name=path.name),
                    self.tr("your text is still here, unsaved: save it to write the file "
                            "again"), topic="file-watch")
            return
        self._missing_reported = False
        if not document.disk_changed():
            return
        if not document.modified:
            self.reload()
            self.messages.show_status(self.tr("Reloaded {name}: another program changed it")
                                      .format(name=path.name), 6000)
            return
        stamp = (path.stat().st_mtime_ns, path.stat().st_size)
        if self._asking_about == stamp:
            return
        self._asking_about = stamp
        self.messages.show_error(
            self.tr("{name} was changed by another program").format(name=path.name),
            self.tr("your unsaved changes are still here"), topic="file-watch",
            actions=((self.tr("Reload"), self.reload),
                     (self.tr("Keep mine"), self.keep_mine),
                     (self.tr("Compare…"), self.compare)))

    def reload(self) -> bool:
        """Read the file again, in its encoding, keeping the cursor about where it was."""
        path = self.document.path
        if path is None:
            return False
        position = self.editor.textCursor().position()
        try:
            self.document.open(path, self.document.encoding)
        except WriterError as error:
            self.messages.show_error(error.message, error.hint, topic="open")
            return False
        self._asking_about = None
        self.messages.clear_topic("file-watch")
        cursor = self.editor.textCursor()
        cursor.setPosition(min(position, self.editor.document().characterCount() - 1))
        self.editor.setTextCursor(cursor)
        return True

    def keep_mine(self) -> None:
        """Keep the text in Writer; the next save writes it without asking."""
        self._asking_about = None
        self.document.accept_disk_version()
        self.document.set_modified(True)

    def compare(self) -> None:
        path = self.document.path
        if path is None:
            return
        try:
            on_disk = read_text_file(path, self.document.encoding).text
        except WriterError as error:
            self.messages.show_error(error.message, error.hint, topic="open")
            return
        dialog = CompareDialog(path.name, on_disk, self.document.text(), self.window)
        dialog.exec()
        dialog.deleteLater()
        if dialog.choice == "reload":
            self.reload()
        elif dialog.choice == "keep":
            self.keep_mine()
        else:  # closed: the question stays
            self._asking_about = None
            self.check_disk()

    # ---- crash restores ---------------------------------------------------------------------

    def restore_unsaved(self, entry: JournalEntry) -> None:
        """Put back text a crash or a hot-exit close left unsaved, marked as modified,
        with the cursor where it was."""
        extra = entry.extra
        self.document.adopt(Path(entry.path) if entry.path else None, entry.text,
                            str(extra.get("encoding") or "utf-8"),
                            str(extra.get("newline") or "\n"))
        if extra.get("instructions"):
            self.set_instructions(str(extra["instructions"]))
        self._set_path(self.document.path)
        self.document.set_modified(True)
        with contextlib.suppress(TypeError, ValueError):
            cursor = self.editor.textCursor()
            position = int(entry.cursor if entry.cursor is not None else 0)
            cursor.setPosition(max(0, min(position, self.editor.document().characterCount() - 1)))
            self.editor.setTextCursor(cursor)
            self.editor.ensureCursorVisible()
        name = self.path.name if self.path else translate("MainWindow", "Untitled")
        self.messages.show_info(
            translate("MainWindow", "Restored unsaved changes to {name} from {when}").format(
                name=name, when=describe_age(entry.saved_at)),
            translate("MainWindow", "they are not saved yet: press Ctrl+S to keep them"),
            topic="restore")

    # ---- recent files -----------------------------------------------------------------------

    def _remember(self, path: Path | None) -> None:
        if path is not None:
            with contextlib.suppress(OSError):
                recent_files().add(str(path))

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        files = recent_files().items()
        for file in files:
            action = menu.addAction(file)
            action.triggered.connect(lambda _=False, f=file: self._open_recent(f))
        if not files:
            menu.addAction(translate("MainWindow", "(none yet)")).setEnabled(False)

    def _open_recent(self, file: str) -> None:
        if self.open_in_tab is not None:
            self.open_in_tab(file)
        elif self.confirm_discard():
            self.open_path(file)

    def shut_down(self) -> None:
        self.watch.stop()
