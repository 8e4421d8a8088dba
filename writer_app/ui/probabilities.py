"""How likely each generated token was: colouring, tooltips, and picking another token.

The window hands every generated step to `add`; the token's range and probability go
into a Qt-free `Passages` model that follows the document's edits. View → Colour by
Probability tints generated text from red (unlikely) to green (likely); hovering a token
shows its probability and the alternatives; the context menu on a token offers them,
and picking one replaces the token and regenerates the rest of its passage.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QHelpEvent,
    QKeySequence,
    QTextCursor,
)
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMenu, QTextEdit, QToolTip, QWidget

from writer_app.documents.passages import (
    Alternative,
    Branches,
    GeneratedToken,
    History,
    Passages,
    relative_tokens,
)
from writer_app.ui.colours import is_dark, probability_colour
from writer_app.ui.editor import WriterEditor
from writer_app.ui.token_pane import visible_token

# Qt's lupdate finds the strings of translate("Context", "...") calls.
translate = QCoreApplication.translate

LAYER = "probabilities"
PREVIOUS_VERSION_SHORTCUT = "Alt+Left"
NEXT_VERSION_SHORTCUT = "Alt+Right"



def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ProbabilityActions(QObject):
    """The View menu's colouring and version actions, one set for every document:
    colouring is a choice for all of them, Previous / Next Version act on `target` (the
    active document's controller)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target: ProbabilityController | None = None
        # The strings keep ProbabilityController's context, where they were translated.
        self.colour_action = QAction(translate("ProbabilityController", "Colour by &Probability"),
                                     parent, checkable=True)
        self.colour_action.setToolTip(translate(
            "ProbabilityController",
            "Tint generated text by how likely the model found each token"))
        self.previous_action = QAction(translate("ProbabilityController", "P&revious Version"),
                                       parent)
        self.previous_action.setShortcut(QKeySequence(PREVIOUS_VERSION_SHORTCUT))
        self.previous_action.triggered.connect(lambda _checked=False: self._switch(-1))
        self.next_action = QAction(translate("ProbabilityController", "&Next Version"), parent)
        self.next_action.setShortcut(QKeySequence(NEXT_VERSION_SHORTCUT))
        self.next_action.triggered.connect(lambda _checked=False: self._switch(1))
        for action in (self.previous_action, self.next_action):
            action.setToolTip(translate(
                "ProbabilityController", "Show another version of the generated passage at the "
                "cursor; every continuation, retry and pick is kept"))
            if isinstance(parent, QWidget):
                parent.addAction(action)

    def _switch(self, step: int) -> None:
        if self.target is not None:
            self.target.switch(step)


class ProbabilityController(QObject):
    """Keeps `passages` (tokens) and `history` (every version of every passage) in step
    with the editor, and shows what they know.

    Every continuation, retry and alternative pick becomes a version of its passage;
    Alt+Left / Alt+Right put a sibling version in the passage's place, as one undo step.

    `continue_text` starts a streamed continuation at the cursor (the window's Continue);
    `busy` says one is running.
    """

    versionsChanged = Signal()  # the passage at the cursor, or its versions, changed
    message = Signal(str)

    def __init__(self, editor: WriterEditor, continue_text: Callable[[], None],
                 busy: Callable[[], bool], parent: QObject | None = None,
                 shared: ProbabilityActions | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._listening = True
        self.passages = Passages()
        self.history = History()
        self._last: int | None = None  # the passage of the latest generation
        self._continue = continue_text
        self._busy = busy
        self._passage = 0
        self._next_passage: int | None = None  # a pick continues its own passage
        self.alternatives_unavailable = ""  # why the backend offers no alternatives
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(30)
        self._refresh.timeout.connect(self.recolour)
        if shared is None:  # a controller on its own: the actions act on it
            shared = ProbabilityActions(parent)
            shared.target = self
        self.shared = shared
        self.colour_action = shared.colour_action
        self.previous_action = shared.previous_action
        self.next_action = shared.next_action
        self.colour_action.toggled.connect(self._on_colour_toggled)
        editor.document().contentsChange.connect(self._on_contents_change)
        self._viewport = editor.viewport()  # kept: asking a dying editor for it crashes
        self._viewport.installEventFilter(self)
        editor.add_context_menu_part(self._add_to_context_menu)
        editor.coloursChanged.connect(self._schedule)  # a theme switch: tints for the new page

    # ---- recording --------------------------------------------------------------------------

    def actions(self) -> list[QAction]:
        return [self.colour_action, self.previous_action, self.next_action]

    def begin(self, retry: bool = False) -> None:
        """A generation starts at the cursor: a new passage, or (a retry, a pick) a new
        version of the last one."""
        number = self._next_passage
        if number is None and retry and self._last is not None \
                and self.history.passages[self._last].attached:
            number = self._last
        if number is None:
            number = self.passages.new_passage()
        self._passage = number
        self._next_passage = None
        self._last = number
        self.history.begin(number, self.editor.textCursor().position())

    def finish(self, _summary: object = None) -> None:
        """The generation ended: keep its text as a version of its passage."""
        if self._last is not None:
            self._keep(self.history.passages[self._last])
            self.versionsChanged.emit()

    def _keep(self, branches: Branches) -> None:
        if branches.attached:
            branches.keep(self._text(branches.start, branches.end),
                          relative_tokens(self.passages.tokens, branches.start, branches.end))

    def _text(self, start: int, end: int) -> str:
        return self.editor.text_between(start, end)

    def current_branches(self) -> Branches | None:
        """The passage at the cursor, else the latest one (if still in the document)."""
        found = self.history.at(self.editor.textCursor().position())
        if found is None and self._last is not None:
            last = self.history.passages[self._last]
            found = last if last.attached and last.versions else None
        return found

    def add_versions(self, texts: list[str], chosen: int) -> None:
        """Insert `texts[chosen]` at the cursor (one undo step) as a new passage whose
        versions are all of `texts`."""
        number = self.passages.new_passage()
        cursor = self.editor.textCursor()
        cursor.setPosition(cursor.selectionEnd())  # like Continue: after any selection
        branches = self.history.begin(number, cursor.position())
        cursor.beginEditBlock()
        cursor.insertText(texts[chosen])
        cursor.endEditBlock()
        self.editor.setTextCursor(cursor)
        for text in texts:
            branches.keep(text)
        branches.keep(texts[chosen])
        self._last = number
        self.versionsChanged.emit()

    def switch(self, step: int, index: int | None = None) -> None:
        """Put the next (`step` 1), previous (-1) or `index`th version in its passage's place."""
        branches = self.current_branches()
        if self._busy() or branches is None:
            return
        self._keep(branches)
        if len(branches.versions) < 2:
            self.message.emit(self.tr("This passage has only one version"))
            return
        target = index if index is not None else (branches.current + step) % len(
            branches.versions)
        version = branches.versions[target]
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(branches.start)
        cursor.setPosition(branches.end, QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()  # one undo step
        cursor.insertText(version.text)
        cursor.endEditBlock()
        branches.current = target
        for token in version.tokens:
            self.passages.add(token.start + branches.start, token.end + branches.start,
                              token.prob, token.token_id, token.alternatives, branches.number)
        self.editor.setTextCursor(cursor)
        self._schedule()
        self.versionsChanged.emit()

    def add(self, step: Any, span: tuple[int, int] | None) -> None:
        """Record a generated step that now takes `span` in the document."""
        if span is None:
            return
        branches = self.history.passages.get(self._passage)
        if branches is not None and branches.attached and branches.start <= span[0]:
            branches.end = max(branches.end, span[1])  # the passage grows as it streams
        if step.token_id < 0:
            return
        self.passages.add(span[0], span[1], step.prob, step.token_id, step.alternatives,
                          self._passage)
        self._schedule()

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        self.history.edited(position, removed, added)
        if self.passages.tokens:
            self.passages.edited(position, removed, added)
            self._schedule()

    def _on_colour_toggled(self, _on: bool) -> None:
        self.recolour()

    def _schedule(self) -> None:
        if self.colour_action.isChecked():
            self._refresh.start()

    def recolour(self) -> None:
        """Tint every known token (or remove the tint when colouring is off)."""
        selections: list[QTextEdit.ExtraSelection] = []
        if self.colour_action.isChecked():
            document = self.editor.document()
            dark = is_dark(self.editor.palette())
            for token in self.passages:
                selection = QTextEdit.ExtraSelection()
                cursor = QTextCursor(document)
                cursor.setPosition(token.start)
                cursor.setPosition(token.end, QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor  # type: ignore[attr-defined]
                selection.format.setBackground(  # type: ignore[attr-defined]
                    probability_colour(token.prob, dark))
                selections.append(selection)
        self.editor.set_layer(LAYER, selections)

    # ---- looking and picking ----------------------------------------------------------------

    def token_at_point(self, point: QPoint) -> GeneratedToken | None:
        """The generated token under a viewport point."""
        cursor = self.editor.cursorForPosition(point)
        position = cursor.position()
        if self.editor.cursorRect(cursor).x() > point.x() and position > 0:
            position -= 1  # the point is on the character before the nearest boundary
        return self.passages.at(position)

    def describe(self, token: GeneratedToken) -> str:
        """Tooltip text: the token's probability and its alternatives."""
        rows = [self.tr("<b>{0:.1%}</b> likely").format(token.prob)]
        for alternative in token.alternatives[:8]:
            mark = "▸ " if alternative.id == token.token_id else ""
            rows.append(f"{mark}“{html.escape(visible_token(alternative))}” "
                        f"{alternative.prob:.1%}")
        return "<br>".join(rows)

    def alternatives_menu(self, token: GeneratedToken, menu: QMenu) -> None:
        """Add 'use this token instead' entries for `token` to `menu`."""
        if self.alternatives_unavailable:  # the backend sends no rivals: say so, greyed
            menu.setToolTipsVisible(True)
            menu.addSeparator()
            none = menu.addAction(self.tr("No alternatives from this engine"))
            none.setEnabled(False)
            none.setToolTip(self.alternatives_unavailable)
            return
        others = [a for a in token.alternatives if a.id != token.token_id
                  and a.text and "\ufffd" not in a.text]
        if not others:
            return
        menu.addSeparator()
        menu.addSection(self.tr("Replace and regenerate from here"))
        for alternative in others[:8]:
            action = menu.addAction(f"“{visible_token(alternative)}”  {alternative.prob:.1%}")
            action.setEnabled(not self._busy())
            action.triggered.connect(
                lambda _checked=False, a=alternative: self.pick(token, a))

    def pick(self, token: GeneratedToken, alternative: Alternative) -> None:
        """Put `alternative` in place of `token`, drop the rest of its passage, and
        stream a new continuation from there (into the same passage)."""
        if self._busy() or token not in self.passages.tokens:
            return
        branches = self.history.passages.get(token.passage)
        if branches is not None and branches.attached and branches.end >= token.end:
            end = branches.end
        else:
            end = self.passages.passage_end(token.passage) or token.end
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(token.start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(alternative.text)
        cursor.endEditBlock()
        self.passages.add(token.start, token.start + _units(alternative.text),
                          alternative.prob, alternative.id, token.alternatives, token.passage)
        self.editor.setTextCursor(cursor)
        self._next_passage = token.passage
        self._schedule()
        self._continue()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._viewport:
            return False
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            token = self.token_at_point(event.pos())
            if token is None:
                QToolTip.hideText()
                return False
            QToolTip.showText(event.globalPos(), self.describe(token), self.editor.viewport())
            return True
        return False

    def _add_to_context_menu(self, menu: QMenu, point: QPoint) -> None:
        """A generated token's alternatives, in the editor's context menu."""
        token = self.token_at_point(point)
        if token is not None:
            self.alternatives_menu(token, menu)

    def shut_down(self) -> None:
        """Stop listening before the editor goes: its last events must not reach us."""
        if not self._listening:
            return
        self._listening = False
        self._refresh.stop()
        self.colour_action.toggled.disconnect(self._on_colour_toggled)
        if self.shared.target is self:
            self.shared.target = None
        self._viewport.removeEventFilter(self)
        self.editor.remove_context_menu_part(self._add_to_context_menu)
        self.editor.coloursChanged.disconnect(self._schedule)
        self.editor.document().contentsChange.disconnect(self._on_contents_change)


class VersionList(QListWidget):
    """The versions of the passage at the cursor; choosing one puts it in place."""

    def __init__(self, controller: ProbabilityController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionList")
        self.controller = controller
        self.setWordWrap(True)
        self.setToolTip(self.tr("Every version of the generated passage at the cursor "
                                "(Alt+Left / Alt+Right step through them)"))
        self.itemActivated.connect(self._chosen)
        self.itemClicked.connect(self._chosen)
        self._follow(controller, True)
        self.refresh()

    def _follow(self, controller: ProbabilityController, on: bool) -> None:
        if on:
            controller.versionsChanged.connect(self.refresh)
            controller.editor.cursorPositionChanged.connect(self.refresh)
            return
        with contextlib.suppress(RuntimeError, TypeError):  # an editor already gone
            controller.versionsChanged.disconnect(self.refresh)
            controller.editor.cursorPositionChanged.disconnect(self.refresh)

    def set_controller(self, controller: ProbabilityController) -> None:
        """Show the versions of another document (the active one)."""
        if controller is self.controller:
            return
        self._follow(self.controller, False)
        self.controller = controller
        self._follow(controller, True)
        self.refresh()

    def refresh(self) -> None:
        branches = self.controller.current_branches()
        versions = branches.versions if branches is not None else []
        current = branches.current if branches is not None else -1
        labels = [f"{n + 1}. {' '.join(v.text.split())[:80]}" for n, v in enumerate(versions)]
        if [self.item(i).text() for i in range(self.count())] != labels:
            self.clear()
            for label in labels:
                self.addItem(QListWidgetItem(label))
        if 0 <= current < self.count() and self.currentRow() != current:
            self.blockSignals(True)
            self.setCurrentRow(current)
            self.blockSignals(False)

    def _chosen(self, item: QListWidgetItem) -> None:
        branches = self.controller.current_branches()
        row = self.row(item)
        if branches is not None and row != branches.current:
            self.controller.switch(0, index=row)
