"""Counts and the writing goal in the real window: typing updates them, a selection shows
its own, Chinese counts a word a character, the goal persists per document, the toggle
hides them; and the per-paragraph counts of a real QTextDocument stay equal to a full
recount through random edits."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QPlainTextDocumentLayout

from tests.gui.keyboard import type_text
from writer_app.documents.goals import GoalStore
from writer_app.text.counting import count_text
from writer_app.ui.document_counts import DocumentCounter

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/shots")
ENGLISH = "The tide came in slowly over the flats."
CHINESE = "春眠不觉晓"


def shown(window) -> str:
    counts = window.features["counts"]
    counts.state().counter.count_now()  # a long text is counted in slices: all of it now
    counts.refresh()  # what the throttled redraw would show a moment later
    return counts.widget.label.text()


def select(window, start: int, end: int) -> None:
    cursor = window.editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)


def test_typing_updates_the_counts(qtbot, make_window):
    window = make_window(load=None)
    counts = window.features["counts"]
    assert counts.widget.isVisible()
    assert shown(window) == "0 words · 0 characters"
    type_text(qtbot, window, ENGLISH)
    qtbot.waitUntil(lambda: counts.widget.label.text().startswith("8 words"))
    assert counts.widget.label.text() == "8 words · 39 characters · < 1 min read"
    type_text(qtbot, window, " Then")
    assert shown(window).startswith("9 words · 44 characters")
    tip = counts.widget.toolTip()
    assert "Characters without spaces: 36" in tip and "Paragraphs: 1" in tip


def test_chinese_counts_a_word_a_character(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, CHINESE)
    assert shown(window) == "5 words · 5 characters · < 1 min read"
    type_text(qtbot, window, "\n我爱Python编程。👍🏽")
    assert shown(window).startswith("10 words · 17 characters")
    tip = window.features["counts"].widget.toolTip()
    assert "Chinese and Japanese characters (one word each): 9" in tip
    assert "Paragraphs: 2" in tip


def test_a_selection_shows_its_counts_of_the_whole(qtbot, make_window):
    window = make_window(load=None)
    window.editor.setPlainText("one two three\n\n四五六 seven\neight nine 十")
    assert shown(window).startswith("10 words")
    select(window, 4, 7)  # "two"
    assert shown(window) == "1 of 10 words · 3 of 34 characters"
    select(window, 8, 22)  # "three" … "四五六 sev": across paragraphs
    assert shown(window) == "5 of 10 words · 12 of 34 characters"
    select(window, 0, len("one two three\n\n四五六 seven\neight nine 十"))
    assert shown(window) == "10 of 10 words · 34 of 34 characters"
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    assert shown(window).startswith("10 words · 34 characters")


def test_reading_time_follows_the_settings(qtbot, make_window):
    window = make_window(load=None)
    window.editor.setPlainText(" ".join(["word"] * 460) + "\n" + "字" * 800)
    assert shown(window).endswith("· 4 min read")  # 460/230 + 800/400
    window.settings.set("counts.words_per_minute", 460)
    assert shown(window).endswith("· 3 min read")
    window.editor.setPlainText(" ".join(["word"] * 460 * 75))
    assert shown(window).endswith("· 1 h 15 min read")


def test_the_toggle_hides_the_counts_and_stops_counting(qtbot, make_window):
    window = make_window(load=None)
    counts = window.features["counts"]
    assert counts.toggle_action.isChecked()
    counts.toggle_action.trigger()
    assert not counts.widget.isVisible() and not window.settings.get("counts.enabled")
    assert counts.state().counter is None and not counts.goal_action.isEnabled()
    type_text(qtbot, window, "more words")
    counts.toggle_action.trigger()
    assert counts.widget.isVisible() and window.settings.get("counts.enabled")
    assert shown(window).startswith("2 words")
    assert json.loads(window.settings.path.read_text()) == {}  # the default again


def finish_dialog(qtbot, counts, target: int):
    dialog = counts.open_goal_dialog()
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.spin.setValue(target)
    dialog.accept()


def test_goal_progress_persists_per_document_across_windows(qtbot, make_window, tmp_path):
    path = tmp_path / "chapter.txt"
    path.write_text("Already here before today.\n", encoding="utf-8")
    window = make_window(load=None)
    counts = window.features["counts"]
    window.open_path(path)
    assert shown(window).startswith("4 words")
    qtbot.mouseClick(counts.widget, Qt.MouseButton.LeftButton)  # the click opens the dialog
    dialog = counts.goal_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert "chapter.txt" in dialog.findChild(type(counts.widget.label)).text()
    dialog.spin.setValue(10)
    dialog.accept()
    bar = counts.widget.goal_bar
    assert bar.isVisible() and bar.value() == 0 and bar.maximum() == 10
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, window, "我们走到海边 and on")
    shown(window)
    assert bar.value() == 8  # six characters and two words added today
    assert "8 of 10 words today" in bar.toolTip()
    assert counts.widget.goal_label.text() == "8 / 10"
    window.save()
    stored = GoalStore().get(path)
    assert stored is not None and stored.target == 10 and stored.baseline == 4

    other = make_window(load=None)  # a new window, the same file: the same goal and day
    other.open_path(path)
    other_counts = other.features["counts"]
    shown(other)
    assert other_counts.widget.goal_bar.isVisible()
    assert other_counts.widget.goal_bar.value() == 8
    other.editor.moveCursor(QTextCursor.MoveOperation.End)
    messages: list[str] = []
    other.statusBar().messageChanged.connect(messages.append)
    type_text(qtbot, other, " three more words")
    shown(other)
    assert "Writing goal reached: 11 words today" in messages
    assert GoalStore().get(path).announced == other_counts.today()
    other.editor.document().setModified(False)

    counts.today = lambda: "2099-01-01"  # a new day starts from the words there are
    assert shown(window).startswith("12 words")
    assert bar.value() == 0 and GoalStore().get(path).day == "2099-01-01"


def test_an_untitled_goal_lasts_the_session_and_follows_save_as(qtbot, make_window, tmp_path):
    window = make_window(load=None)
    counts = window.features["counts"]
    type_text(qtbot, window, "Two words")
    finish_dialog(qtbot, counts, 100)
    assert counts.state().goal.target == 100 and counts.state().baseline == 0
    assert not GoalStore().path.exists()  # nowhere to keep it
    path = tmp_path / "新章节.txt"
    window.save_to(path)
    shown(window)
    stored = GoalStore().get(path)
    assert stored is not None and stored.target == 100 and stored.baseline == 0
    assert counts.widget.goal_bar.value() == 2
    finish_dialog(qtbot, counts, 0)  # no goal: the bar goes, the file forgets it
    assert not counts.widget.goal_bar.isVisible() and GoalStore().get(path) is None


def test_each_document_keeps_its_own_counts(qtbot, make_window, tmp_path):
    """Whatever the tabs look like, each editor has its own counter and goal."""
    window = make_window(load=None)
    counts = window.features["counts"]
    first = window.editor
    window.editor.setPlainText("one two three")
    assert shown(window).startswith("3 words")
    state = counts.state(first)
    other = type(first)()
    other.setPlainText("四五")
    window.editorChanged.emit(other)  # as the tabs would, with another editor active
    assert shown(window).startswith("2 words")
    assert counts.state(other).counter.total.words == 2 and state.counter.total.words == 3
    window.editorChanged.emit(first)
    assert shown(window).startswith("3 words")
    other.deleteLater()


def test_a_garbage_goals_file_is_ignored(qtbot, make_window, tmp_path):
    GoalStore().path.parent.mkdir(parents=True, exist_ok=True)
    GoalStore().path.write_bytes(b"\xff{not json")
    window = make_window(load=None)
    type_text(qtbot, window, "still counts")
    assert shown(window).startswith("2 words")
    path = tmp_path / "a.txt"
    window.save_to(path)
    finish_dialog(qtbot, window.features["counts"], 50)
    assert GoalStore().get(path).target == 50  # the garbage replaced by a good file


def test_a_long_document_is_counted_in_slices(qtbot, make_window, tmp_path):
    paragraph = "The town of Aldmere sits where the river slows. 外婆在院子里晒柿子。\n"
    path = tmp_path / "long.txt"
    path.write_text(paragraph * 20_000, encoding="utf-8")
    window = make_window(load=None)
    counts = window.features["counts"]
    window.open_path(path)
    counts.refresh()
    assert counts.widget.label.text() == "Counting…"  # the window goes on drawing meanwhile
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "counts-counting.png"))
    qtbot.waitUntil(lambda: counts.widget.label.text() != "Counting…", timeout=30_000)
    assert counts.widget.label.text().startswith("360,000 words · 1,160,000 characters")
    assert count_text(paragraph * 20_000).words == 360_000


def test_screenshots(qtbot, make_window):
    SHOTS.mkdir(parents=True, exist_ok=True)
    window = make_window(load=None)
    counts = window.features["counts"]
    window.editor.setPlainText("第一章　海边\n\n我们走到海边的时候，天已经黑了。"
                               + " ".join([ENGLISH] * 20))
    counts.set_goal(500)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, window, "\n\n" + " ".join([ENGLISH] * 30))
    shown(window)
    qtbot.wait(50)  # the status bar lays its widgets out again
    assert counts.widget.goal_label.text() == "240 / 500"
    assert counts.widget.goal_label.visibleRegion().boundingRect().width() \
        >= counts.widget.goal_label.sizeHint().width()  # shown whole, not cut off
    window.grab().save(str(SHOTS / "counts-status-bar.png"))
    select(window, 0, 20)
    shown(window)
    qtbot.wait(50)
    window.grab().save(str(SHOTS / "counts-selection.png"))
    dialog = counts.open_goal_dialog()
    qtbot.waitUntil(dialog.isVisible)
    dialog.grab().save(str(SHOTS / "counts-goal-dialog.png"))
    dialog.reject()


# ---- a real QTextDocument through random edits ----------------------------------------------

PIECES = ["word ", "don't ", "well-known", "我", "爱", "Python", "\n", "\n\n", "👍🏽", "🇫🇷",
          "e\u0301", " ", "，", "3.14", "x\u2028y"]


def document() -> tuple[QTextDocument, DocumentCounter]:
    doc = QTextDocument()
    doc.setDocumentLayout(QPlainTextDocumentLayout(doc))  # as the editor's: it emits changes
    return doc, DocumentCounter(doc)


edits = st.lists(st.tuples(st.sampled_from(["insert", "remove", "replace", "undo", "set"]),
                           st.floats(0, 1), st.floats(0, 1),
                           st.lists(st.sampled_from(PIECES), max_size=12).map("".join)),
                 max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(start=st.lists(st.sampled_from(PIECES), max_size=30).map("".join), steps=edits)
def test_counts_after_random_edits_equal_a_full_recount(qapp, start, steps):
    doc, counter = document()
    doc.setPlainText(start)
    for kind, a, b, text in steps:
        size = doc.characterCount() - 1
        first, second = sorted((round(a * size), round(b * size)))
        cursor = QTextCursor(doc)
        cursor.setPosition(first)
        if kind in ("remove", "replace"):
            cursor.setPosition(second, QTextCursor.MoveMode.KeepAnchor)
        if kind == "undo":
            doc.undo()
        elif kind == "set":
            doc.setPlainText(text)
        elif kind == "remove":
            cursor.removeSelectedText()
        else:
            cursor.beginEditBlock()  # an edit block: one merged change, as generation does
            cursor.insertText(text)
            cursor.insertText(text[::-1])
            cursor.endEditBlock()
        counter.count_now()
        assert len(counter.blocks) == doc.blockCount()
        assert counter.total == count_text(doc.toRawText().replace("\u2029", "\n"))


def test_big_pastes_go_to_slices_and_come_out_equal(qapp):
    doc, counter = document()
    rng = random.Random(7)
    text = "".join(rng.choice(PIECES) for _ in range(40_000))
    cursor = QTextCursor(doc)
    cursor.insertText(text)
    assert not counter.ready  # too much to count in one go
    counter.count_now()
    assert counter.total == count_text(text)
    assert counter.selection(_selecting(doc, 10, 30_000)) == count_text(
        _plain(doc, 10, 30_000))


def _selecting(doc: QTextDocument, start: int, end: int) -> QTextCursor:
    cursor = QTextCursor(doc)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return cursor


def _plain(doc: QTextDocument, start: int, end: int) -> str:
    return _selecting(doc, start, end).selectedText().replace("\u2029", "\n")


def test_a_click_outside_the_widget_does_nothing(qtbot, make_window):
    window = make_window(load=None)
    counts = window.features["counts"]
    qtbot.mouseClick(window.editor.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert counts.goal_dialog is None
