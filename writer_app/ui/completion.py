"""Inline completion: a grey suggestion after the cursor that Tab accepts.

The controller owns the suggestion's state and is the only part that asks the worker
for suggestions. One request samples `completion.alternatives` continuations in a
single batch (`EngineWorker.suggest`); the first is shown once every row has ended —
rows are short and decoded together, so they end within a few tokens of each other —
and Alt+] / Alt+[ cycle through the rest.

A suggestion is tied to the document revision and cursor position it was asked for: if
either has changed when the answer arrives, the answer is dropped, so a suggestion never
lands after the user has typed or moved on. While one is on show, typing its next
character consumes it; any other edit or cursor move dismisses it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTextBoundaryFinder, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, Qt
from PySide6.QtWidgets import QWidget

from writer_app.settings import Settings
from writer_app.ui.editor import WriterEditor
from writer_app.ui.model_access import ModelAccess
from writer_app.worker import WorkerError

SUGGEST_SHORTCUT = "Ctrl+Space"
ACCEPT_KEY = Qt.Key.Key_Tab
DISMISS_KEY = Qt.Key.Key_Escape
ACCEPT_WORD_SHORTCUT = "Ctrl+Right"
NEXT_SHORTCUT = "Alt+]"
PREVIOUS_SHORTCUT = "Alt+["

Token = tuple[int, int]  # (document revision, cursor position): what a suggestion is for


def utf16_length(text: str) -> int:
    """How many Qt positions `text` takes (Qt counts UTF-16 units)."""
    return len(text.encode("utf-16-le")) // 2


def next_word(text: str) -> str:
    """The start of `text` up to the end of its first word (leading spaces included).

    Word ends come from QTextBoundaryFinder, which also splits CJK text sensibly (one
    ideograph at a time where it has no dictionary); punctuation after a word joins it.
    """
    stripped = len(text) - len(text.lstrip())
    if stripped == len(text):
        return text
    units = text.encode("utf-16-le")
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, text)
    finder.setPosition(utf16_length(text[:stripped]))
    end16 = finder.toNextBoundary()
    word = units[:2 * end16].decode("utf-16-le") if end16 > 0 else text
    rest = text[len(word):]
    punctuation = len(rest) - len(rest.lstrip(",.;:!?，。、；：！？…”’\"')）」』"))
    return word + rest[:punctuation]


def _shortcut(event: QKeyEvent) -> QKeySequence:
    return QKeySequence(event.keyCombination())


class CompletionController(QObject):
    """Asks for suggestions, shows them as ghost text in `editor`, accepts or drops them.

    `params` and `preamble` are read at each request; `spawn` runs a coroutine on the
    window's loop (and cancels it on close); `busy` says a generation is streaming.
    """

    message = Signal(str)  # something for the status bar
    suggestionShown = Signal(str)  # the ghost text now on show

    def __init__(self, editor: WriterEditor, access: ModelAccess, settings: Settings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._listening = True
        self.access = access
        self.settings = settings
        self._requests = 0  # numbers requests: only the newest answer may show
        self._pending: asyncio.Task[Any] | None = None
        self._options: list[str] = []  # the alternatives, from the anchor on
        self._index = 0
        self._anchor = 0  # the Qt position the suggestion was asked for
        self._typed = ""  # what of the suggestion has been typed or accepted so far
        self._through: str | None = None  # a key press that types the ghost's next text
        self._own_edit = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._auto_suggest)

        self.suggest_action = QAction(self.tr("&Suggest"), parent)
        self.suggest_action.setShortcut(QKeySequence(SUGGEST_SHORTCUT))
        self.suggest_action.setToolTip(self.tr(
            "Suggest how the text goes on, in grey: Tab accepts it, Ctrl+Right one word, "
            "Alt+] the next alternative, Esc dismisses it ({0})").format(SUGGEST_SHORTCUT))
        self.suggest_action.triggered.connect(lambda _checked=False: self.request())
        self.auto_action = QAction(self.tr("Suggest While &Idle"), parent, checkable=True)
        self.auto_action.setChecked(bool(settings.get("completion.auto_suggest")))
        self.auto_action.toggled.connect(self._set_auto)
        if isinstance(parent, QWidget):
            parent.addAction(self.suggest_action)  # the shortcut works anywhere in the window

        self._listen(editor)

    def _listen(self, editor: WriterEditor) -> None:
        editor.installEventFilter(self)
        editor.document().contentsChange.connect(self._on_contents_change)
        editor.cursorPositionChanged.connect(self._on_cursor_moved)

    def _unlisten(self, editor: WriterEditor) -> None:
        editor.removeEventFilter(self)
        editor.document().contentsChange.disconnect(self._on_contents_change)
        editor.cursorPositionChanged.disconnect(self._on_cursor_moved)

    def set_editor(self, editor: WriterEditor) -> None:
        """Suggest in another document (the active one): what was on show goes."""
        if editor is self.editor or not self._listening:
            return
        self.dismiss()
        self._timer.stop()
        self._unlisten(self.editor)
        self.editor = editor
        self._listen(editor)

    def actions(self) -> list[QAction]:
        return [self.suggest_action, self.auto_action]

    # ---- state ------------------------------------------------------------------------------

    @property
    def visible(self) -> str:
        """The ghost text on show ("" when none)."""
        if not self._options:
            return ""
        return self._options[self._index][len(self._typed):]

    @property
    def alternatives(self) -> list[str]:
        return list(self._options)

    @property
    def is_pending(self) -> bool:
        return self._pending is not None and not self._pending.done()

    def _token(self) -> Token:
        return self.editor.document().revision(), self.editor.textCursor().position()

    def _ghost_position(self) -> int:
        return self._anchor + utf16_length(self._typed)

    # ---- asking -----------------------------------------------------------------------------

    def request(self) -> None:
        """Ask for a suggestion at the cursor; a newer request replaces an older one."""
        if self.access.busy() or not self.suggest_action.isEnabled():
            return  # disabled: the backend cannot suggest (its tooltip says why)
        self.dismiss()
        cursor = self.editor.textCursor()
        if cursor.hasSelection():
            self.message.emit(self.tr("Suggestions need a cursor, not a selection"))
            return
        self._requests += 1
        text = self.editor.text_for_model(cursor.position())
        self._pending = self.access.spawn(self._fetch(self._requests, self._token(), text))

    def cancel_request(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()  # cancelling the awaited future cancels the engine's job
        self._pending = None

    async def _fetch(self, number: int, token: Token, text: str) -> None:
        try:
            rows = await self.access.worker.suggest(
                text, self.access.params(), n=int(self.settings.get("completion.alternatives")),
                preamble=self.access.preamble(),
                max_tokens=int(self.settings.get("completion.max_tokens")))
        except WorkerError as error:
            if not error.cancelled and number == self._requests:
                self.message.emit(self.tr("No suggestion: {0}").format(error.message))
            return
        if rows is None or number != self._requests:
            return  # superseded
        self._pending = None
        self.offer(rows, token)

    def offer(self, rows: list[str], token: Token | None = None) -> bool:
        """Show `rows` as the suggestion and its alternatives, if `token` (the revision and
        cursor position they were asked for; None: now) still holds. True if shown."""
        token = token or self._token()
        if self._token() != token or self.access.busy() or self.editor.textCursor().hasSelection():
            return False  # the user typed or moved on: never land a stale suggestion
        rows = [row for row in rows if row]
        if not rows:
            self.message.emit(self.tr("The model has no suggestion here"))
            return False
        self.dismiss()
        self._options, self._index, self._typed = rows, 0, ""
        self._anchor = token[1]
        self._show()
        return True

    def _show(self) -> None:
        ghost = self.visible
        if not ghost:
            self.dismiss()
            return
        self.editor.show_ghost(self._ghost_position(), ghost)
        self.suggestionShown.emit(ghost)

    # ---- the user's answer ------------------------------------------------------------------

    def dismiss(self) -> None:
        """Drop the suggestion on show (and stop waiting for one)."""
        self.cancel_request()
        self._through = None
        if self._options:
            self._options = []
            self._typed = ""
            self.editor.clear_ghost()

    def accept(self) -> None:
        """Tab: insert the whole suggestion as one undo step."""
        ghost = self.visible
        if ghost:
            self.dismiss()
            self._insert(ghost)

    def accept_word(self) -> None:
        """Ctrl+Right: insert the suggestion's next word; the rest stays on show."""
        ghost = self.visible
        if not ghost:
            return
        word = next_word(ghost)
        self.editor.clear_ghost()
        self._insert(word)
        self._consumed(word)

    def cycle(self, step: int = 1) -> None:
        """Alt+] / Alt+[: show the next or previous alternative."""
        if len(self._options) > 1:
            self._index = (self._index + step) % len(self._options)
            self._show()

    def _consumed(self, text: str) -> None:
        """`text` of the ghost is now in the document: keep the alternatives that agree."""
        current = self._options[self._index]
        self._typed += text
        self._options = [o for o in self._options if o.startswith(self._typed)]
        self._index = self._options.index(current)
        if self.visible:
            self._show()
        else:
            self.dismiss()

    def _insert(self, text: str) -> None:
        self._own_edit = True
        try:
            cursor = self.editor.textCursor()
            cursor.beginEditBlock()  # its own undo step, apart from the typing before it
            cursor.insertText(text)
            cursor.endEditBlock()
            self.editor.setTextCursor(cursor)
            self.editor.ensureCursorVisible()
        finally:
            self._own_edit = False

    # ---- events -----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.editor or not self._options:
            return False
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        key, modifiers = event.key(), event.modifiers()
        sequence = _shortcut(event)
        actions: dict[str, Callable[[], None]] = {}
        if key == ACCEPT_KEY and modifiers == Qt.KeyboardModifier.NoModifier:
            actions["accept"] = self.accept
        elif key == DISMISS_KEY:
            actions["dismiss"] = self.dismiss
        elif sequence.matches(QKeySequence(ACCEPT_WORD_SHORTCUT)) \
                == QKeySequence.SequenceMatch.ExactMatch:
            actions["word"] = self.accept_word
        elif sequence.matches(QKeySequence(NEXT_SHORTCUT)) \
                == QKeySequence.SequenceMatch.ExactMatch:
            actions["next"] = lambda: self.cycle(1)
        elif sequence.matches(QKeySequence(PREVIOUS_SHORTCUT)) \
                == QKeySequence.SequenceMatch.ExactMatch:
            actions["previous"] = lambda: self.cycle(-1)
        if actions:
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()  # the key comes to us as a key press, not to a window shortcut
            else:
                next(iter(actions.values()))()
            return True
        typed = event.text()
        if event.type() == QEvent.Type.KeyPress and typed and typed.isprintable() \
                and self.visible.startswith(typed) \
                and not self.editor.textCursor().hasSelection() \
                and not modifiers & ~Qt.KeyboardModifier.ShiftModifier:
            self._through = typed  # the editor types it; _on_contents_change keeps the rest
        return False

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._own_edit:
            return
        through, self._through = self._through, None
        if not self._options:
            self.cancel_request()  # a pending answer is stale now
            self._restart_idle_timer()
            return
        if through is not None and position == self._ghost_position() and removed == 0 \
                and added == utf16_length(through):
            self.editor.clear_ghost()
            self._consumed(through)
            return
        self.dismiss()
        self._restart_idle_timer()

    def _on_cursor_moved(self) -> None:
        if self._own_edit or self._through is not None:
            return
        cursor = self.editor.textCursor()
        if self._options and (cursor.hasSelection()
                              or cursor.position() != self._ghost_position()):
            self.dismiss()
        elif not self._options and self.is_pending:
            self.cancel_request()

    # ---- suggesting while idle ----------------------------------------------------------------

    def _set_auto(self, on: bool) -> None:
        self.settings.set("completion.auto_suggest", on)
        if not on:
            self._timer.stop()

    def _restart_idle_timer(self) -> None:
        if self.settings.get("completion.auto_suggest") and self.editor.hasFocus():
            self._timer.start(int(self.settings.get("completion.delay_ms")))

    def _auto_suggest(self) -> None:
        cursor = self.editor.textCursor()
        if self._options or self.is_pending or cursor.hasSelection() or self.access.busy() \
                or not self.auto_action.isEnabled():
            return
        if not self.editor.recent_text(cursor.position()).strip() \
                and not self.editor.text_before(cursor.position()).strip():
            return
        self.request()

    def shut_down(self) -> None:
        """Stop listening before the editor goes: its last events must not reach us."""
        if not self._listening:
            return
        self._listening = False
        self._timer.stop()
        self.cancel_request()
        self._unlisten(self.editor)
