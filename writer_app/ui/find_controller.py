"""Find and replace: the controller behind the bar (find_bar.FindBar) — its actions,
the searches of the active editor and their results, moving between matches and
replacing them.

Searches run in a worker thread on a snapshot of the text (find_search); the layer of
highlights near the visible part is find_highlight's; Replace All, one undo step made in
slices, is find_replace_all's. Results go stale on every edit and are searched again
after a pause, so typing costs nothing here.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

import regex
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QTimer
from PySide6.QtGui import QKeySequence, QTextCursor
from PySide6.QtWidgets import QApplication

from writer_app.text.find import (
    SEARCH_TIMEOUT,
    FindError,
    Query,
    Utf16Map,
    applies_whole_word,
    compile_query,
    replace_one,
)
from writer_app.ui.editor import WriterEditor
from writer_app.ui.find_bar import FindBar
from writer_app.ui.find_highlight import FindHighlight
from writer_app.ui.find_replace_all import ReplaceAll
from writer_app.ui.find_search import Results, SearchRunner, search_job
from writer_app.ui.menus import make_action

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

DEBOUNCE_MS = 150  # typing in the field searches after this pause
REFRESH_MS, LARGE_REFRESH_MS = 300, 1500  # after the document changes (small / large text)
LARGE_DOCUMENT = 1_000_000  # characters: its snapshot costs the window ~10 ms per MB


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
        self.highlight = FindHighlight(self, lambda: self.results)
        self.replacing = ReplaceAll(self)
        self._scope: tuple[WriterEditor, QTextCursor, QTextCursor] | None = None
        self._debounce = self._timer(DEBOUNCE_MS, lambda: self.search(move=True))
        self._refresh = self._timer(REFRESH_MS,
                                    lambda: self.search(move=False, then=self._after))
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
        bar.closeRequested.connect(self.close)
        bar.stepRequested.connect(lambda forward: self._step(forward))
        bar.replaceRequested.connect(
            lambda every: self.replace_all() if every else self.replace_current())

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
        for timer in (self._debounce, self._refresh):
            timer.stop()
        self.highlight.stop()
        self.results = None
        self._drop_scope()
        self.highlight.clear()
        if self.editor is not None:
            self.editor.setFocus()

    def shut_down(self) -> None:
        """At the window's close: finish a Replace All, stop searches and timers."""
        self.replacing.finish_now()
        for timer in (self._debounce, self._refresh):
            timer.stop()
        self.highlight.stop()
        self.runner.shut_down(wait=2.0)
        self._snapshot = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.shut_down()
        return False

    # ---- following the active document ------------------------------------------------------

    def _follow(self, editor: WriterEditor) -> None:
        if editor is self.editor:
            return
        if self.editor is not None:
            try:
                self.editor.document().contentsChange.disconnect(self._on_edit)
                self.editor.cursorPositionChanged.disconnect(self._show_count)
            except (RuntimeError, TypeError):  # a closed document's editor is gone
                pass
        self.highlight.follow(editor)
        self.editor = editor
        self.results = None
        self._drop_scope()
        editor.document().contentsChange.connect(self._on_edit)
        editor.cursorPositionChanged.connect(self._show_count)
        if self.bar.isVisible():
            self.search(move=False)

    def _on_edit(self, _position: int, _removed: int, _added: int) -> None:
        """The text changed (typing, a generation, a replacement): the matches are stale
        until the next search, which runs after a pause (throttled, not debounced, so a
        streaming generation still updates them)."""
        if self.replacing.job is not None or not self.bar.isVisible() \
                or not self.bar.field.text():
            return
        if self.results is not None:
            self.results = None
            self.highlight.clear()
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

    def scope_range(self) -> tuple[int, int] | None:
        if self._scope is None or self._scope[0] is not self.editor:
            return None
        return self._scope[1].position(), self._scope[2].position()

    # ---- searching --------------------------------------------------------------------------

    def text_of(self, editor: WriterEditor) -> str:
        """The editor's text, read once per revision (10 MB take the window ~0.1 s)."""
        revision = editor.document().revision()
        if self._snapshot is None or self._snapshot[:2] != (editor, revision):
            self._snapshot = (editor, revision, editor.text())
        return self._snapshot[2]

    def query(self) -> Query | None:
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
            self.bar.set_count(self.describe(query), "error")
            return None
        return query

    def search(self, move: bool, then: Callable[[], None] | None = None) -> None:
        """Search the active editor in the worker thread; `move` selects the first match
        from where the search began; `then` runs when the results are in."""
        self._debounce.stop()
        self._refresh.stop()
        editor, query = self.editor, self.query()
        self._after = then
        if editor is None or query is None:
            self.results, self._after = None, None
            self.runner.cancel()
            self.highlight.clear()
            return
        job = search_job(editor, editor.document().revision(), query, self.text_of(editor),
                         self.scope_range(), self.timeout)
        self.results = None  # until the new ones come: F3 meanwhile waits for them
        self.bar.set_count("…", "stale")
        self.runner.start(job, lambda result: self._found(result, move))

    def _found(self, result: Results | FindError, move: bool) -> None:
        if self.editor is None:
            return
        if isinstance(result, FindError):
            self.results, self._after = None, None
            self.highlight.clear()
            self.bar.set_count(self.describe(result), "error")
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
        self.highlight.paint()
        after, self._after = self._after, None
        if after is not None:
            after()

    def describe(self, error: FindError) -> str:
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
        return results.index_of(cursor.selectionStart(), cursor.selectionEnd())

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
        self.highlight.later()

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

    def generating_here(self, editor: WriterEditor) -> bool:
        if editor.is_generating:
            self.bar.set_count(self.tr("Stop the generation before replacing"), "error")
            return True
        return False

    def replace_current(self) -> None:
        """Replace the selected match and select the next; with no match selected, find
        the next one first (as VS Code does)."""
        editor = self.editor
        if editor is None or self.replacing.job is not None or self.generating_here(editor):
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
        text = self.text_of(editor)
        mapping = Utf16Map(text)
        new = replace_one(results.query, text, mapping.from_utf16(results.starts[index]),
                          mapping.from_utf16(results.ends[index]),
                          self.bar.replace_field.text())
        if isinstance(new, FindError):
            self.bar.set_count(self.describe(new), "error")
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
        """Replace every match (in the selection, with In selection on) as one undo step."""
        self.replacing.start()


def install(window: MainWindow) -> FindController:
    """Find and replace on `window`: the bar, Edit → Find…, Replace…, Find Next/Previous."""
    return FindController(window)
