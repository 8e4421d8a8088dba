"""Spell check in the real window: underlines after the background check, Chinese never
flagged, the context menu's suggestions, the personal list, the toggle, a 10 MB document."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QFont, QTextCharFormat, QTextCursor

from writer_app.spelling.personal import default_path
from writer_app.ui import spell_check
from writer_app.ui.highlighter import highlighter_for

pytestmark = pytest.mark.gui

WAVY = QTextCharFormat.UnderlineStyle.SpellCheckUnderline


def underlined(editor, word: str) -> bool:
    """Whether the first occurrence of `word` carries the spelling underline."""
    document = editor.document()
    cursor = document.find(word)
    assert not cursor.isNull(), word
    block = cursor.block()
    start = cursor.selectionStart() - block.position()
    end = cursor.selectionEnd() - block.position()
    for fmt_range in block.layout().formats():
        covers = fmt_range.start <= start and end <= fmt_range.start + fmt_range.length
        if covers and fmt_range.format.underlineStyle() == WAVY:
            return True
    return False


def any_underline(editor) -> bool:
    block = editor.document().firstBlock()
    while block.isValid():
        if any(r.format.underlineStyle() == WAVY for r in block.layout().formats()):
            return True
        block = block.next()
    return False


def type_text(qtbot, editor, text: str) -> None:
    """Type ASCII as keys (QTest asserts on other characters); the rest as an input
    method would commit it."""
    editor.setFocus()
    for piece in re.split(r"([^\x00-\x7f]+)", text):
        if piece.isascii():
            qtbot.keyClicks(editor, piece)
        else:
            editor.insert_at_cursor(piece)


def point_of(editor, word: str) -> QPoint:
    cursor = editor.document().find(word)
    middle = QTextCursor(editor.document())
    middle.setPosition((cursor.selectionStart() + cursor.selectionEnd()) // 2)
    return editor.cursorRect(middle).center()


def test_misspelt_word_is_underlined_after_the_check(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    type_text(qtbot, editor, "I recieve the letter today. 春眠不觉晓，处处闻啼鸟。 ")
    qtbot.waitUntil(lambda: underlined(editor, "recieve"), timeout=10_000)
    assert not underlined(editor, "letter")
    assert not underlined(editor, "春眠不觉晓")
    window.grab().save("/tmp/shots/spelling-underline.png")


def test_word_being_typed_is_not_flagged_until_finished(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    type_text(qtbot, editor, "Some text and recieve")
    layer = window.features["spelling"].layers[editor]
    qtbot.waitUntil(lambda: "Some text and recieve" in layer.answers, timeout=10_000)
    qtbot.wait(50)
    assert not underlined(editor, "recieve")  # the cursor is still in it
    type_text(qtbot, editor, " ")
    qtbot.waitUntil(lambda: underlined(editor, "recieve"), timeout=10_000)


def test_context_menu_suggests_and_replacing_is_one_undo_step(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    editor.setPlainText("Please recieve this. 我们 wrold")
    qtbot.waitUntil(lambda: underlined(editor, "recieve"), timeout=10_000)
    menu = editor.context_menu_at(point_of(editor, "recieve"))
    texts = [a.text() for a in menu.actions()]
    assert "receive" in texts[:6]
    assert "Add to Dictionary" in texts and "Ignore All" in texts
    next(a for a in menu.actions() if a.text() == "receive").trigger()
    menu.deleteLater()
    assert editor.text() == "Please receive this. 我们 wrold"
    editor.undo()
    assert editor.text() == "Please recieve this. 我们 wrold"
    # A click on a correct word (or on Chinese) adds nothing.
    for word in ("Please", "我们"):
        menu = editor.context_menu_at(point_of(editor, word))
        assert "Add to Dictionary" not in [a.text() for a in menu.actions()]
        menu.deleteLater()


def test_add_to_dictionary_persists_to_a_new_window(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    editor.setPlainText("The zorblax went home.")
    qtbot.waitUntil(lambda: underlined(editor, "zorblax"), timeout=10_000)
    menu = editor.context_menu_at(point_of(editor, "zorblax"))
    next(a for a in menu.actions() if a.text() == "Add to Dictionary").trigger()
    menu.deleteLater()
    qtbot.waitUntil(lambda: not underlined(editor, "zorblax"), timeout=5_000)
    assert "zorblax" in default_path().read_text(encoding="utf-8").split()

    second = make_window(load=None)
    second.editor.setPlainText("The zorblax and the wrold.")
    qtbot.waitUntil(lambda: underlined(second.editor, "wrold"), timeout=10_000)
    assert not underlined(second.editor, "zorblax")


def test_ignore_all_and_toggle_off(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    editor.setPlainText("Teh cat.\nTeh dog and a wrold.")
    qtbot.waitUntil(lambda: underlined(editor, "wrold"), timeout=10_000)
    assert underlined(editor, "Teh")
    menu = editor.context_menu_at(point_of(editor, "Teh"))
    next(a for a in menu.actions() if a.text() == "Ignore All").trigger()
    menu.deleteLater()
    assert not underlined(editor, "Teh")
    assert underlined(editor, "wrold")
    controller = window.features["spelling"]
    controller.toggle_action.trigger()
    assert window.settings.get("spelling.enabled") is False
    assert not any_underline(editor)
    controller.toggle_action.trigger()
    assert window.settings.get("spelling.enabled") is True
    qtbot.waitUntil(lambda: underlined(editor, "wrold"), timeout=10_000)


def test_generated_text_is_checked(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    editor.begin_generation()
    for piece in ("The mod", "el wrote a ", "beautifull ", "story."):
        editor.append_generated(piece)
    editor.end_generation()
    qtbot.waitUntil(lambda: underlined(editor, "beautifull"), timeout=10_000)
    assert not underlined(editor, "model")


def test_a_10_mb_document_is_checked_without_freezing(make_window, qtbot):
    """The check of a 10 MB document runs on the spelling thread while the window keeps
    turning its event loop; the time it took is reported, not asserted."""
    window = make_window(load=None)
    editor = window.editor
    controller = window.features["spelling"]
    paragraph = ("The quick brown fox jumps over the lazy dog while the writer "
                 "recieves {n} letters about 春眠不觉晓 and many other things. ")
    text = "\n".join(paragraph.format(n=f"w{i}rd") * 2 for i in range(70_000))
    assert len(text.encode("utf-8")) > 10_000_000
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    try:
        started = time.perf_counter()
        editor.setPlainText(text)
        loaded = time.perf_counter() - started
        layer = controller.layers[editor]
        qtbot.waitUntil(lambda: not layer.asked and not layer.outbox, timeout=300_000)
        checked = time.perf_counter() - started
    finally:
        timer.stop()
    gaps = sorted(b - a for a, b in itertools.pairwise(ticks))
    print(f"\n10 MB ({editor.document().blockCount()} paragraphs): setPlainText with the "
          f"highlighter {loaded:.2f} s; every paragraph answered after {checked:.2f} s "
          f"({controller.service.busy_seconds:.2f} s of spelling-thread time); event loop "
          f"meanwhile: {len(ticks)} turns of a 10 ms timer, longest gap "
          f"{gaps[-1] if gaps else 0:.3f} s, median {gaps[len(gaps) // 2] if gaps else 0:.3f} s")
    assert len(ticks) > 10  # the window kept turning while the thread checked
    # The last paragraph scrolled into view gets its underline from the cached answer.
    last = editor.document().lastBlock()
    editor.setTextCursor(QTextCursor(last))
    editor.ensureCursorVisible()
    qtbot.waitUntil(lambda: underlined_in_block(last, "recieves"), timeout=10_000)
    middle = editor.document().findBlockByNumber(35_000)
    assert not underlined_in_block(middle, "recieves")  # never on screen: not highlighted
    # A word typed at the end is checked at once, not behind the whole document.
    editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, editor, " wrold ")
    qtbot.waitUntil(lambda: underlined_in_block(editor.document().lastBlock(), "wrold"),
                    timeout=10_000)


def underlined_in_block(block, word: str) -> bool:
    start = block.text().find(word)
    return any(r.start <= start < r.start + r.length
               and r.format.underlineStyle() == WAVY for r in block.layout().formats())


class BoldLines:
    """A stand-in for the Markdown layer: lines starting with '#' are bold."""

    name = "test-bold"

    def highlight_block(self, text, previous_state):
        if not text.startswith("#"):
            return [], -1
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold)
        return [(0, len(text.encode("utf-16-le")) // 2, fmt)], -1


def test_layers_merge_a_misspelt_word_in_a_heading_is_bold_and_underlined(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    highlighter = highlighter_for(editor.document())
    bold = BoldLines()
    highlighter.add_layer(bold)
    assert highlighter_for(editor.document()) is highlighter  # one per document
    assert highlighter.layers()[-1].name == "spelling"  # added before, still merged last
    editor.setPlainText("# A hedding 😀 here\nplain wrold")
    qtbot.waitUntil(lambda: underlined(editor, "hedding") and underlined(editor, "wrold"),
                    timeout=10_000)
    block = editor.document().firstBlock()
    start = block.text().index("hedding")
    (piece,) = [r for r in block.layout().formats() if r.start <= start < r.start + r.length
                and r.format.underlineStyle() == WAVY]
    assert piece.format.fontWeight() == QFont.Weight.Bold
    assert all(r.format.fontWeight() == QFont.Weight.Bold for r in block.layout().formats())
    highlighter.remove_layer(bold)
    assert underlined(editor, "hedding")
    assert not any(r.format.fontWeight() == QFont.Weight.Bold
                   for r in editor.document().firstBlock().layout().formats())


def test_chinese_document_and_language_menu(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    controller = window.features["spelling"]
    editor.setPlainText("春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。" * 200 + " wrold")
    layer = controller.layers[editor]
    assert layer.tag is None  # mostly Chinese: nothing for a Hunspell dictionary to check
    qtbot.wait(200)
    assert not any_underline(editor)
    languages = {a.data(): a for a in controller.language_group.actions()}
    assert "auto" in languages and "en_US" in languages
    languages["en_US"].trigger()
    assert window.settings.get("spelling.language") == "en_US"
    assert layer.tag == "en_US"
    qtbot.waitUntil(lambda: underlined(editor, "wrold"), timeout=10_000)
    languages["auto"].trigger()
    assert layer.tag is None and not any_underline(editor)


def test_menu_and_screenshots(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    controller = window.features["spelling"]
    edit_menu = window.actions_.menus["edit"]
    assert controller.menu.menuAction() in edit_menu.actions()
    assert [a.text() for a in controller.menu.actions() if a.text()][:1] == ["Check Spelling"]
    editor.setPlainText("Spell check underlines the wrold as you write.\n"
                        "中文不会被标记：春眠不觉晓。Mixed 中文 and Englsh text.")
    qtbot.waitUntil(lambda: underlined(editor, "Englsh"), timeout=10_000)
    window.grab().save("/tmp/shots/spelling-window.png")
    preferences = getattr(window, "preferences", None)
    if preferences is not None:  # the underline reads on a dark page too
        try:
            preferences.apply_theme("dark")
            qtbot.wait(50)
            window.grab().save("/tmp/shots/spelling-dark.png")
        finally:
            preferences.apply_theme("system")
    menu = editor.context_menu_at(point_of(editor, "wrold"))
    menu.popup(editor.viewport().mapToGlobal(point_of(editor, "wrold")))
    qtbot.waitUntil(menu.isVisible)
    menu.grab().save("/tmp/shots/spelling-context-menu.png")
    menu.close()
    menu.deleteLater()
    controller.menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(controller.menu.isVisible)
    controller.menu.grab().save("/tmp/shots/spelling-edit-menu.png")
    controller.menu.close()


def test_without_the_library_spelling_says_so_and_the_rest_works(make_window, qtbot,
                                                                monkeypatch):
    monkeypatch.setattr(spell_check, "library_available", lambda: False)
    window = make_window(load=None)
    controller = window.features["spelling"]
    assert not controller.toggle_action.isEnabled()
    assert "chunspell" in controller.toggle_action.toolTip()
    assert "chunspell" in window.statusBar().currentMessage()
    window.editor.setPlainText("I recieve it.")
    qtbot.wait(100)
    assert not any_underline(window.editor)
    menu = window.editor.context_menu_at(point_of(window.editor, "recieve"))
    assert "Add to Dictionary" not in [a.text() for a in menu.actions()]
    menu.deleteLater()


def test_personal_dictionary_dialog_removes_words(make_window, qtbot):
    window = make_window(load=None)
    editor = window.editor
    controller = window.features["spelling"]
    controller.add_word("zorblax")
    controller.add_word("写作")
    editor.setPlainText("A zorblax and a wrold.")
    qtbot.waitUntil(lambda: underlined(editor, "wrold"), timeout=10_000)
    assert not underlined(editor, "zorblax")
    dialog = spell_check.PersonalDictionaryDialog(controller.personal, window)
    dialog.wordRemoved.connect(lambda _w: controller.refresh_all())
    items = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert items == ["zorblax", "写作"]
    dialog.show()
    dialog.grab().save("/tmp/shots/spelling-personal-dictionary.png")
    dialog.list.item(0).setSelected(True)
    dialog.remove_selected()
    assert dialog.list.count() == 1
    assert default_path().read_text(encoding="utf-8") == "写作\n"
    qtbot.waitUntil(lambda: underlined(editor, "zorblax"), timeout=10_000)
    dialog.close()
    dialog.deleteLater()


def test_every_tab_is_checked_and_a_closed_one_is_forgotten(make_window, qtbot):
    window = make_window(load=None)
    controller = window.features["spelling"]
    first = window.editor
    first.setPlainText("First wrold.")
    window.new_document()
    second = window.editor
    assert second is not first
    second.setPlainText("Second documnet, 第二个文档.")
    qtbot.waitUntil(lambda: underlined(second, "documnet"), timeout=10_000)
    qtbot.waitUntil(lambda: underlined(first, "wrold"), timeout=10_000)
    assert set(controller.layers) >= {first, second}
    second.document().setModified(False)
    assert window.close_document()
    qtbot.waitUntil(lambda: second not in controller.layers, timeout=5_000)
