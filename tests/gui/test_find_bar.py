"""Find and replace in the real window: Ctrl+F with the selection, incremental search,
"2 of 5", F3 / Shift+F3 wrapping, Esc, Replace and Replace All as one undo step (English
and Chinese), bad and catastrophic regular expressions, a streaming generation, another
document, a 10 MB document that stays responsive while everything is replaced, and
highlights whose text reads on light and dark pages."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication

from writer_app.ui.colours import composite, contrast_ratio, is_dark
from writer_app.ui.find_controller import FindController
from writer_app.ui.find_highlight import LAYER

pytestmark = pytest.mark.gui

TIMEOUT = 20_000
SHOTS = Path("/tmp/shots")
ENGLISH = "The cat sat.\nThe cat ran away; a cat!\nCats and a cat 😀 cat."
CHINESE = "第一章　查找\n我们先查找文字，再查找😀表情。\n查找与替换：查找。"
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def finder(window) -> FindController:
    return window.features["find"]


def select(editor, start: int, end: int) -> None:
    cursor = editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def wait_count(qtbot, find: FindController, text: str) -> None:
    try:
        qtbot.waitUntil(lambda: find.bar.count.text() == text, timeout=TIMEOUT)
    except qtbot.TimeoutError:
        raise AssertionError(f"count {find.bar.count.text()!r}, not {text!r}") from None


def open_with(qtbot, window, text: str, query: str, replace: bool = False):
    """The document holds `text`; Ctrl+F (or Ctrl+H) opens the bar, `query` is typed."""
    editor, find = window.editor, finder(window)
    editor.setPlainText(text)
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_H if replace else Qt.Key.Key_F, CTRL)
    assert find.bar.isVisible() and find.bar.replace_row.isVisible() == replace
    find.bar.field.clear()
    find.bar.field.insert(query)
    find.search(move=True)
    return editor, find


def test_ctrl_f_opens_with_the_selection_and_counts(qtbot, make_window):
    window = make_window(load=None)
    editor, find = window.editor, finder(window)
    editor.setPlainText(ENGLISH)
    start = ENGLISH.index("cat", 10)  # the second "cat"
    select(editor, start, start + 3)
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_F, CTRL)
    assert find.bar.isVisible() and not find.bar.replace_row.isVisible()
    assert find.bar.field.text() == "cat" and find.bar.field.hasFocus()
    wait_count(qtbot, find, "2 of 6")  # "Cats" counts: match case is off
    assert len(editor._layers[LAYER]) == 6
    assert find.bar.count.styleSheet() == ""
    find.bar.case.setChecked(True)
    wait_count(qtbot, find, "2 of 5")
    assert len(editor._layers[LAYER]) == 5
    find.bar.word.setChecked(True)  # "cat 😀 cat." are whole words; "Cats" was never
    wait_count(qtbot, find, "2 of 5")


def test_the_word_at_the_cursor_seeds_the_query_and_typing_searches(qtbot, make_window):
    window = make_window(load=None)
    editor, find = window.editor, finder(window)
    editor.setPlainText(ENGLISH)
    cursor = editor.textCursor()
    cursor.setPosition(ENGLISH.index("away") + 2)
    editor.setTextCursor(cursor)
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_F, CTRL)
    assert find.bar.field.text() == "away"
    wait_count(qtbot, find, "1 of 1")
    find.bar.field.selectAll()
    qtbot.keyClicks(find.bar.field, "sat")  # typed: searched after a pause, selected
    qtbot.waitUntil(lambda: editor.textCursor().selectedText() == "sat", timeout=TIMEOUT)
    wait_count(qtbot, find, "1 of 1")
    qtbot.keyClicks(find.bar.field, "urn")
    qtbot.waitUntil(lambda: find.bar.count.text() == "No results", timeout=TIMEOUT)
    assert "c62828" in find.bar.count.styleSheet() or "ef9a9a" in find.bar.count.styleSheet()


def test_f3_and_shift_f3_wrap_and_enter_steps_in_the_field(qtbot, make_window):
    window = make_window(load=None)
    editor, find = open_with(qtbot, window, ENGLISH, "cat")
    find.bar.case.setChecked(True)
    wait_count(qtbot, find, "1 of 5")
    editor.setFocus()
    for n in (2, 3, 4, 5):
        qtbot.keyClick(editor, Qt.Key.Key_F3)
        assert find.bar.count.text() == f"{n} of 5"
    qtbot.keyClick(editor, Qt.Key.Key_F3)
    assert find.bar.count.text() == "1 of 5"
    assert "wrapped" in window.statusBar().currentMessage()
    qtbot.keyClick(editor, Qt.Key.Key_F3, SHIFT)
    assert find.bar.count.text() == "5 of 5"
    last = utf16(ENGLISH, ENGLISH.rindex("cat"))  # after the emoji: UTF-16 positions
    assert (editor.textCursor().selectionStart(), editor.textCursor().selectedText()) == \
        (last, "cat")
    find.bar.field.setFocus()
    qtbot.keyClick(find.bar.field, Qt.Key.Key_Return)
    assert find.bar.count.text() == "1 of 5"
    qtbot.keyClick(find.bar.field, Qt.Key.Key_Return, SHIFT)
    assert find.bar.count.text() == "5 of 5"


def test_esc_closes_and_gives_the_editor_the_keyboard(qtbot, make_window):
    window = make_window(load=None)
    editor, find = open_with(qtbot, window, ENGLISH, "cat")
    wait_count(qtbot, find, "1 of 6")
    qtbot.keyClick(find.bar.field, Qt.Key.Key_Escape)
    assert not find.bar.isVisible() and editor.hasFocus()
    assert editor._layers[LAYER] == []
    assert not window.message_bar.isVisible()


@pytest.mark.parametrize(("text", "query", "new"), [(ENGLISH, "cat", "dog"),
                                                    (CHINESE, "查找", "搜索")])
def test_replace_all_is_one_undo_step(qtbot, make_window, text, query, new):
    window = make_window(load=None)
    editor, find = open_with(qtbot, window, text, query, replace=True)
    find.bar.case.setChecked(True)
    qtbot.waitUntil(lambda: find.results is not None, timeout=TIMEOUT)
    find.bar.replace_field.setText(new)
    find.bar.replace_all.click()
    qtbot.waitUntil(lambda: editor.toPlainText() == text.replace(query, new), timeout=TIMEOUT)
    wait_count(qtbot, find, "No results")
    assert str(text.count(query)) in find.bar.hint.text()
    assert not editor.isReadOnly()
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Z, CTRL)
    assert editor.text() == text
    qtbot.keyClick(editor, Qt.Key.Key_Z, CTRL)  # nothing before it: still the same text
    assert editor.text() == text


def test_replace_steps_through_matches_and_expands_groups(qtbot, make_window):
    window = make_window(load=None)
    text = "name: 张三 😀 name: Ada; name: Lin"
    editor, find = open_with(qtbot, window, text, r"name: (\w+)", replace=True)
    find.bar.regex.setChecked(True)
    wait_count(qtbot, find, "1 of 3")
    qtbot.keyClick(find.bar.field, Qt.Key.Key_F, CTRL)  # in the bar: the query stays
    assert find.bar.field.text() == r"name: (\w+)" and find.bar.field.hasFocus()
    find.bar.replace_field.setText(r"<\1>")
    find.bar.replace_field.setFocus()
    qtbot.keyClick(find.bar.replace_field, Qt.Key.Key_Return)
    wait_count(qtbot, find, "1 of 2")
    assert editor.text() == "<张三> 😀 name: Ada; name: Lin"
    assert editor.textCursor().selectedText() == "name: Ada"
    find.replace_current()
    wait_count(qtbot, find, "1 of 1")
    assert editor.text() == "<张三> 😀 <Ada>; name: Lin"
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Z, CTRL)  # each replacement is its own undo step
    assert editor.text() == "<张三> 😀 name: Ada; name: Lin"
    find.bar.regex.setChecked(False)  # literal: the replacement's backslash stays
    find.bar.field.setText("Lin")
    find.search(move=True)
    wait_count(qtbot, find, "1 of 1")
    find.replace_current()
    qtbot.waitUntil(lambda: editor.text().endswith(r"name: <\1>"), timeout=TIMEOUT)


def test_bad_patterns_and_chinese_whole_word_are_explained(qtbot, make_window):
    window = make_window(load=None)
    editor, find = open_with(qtbot, window, CHINESE, "(查找")
    find.bar.regex.setChecked(True)
    wait_count(qtbot, find, find.bar.count.text() or "x")
    qtbot.waitUntil(lambda: find.bar.count.text().startswith("Not a valid regular expression"),
                    timeout=TIMEOUT)
    assert "c62828" in find.bar.count.styleSheet() or "ef9a9a" in find.bar.count.styleSheet()
    assert editor._layers[LAYER] == []
    find.bar.regex.setChecked(False)
    find.bar.word.setChecked(True)
    wait_count(qtbot, find, "No results")  # the literal "(查找" is not in the text
    find.bar.field.setText("查找")
    find.search(move=True)
    wait_count(qtbot, find, "1 of 5")
    assert find.bar.hint.text() == "Whole word does not apply to Chinese text"
    assert find.bar.word.toolTip() == "Whole word does not apply to Chinese text"


def test_a_catastrophic_pattern_does_not_freeze_the_window(qtbot, make_window):
    window = make_window(load=None)
    find = finder(window)
    find.timeout = 1.0
    ticks: list[float] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        open_with(qtbot, window, "a" * 60 + "b", "(a|aa)+$")
        find.bar.regex.setChecked(True)
        started = len(ticks)
        qtbot.waitUntil(lambda: "took longer" in find.bar.count.text(), timeout=TIMEOUT)
        assert len(ticks) > started  # the window kept running while the search ran
    finally:
        timer.stop()


def test_results_follow_a_streaming_generation_and_the_active_document(qtbot, make_window):
    window = make_window(load=None)
    editor, find = open_with(qtbot, window, ENGLISH, "cat")
    wait_count(qtbot, find, "1 of 6")
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    editor.begin_generation()
    for piece in (" The", " cat", " 猫", " cat"):
        editor.append_generated(piece)
        qtbot.wait(30)
    editor.end_generation()
    qtbot.waitUntil(lambda: find.results is not None and len(find.results.starts) == 8,
                    timeout=TIMEOUT)
    assert find.bar.count.text().endswith("of 8") or find.bar.count.text() == "8 found"
    window.new_document()  # another tab: the bar searches it
    qtbot.waitUntil(lambda: window.editor is not editor, timeout=TIMEOUT)
    window.editor.setPlainText("one cat here")
    qtbot.waitUntil(lambda: find.results is not None and find.results.editor is window.editor
                    and len(find.results.starts) == 1, timeout=TIMEOUT)
    assert editor._layers[LAYER] == []  # the other document keeps no highlights


def test_edit_menu_has_find_and_replace(qtbot, make_window):
    window = make_window(load=None)
    texts = [a.text() for a in window.actions_.menus["edit"].actions()]
    assert {"&Find…", "R&eplace…", "Find &Next", "Find Pre&vious"} <= set(texts)


def test_replace_all_on_ten_megabytes_keeps_the_window_responsive(qtbot, make_window,
                                                                  record_property):
    window = make_window(load=None)
    line = "The quick brown fox jumps over the lazy dog. 我们去北京旅行，看到了长城。 😀\n"
    text = line * (10_000_000 // len(line))
    editor, find = window.editor, finder(window)
    editor.setPlainText(text)
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_H, CTRL)
    find.bar.field.setText("fox")
    find.bar.replace_field.setText("狐狸")
    started = time.perf_counter()
    find.search(move=False)
    qtbot.waitUntil(lambda: find.results is not None, timeout=60_000)
    searched = time.perf_counter() - started
    assert len(find.results.starts) == text.count("fox")
    assert 0 < len(editor._layers[LAYER]) <= 1000  # only those near the visible part
    ticks: list[float] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        started = time.perf_counter()
        find.replace_all()
        qtbot.waitUntil(lambda: find.replacing.job is None and "Replaced" in find.bar.hint.text(),
                        timeout=120_000)
        replaced = time.perf_counter() - started
        assert len(ticks) > 2  # the event loop ran between the slices
    finally:
        timer.stop()
    assert editor.text() == text.replace("fox", "狐狸")
    started = time.perf_counter()
    editor.undo()
    undone = time.perf_counter() - started
    assert editor.text() == text
    record_property("seconds", {"search": round(searched, 2), "replace_all": round(replaced, 2),
                                "undo": round(undone, 2)})
    print(f"10 MB, {text.count('fox'):,} matches: search {searched:.2f} s, "
          f"replace all {replaced:.2f} s, undo {undone:.2f} s")


@pytest.mark.parametrize(("name", "text", "query", "language"),
                         [("english", ENGLISH * 3, "cat", "en"),
                          ("chinese", CHINESE * 3, "查找", "zh")])
def test_screenshots(qtbot, make_window, name, text, query, language):
    window = make_window(load=None)
    _editor, find = open_with(qtbot, window, text, query, replace=True)
    qtbot.waitUntil(lambda: find.results is not None, timeout=TIMEOUT)
    find.find_next()
    find.bar.replace_field.setText("dog" if language == "en" else "搜索")
    if language == "zh":
        find.bar.word.setChecked(True)
        qtbot.waitUntil(lambda: find.bar.count.text() not in ("", "…"), timeout=TIMEOUT)
    QApplication.processEvents()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / f"find-{name}.png"))


def test_highlights_follow_the_scroll_and_typing_reads_the_text_once(qtbot, make_window,
                                                                     monkeypatch):
    window = make_window(load=None)
    text = "".join(f"line {n}: a cat and 猫 😀\n" for n in range(20_000))
    editor, find = open_with(qtbot, window, text, "cat")
    wait_count(qtbot, find, "1 of 20,000")
    near_top = [s.cursor.selectionStart() for s in editor._layers[LAYER]]
    assert 0 < len(near_top) < 2000 and min(near_top) < 100  # near the view, not all
    editor.verticalScrollBar().setValue(editor.verticalScrollBar().maximum())
    last = utf16(text, text.rindex("cat"))
    qtbot.waitUntil(lambda: any(s.cursor.selectionStart() == last
                                for s in editor._layers[LAYER]), timeout=TIMEOUT)
    assert min(s.cursor.selectionStart() for s in editor._layers[LAYER]) > 100
    reads = []
    original = type(editor).text

    def counted(self):  # the find bar's reads of the whole text, not other features'
        if sys._getframe(1).f_globals["__name__"].startswith("writer_app.ui.find_"):
            reads.append(1)
        return original(self)

    monkeypatch.setattr(type(editor), "text", counted)
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    editor.setFocus()
    for key in "the cat sat":  # eleven keys, 20 ms apart: the text is read again once
        qtbot.keyClicks(editor, key)
        qtbot.wait(20)
    qtbot.waitUntil(lambda: find.bar.count.text() == "20,001 found", timeout=TIMEOUT)
    assert len(reads) <= 2


def test_replace_all_in_the_selection_only(qtbot, make_window):
    window = make_window(load=None)
    text = "查找 cat｜查找 cat 😀 查找 cat｜查找 cat"
    editor, find = open_with(qtbot, window, text, "查找", replace=True)
    wait_count(qtbot, find, "1 of 4")
    start, end = text.index("｜"), text.rindex("｜")
    select(editor, utf16(text, start), utf16(text, end))
    find.bar.scope.setChecked(True)
    qtbot.waitUntil(lambda: find.results is not None and len(find.results.starts) == 2,
                    timeout=TIMEOUT)
    find.bar.replace_field.setText("搜索")
    find.replace_all()
    expected = text[:start] + text[start:end].replace("查找", "搜索") + text[end:]
    qtbot.waitUntil(lambda: editor.text() == expected, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: find.results is not None, timeout=TIMEOUT)
    assert len(find.results.starts) == 0  # none left in the selection
    editor.undo()
    assert editor.text() == text
    find.close()
    assert not find.bar.scope.isChecked()
    editor.setTextCursor(QTextCursor(editor.document()))  # no selection: cannot turn it on
    find.open_find()
    find.bar.scope.setChecked(True)
    assert not find.bar.scope.isChecked() and "Select" in find.bar.hint.text()


def tints_drawn(editor) -> list[QColor]:
    """The find layer's backgrounds as the eye sees them: painted over the page."""
    base = editor.palette().color(QPalette.ColorRole.Base)
    return [composite(s.format.background().color(), base) for s in editor._layers[LAYER]]


def test_matches_read_on_a_dark_page_and_follow_the_theme(qtbot, make_window):
    window = make_window(load=None)
    editor, find = open_with(qtbot, window, ENGLISH * 3, "cat")
    wait_count(qtbot, find, "1 of 18")
    assert not is_dark(editor.palette())
    light = tints_drawn(editor)
    assert (find.highlight.match_tint, find.highlight.current_tint) == \
        (QColor(255, 196, 0, 90), QColor(255, 140, 0, 150))  # on white: as they were
    assert len({c.name() for c in light}) == 2
    dark_page = QColor("#1e1f22")
    # What the current match used to be: orange behind light text on a dark page, 4:1.
    assert contrast_ratio(QColor("#e6e6e6"), composite(QColor(255, 140, 0, 150),
                                                        dark_page)) < 4.5
    try:
        window.preferences.apply_theme("dark")
        qtbot.waitUntil(lambda: is_dark(editor.palette()) and tints_drawn(editor) != light,
                        timeout=TIMEOUT)
        palette = editor.palette()
        assert palette.color(QPalette.ColorRole.Base) == dark_page
        text = palette.color(QPalette.ColorRole.Text)
        drawn = tints_drawn(editor)
        current = composite(find.highlight.current_tint, dark_page)
        others = composite(find.highlight.match_tint, dark_page)
        assert len(drawn) == 18 and drawn.count(current) == 1 and drawn.count(others) == 17
        for tint in (current, others):
            assert contrast_ratio(text, tint) >= 4.5
            assert contrast_ratio(tint, dark_page) > 1.3  # and the tint still shows
        assert contrast_ratio(current, others) > 1.3  # the current one stands out
        QApplication.processEvents()
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / "find-dark.png"))
    finally:
        window.preferences.apply_theme("system")
    qtbot.waitUntil(lambda: not is_dark(editor.palette()), timeout=TIMEOUT)
    assert tints_drawn(editor) == light
