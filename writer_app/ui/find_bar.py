"""Find and replace: a bar below the document, searching the active editor.

The search itself (writer_app/text/find.py) runs on a snapshot of the text in a worker
thread, so a 10 MB document or a catastrophic regular expression never freezes the
window; a newer search supersedes an older one. Only the matches in and near the visible
part of the document are highlighted (recomputed on scroll), so 100,000 matches cost
what a screenful does. Replace All is one undo step, made from the end backwards in
slices between which the window keeps drawing; the editor is read-only meanwhile.
"""

from __future__ import annotations

import bisect
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex
from PySide6.QtCore import QEvent, QObject, QPoint, QSignalBlocker, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.text.find import (
    SEARCH_TIMEOUT,
    FindError,
    FindOptions,
    Matches,
    Query,
    ReplacePlan,
    Utf16Map,
    applies_whole_word,
    compile_query,
    find_all,
    plan_replace_all,
    replace_one,
)
from writer_app.ui.editor import WriterEditor
from writer_app.ui.menus import make_action

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

LAYER = "find"
DEBOUNCE_MS = 150  # typing in the field searches after this pause
REFRESH_MS, LARGE_REFRESH_MS = 300, 1500  # after the document changes (small / large text)
LARGE_DOCUMENT = 1_000_000  # characters: its snapshot costs the window ~10 ms per MB
HIGHLIGHT_LIMIT = 1000  # highlighted matches at most (those nearest the visible part)
REPLACE_SLICE = 5000  # Replace All edits per turn of the event loop
MATCH_TINT = QColor(255, 196, 0, 90)
CURRENT_TINT = QColor(255, 140, 0, 150)


def within(starts: Any, ends: Any, scope: tuple[int, int] | None) -> tuple[int, int]:
    """The slice of sorted, non-overlapping matches that lie inside `scope` (all of them
    when there is none)."""
    if scope is None:
        return 0, len(starts)
    first = bisect.bisect_left(starts, scope[0])
    return first, max(first, bisect.bisect_right(ends, scope[1]))


class SearchRunner(QObject):
    """One job at a time in a daemon thread; `start` supersedes the running one (it stops
    at its next check, or its timeout). The newest job's result reaches its handler in
    the GUI thread; superseded results are dropped."""

    _done = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._serial = 0
        self._cancel = threading.Event()
        self._handler: Callable[[Any], None] | None = None
        self._threads: list[threading.Thread] = []
        self._done.connect(self._deliver)

    def start(self, job: Callable[[Callable[[], bool]], Any],
              handler: Callable[[Any], None]) -> None:
        self.cancel()
        self._serial += 1
        serial, cancel = self._serial, threading.Event()
        self._cancel, self._handler = cancel, handler

        def run() -> None:
            try:
                result = job(cancel.is_set)
            except Exception as error:  # a bug must reach the bar, not end a thread silently
                result = FindError("pattern", f"{type(error).__name__}: {error}")
            if not cancel.is_set():
                with contextlib.suppress(RuntimeError):  # the window is gone
                    self._done.emit((serial, result))

        thread = threading.Thread(target=run, name="writer-find", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    @Slot(object)
    def _deliver(self, reply: tuple[int, Any]) -> None:
        serial, result = reply
        if serial == self._serial and self._handler is not None and result is not None:
            handler, self._handler = self._handler, None
            handler(result)

    def cancel(self) -> None:
        self._cancel.set()
        self._handler = None

    def shut_down(self, wait: float) -> None:
        self.cancel()
        for thread in self._threads:
            thread.join(wait)
        self._threads = []


@dataclass
class Results:
    """One search's matches in Qt positions, for the editor at one revision."""

    editor: WriterEditor
    revision: int
    query: Query
    starts: Any  # sorted UTF-16 positions (array or list)
    ends: Any
    truncated: bool


@dataclass
class ReplaceJob:
    """A Replace All being applied, from the last match backwards."""

    editor: WriterEditor
    starts: Any
    ends: Any
    replacements: list[str]
    next: int  # the index of the next match to replace
    revision: int  # the document's revision after the last slice
    read_only: bool  # the editor's own setting, given back at the end


class FindBar(QWidget):
    """The bar's widgets: the query and its options, the count, the replace row."""

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


class FindController(QObject):
    """Owns the bar, its actions and the searches; follows the active editor."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.timeout = SEARCH_TIMEOUT  # seconds a search may take (tests shorten it)
        self.bar = FindBar()
        self.bar.hide()
        self.runner = SearchRunner(self)
        self.editor: WriterEditor | None = None
        self.results: Results | None = None
        self._after: Callable[[], None] | None = None  # what to do once a search is done
        self._origin = 0  # where the cursor was when the search began (incremental)
        self._snapshot: tuple[WriterEditor, int, str] | None = None
        self._job: ReplaceJob | None = None
        self._scope: tuple[WriterEditor, QTextCursor, QTextCursor] | None = None
        self._debounce = self._timer(DEBOUNCE_MS, lambda: self.search(move=True))
        self._refresh = self._timer(REFRESH_MS,
                                    lambda: self.search(move=False, then=self._after))
        self._highlight_later = self._timer(0, self._highlight)
        self._slice = self._timer(0, self._replace_slice)
        self._build_actions()
        self._connect_bar()
        layout = window.centralWidget().layout()
        layout.addWidget(self.bar)  # below the documents
        window.editorChanged.connect(self._follow)
        window.installEventFilter(self)
        if window.editor is not None:
            self._follow(window.editor)

    def _timer(self, interval: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self, singleShot=True, interval=interval)
        timer.timeout.connect(slot)
        return timer

    def _build_actions(self) -> None:
        window, standard = self.window, QKeySequence.StandardKey
        replace_keys = standard.Replace if QKeySequence.keyBindings(standard.Replace) \
            else "Ctrl+H"  # macOS has no standard Replace key
        self.find_action = make_action(window, self.tr("&Find…"), self.open_find,
                                       (standard.Find,))
        self.replace_action = make_action(window, self.tr("R&eplace…"), self.open_replace,
                                          (replace_keys,))
        self.next_action = make_action(window, self.tr("Find &Next"), self.find_next,
                                       (standard.FindNext,))
        self.previous_action = make_action(window, self.tr("Find Pre&vious"),
                                           self.find_previous, (standard.FindPrevious,))
        menu = window.actions_.menus["edit"]
        menu.addSeparator()
        menu.addActions([self.find_action, self.replace_action, self.next_action,
                         self.previous_action])

    def _connect_bar(self) -> None:
        bar = self.bar
        bar.field.textEdited.connect(lambda _text: (bar.set_hint(""), self._debounce.start()))
        for toggle in (bar.case, bar.word, bar.regex):
            toggle.toggled.connect(lambda _on: self.search(move=True))
        bar.scope.toggled.connect(self._set_scope)
        bar.next.clicked.connect(self.find_next)
        bar.previous.clicked.connect(self.find_previous)
        bar.close_button.clicked.connect(self.close)
        bar.replace.clicked.connect(self.replace_current)
        bar.replace_all.clicked.connect(self.replace_all)
        for field in (bar.field, bar.replace_field):
            field.installEventFilter(self)

    # ---- opening and closing ----------------------------------------------------------------

    def open_find(self, replace: bool = False) -> None:
        """Show the bar with the selection (or the word at the cursor) as the query; when
        the bar has the keyboard already, keep its query (it may be an expression)."""
        bar = self.bar
        focus = QApplication.focusWidget()
        if bar.isVisible() and focus is not None and bar.isAncestorOf(focus):
            bar.replace_row.setVisible(replace or bar.replace_row.isVisible())
            field = bar.replace_field if replace else bar.field
            field.setFocus()
            field.selectAll()
            return
        cursor = self.window.editor.textCursor()
        if not cursor.hasSelection():
            cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        seed = cursor.selectedText()
        if seed.strip() and "\u2029" not in seed and len(seed) <= 500:
            bar.field.setText(regex.escape(seed) if bar.regex.isChecked() else seed)
        self._origin = cursor.selectionStart()  # the seed itself is the first match
        bar.replace_row.setVisible(replace)
        bar.show()
        bar.field.setFocus()
        bar.field.selectAll()
        self.search(move=True)

    def open_replace(self) -> None:
        self.open_find(replace=True)

    def close(self) -> None:
        """Hide the bar, drop the highlights and give the editor the keyboard back."""
        self.bar.hide()
        self.runner.cancel()
        for timer in (self._debounce, self._refresh, self._highlight_later):
            timer.stop()
        self.results = None
        self._drop_scope()
        if self.editor is not None:
            self.editor.set_layer(LAYER, [])
            self.editor.setFocus()

    def shut_down(self) -> None:
        """At the window's close: finish a Replace All, stop searches and timers."""
        while self._job is not None:
            self._replace_slice()
        for timer in (self._debounce, self._refresh, self._highlight_later, self._slice):
            timer.stop()
        self.runner.shut_down(wait=2.0)
        self._snapshot = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window:
            if kind == QEvent.Type.Close:
                self.shut_down()
            return False
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                and isinstance(event, QKeyEvent):
            return self._field_key(watched, event, kind == QEvent.Type.KeyPress)
        return False

    def _field_key(self, field: QObject, event: QKeyEvent, press: bool) -> bool:
        """Esc closes; Enter finds (Shift: backwards) or, in the replace field, replaces.
        Claimed at ShortcutOverride so the window's Esc (Stop) does not take them."""
        key, shift = event.key(), event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if key not in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if not press:
            event.accept()
            return True
        if key == Qt.Key.Key_Escape:
            self.close()
        elif field is self.bar.replace_field:
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.replace_all()
            else:
                self.replace_current()
        elif shift:
            self.find_previous()
        else:
            self.find_next()
        return True

    # ---- following the active document ------------------------------------------------------

    def _follow(self, editor: WriterEditor) -> None:
        if editor is self.editor:
            return
        if self.editor is not None:
            try:
                self.editor.set_layer(LAYER, [])
                self.editor.document().contentsChange.disconnect(self._on_edit)
                self.editor.verticalScrollBar().valueChanged.disconnect(self._scrolled)
                self.editor.verticalScrollBar().rangeChanged.disconnect(self._scrolled)
                self.editor.cursorPositionChanged.disconnect(self._show_count)
            except (RuntimeError, TypeError):  # a closed document's editor is gone
                pass
        self.editor = editor
        self.results = None
        self._drop_scope()
        editor.document().contentsChange.connect(self._on_edit)
        editor.verticalScrollBar().valueChanged.connect(self._scrolled)
        editor.verticalScrollBar().rangeChanged.connect(self._scrolled)
        editor.cursorPositionChanged.connect(self._show_count)
        if self.bar.isVisible():
            self.search(move=False)

    def _scrolled(self, *_args: int) -> None:
        if self.results is not None:
            self._highlight_later.start()

    def _on_edit(self, _position: int, _removed: int, _added: int) -> None:
        """The text changed (typing, a generation, a replacement): the matches are stale
        until the next search, which runs after a pause (throttled, not debounced, so a
        streaming generation still updates them)."""
        if self._job is not None or not self.bar.isVisible() or not self.bar.field.text():
            return
        if self.results is not None:
            self.results = None
            if self.editor is not None:
                self.editor.set_layer(LAYER, [])
            self.bar.set_count("…", "stale")
        self._refresh_later()

    def _refresh_later(self) -> None:
        if not self._refresh.isActive() and self.editor is not None:
            size = self.editor.document().characterCount()
            self._refresh.start(LARGE_REFRESH_MS if size > LARGE_DOCUMENT else REFRESH_MS)

    def _set_scope(self, on: bool) -> None:
        """In selection: remember the selection as two cursors (they follow edits)."""
        self._scope = None
        cursor = self.editor.textCursor() if self.editor is not None else None
        if on and cursor is not None and cursor.hasSelection():
            start, end = QTextCursor(cursor.document()), QTextCursor(cursor.document())
            start.setPosition(cursor.selectionStart())
            end.setPosition(cursor.selectionEnd())
            self._scope = (self.editor, start, end)
            self._origin = cursor.selectionStart()
        elif on:
            self.bar.scope.setChecked(False)
            self.bar.set_hint(self.tr("Select the text to search in first"))
            return
        self.search(move=False)

    def _drop_scope(self) -> None:
        self._scope = None
        with QSignalBlocker(self.bar.scope):
            self.bar.scope.setChecked(False)

    def _scope_range(self) -> tuple[int, int] | None:
        if self._scope is None or self._scope[0] is not self.editor:
            return None
        return self._scope[1].position(), self._scope[2].position()

    # ---- searching --------------------------------------------------------------------------

    def _text(self, editor: WriterEditor) -> str:
        """The editor's text, read once per revision (10 MB take the window ~0.1 s)."""
        revision = editor.document().revision()
        if self._snapshot is None or self._snapshot[:2] != (editor, revision):
            self._snapshot = (editor, revision, editor.text())
        return self._snapshot[2]

    def _query(self) -> Query | None:
        """The compiled query, or None after showing why there is none."""
        text, options = self.bar.field.text(), self.bar.options()
        ignored = options.whole_word and not applies_whole_word(text)
        no_word = self.tr("Whole word does not apply to Chinese text")
        self.bar.word.setToolTip(no_word if ignored else self.tr("Whole word"))
        if ignored:
            self.bar.set_hint(no_word)
        elif self.bar.hint.text() == no_word:
            self.bar.set_hint("")
        if not text:
            self.bar.set_count("")
            return None
        query = compile_query(text, options)
        if isinstance(query, FindError):
            self.bar.set_count(self._describe(query), "error")
            return None
        return query

    def search(self, move: bool, then: Callable[[], None] | None = None) -> None:
        """Search the active editor in the worker thread; `move` selects the first match
        from where the search began; `then` runs when the results are in."""
        self._debounce.stop()
        self._refresh.stop()
        editor, query = self.editor, self._query()
        self._after = then
        if editor is None or query is None:
            self.results, self._after = None, None
            self.runner.cancel()
            if editor is not None:
                editor.set_layer(LAYER, [])
            return
        text, revision, timeout = self._text(editor), editor.document().revision(), self.timeout
        scope = self._scope_range()

        def job(cancelled: Callable[[], bool]) -> Results | FindError | None:
            found = find_all(query, text, cancelled=cancelled, timeout=timeout)
            if not isinstance(found, Matches):
                return found
            mapping = Utf16Map(text)
            starts, ends = mapping.to_utf16_many(found.starts), mapping.to_utf16_many(found.ends)
            first, last = within(starts, ends, scope)
            return Results(editor, revision, query, starts[first:last], ends[first:last],
                           found.truncated)

        self.results = None  # until the new ones come: F3 meanwhile waits for them
        self.bar.set_count("…", "stale")
        self.runner.start(job, lambda result: self._found(result, move))

    def _found(self, result: Results | FindError, move: bool) -> None:
        if self.editor is None:
            return
        if isinstance(result, FindError):
            self.results, self._after = None, None
            self.editor.set_layer(LAYER, [])
            self.bar.set_count(self._describe(result), "error")
            return
        if result.editor is not self.editor:
            self.search(move, self._after)  # another document is active now
            return
        if result.revision != self.editor.document().revision():
            self._refresh_later()  # the text moved on meanwhile (a generation streams)
            return
        self.results = result
        if move and result.starts:
            index = bisect.bisect_left(result.starts, self._origin)
            self._select(index if index < len(result.starts) else 0)
        self._show_count()
        self._highlight()
        after, self._after = self._after, None
        if after is not None:
            after()

    def _describe(self, error: FindError) -> str:
        if error.kind == "timeout":
            return self.tr("The search took longer than {seconds} s: simplify the "
                           "expression").format(seconds=error.detail)
        where = "" if error.position is None else \
            self.tr(" (at {position})").format(position=error.position + 1)
        if error.kind == "replacement":
            return self.tr("Bad replacement: {detail}{where}").format(detail=error.detail,
                                                                       where=where)
        return self.tr("Not a valid regular expression: {detail}{where}").format(
            detail=error.detail, where=where)

    # ---- what the results show --------------------------------------------------------------

    def _current(self) -> int | None:
        """The index of the match the editor's selection is, if it is one."""
        results, editor = self.results, self.editor
        if results is None or editor is None:
            return None
        cursor = editor.textCursor()
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        index = bisect.bisect_left(results.starts, start)
        if index < len(results.starts) and results.starts[index] == start \
                and results.ends[index] == end:
            return index
        return None

    def _show_count(self) -> None:
        results = self.results
        if results is None or not self.bar.isVisible():
            return
        total = len(results.starts)
        if total == 0:
            self.bar.set_count(self.tr("No results"), "none")
            return
        shown = f"{total:,}+" if results.truncated else f"{total:,}"
        current = self._current()
        if current is None:
            self.bar.set_count(self.tr("{total} found").format(total=shown))
        else:
            self.bar.set_count(self.tr("{current} of {total}").format(
                current=f"{current + 1:,}", total=shown))
        self._highlight_later.start()

    def _highlight(self) -> None:
        """Highlight the matches in and near the visible part (at most HIGHLIGHT_LIMIT)."""
        results, editor = self.results, self.editor
        if results is None or editor is None:
            return
        viewport = editor.viewport()
        top = editor.cursorForPosition(QPoint(0, 0)).position()
        bottom = editor.cursorForPosition(QPoint(viewport.width(), viewport.height())).position()
        reach = max(bottom - top, 2000)  # a screen above and below: small scrolls are covered
        first = bisect.bisect_left(results.ends, top - reach)
        last = min(bisect.bisect_right(results.starts, bottom + reach),
                   first + HIGHLIGHT_LIMIT)
        current = self._current()
        document, selections = editor.document(), []
        for index in range(first, last):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(document)
            cursor.setPosition(results.starts[index])
            cursor.setPosition(results.ends[index], QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor  # type: ignore[attr-defined]
            selection.format.setBackground(  # type: ignore[attr-defined]
                CURRENT_TINT if index == current else MATCH_TINT)
            selection.format.setProperty(  # type: ignore[attr-defined]
                QTextFormat.Property.FullWidthSelection, False)
            selections.append(selection)
        editor.set_layer(LAYER, selections)

    def _select(self, index: int) -> None:
        assert self.results is not None and self.editor is not None
        cursor = self.editor.textCursor()
        cursor.setPosition(self.results.starts[index])
        cursor.setPosition(self.results.ends[index], QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()

    # ---- moving between matches -------------------------------------------------------------

    def find_next(self) -> None:
        self._step(forward=True)

    def find_previous(self) -> None:
        self._step(forward=False)

    def _step(self, forward: bool) -> None:
        if not self.bar.field.text():
            self.open_find()
            return
        if not self.bar.isVisible():
            self.bar.show()
        results = self.results
        if results is None:  # stale or never searched: search, then step
            self.search(move=False, then=lambda: self.results is not None
                        and self._step(forward))
            return
        total = len(results.starts)
        if total == 0:
            self.bar.set_count(self.tr("No results"), "none")
            return
        cursor = self.editor.textCursor() if self.editor is not None else None
        assert cursor is not None
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        if forward:
            index = bisect.bisect_left(results.starts, end)
            if index < total and (results.starts[index], results.ends[index]) == (start, end):
                index += 1  # the selection is this (empty) match: the one after it
            wrapped = index >= total
            index = 0 if wrapped else index
            message = self.tr("Search wrapped to the top")
        else:
            index = bisect.bisect_left(results.starts, start) - 1
            wrapped = index < 0
            index = total - 1 if wrapped else index
            message = self.tr("Search wrapped to the bottom")
        self._select(index)
        self._origin = results.starts[index]
        if wrapped:
            self.bar.set_hint(message)
            self.window.show_status(message, 3000)
        elif self.bar.hint.text() in (self.tr("Search wrapped to the top"),
                                      self.tr("Search wrapped to the bottom")):
            self.bar.set_hint("")
        self._show_count()

    # ---- replacing --------------------------------------------------------------------------

    def _generating_here(self, editor: WriterEditor) -> bool:
        if editor.is_generating:
            self.bar.set_count(self.tr("Stop the generation before replacing"), "error")
            return True
        return False

    def replace_current(self) -> None:
        """Replace the selected match and select the next; with no match selected, find
        the next one first (as VS Code does)."""
        editor = self.editor
        if editor is None or self._job is not None or self._generating_here(editor):
            return
        results = self.results
        if results is None:
            self.search(move=False, then=lambda: self.results is not None
                        and self.replace_current())
            return
        index = self._current()
        if index is None:
            self.find_next()
            return
        text = self._text(editor)
        mapping = Utf16Map(text)
        new = replace_one(results.query, text, mapping.from_utf16(results.starts[index]),
                          mapping.from_utf16(results.ends[index]),
                          self.bar.replace_field.text())
        if isinstance(new, FindError):
            self.bar.set_count(self._describe(new), "error")
            return
        if new is None:  # the text around it changed what matches
            self.search(move=False)
            return
        cursor = editor.textCursor()
        cursor.insertText(new)  # replaces the selection: one undo step
        editor.setTextCursor(cursor)
        self._origin = cursor.position()
        self.search(move=True)

    def replace_all(self) -> None:
        """Plan every replacement in the worker thread, then make them as one undo step."""
        editor = self.editor
        if editor is None or self._job is not None or self._generating_here(editor):
            return
        query = self._query()
        if query is None:
            return
        text, revision = self._text(editor), editor.document().revision()
        scope = self._scope_range()
        template, timeout = self.bar.replace_field.text(), self.timeout

        def job(cancelled: Callable[[], bool]) -> tuple[Any, ...] | FindError | None:
            plan = plan_replace_all(query, text, template, cancelled=cancelled,
                                    timeout=timeout)
            if not isinstance(plan, ReplacePlan):
                return plan
            mapping = Utf16Map(text)
            starts, ends = mapping.to_utf16_many(plan.starts), mapping.to_utf16_many(plan.ends)
            first, last = within(starts, ends, scope)
            return starts[first:last], ends[first:last], plan.replacements[first:last]

        self.bar.set_count(self.tr("Replacing…"), "stale")
        self.runner.start(job, lambda result: self._start_replacing(editor, revision, result))

    def _start_replacing(self, editor: WriterEditor, revision: int,
                         result: tuple[Any, ...] | FindError) -> None:
        if isinstance(result, FindError):
            self.bar.set_count(self._describe(result), "error")
            return
        if editor.document().revision() != revision:
            if editor is self.editor:
                self.replace_all()  # the text changed while planning: plan again
            return
        starts, ends, replacements = result
        if not starts:
            self.bar.set_count(self.tr("No results"), "none")
            return
        self._job = ReplaceJob(editor, starts, ends, replacements, len(starts) - 1,
                               revision, editor.isReadOnly())
        editor.setReadOnly(True)  # no typing between the slices of the one undo step
        self._replace_slice()

    def _replace_slice(self) -> None:
        """Make the next REPLACE_SLICE replacements, from the end backwards (so the
        positions still to do stay valid), joined to the same undo step."""
        job = self._job
        if job is None:
            return
        try:
            document = job.editor.document()
        except RuntimeError:  # its document was closed meanwhile
            self._job = None
            return
        if document.revision() != job.revision:  # something else edited: stop here
            self._finish_replacing(interrupted=True)
            return
        cursor = QTextCursor(document)
        if job.next == len(job.starts) - 1:
            cursor.beginEditBlock()
        else:
            cursor.joinPreviousEditBlock()
        stop = max(job.next - REPLACE_SLICE, -1)
        for index in range(job.next, stop, -1):
            cursor.setPosition(job.starts[index])
            cursor.setPosition(job.ends[index], QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(job.replacements[index])
        if stop < 0:  # end on a removal, so Qt does not merge later typing into this step
            cursor.insertText("\u200b")
            cursor.deletePreviousChar()
        cursor.endEditBlock()
        job.next, job.revision = stop, document.revision()
        if stop < 0:
            self._finish_replacing()
            return
        done = len(job.starts) - 1 - stop
        self.bar.set_count(self.tr("Replacing… {percent}%").format(
            percent=done * 100 // len(job.starts)), "stale")
        self._slice.start()

    def _finish_replacing(self, interrupted: bool = False) -> None:
        job, self._job = self._job, None
        assert job is not None
        job.editor.setReadOnly(job.read_only)
        done, total = len(job.starts) - 1 - job.next, len(job.starts)
        if interrupted:
            message = self.tr("Replace All stopped because the document changed: "
                              "{done} of {total} replaced").format(done=f"{done:,}",
                                                                     total=f"{total:,}")
        else:
            message = self.tr("Replaced {count} matches").format(count=f"{total:,}")
        self.bar.set_hint(message)
        self.window.show_status(message, 5000)
        if job.editor is self.editor:
            self.results = None
            self.search(move=False)


def install(window: MainWindow) -> FindController:
    """Find and replace on `window`: the bar, Edit → Find…, Replace…, Find Next/Previous."""
    return FindController(window)
