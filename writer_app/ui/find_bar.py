"""The find bar below the document: the query and its options, the count, the replace
row. It only shows and asks: its keys become requests (close, step, replace) that the
controller (find_controller.FindController) carries out on the active editor.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.text.find import FindOptions


class FindBar(QWidget):
    """The bar's widgets: the query and its options, the count, the replace row."""

    closeRequested = Signal()  # Esc in a field
    stepRequested = Signal(bool)  # Enter in the query field: forward (Shift: backwards)
    replaceRequested = Signal(bool)  # Enter in the replace field: all (with Ctrl) or one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.field = QLineEdit(placeholderText=self.tr("Find"), objectName="findField")
        self.field.setClearButtonEnabled(True)
        self.case = self._toggle("Aa", self.tr("Match case"))
        self.word = self._toggle("ab", self.tr("Whole word"))
        font = self.word.font()
        font.setUnderline(True)
        self.word.setFont(font)
        self.regex = self._toggle(".*", self.tr("Regular expression"))
        self.scope = self._toggle("[…]", self.tr("In selection: find and replace only in "
                                                 "the text selected when this is turned on"))
        self.count = QLabel(objectName="findCount")
        self.hint = QLabel(objectName="findHint")
        self.previous = self._button("↑", self.tr("Previous match (Shift+F3)"))
        self.next = self._button("↓", self.tr("Next match (F3)"))
        self.close_button = self._button("✕", self.tr("Close (Esc)"))
        self.replace_field = QLineEdit(placeholderText=self.tr("Replace with"),
                                       objectName="replaceField")
        self.replace = QPushButton(self.tr("Replace"))
        self.replace_all = QPushButton(self.tr("Replace All"))
        self.replace.setToolTip(self.tr("Replace this match and go to the next (Enter)"))
        self.replace_all.setToolTip(self.tr("Replace every match, as one undo step"))
        top = QHBoxLayout()
        for widget in (self.field, self.case, self.word, self.regex, self.scope, self.count,
                       self.hint):
            top.addWidget(widget)
        top.addStretch(1)
        for widget in (self.previous, self.next, self.close_button):
            top.addWidget(widget)
        self.replace_row = QWidget()
        bottom = QHBoxLayout(self.replace_row)
        bottom.setContentsMargins(0, 0, 0, 0)
        for widget in (self.replace_field, self.replace, self.replace_all):
            bottom.addWidget(widget)
        bottom.addStretch(1)
        rule = QFrame(frameShape=QFrame.Shape.HLine, frameShadow=QFrame.Shadow.Plain)
        rule.setStyleSheet("color: palette(midlight);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 4)
        layout.setSpacing(4)
        layout.addWidget(rule)
        layout.addLayout(top)
        layout.addWidget(self.replace_row)
        for line in (self.field, self.replace_field):
            line.setMinimumWidth(260)
            line.installEventFilter(self)

    def _toggle(self, text: str, tip: str) -> QToolButton:
        button = self._button(text, tip)
        button.setCheckable(True)
        return button

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(text=text, toolTip=tip, autoRaise=True)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def options(self) -> FindOptions:
        return FindOptions(self.case.isChecked(), self.word.isChecked(), self.regex.isChecked())

    def set_count(self, text: str, kind: str = "") -> None:
        """kind: "" (a count), "none" (no results), "error", "stale"."""
        dark = self.palette().window().color().lightness() < 128
        colours = {"none": "#ef9a9a" if dark else "#c62828",
                   "error": "#ef9a9a" if dark else "#c62828", "stale": "palette(mid)"}
        colour = colours.get(kind)
        self.count.setStyleSheet(f"color: {colour};" if colour else "")
        self.count.setText(text)

    def set_hint(self, text: str) -> None:
        self.hint.setStyleSheet("color: palette(mid);")
        self.hint.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                and isinstance(event, QKeyEvent):
            return self._field_key(watched, event, kind == QEvent.Type.KeyPress)
        return False

    def _field_key(self, field: QObject, event: QKeyEvent, press: bool) -> bool:
        """Esc closes; Enter finds (Shift: backwards) or, in the replace field, replaces.
        Claimed at ShortcutOverride so the window's Esc (Stop) does not take them."""
        key, modifiers = event.key(), event.modifiers()
        if key not in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if not press:
            event.accept()
            return True
        if key == Qt.Key.Key_Escape:
            self.closeRequested.emit()
        elif field is self.replace_field:
            self.replaceRequested.emit(bool(modifiers & Qt.KeyboardModifier.ControlModifier))
        else:
            self.stepRequested.emit(not modifiers & Qt.KeyboardModifier.ShiftModifier)
        return True
