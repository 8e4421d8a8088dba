"""Focus mode in the real window: F11 in and out, everything restored exactly, and
typing, generation and Esc behaving inside it, in English and Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QToolBar

from tests.gui.keyboard import type_text
from writer_app.boundary.params import SamplingParams

pytestmark = pytest.mark.gui

TIMEOUT = 20_000
SHOTS = Path("/tmp/shots")
CHINESE = "第一章　海边\n我们走到海边的时候，天已经黑了。"


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.editor, key, modifier)


def visibility(window) -> dict[str, bool]:
    """What is visible besides the text, by name."""
    parts = {"menu": window.menuBar(), "status": window.statusBar(),
             "instructions": window.instructions}
    parts.update({f"dock:{d.objectName()}": d for d in window.findChildren(QDockWidget)})
    parts.update({f"toolbar:{t.objectName()}": t for t in window.findChildren(QToolBar)})
    return {name: part.isVisibleTo(window) for name, part in parts.items()}


def test_f11_hides_everything_but_the_text_and_restores_it_exactly(qtbot, make_window):
    window = make_window(load=None)
    focus = window.features["focus"]
    window.versions_dock.show()  # a layout of the user's own: one dock more, one less
    window.sampling_dock.hide()
    before = visibility(window)
    assert before["dock:versionsDock"] and not before["dock:samplingDock"]
    press(qtbot, window, Qt.Key.Key_F11)
    assert focus.active and window.isFullScreen()
    assert not any(visibility(window).values())
    assert focus.hint.isVisible() and "F11" in focus.hint.text()
    type_text(qtbot, window, "The sea " + CHINESE)
    assert window.editor.text() == "The sea " + CHINESE  # typing goes to the text
    press(qtbot, window, Qt.Key.Key_F11)
    assert not focus.active and not window.isFullScreen()
    assert visibility(window) == before
    assert not focus.hint.isVisible()


def test_view_menu_toggles_focus_mode_and_esc_leaves_it(qtbot, make_window):
    window = make_window(load=None)
    focus = window.features["focus"]
    assert focus.action in window.actions_.menus["view"].actions()
    before = visibility(window)
    focus.action.trigger()
    assert focus.active
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not focus.active and visibility(window) == before


def test_the_hint_fades_after_a_while(qtbot, make_window):
    window = make_window(load=None)
    focus = window.features["focus"]
    focus._hint_timer.setInterval(50)
    focus.enter()
    assert focus.hint.isVisible()
    qtbot.waitUntil(lambda: not focus.hint.isVisible(), timeout=5000)
    assert focus.active  # only the hint went
    focus.leave()


def test_closing_in_focus_mode_keeps_the_normal_layout(qtbot, make_window):
    window = make_window(load=None)
    focus = window.features["focus"]
    before = visibility(window)
    focus.enter()
    window.close()  # saves the window's layout: it must not save the hidden one
    assert not focus.active
    assert visibility(window) == before


def test_generation_ghost_text_and_escape_inside_focus_mode(qtbot, make_window, slow_model):
    window = make_window()
    focus = window.features["focus"]
    focus.enter()
    window.sampling.set_params(SamplingParams(temperature=0.9, top_k=50, max_new_tokens=400,
                                              seed=3), emit=True)
    type_text(qtbot, window, "We went to the sea. " + CHINESE)
    original = window.editor.text()
    press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.editor.text()) > len(original) + 3, timeout=TIMEOUT)
    assert window.is_generating
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        press(qtbot, window, Qt.Key.Key_Escape)  # stops the generation ...
    assert finished.args[0].stop_reason == "cancelled"
    assert focus.active  # ... and stays in focus mode
    assert window.editor.text().startswith(original)
    assert window.completion.offer(["（幽灵）ghost"])  # a suggestion shows, as ever
    assert window.editor.ghost_text() == "（幽灵）ghost"
    press(qtbot, window, Qt.Key.Key_Escape)  # the first Esc dismisses the suggestion
    assert window.editor.ghost_text() == "" and focus.active
    press(qtbot, window, Qt.Key.Key_Escape)  # the next one leaves
    assert not focus.active


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_of_focus_mode_with_chinese_text(qtbot, make_window, theme):
    window = make_window(load=None)
    try:
        window.preferences.apply_theme(theme)
        window.editor.setPlainText(("第一章　海边\n\n我们走到海边的时候，天已经黑了。The sea was "
                                    "calm, and the lights of the town shone on the water.\n\n")
                                   * 8)
        window.preferences.set_text_layout((36, 1.5, False))
        window.features["focus"].enter()
        paragraph = window.editor.document().findBlockByNumber(2)
        window.editor.show_ghost(paragraph.position() + paragraph.length() - 1,
                                 " 远处有船。A boat in the distance.")
        qtbot.wait(50)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / f"focus-{theme}.png"))
    finally:
        window.preferences.apply_theme("system")
