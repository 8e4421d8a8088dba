"""The Set Writing Goal dialog: words to write in a document today."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSpinBox, QVBoxLayout, QWidget

from writer_app.documents.goals import MAX_TARGET

DEFAULT_TARGET = 500


class GoalDialog(QDialog):
    """Words to write in a document today."""

    def __init__(self, parent: QWidget, name: str, target: int, written: int | None,
                 untitled: bool) -> None:
        super().__init__(parent)
        self.setObjectName("goalDialog")
        self.setWindowTitle(self.tr("Writing Goal"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Words to write today in {name}:").format(name=name)))
        self.spin = QSpinBox()
        self.spin.setRange(0, MAX_TARGET)
        self.spin.setSingleStep(50)
        self.spin.setGroupSeparatorShown(True)
        self.spin.setSpecialValueText(self.tr("No goal"))
        self.spin.setValue(target or DEFAULT_TARGET)
        layout.addWidget(self.spin)
        note = self.tr("Today's words are those added since the document was first opened "
                       "today: its word count now less its count then.")
        if written is not None:
            note += " " + self.tr("{count} so far.").format(count=f"{written:,}")
        if untitled:
            note += "\n" + self.tr("An untitled document keeps its goal until Writer closes; "
                                   "save it to keep the goal.")
        info = QLabel(note)
        info.setWordWrap(True)
        info.setObjectName("goalNote")
        layout.addWidget(info)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        if target:
            remove = buttons.addButton(self.tr("Remove Goal"),
                                       QDialogButtonBox.ButtonRole.ResetRole)
            remove.clicked.connect(self.remove)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)

    def remove(self) -> None:
        self.spin.setValue(0)
        self.accept()

    def target(self) -> int:
        return self.spin.value()
