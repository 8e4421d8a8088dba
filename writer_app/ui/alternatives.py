"""Continue ×3: three continuations side by side; the one picked goes in, all are kept.

The three are sampled in one batch (`EngineWorker.samples`). They show in a small
non-modal window; choosing one inserts it at the cursor as one undo step, and all three
become versions of that passage (Alt+Left / Alt+Right, the Versions list). An answer
that arrives after the user typed or moved on is dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.ui.editor import WriterEditor
from writer_app.ui.model_access import ModelAccess
from writer_app.ui.probabilities import ProbabilityController
from writer_app.worker import WorkerError

CONTINUE_THREE_SHORTCUT = "Ctrl+Shift+Return"
COUNT = 3


class ChoiceDialog(QDialog):
    """The samples side by side, each with a button that takes it."""

    chosen = Signal(int)

    def __init__(self, rows: list[str], font: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("continueThree")
        self.setWindowTitle(self.tr("Choose a continuation"))
        self.rows = rows
        columns = QHBoxLayout(self)
        for index, row in enumerate(rows):
            column = QVBoxLayout()
            view = QPlainTextEdit(row)
            view.setReadOnly(True)
            view.setFont(font)
            button = QPushButton(self.tr("Use &{0}").format(index + 1))
            button.clicked.connect(lambda _checked=False, i=index: self.choose(i))
            column.addWidget(view, 1)
            column.addWidget(button)
            columns.addLayout(column, 1)
        self.resize(900, 320)

    def choose(self, index: int) -> None:
        self.chosen.emit(index)
        self.accept()


class ContinueThree(QObject):
    """Asks for the samples and puts the chosen one in; see the module docstring."""

    message = Signal(str)
    offered = Signal(object)  # the ChoiceDialog on show

    def __init__(self, editor: WriterEditor, access: ModelAccess,
                 history: ProbabilityController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.access = access
        self.history = history
        self.dialog: ChoiceDialog | None = None
        self.action = QAction(self.tr("Continue ×&3"), parent)
        self.action.setShortcut(QKeySequence(CONTINUE_THREE_SHORTCUT))
        self.action.setToolTip(self.tr("Sample three continuations and choose one; the "
                                       "others stay as versions ({0})").format(
                                           CONTINUE_THREE_SHORTCUT))
        self.action.triggered.connect(lambda _checked=False: self.request())
        if isinstance(parent, QWidget):
            parent.addAction(self.action)

    def _token(self) -> tuple[int, int]:
        return self.editor.document().revision(), self.editor.textCursor().position()

    def follow(self, editor: WriterEditor, history: ProbabilityController) -> None:
        """Sample for another document (the active one); an answer for the one before is
        dropped."""
        self.editor = editor
        self.history = history

    def request(self) -> None:
        if self.access.busy() or not self.action.isEnabled():
            return  # disabled: the backend cannot sample several (its tooltip says why)
        cursor = self.editor.textCursor()
        text = self.editor.text_for_model(cursor.selectionEnd())
        self.message.emit(self.tr("Sampling three continuations…"))
        self.access.spawn(self._fetch(self._token(), text, self.editor))

    async def _fetch(self, token: tuple[int, int], text: str,
                     editor: WriterEditor | None = None) -> None:
        try:
            rows = await self.access.worker.samples(text, self.access.params(), COUNT,
                                                     self.access.preamble())
        except WorkerError as error:
            if not error.cancelled:
                self.message.emit(self.tr("Continue ×3 failed: {0}").format(error.message))
            return
        if not rows or self._token() != token or self.access.busy() \
                or (editor is not None and editor is not self.editor):
            return  # replaced, empty, or the user moved on (or to another document)
        self.message.emit("")
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ChoiceDialog(rows, self.editor.font(), self.editor.window())
        self.dialog.chosen.connect(lambda index: self.use(rows, index, token, editor))
        self.dialog.show()
        self.offered.emit(self.dialog)

    def use(self, rows: list[str], index: int, token: tuple[int, int] | None = None,
            editor: WriterEditor | None = None) -> bool:
        """Insert `rows[index]` at the cursor; every row becomes a version. False if the
        document or cursor moved since the rows were asked for."""
        if (token is not None and self._token() != token) or self.access.busy() \
                or (editor is not None and editor is not self.editor):
            self.message.emit(self.tr("The text changed; ask again"))
            return False
        self.history.add_versions(rows, index)
        self.editor.setFocus()
        return True
