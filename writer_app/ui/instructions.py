"""The collapsible "Instructions / memory" field.

Its text goes before the document in the model's context (the engine's `preamble`),
so the model keeps a style, a cast of characters or some facts in mind; it is never
part of the document and never saved into it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget


class InstructionsField(QFrame):
    """A header that folds open a small text field."""

    changed = Signal()
    toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructions")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.header = QToolButton()
        self.header.setObjectName("instructionsToggle")
        self.header.setText(self.tr("Instructions / memory"))
        self.header.setAutoRaise(True)
        self.header.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves focus in the text
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.RightArrow)
        self.header.setToolTip("Notes the model reads before your text — style, characters, "
                               "facts. They are never part of the document.")
        self.field = QPlainTextEdit()
        self.field.setObjectName("instructionsField")
        self.field.setPlaceholderText("E.g. “A gentle mystery set in Suzhou, told in the past "
                                      "tense.” The model reads this first; it is not saved "
                                      "in your document.")
        self.field.setTabChangesFocus(True)
        self.field.setFixedHeight(self.field.fontMetrics().lineSpacing() * 4 + 16)
        self.field.hide()
        self.header.clicked.connect(lambda: self.set_expanded(not self.is_expanded()))
        self.field.textChanged.connect(self.changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 2, 12, 4)
        layout.setSpacing(2)
        layout.addWidget(self.header, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.field)

    def text(self) -> str:
        return self.field.toPlainText().strip()

    def set_text(self, text: str) -> None:
        self.field.setPlainText(text)

    def is_expanded(self) -> bool:
        return self.field.isVisibleTo(self)

    def set_expanded(self, expanded: bool) -> None:
        if expanded == self.is_expanded():
            return
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded
                                 else Qt.ArrowType.RightArrow)
        self.field.setVisible(expanded)
        if expanded:
            self.field.setFocus()
        self.toggled.emit(expanded)
