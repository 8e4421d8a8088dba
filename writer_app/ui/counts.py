"""Words, characters and reading time in the status bar, and a daily writing goal.

Each document's counts are kept per paragraph (writer_app.text.counting.BlockCounts): a
keystroke recounts only the paragraph it changed, and a document just opened is counted
a slice of a few milliseconds at a time between events, so a 10 MB file never freezes
the window ("Counting…" shows meanwhile). The widget shows the active document's counts,
or the selection's; a click sets the goal ("500 words today", writer_app.documents.goals).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from writer_app.documents.goals import MAX_TARGET, Goal, GoalStore, today
from writer_app.text.counting import Counts, reading_minutes, whole_minutes
from writer_app.ui.document_counts import DocumentCounter
from writer_app.ui.editor import WriterEditor
from writer_app.ui.goal_dialog import GoalDialog
from writer_app.ui.menus import make_action

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

REFRESH_MS = 150  # while typing, the widget is redrawn at most this often


class EditorState:
    """What the counts keep for one editor: its counter, and its document's goal."""

    def __init__(self, editor: WriterEditor) -> None:
        self.editor = editor
        self.counter: DocumentCounter | None = None
        self.settled = False  # path and goal looked up
        self.path: Path | None = None
        self.replacements = 0  # the counter's, when the path was last looked at
        self.day = ""  # the day `baseline` belongs to
        self.baseline = 0  # the document's words at the start of `day`
        self.goal: Goal | None = None  # stored for a file; for this session if untitled


class CountsWidget(QWidget):
    """The status bar's counts and goal bar; a click anywhere on it sets the goal."""

    clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("countsWidget")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.label = QLabel()
        self.label.setObjectName("countsLabel")
        self.goal_bar = QProgressBar()
        self.goal_bar.setObjectName("goalBar")
        self.goal_bar.setFixedWidth(64)
        self.goal_bar.setMaximumHeight(12)
        self.goal_bar.setTextVisible(False)
        self.goal_label = QLabel()  # "312 / 500"
        self.goal_label.setObjectName("goalLabel")
        self.show_goal(None)
        layout.addWidget(self.label)
        layout.addWidget(self.goal_bar)
        layout.addWidget(self.goal_label)
        # As wide as the text: the status bar's spare room stays with its messages.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)

    def show_goal(self, progress: tuple[int, int] | None, tip: str = "") -> None:
        """A goal's (written, target), or none."""
        self.goal_bar.setVisible(progress is not None)
        self.goal_label.setVisible(progress is not None)
        if progress is None:
            return
        written, target = progress
        self.goal_bar.setRange(0, target)
        self.goal_bar.setValue(min(written, target))
        self.goal_label.setText(f"{written:,} / {target:,}")
        self.goal_bar.setToolTip(tip)
        self.goal_label.setToolTip(tip)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class CountsController(QObject):
    """The counts widget, its View menu entries and every document's counter and goal."""

    def __init__(self, window: MainWindow, store: GoalStore | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.store = store or GoalStore()
        self.today = today  # tests move the day on
        self.states: dict[WriterEditor, EditorState] = {}
        self.goal_dialog: GoalDialog | None = None
        self._watched: WriterEditor | None = None  # whose selection is followed
        self._active: WriterEditor | None = None  # the editor of window.editorChanged
        self.widget = CountsWidget()
        self.widget.clicked.connect(self.open_goal_dialog)
        window.statusBar().insertPermanentWidget(0, self.widget)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh)
        self._build_menu()
        window.editorChanged.connect(self._follow)
        window.windowTitleChanged.connect(self._later)  # a save under another name
        window.installEventFilter(self)  # stop counting when the window closes

    def _build_menu(self) -> None:
        view = self.window.actions_.menus["view"]
        view.addSeparator()
        self.toggle_action = make_action(self.window, self.tr("&Word Count"),
                                         lambda: self.set_enabled(
                                             self.toggle_action.isChecked()),
                                         tip=self.tr("Show words, characters and reading "
                                                     "time in the status bar"))
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(self.enabled)
        self.goal_action = make_action(self.window, self.tr("Set Writing &Goal…"),
                                       self.open_goal_dialog,
                                       tip=self.tr("Words to write in this document today"))
        view.addAction(self.toggle_action)
        view.addAction(self.goal_action)

    @property
    def enabled(self) -> bool:
        return bool(self.window.settings.get("counts.enabled"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            kind = event.type()
            if kind in (QEvent.Type.Close, QEvent.Type.Hide):
                self.shut_down()  # counting goes on at the next edit if the close is cancelled
            elif kind in (QEvent.Type.Show, QEvent.Type.WindowActivate):
                for state in list(self.states.values()):
                    if state.counter is not None:
                        state.counter.resume()
        return False

    def shut_down(self) -> None:
        self._refresh.stop()
        for state in list(self.states.values()):
            if state.counter is not None:
                state.counter.pause()

    # ---- documents --------------------------------------------------------------------------

    def _follow(self, editor: WriterEditor) -> None:
        if self._watched is not editor:
            if self._watched is not None:
                with contextlib.suppress(RuntimeError, TypeError):  # already gone
                    self._watched.selectionChanged.disconnect(self._later)
            editor.selectionChanged.connect(self._later)
            self._watched = editor
        self._active = editor
        self.refresh()

    def state(self, editor: WriterEditor | None = None) -> EditorState:
        """The state of `editor` (the active one by default), its counter started."""
        editor = editor or self._active or self.window.editor
        state = self.states.get(editor)
        if state is None:
            state = self.states[editor] = EditorState(editor)
            editor.destroyed.connect(lambda *_: self._forget(editor))
        if state.counter is None and self.enabled:
            state.counter = DocumentCounter(editor.document())
            state.counter.changed.connect(self._later)
            state.replacements = 0
        return state

    def _forget(self, editor: WriterEditor) -> None:
        self.states.pop(editor, None)
        if self._active is editor:
            self._active = None
        if self._watched is editor:
            self._watched = None

    def set_enabled(self, on: bool) -> None:
        """Counts on or off (View → Word Count); off, nothing is counted at all."""
        self.window.settings.set("counts.enabled", bool(on))
        try:
            self.window.settings.save()
        except OSError as error:
            log.warning("Could not save the settings: %s", error)
        self.toggle_action.setChecked(self.enabled)
        if not self.enabled:
            for state in self.states.values():
                if state.counter is not None:
                    state.counter.detach()
                    state.counter.deleteLater()
                    state.counter = None
        self.refresh()

    def _later(self, *_: object) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    # ---- showing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the active document's counts (the selection's when there is one)."""
        self._refresh.stop()
        on = self.enabled
        self.widget.setVisible(on)
        self.goal_action.setEnabled(on)
        self.toggle_action.setChecked(on)
        if not on:
            return
        state = self.state()
        counter = state.counter
        assert counter is not None
        counter.check()
        if not counter.ready:
            self.widget.label.setText(self.tr("Counting…"))
            self.widget.setToolTip(self.tr("Counting the words of the document…"))
            self.widget.show_goal(None)
            return
        total = counter.total
        self._settle(state, total.words)
        cursor = state.editor.textCursor()
        selected = counter.selection(cursor) if cursor.hasSelection() else None
        if cursor.hasSelection() and selected is None:
            self.widget.label.setText(self.tr("Counting…"))
        elif selected is not None:
            self.widget.label.setText(" · ".join((
                self._of(selected.words, total.words, "words"),
                self._of(selected.characters, total.characters, "characters"))))
        else:
            parts = [self._words(total.words), self._characters(total.characters)]
            if total.words:
                parts.append(self._reading(total))
            self.widget.label.setText(" · ".join(parts))
        self.widget.setToolTip(self._details(total, selected, state))
        self._show_goal(state, total.words)

    def _words(self, count: int) -> str:
        text = self.tr("{count} word") if count == 1 else self.tr("{count} words")
        return text.format(count=f"{count:,}")

    def _characters(self, count: int) -> str:
        text = self.tr("{count} character") if count == 1 else self.tr("{count} characters")
        return text.format(count=f"{count:,}")

    def _of(self, part: int, whole: int, what: str) -> str:
        text = self.tr("{part} of {whole} words") if what == "words" \
            else self.tr("{part} of {whole} characters")
        return text.format(part=f"{part:,}", whole=f"{whole:,}")

    def _minutes(self, counts: Counts) -> float:
        settings = self.window.settings
        return reading_minutes(counts, settings.get("counts.words_per_minute"),
                               settings.get("counts.cjk_characters_per_minute"))

    def _reading(self, counts: Counts) -> str:
        minutes = self._minutes(counts)
        if minutes < 1:
            return self.tr("< 1 min read")
        shown = whole_minutes(minutes)
        if shown < 60:
            return self.tr("{minutes} min read").format(minutes=shown)
        return self.tr("{hours} h {minutes} min read").format(hours=f"{shown // 60:,}",
                                                               minutes=shown % 60)

    def _details(self, total: Counts, selected: Counts | None, state: EditorState) -> str:
        lines = []
        for title, counts in ((self.tr("Selection"), selected), (self.tr("Document"), total)):
            if counts is None:
                continue
            if selected is not None:
                lines.append(title)
            lines += [
                self.tr("Words: {count}").format(count=f"{counts.words:,}"),
                self.tr("Chinese and Japanese characters (one word each): {count}")
                .format(count=f"{counts.cjk:,}"),
                self.tr("Characters: {count}").format(count=f"{counts.characters:,}"),
                self.tr("Characters without spaces: {count}")
                .format(count=f"{counts.non_space:,}"),
                self.tr("Paragraphs: {count}").format(count=f"{counts.paragraphs:,}"),
            ]
        lines.append(self.tr("Reading time: {time}").format(time=self._reading(total)))
        if state.goal is not None:
            lines.append(self._goal_text(state, total.words))
        lines.append(self.tr("Click to set a writing goal"))
        return "\n".join(lines)

    # ---- goals ------------------------------------------------------------------------------

    def _settle(self, state: EditorState, words: int) -> None:
        """Follow the document's path and the day; take the day's first count."""
        counter = state.counter
        assert counter is not None
        path = self.window.path if state.editor is self.window.editor else state.path
        replaced = counter.replacements != state.replacements
        if not state.settled or path != state.path or (replaced and path is None):
            renamed = state.settled and not replaced and path is not None
            carried = state.goal if renamed else None  # Save As: the goal goes along
            if state.settled and not renamed:  # another document in this editor
                state.day = ""
            state.path = path
            state.goal = self._stored_goal(path)
            if carried is not None and state.goal is None:
                state.goal = carried
                self._keep(state)
            state.settled = True
        state.replacements = counter.replacements
        day = self.today()
        if state.day != day:
            goal = state.goal
            state.day = day
            state.baseline = goal.baseline if goal is not None and goal.day == day else words
            if goal is not None and goal.day != day:
                state.goal = goal.for_day(day, state.baseline)
                self._keep(state)

    def _stored_goal(self, path: Path | None) -> Goal | None:
        return self.store.get(path) if path is not None else None

    def _keep(self, state: EditorState) -> None:
        """Write the goal of a saved document to the goals file."""
        if state.path is None:
            return
        try:
            self.store.put(state.path, state.goal)
        except (OSError, UnicodeError) as error:
            log.warning("Could not save the writing goal: %s", error)
            self.window.show_status(
                self.tr("The writing goal could not be saved ({reason}); it holds until "
                        "Writer closes").format(reason=error), 8000)

    def _goal_text(self, state: EditorState, words: int) -> str:
        goal = state.goal
        assert goal is not None
        return self.tr("Writing goal: {written} of {target} words today").format(
            written=f"{goal.written(words):,}", target=f"{goal.target:,}")

    def _show_goal(self, state: EditorState, words: int) -> None:
        goal = state.goal
        if goal is None:
            self.widget.show_goal(None)
            return
        self.widget.show_goal((goal.written(words), goal.target), self._goal_text(state, words))
        day = self.today()
        if goal.reached(words) and goal.announced != day:
            state.goal = replace(goal, announced=day)
            self._keep(state)
            self.window.show_status(self.tr("Writing goal reached: {count} words today")
                                    .format(count=f"{goal.written(words):,}"), 10_000)

    def open_goal_dialog(self) -> GoalDialog | None:
        """View → Set Writing Goal… (or a click on the counts): non-blocking."""
        if not self.enabled:
            return None
        self.refresh()
        state = self.state()
        counter = state.counter
        assert counter is not None
        written = max(0, counter.total.words - state.baseline) \
            if counter.ready and state.settled else None
        path = state.path
        name = path.name if path is not None else self.tr("this untitled document")
        dialog = GoalDialog(self.window, name, state.goal.target if state.goal else 0,
                            written, path is None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_goal(dialog.target(), state.editor))
        self.goal_dialog = dialog
        dialog.open()
        return dialog

    def set_goal(self, target: int, editor: WriterEditor | None = None) -> None:
        """Words to add today to the document of `editor` (the active one); 0 removes it."""
        state = self.state(editor)
        counter = state.counter
        if counter is None:
            return
        if not counter.ready:
            counter.count_now()
        self._settle(state, counter.total.words)
        if target <= 0:
            state.goal = None
        else:
            day = self.today()
            keep = state.goal is not None and state.goal.target == target
            state.goal = Goal(min(target, MAX_TARGET), day, state.baseline,
                              state.goal.announced if keep and state.goal else "")
        self._keep(state)
        self.refresh()


def install(window: MainWindow) -> CountsController:
    """The counts in the status bar, View → Word Count and View → Set Writing Goal…"""
    return CountsController(window)
