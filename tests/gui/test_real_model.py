"""The real default model in the real window, end to end (slow: marked integration).

It loads through the real loader and the real cache, so the one-off GGUF conversion
(~50 s) is paid once per machine; later runs load in seconds. Settings and window state
go to a temp folder, and the model is not added to the user's recent list.
"""

from __future__ import annotations

import functools

import pytest
from PySide6.QtCore import Qt

from writer_app.boundary.params import SamplingParams
from writer_app.host import load_with_engine

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def test_the_default_model_continues_text_in_the_window(qtbot, make_window):
    window = make_window(load=None, loader=functools.partial(load_with_engine, remember=False))
    window.load_model("default", "cpu", "auto")
    qtbot.waitUntil(lambda: window.model_info is not None or window.message_bar.isVisible(),
                    timeout=240_000)
    assert window.model_info is not None, window.message_bar.message()
    assert "Gemma" in window.model_info.name

    window.sampling.set_params(SamplingParams(temperature=0.7, max_new_tokens=16, seed=11),
                               emit=True)
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, "The weather in Beijing today is")
    original = window.editor.text()
    qtbot.waitUntil(lambda: any(t.text.strip() for t in window.pane.tokens), timeout=60_000)

    with qtbot.waitSignal(window.generationFinished, timeout=120_000) as finished:
        qtbot.keyClick(window.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    summary = finished.args[0]
    assert summary is not None and summary.tokens > 0
    assert summary.tokens_per_second > 0
    assert window.editor.text().startswith(original)
    assert len(window.editor.text()) > len(original)
    assert window.speed_label.text().endswith("tokens/s")

    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == original
