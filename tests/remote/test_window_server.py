"""The real window driving a REAL llama.cpp server, end to end, as a person would.

Connect through the dialog (Test lists the server's model), then the pane, Continue,
a slider moved mid-generation, Stop, ghost text — in English and in Chinese — with the
engine in its own process, as the app runs it. Screenshots of the dialog and of the
connected window go to /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import (  # noqa: F401  (fixtures the window needs)
    isolated_home,
    make_window,
    no_dangling_threads,
    qasync_loop,
    running_loop,
)
from writer_app.boundary.params import SamplingParams

pytestmark = pytest.mark.gui
TIMEOUT = 120_000  # ms: a 2-core machine, a server on one thread
SHOTS = Path("/tmp/shots")


def shoot(widget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path)), path
    return path


def pane_filled(window) -> bool:
    return len(window.pane.tokens) > 0 and not window.pane.heading().startswith("Token ")


@pytest.fixture
def connected(qtbot, make_window, llama_server):  # noqa: F811
    """The window (engine in its own process), connected through Model → Connect to
    Server… after a Test."""
    window = make_window(load=None, separate_process=True)
    window.actions_.connect_server.trigger()
    dialog = window.servers.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.url, llama_server.url.removeprefix("http://"))
    assert dialog.base_url() == llama_server.url and dialog.warning.isHidden()
    with qtbot.waitSignal(dialog.tested, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    verdict = dialog.verdict.text()
    assert verdict.startswith("✓") and f"127.0.0.1:{llama_server.port}" in verdict, verdict
    assert "1 model" in verdict and dialog.model.currentText() == llama_server.model
    shoot(dialog, "server_dialog.png")
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert window.indicators.backend_label.text() == f"server: 127.0.0.1:{llama_server.port}"
    assert window.model_info.name == llama_server.model
    return window


def test_the_window_writes_with_a_real_llama_cpp_server(qtbot, connected):
    window = connected
    window.sampling.set_params(SamplingParams(temperature=0.8, top_k=40, top_p=0.95,
                                              repetition_penalty=1.1, max_new_tokens=48),
                               emit=True)
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, "I went on a trip to the sea and")
    qtbot.waitUntil(lambda: pane_filled(window), timeout=TIMEOUT)
    tokens = window.pane.tokens
    assert all(0 <= t.prob <= 1 for t in tokens) and tokens[0].prob >= tokens[-1].prob
    assert window.context_label.text().startswith("Context")

    # Continue streams in; a slider moved mid-generation; Stop ends it with the text kept.
    before = window.editor.text()
    window.continue_text()
    qtbot.waitUntil(lambda: len(window.editor.text()) > len(before) + 3, timeout=TIMEOUT)
    window.sampling.sliders["temperature"].spin.setValue(0.2)
    assert window.live_params.get().temperature == 0.2
    grown = len(window.editor.text())
    qtbot.waitUntil(lambda: len(window.editor.text()) > grown or not window.is_generating,
                    timeout=TIMEOUT)
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        window.stop()
    summary = finished.args[0]
    assert summary is not None and summary.stop_reason in ("cancelled", "eos", "length")
    written = window.editor.text()
    assert written.startswith(before) and len(written) > len(before)
    assert "\ufffd" not in written
    assert window.message_bar.isHidden() or window.message_bar.property("level") != "error"

    # Ghost text: Ctrl+Space shows a suggestion, Tab takes it.
    qtbot.waitUntil(lambda: pane_filled(window), timeout=TIMEOUT)
    if window.completion.suggest_action.isEnabled():
        with qtbot.waitSignal(window.completion.suggestionShown, timeout=TIMEOUT) as shown:
            window.completion.request()
        ghost = shown.args[0]
        assert ghost and window.editor.text() == written  # never part of the document ...
        qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
        assert window.editor.text() == written + ghost  # ... until accepted
    else:
        assert window.completion.suggest_action.toolTip()  # greyed, with the reason
    shoot(window, "window_server.png")


def test_chinese_text_round_trips_through_the_server(qtbot, connected):
    window = connected
    window.sampling.set_params(SamplingParams(temperature=0.7, max_new_tokens=12, seed=5),
                               emit=True)
    window.editor.setFocus()
    window.editor.textCursor().insertText("我们去北京旅行，看到了")  # QTest types no CJK keys
    qtbot.waitUntil(lambda: pane_filled(window), timeout=TIMEOUT)
    assert window.pane.heading().endswith("看到了”")
    before = window.editor.text()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        window.continue_text()
    assert finished.args[0] is not None, window.message_bar.message()
    written = window.editor.text()
    assert written.startswith(before) and len(written) > len(before)
    assert "\ufffd" not in written  # no half characters from split UTF-8 tokens
    shoot(window, "window_server_chinese.png")


def test_killing_the_server_mid_generation_keeps_the_text_and_offers_reconnect(
        qtbot, make_window, fresh_server):  # noqa: F811
    from writer_app.boundary.server import ServerConnection

    server = fresh_server()
    window = make_window(load=None, separate_process=True)
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        window.servers.connect(ServerConnection(server.url, server.model))
    window.sampling.set_params(SamplingParams(temperature=0.9, max_new_tokens=400,
                                              repetition_penalty=1.3), emit=True)
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, "Once upon a time, in a small village by the sea,")
    before = window.editor.text()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        window.continue_text()
        qtbot.waitUntil(lambda: len(window.editor.text()) > len(before) + 8, timeout=TIMEOUT)
        assert window.is_generating, "the generation ended before the server could be killed"
        kept = window.editor.text()
        server.kill()
    assert finished.args[0] is None  # it failed ...
    text = window.editor.text()
    assert text.startswith(kept) and text.startswith(before)  # ... keeping every token
    assert window.message_bar.property("level") == "error"
    assert window.message_bar.button("Reconnect") is not None
    assert window.message_bar.button("Try Again") is not None
    window.editor.textCursor().insertText(" 然后")  # the window still takes typing
    assert window.editor.text().endswith(" 然后")
