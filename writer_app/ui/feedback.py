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
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

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


class MessageSink(Protocol):
    """Where a part of the window reports what happened (the window implements it).

    `topic` names what a message is about ("model", "file", ...): a part that fixes the
    cause clears its own topic and never someone else's error.
    """

    def show_error(self, message: str, hint: str = "", details: str = "",
                   topic: str = "", actions: tuple[tuple[str, Callable[[], None]], ...] = ()
                   ) -> None: ...

    def show_info(self, message: str, hint: str = "", topic: str = "",
                  actions: tuple[tuple[str, Callable[[], None]], ...] = ()) -> None: ...

    def show_status(self, text: str, timeout_ms: int = 0) -> None: ...

    def clear_topic(self, *topics: str) -> None: ...


@dataclass(frozen=True)
class Message:
    text: str
    hint: str = ""
    details: str = ""
    level: str = "error"  # or "info"
    topic: str = ""
    actions: tuple[tuple[str, Callable[[], None]], ...] = field(default=())


class MessageBar(QFrame):
    """A dismissable line of text: what went wrong, and what to do about it.

    An error stays until the user dismisses it or its cause is fixed: a later info line
    waits behind it (the newest one) instead of replacing it. An info line that asks
    something (it has buttons) goes before a plain info line, which waits behind it.
    """

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
        self._details_button = QPushButton(self.tr("Details…"))
        self._details_button.clicked.connect(self._show_details)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(self.dismiss)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(14, 8, 8, 8)
        self._layout.addWidget(self._text, 1)
        self._layout.addWidget(self._details_button)
        self._layout.addWidget(close)
        self._buttons: dict[str, QPushButton] = {}
        self._current: Message | None = None
        self._waiting: Message | None = None  # an info line held back by an error
        self.hide()

    def show_message(self, message: str, hint: str = "", details: str = "",
                     level: str = "error", topic: str = "",
                     actions: tuple[tuple[str, Callable[[], None]], ...] = ()) -> None:
        """Show `message` (bold) and `hint`; `level` is "error" or "info". `actions` are
        (label, callback) buttons; pressing one dismisses the message."""
        shown = Message(message, hint, details, level, topic, tuple(actions))
        if level != "error" and self._showing_error():
            self._waiting = shown
            return
        if level != "error" and actions and self._current is not None \
                and not self.isHidden() and not self._current.actions:
            self._waiting = self._current  # a question goes first; the news waits behind it
        self._show(shown)

    def _showing_error(self) -> bool:
        return not self.isHidden() and self._current is not None \
            and self._current.level == "error"

    def _show(self, shown: Message) -> None:
        escape = _escape_html
        html = f"<b>{escape(shown.text)}</b>"
        if shown.hint:
            html += f" — {escape(shown.hint[0].upper() + shown.hint[1:])}."
        self._text.setText(html)
        self._details_button.setVisible(bool(shown.details))
        for button in self._buttons.values():
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = {}
        for index, (label, callback) in enumerate(shown.actions):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, run=callback: self._act(run))
            self._layout.insertWidget(1 + index, button)
            self._buttons[label] = button
        palette = self.palette()
        base = self.palette().color(QPalette.ColorRole.Window)
        tint = QColor("#d64545") if shown.level == "error" else QColor("#3b82c4")
        palette.setColor(QPalette.ColorRole.Window, _mix(base, tint, 0.14))
        self.setPalette(palette)
        self.setProperty("level", shown.level)
        self._current = shown
        self.show()

    def message(self) -> str:
        return self._text.text()

    def topic(self) -> str:
        """What the message on show is about ("" when none is shown)."""
        return self._current.topic if self._current is not None and not self.isHidden() else ""

    def button(self, label: str) -> QPushButton | None:
        """The action button `label` of the message on show (for tests and shortcuts)."""
        return self._buttons.get(label) if not self.isHidden() else None

    def dismiss(self) -> None:
        """Close the message on show; an info line that waited behind it comes next."""
        waiting, self._waiting = self._waiting, None
        self._current = None
        if waiting is not None:
            self._show(waiting)
        else:
            self.hide()
        self.closed.emit()

    def clear_topic(self, *topics: str) -> None:
        """The cause of messages about `topics` is gone: take them away, and only them."""
        if self._waiting is not None and self._waiting.topic in topics:
            self._waiting = None
        if self._current is not None and not self.isHidden() and self._current.topic in topics:
            self.dismiss()

    def _act(self, callback: Callable[[], None]) -> None:
        self.dismiss()
        callback()

    def _show_details(self) -> None:
        details = self._current.details if self._current is not None else ""
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Details"), self._text.text(),
                          QMessageBox.StandardButton.Close, self)
        box.setDetailedText(details)
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
