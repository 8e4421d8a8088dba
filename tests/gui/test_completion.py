"""Inline completion: ghost text that is never part of the document until accepted."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from writer_app.boundary.params import SamplingParams
from writer_app.ui.completion import next_word

pytestmark = pytest.mark.gui

TIMEOUT = 20_000
SEEDED = SamplingParams(temperature=1.2, top_k=0, top_p=1.0, seed=5)
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def type_text(qtbot, window, text: str) -> None:
    """Type like a keyboard (and an input method, for characters QTest cannot type)."""
    window.editor.setFocus()
    for char in text:
        if char.isascii():
            qtbot.keyClicks(window.editor, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(window.editor, QKeyEvent(
                kind, 0, Qt.KeyboardModifier.NoModifier, char))


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.editor, key, modifier)


def offered(window, rows) -> None:
    assert window.completion.offer(rows)
    assert window.editor.ghost_text() == rows[0]


def test_ctrl_space_shows_a_model_suggestion_that_is_never_in_the_document(
        qtbot, make_window, tmp_path):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    type_text(qtbot, window, "今天的天气 The weather is")
    typed = window.editor.text()
    with qtbot.waitSignal(window.completion.suggestionShown, timeout=TIMEOUT) as shown:
        press(qtbot, window, Qt.Key.Key_Space, CTRL)
    ghost = shown.args[0]
    assert ghost and window.editor.ghost_text() == ghost
    assert window.editor.text() == typed
    assert window.editor.toPlainText() == typed
    assert 1 <= len(window.completion.alternatives) <= 3
    assert not window.editor.document().isRedoAvailable()
    window.save_to(tmp_path / "saved.txt")
    assert (tmp_path / "saved.txt").read_text(encoding="utf-8") == typed
    window.editor.undo()  # undoes the typing, not a suggestion
    assert ghost not in window.editor.text()
    assert window.editor.ghost_text() == ""


def test_tab_accepts_the_whole_suggestion_as_one_undo_step(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "Once upon a time")
    offered(window, [" there lived a cat. ", " 有一只猫。"])
    press(qtbot, window, Qt.Key.Key_Tab)
    assert window.editor.text() == "Once upon a time there lived a cat. "
    assert window.editor.ghost_text() == ""
    window.editor.undo()
    assert window.editor.text() == "Once upon a time"


def test_escape_leaves_the_document_exactly_as_typed(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "春眠不觉晓，")
    offered(window, ["处处闻啼鸟。"])
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.editor.ghost_text() == ""
    assert window.editor.text() == "春眠不觉晓，"
    assert window.editor.textCursor().position() == len("春眠不觉晓，")


def test_ctrl_right_accepts_one_word_at_a_time_in_english_and_chinese(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "Hello")
    offered(window, [" brave new world."])
    press(qtbot, window, Qt.Key.Key_Right, CTRL)
    assert window.editor.text() == "Hello brave"
    assert window.editor.ghost_text() == " new world."
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.editor.text() == "Hello brave"

    window.editor.setPlainText("")
    type_text(qtbot, window, "我们")
    offered(window, ["今天去公园。"])
    press(qtbot, window, Qt.Key.Key_Right, CTRL)
    accepted = window.editor.text()[len("我们"):]
    assert accepted and "今天去公园。".startswith(accepted) and accepted != "今天去公园。"
    assert window.editor.ghost_text() == "今天去公园。"[len(accepted):]


def test_next_word_keeps_leading_space_and_trailing_punctuation():
    assert next_word(" world, again") == " world,"
    assert next_word("end.") == "end."
    assert "今天去公园。".startswith(next_word("今天去公园。"))
    assert next_word("   ") == "   "


def test_typing_the_ghosts_next_characters_consumes_them(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "I like")
    offered(window, [" tea and 茶.", " coffee."])
    type_text(qtbot, window, " te")
    assert window.editor.text() == "I like te"
    assert window.editor.ghost_text() == "a and 茶."
    assert window.completion.alternatives == [" tea and 茶."]  # " coffee." no longer fits
    type_text(qtbot, window, "x")  # not what the ghost says: it goes
    assert window.editor.ghost_text() == ""
    assert window.editor.text() == "I like tex"


def test_chinese_type_through(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "你好")
    offered(window, ["，世界。"])
    type_text(qtbot, window, "，")
    assert window.editor.text() == "你好，"
    assert window.editor.ghost_text() == "世界。"


def test_alt_brackets_cycle_through_alternatives(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "The sky is")
    offered(window, [" blue.", " 蓝色的。", " grey."])
    press(qtbot, window, Qt.Key.Key_BracketRight, ALT)
    assert window.editor.ghost_text() == " 蓝色的。"
    press(qtbot, window, Qt.Key.Key_BracketRight, ALT)
    press(qtbot, window, Qt.Key.Key_BracketRight, ALT)
    assert window.editor.ghost_text() == " blue."
    press(qtbot, window, Qt.Key.Key_BracketLeft, ALT)
    assert window.editor.ghost_text() == " grey."
    press(qtbot, window, Qt.Key.Key_Tab)
    assert window.editor.text() == "The sky is grey."


def test_moving_the_cursor_or_editing_elsewhere_dismisses(qtbot, make_window):
    window = make_window(load=None)
    type_text(qtbot, window, "abc 中文")
    offered(window, [" def"])
    press(qtbot, window, Qt.Key.Key_Left)
    assert window.editor.ghost_text() == ""
    assert window.editor.text() == "abc 中文"
    press(qtbot, window, Qt.Key.Key_End)
    offered(window, [" def"])
    press(qtbot, window, Qt.Key.Key_Backspace)
    assert window.editor.ghost_text() == ""
    assert window.editor.text() == "abc 中"


def test_a_stale_suggestion_never_lands(qtbot, make_window, slow_model):
    window = make_window()
    type_text(qtbot, window, "从前有座山 There was")
    press(qtbot, window, Qt.Key.Key_Space, CTRL)
    assert window.completion.is_pending
    type_text(qtbot, window, " a")  # before the answer comes
    qtbot.waitUntil(lambda: not window.completion.is_pending, timeout=TIMEOUT)
    qtbot.wait(200)
    assert window.editor.ghost_text() == ""
    assert window.editor.text() == "从前有座山 There was a"
    # an answer for an older revision or position is refused even if it arrives
    token = window.completion._token()
    type_text(qtbot, window, "n")
    assert not window.completion.offer([" old"], token)
    assert window.editor.ghost_text() == ""


def test_a_generation_dismisses_the_ghost(qtbot, make_window):
    window = make_window()
    type_text(qtbot, window, "The end")
    offered(window, [" is near."])
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return, CTRL)
    assert window.editor.ghost_text() == ""
    # The ghost was never accepted: the text is what was typed plus what was generated.
    assert window.editor.text() == "The end" + window.editor.generated_text()


def test_auto_suggest_after_an_idle_pause(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    window.settings.set("completion.delay_ms", 200)
    window.completion.auto_action.setChecked(True)
    assert window.settings.get("completion.auto_suggest")
    with qtbot.waitSignal(window.completion.suggestionShown, timeout=TIMEOUT):
        type_text(qtbot, window, "山高月小，The river")
    assert window.editor.text() == "山高月小，The river"
    window.completion.auto_action.setChecked(False)
    assert not window.settings.get("completion.auto_suggest")
