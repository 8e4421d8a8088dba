"""Edit → Spelling → Edit Personal Dictionary…: the words the user added, to remove."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.spelling.personal import PersonalDictionary

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class PersonalDictionaryDialog(QDialog):
    """The personal word list, to look through and remove words from."""

    wordRemoved = Signal(str)

    def __init__(self, personal: PersonalDictionary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.personal = personal
        self.setObjectName("personalDictionaryDialog")
        self.setWindowTitle(self.tr("Personal Dictionary"))
        self.list = QListWidget(self)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.addItems(sorted(personal.words(), key=str.casefold))
        note = QLabel(self.tr("Words you added with “Add to Dictionary”. They are kept in "
                              "{0}.").format(personal.path), self)
        note.setWordWrap(True)
        remove = QPushButton(self.tr("Remove"), self)
        remove.clicked.connect(self.remove_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(remove, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(380, 420)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            word = item.text()
            try:
                removed = self.personal.remove(word)
            except OSError as error:
                QMessageBox.warning(self, self.windowTitle(), str(error))
                return
            if removed:
                self.list.takeItem(self.list.row(item))
                self.wordRemoved.emit(word)


