"""Typing into the real editor as a user would, for the GUI tests."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication


def type_text(qtbot: Any, target: Any, text: str) -> None:
    """Type `text` into an editor (or a window's active editor) like a keyboard: Return
    for a newline, key clicks for ASCII, and the key events an input method sends for the
    characters QTest cannot type (Chinese, emoji)."""
    editor = getattr(target, "editor", target)
    editor.setFocus()
    for char in text:
        if char == "\n":
            qtbot.keyClick(editor, Qt.Key.Key_Return)
        elif char.isascii():
            qtbot.keyClicks(editor, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(editor, QKeyEvent(
                    kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))
