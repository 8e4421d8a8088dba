"""Focus mode: the text alone, full screen, at a readable width (F11; Esc or F11 leaves).

Everything else is hidden through the window's public parts — the menu bar, status bar,
toolbars, docks and any tab bar — and what was visible comes back exactly on leaving.
The actions stay live (they belong to the window, not to the hidden menus), so
Ctrl+Enter, ghost text and Stop work as before. Esc leaves only when nothing else wants
it: a running generation's Stop (a window shortcut) and a ghost suggestion (which takes
Esc before any shortcut) come first, so Esc here is a key press that reached the window
unhandled. Also View → Text Layout… (text_layout.py), the other half of "comfort".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEasingCurve, QEvent, QObject, QPropertyAnimation, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QGraphicsOpacityEffect,
    QLabel,
    QTabBar,
    QToolBar,
    QWidget,
)

from writer_app.ui import text_layout

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

HINT_MS = 3000  # how long the "how to leave" hint stays before it fades
FADE_MS = 800


def focus_shortcuts() -> list[QKeySequence]:
    """The platform's full-screen keys, and F11 wherever it is not one of them."""
    keys = list(QKeySequence.keyBindings(QKeySequence.StandardKey.FullScreen))
    f11 = QKeySequence(Qt.Key.Key_F11)
    return keys if f11 in keys else [*keys, f11]


class FocusMode(QObject):
    """Enters and leaves focus mode on `window`; `action` (View → Focus Mode) toggles it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._hidden: list[QWidget] = []  # what focus mode hid, to show again on leaving
        self._state = window.windowState()
        self.action = QAction(self.tr("&Focus Mode"), window, checkable=True)
        self.action.setShortcuts(focus_shortcuts())
        self.action.setToolTip(self.tr("Only the text, full screen (F11; Esc leaves)"))
        self.action.setStatusTip(self.action.toolTip())
        self.action.toggled.connect(self._toggled)
        window.addAction(self.action)  # its shortcut works with the menu bar hidden
        self.layout_action = QAction(self.tr("Text &Layout…"), window)
        self.layout_action.setStatusTip(self.tr(
            "Line width, line spacing and typewriter scrolling"))
        self.layout_action.triggered.connect(lambda _checked=False: self.open_layout())
        window.addAction(self.layout_action)
        self.hint = QLabel(self.tr("Press F11 or Esc to leave focus mode"), window)
        self.hint.setObjectName("focusHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._opacity = QGraphicsOpacityEffect(self.hint)
        self.hint.setGraphicsEffect(self._opacity)
        self.hint.hide()
        self._fade = QPropertyAnimation(self._opacity, b"opacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.hint.hide)
        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(HINT_MS)
        self._hint_timer.timeout.connect(self._fade.start)
        window.installEventFilter(self)

    @property
    def active(self) -> bool:
        return self.action.isChecked()

    def enter(self) -> None:
        self.action.setChecked(True)

    def leave(self) -> None:
        self.action.setChecked(False)

    def toggle(self) -> None:
        self.action.toggle()

    def open_layout(self) -> text_layout.TextLayoutDialog:
        return text_layout.open_dialog(self.window)

    # ---- entering and leaving ---------------------------------------------------------------

    def _toggled(self, on: bool) -> None:
        if on:
            self._enter()
        else:
            self._leave()

    def _parts(self) -> list[QWidget]:
        """The window's parts besides the text, as they are now (tabs may come and go)."""
        window = self.window
        parts: list[QWidget] = [window.menuBar(), window.statusBar()]
        instructions = getattr(window, "instructions", None)  # still read when hidden
        if isinstance(instructions, QWidget):
            parts.append(instructions)
        rule = window.findChild(QFrame, "instructionsRule")  # the line under them
        if rule is not None:
            parts.append(rule)
        parts += window.findChildren(QToolBar)
        parts += window.findChildren(QDockWidget)
        # A document tab bar; not the tab bars of tabbed docks (the window's own children,
        # which the window shows and hides with their docks).
        parts += [bar for bar in window.findChildren(QTabBar) if bar.parent() is not window]
        return parts

    def _enter(self) -> None:
        window = self.window
        self._state = window.windowState()
        editor = window.editor
        had_focus = editor.hasFocus()
        self._hidden = [part for part in self._parts()
                        if part.isVisibleTo(window) and part is not self.hint]
        for part in self._hidden:
            part.hide()
        window.setWindowState(self._state | Qt.WindowState.WindowFullScreen)
        if had_focus or not window.focusWidget():
            editor.setFocus()
        self._show_hint()

    def _leave(self) -> None:
        self._hint_timer.stop()
        self._fade.stop()
        self.hint.hide()
        for part in self._hidden:
            part.show()
        self._hidden = []
        self.window.setWindowState(self._state)

    def _show_hint(self) -> None:
        self._fade.stop()
        self._opacity.setOpacity(1.0)
        palette = QApplication.palette()  # the theme now (a style sheet's palette() is not)
        back = palette.color(QPalette.ColorRole.ToolTipBase).name()
        fore = palette.color(QPalette.ColorRole.ToolTipText).name()
        self.hint.setStyleSheet(f"QLabel#focusHint {{ background: {back}; color: {fore};"
                                " border-radius: 6px; padding: 6px 14px; }")
        self.hint.adjustSize()
        self._place_hint()
        self.hint.show()
        self.hint.raise_()
        self._hint_timer.start()

    def _place_hint(self) -> None:
        window = self.window
        self.hint.move((window.width() - self.hint.width()) // 2,
                       window.height() - self.hint.height() - 32)

    # ---- keys and the window's life ---------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.window or not self.active:
            return False
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if not self.window.is_generating:  # (Stop has Esc while one runs)
                self.leave()
                return True
        elif kind == QEvent.Type.Resize and self.hint.isVisible():
            self._place_hint()
        elif kind == QEvent.Type.Close:
            self.leave()  # first: the window saves its layout as it closes
        return False

    def shut_down(self) -> None:
        self._hint_timer.stop()
        self._fade.stop()


def install(window: MainWindow) -> FocusMode:
    """View → Focus Mode and View → Text Layout… on `window`."""
    focus = FocusMode(window)
    view = window.actions_.menus["view"]
    view.addSeparator()
    view.addAction(focus.action)
    view.addAction(focus.layout_action)
    return focus
