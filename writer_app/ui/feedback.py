"""How the window tells people that something went wrong, without stopping them.

`MessageBar` is an inline strip above the editor (never modal: the user keeps writing);
`install_excepthook` routes unexpected exceptions — including those of async slots,
which qasync hands to `sys.excepthook` — to a non-modal message box and the log.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from writer_app.errors import WriterError

log = logging.getLogger(__name__)


class MessageBar(QFrame):
    """A dismissable line of text: what went wrong, and what to do about it."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAutoFillBackground(True)
        self._text = QLabel()
        self._text.setObjectName("messageText")
        self._text.setWordWrap(True)
        self._text.setTextFormat(Qt.TextFormat.RichText)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._details_button = QPushButton("Details…")
        self._details_button.clicked.connect(self._show_details)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._details_button)
        layout.addWidget(close)
        self._details = ""
        self.hide()

    def show_message(self, message: str, hint: str = "", details: str = "",
                     level: str = "error") -> None:
        """Show `message` (bold) and `hint`; `level` is "error" or "info"."""
        escape = _escape_html
        html = f"<b>{escape(message)}</b>"
        if hint:
            html += f" — {escape(hint[0].upper() + hint[1:])}."
        self._text.setText(html)
        self._details = details
        self._details_button.setVisible(bool(details))
        palette = self.palette()
        base = self.palette().color(QPalette.ColorRole.Window)
        tint = QColor("#d64545") if level == "error" else QColor("#3b82c4")
        palette.setColor(QPalette.ColorRole.Window, _mix(base, tint, 0.14))
        self.setPalette(palette)
        self.setProperty("level", level)
        self.show()

    def message(self) -> str:
        return self._text.text()

    def dismiss(self) -> None:
        self.hide()
        self.closed.emit()

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Details", self._text.text(),
                          QMessageBox.StandardButton.Close, self)
        box.setDetailedText(self._details)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()


def _mix(base: QColor, tint: QColor, amount: float) -> QColor:
    return QColor(round(base.red() * (1 - amount) + tint.red() * amount),
                  round(base.green() * (1 - amount) + tint.green() * amount),
                  round(base.blue() * (1 - amount) + tint.blue() * amount))


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def install_excepthook(parent: Callable[[], QWidget | None]) -> ExceptHook:
    """Show uncaught exceptions in a non-modal box over `parent()`; returns the old hook."""
    previous = sys.excepthook

    def show(kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, error, trace))
        log.error("Uncaught exception\n%s", details)
        previous(kind, error, trace)
        if QApplication.instance() is None or isinstance(error, KeyboardInterrupt):
            return
        if isinstance(error, WriterError):
            title, text, hint = "Writer", error.message, error.hint
        else:
            title = "Something went wrong"
            text = f"{kind.__name__}: {error}"
            hint = "Your text is safe; save it, and please report this with the details below."
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Close, parent())
        box.setInformativeText(hint)
        if not isinstance(error, WriterError):
            box.setDetailedText(details)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    sys.excepthook = show
    return previous
