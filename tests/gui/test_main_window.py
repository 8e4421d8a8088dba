"""The real window, driven like a person would: keys, clicks, sliders, files."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from writer_app.boundary.params import SamplingParams

pytestmark = pytest.mark.gui

TIMEOUT = 20_000  # ms; generous for a busy 2-core machine
SEEDED = SamplingParams(temperature=0.9, top_k=50, top_p=0.95, repetition_penalty=1.1,
                        max_new_tokens=12, seed=3)


def type_text(qtbot, window, text: str) -> None:
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, text)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.editor, key, modifier)


def generate(qtbot, window, key=Qt.Key.Key_Return):
    """Press Ctrl+<key> in the editor and wait for the generation to finish."""
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        press(qtbot, window, key, Qt.KeyboardModifier.ControlModifier)
    return finished.args[0]


def test_loading_shows_the_model_in_the_status_bar_and_fills_the_pane(qtbot, make_window):
    window = make_window()
    assert window.model_label.text() == "tiny-llama"
    assert window.device_label.text() == "cpu"
    assert window.dtype_label.text() == "float32"
    qtbot.waitUntil(lambda: len(window.pane.tokens) == window.pane_control.top_n, timeout=TIMEOUT)
    assert window.context_label.text().endswith("/ 512")
    assert window.load_progress.isHidden()


def test_the_window_works_with_the_engine_in_its_own_process(qtbot, make_window,
                                                             tiny_model_dir):
    """As the app runs it: the model in a child process, the pane, Continue and undo."""
    from tests.unit.child_loaders import quiet_loader

    window = make_window(load=str(tiny_model_dir), loader=quiet_loader, separate_process=True,
                         timeout=120_000)
    assert window.model_info is not None, window.message_bar._text.text()
    assert window.model_label.text() == tiny_model_dir.name
    type_text(qtbot, window, "The sea")
    qtbot.waitUntil(lambda: len(window.pane.tokens) == window.pane_control.top_n, timeout=TIMEOUT)
    window.sampling.set_params(SEEDED, emit=True)
    original = window.editor.text()
    summary = generate(qtbot, window)
    assert summary.tokens > 0 and len(window.editor.text()) > len(original)
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == original


def test_a_dead_engine_process_is_reloaded_once_and_the_text_kept(qtbot, make_window,
                                                                  tiny_model_dir):
    import os
    import signal

    from tests.unit.child_loaders import slow_loader

    window = make_window(load=str(tiny_model_dir), loader=slow_loader, separate_process=True,
                         timeout=120_000)
    assert window.model_info is not None
    type_text(qtbot, window, "The sea")
    window.sampling.set_params(SEEDED.with_changes(max_new_tokens=400), emit=True)

    def kill_mid_generation() -> None:
        window.continue_text()
        qtbot.waitUntil(lambda: len(window.editor.generated_text()) > 0, timeout=TIMEOUT)
        os.kill(window.worker._engine.pid, signal.SIGKILL)
        with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
            pass
        assert finished.args[0] is None  # it failed, and said so

    kill_mid_generation()
    kept = window.editor.text()
    assert kept.startswith("The sea") and len(kept) > len("The sea")
    assert "stopped unexpectedly" in window.message_bar.message()
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=120_000)  # loaded again
    assert not window.message_bar.isVisible()
    qtbot.waitUntil(lambda: len(window.pane.tokens) == window.pane_control.top_n, timeout=TIMEOUT)

    kill_mid_generation()  # again, soon after: no endless reloading
    qtbot.wait(500)
    assert window.model_info is None and not window.is_loading
    assert window.model_label.text() == "No model"
    assert window.device_label.text() == "" and window.dtype_label.text() == ""
    assert window.editor.text().startswith(kept)


def test_continue_streams_text_that_one_undo_removes(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    type_text(qtbot, window, "The quick brown fox")
    original = window.editor.text()
    steps = []
    window.pane.show_tokens = _spy(window.pane.show_tokens, steps)

    summary = generate(qtbot, window)

    text = window.editor.text()
    assert summary.tokens > 0
    assert text.startswith(original) and len(text) > len(original)
    assert window.editor.generated_text() == text[len(original):]
    assert window.editor.extraSelections(), "the generated text is highlighted"
    assert any(heading and heading.startswith("Token 1:") for heading in steps)
    assert window.speed_label.text().endswith("tokens/s")

    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == original


def test_streamed_steps_reach_the_pane_at_most_ten_times_a_second(qtbot, make_window):
    """Repainting the pane for every token cost the GUI thread ~9 ms a token. However fast
    the model runs, shown steps are an interval apart, the first at once."""
    import itertools
    import time

    from writer_app.ui.generation import STEP_PANE_INTERVAL

    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(max_new_tokens=60, temperature=1.5,
                                                   top_k=0, top_p=1.0), emit=True)
    type_text(qtbot, window, "The quick brown fox")
    shown: list[float] = []
    headings: list[str | None] = []
    original = window.pane.show_tokens

    def spy(tokens, heading=None, chosen_id=None, approximate=False):
        if heading and heading.startswith("Token "):
            shown.append(time.monotonic())
        headings.append(heading)
        return original(tokens, heading, chosen_id, approximate)

    window.pane.show_tokens = spy
    summary = generate(qtbot, window)
    assert summary.tokens > 1
    assert headings[0] and headings[0].startswith("Token 1:")  # the first step at once
    assert all(b - a >= STEP_PANE_INTERVAL * 0.9 for a, b in itertools.pairwise(shown))
    qtbot.waitUntil(lambda: not (headings[-1] or "").startswith("Token "), timeout=TIMEOUT)


def test_the_step_throttle_shows_the_first_step_at_once_and_the_newest_after(qtbot):
    """The throttle on its own, on a clock the test moves: no speed assumed."""
    from writer_app.ui.generation import StepThrottle

    now = [100.0]
    shown: list[int] = []
    throttle = StepThrottle(shown.append, interval=0.1, clock=lambda: now[0])
    throttle.add(1)
    assert shown == [1]
    for step in range(2, 30):  # a burst, faster than the interval
        throttle.add(step)
    assert shown == [1]
    qtbot.waitUntil(lambda: shown == [1, 29], timeout=5000)  # the newest, once
    now[0] += 0.05
    throttle.add(30)
    assert shown == [1, 29]  # 0.05 s after the last one shown: it waits
    now[0] += 1.0
    qtbot.waitUntil(lambda: shown == [1, 29, 30], timeout=5000)
    now[0] += 0.2
    throttle.add(31)
    assert shown == [1, 29, 30, 31]  # a full interval later: at once
    throttle.reset()


def _spy(method, headings):
    def spy(tokens, heading=None, chosen_id=None):
        headings.append(heading)
        return method(tokens, heading, chosen_id)

    return spy


def test_keypad_enter_also_continues(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    type_text(qtbot, window, "Writing with a model")
    summary = generate(qtbot, window, Qt.Key.Key_Enter)
    assert summary.tokens > 0


def test_typing_after_a_generation_is_an_undo_step_of_its_own(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    type_text(qtbot, window, "I went on a trip")
    original = window.editor.text()
    generate(qtbot, window)
    generated = window.editor.text()
    type_text(qtbot, window, " and so")
    assert not window.editor.extraSelections(), "typing ends the highlight"
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == generated
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == original


def test_escape_stops_a_generation(qtbot, make_window, slow_model):
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(max_new_tokens=400, repetition_penalty=1.0),
                               emit=True)
    type_text(qtbot, window, "We went to the sea")
    original = window.editor.text()
    press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.editor.text()) > len(original) + 3, timeout=TIMEOUT)
    assert window.is_generating and window.stop_action.isEnabled()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        press(qtbot, window, Qt.Key.Key_Escape)
    summary = finished.args[0]
    assert summary.stop_reason == "cancelled"
    assert summary.tokens < 400
    stopped_at = window.editor.text()
    qtbot.wait(100)
    assert window.editor.text() == stopped_at
    assert not window.is_generating and window.continue_action.isEnabled()


def test_retry_replaces_the_last_generation_with_a_new_sample(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(seed=1), emit=True)
    type_text(qtbot, window, "The weather today")
    original = window.editor.text()
    generate(qtbot, window)
    first = window.editor.text()
    window.sampling.set_params(SEEDED.with_changes(seed=2), emit=True)
    assert window.retry_action.isEnabled()

    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)

    second = window.editor.text()
    assert second.startswith(original)
    assert second != first
    assert window.editor.generated_text() == second[len(original):]
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.text() == first  # the retry is one undo step too


def test_typing_fast_asks_for_the_next_tokens_once(qtbot, make_window, forward_calls):
    window = make_window()
    requests = []
    submit = window.worker.submit
    window.worker.submit = lambda request, reply: (requests.append(request),
                                                   submit(request, reply))[1]
    with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT):
        type_text(qtbot, window, "Writing with a model")  # no pause between keys
    asked = [r for r in requests if type(r).__name__ == "NextTokensRequest"]
    assert [r.text for r in asked] == ["Writing with a model"]
    assert window.pane.heading() == "After “Writing with a model”"


def test_a_slider_redraws_the_pane_without_a_model_call(qtbot, make_window, forward_calls):
    window = make_window()
    type_text(qtbot, window, "The quick brown")
    with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT):
        pass
    qtbot.waitUntil(lambda: window.pane_control.task is None or window.pane_control.task.done(),
                    timeout=TIMEOUT)
    before = [t.sampled_prob for t in window.pane.tokens]
    raw_before = [t.prob for t in window.pane.tokens]
    forward_calls.clear()

    with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT):
        window.sampling.sliders["top_k"].slider.setValue(2)

    after = [t.sampled_prob for t in window.pane.tokens]
    assert forward_calls == []
    assert [t.prob for t in window.pane.tokens] == pytest.approx(raw_before)
    assert after != before
    assert sum(p > 0 for p in after) == 2  # the rest are cut, and greyed
    assert window.live_params.get().top_k == 2


def test_a_slider_moved_mid_generation_applies_from_the_next_token(qtbot, make_window,
                                                                   slow_model):
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(max_new_tokens=300, repetition_penalty=1.0),
                               emit=True)
    type_text(qtbot, window, "Emoji too")
    original = window.editor.text()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(window.editor.text()) > len(original), timeout=TIMEOUT)
        window.sampling.sliders["max_new_tokens"].spin.setValue(6)
    summary = finished.args[0]
    assert summary.stop_reason in ("length", "eos")
    assert summary.tokens <= 12


def test_clicking_a_candidate_inserts_it(qtbot, make_window):
    window = make_window()
    type_text(qtbot, window, "The sea")
    qtbot.waitUntil(lambda: len(window.pane.tokens) > 0, timeout=TIMEOUT)
    index = next(i for i in range(len(window.pane.tokens)) if window.pane.token_at(i))
    token = window.pane.token_at(index)
    before = window.editor.text()
    rect = window.pane.row_rect(index)
    qtbot.mouseClick(window.pane.list_viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.editor.text() == before + token.text
    assert window.isActiveWindow()  # make_window waited for it
    assert window.editor.hasFocus()  # typing goes on in the document


def test_alt_number_inserts_that_candidate(qtbot, make_window):
    window = make_window()
    type_text(qtbot, window, "We went")
    qtbot.waitUntil(lambda: window.pane.token_at(0) is not None or
                    len(window.pane.tokens) > 0, timeout=TIMEOUT)
    index = next(i for i in range(9) if window.pane.token_at(i))
    token = window.pane.token_at(index)
    before = window.editor.text()
    press(qtbot, window, getattr(Qt.Key, f"Key_{index + 1}"), Qt.KeyboardModifier.AltModifier)
    assert window.editor.text() == before + token.text


def test_a_bad_model_path_shows_an_error_and_the_app_keeps_working(qtbot, make_window,
                                                                   tmp_path):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    with qtbot.waitSignal(window.modelLoadFailed, timeout=TIMEOUT):
        window.load_model(str(tmp_path / "no-such-model"))
    assert window.message_bar.isVisible()
    assert "no-such-model" in window.message_bar.message()
    assert "tiny-llama" in window.message_bar.message()  # it says the old model stays
    assert window.model_info.name == "tiny-llama"
    assert window.load_progress.isHidden()
    type_text(qtbot, window, "Still writing")
    summary = generate(qtbot, window)
    assert summary.tokens > 0


def test_requests_made_while_the_model_loads_wait_for_it(qtbot, make_window):
    gate = threading.Event()
    window = make_window(gate=gate)
    assert window.is_loading and not window.load_progress.isHidden()
    window.sampling.set_params(SEEDED, emit=True)
    type_text(qtbot, window, "Hello there")  # the editor is usable while loading
    assert window.editor.text() == "Hello there"
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert window.is_generating
        gate.set()
    assert finished.args[0].tokens > 0
    assert window.model_info.name == "tiny-llama"


def test_cancelling_a_load_keeps_the_editor_and_says_so(qtbot, make_window):
    gate = threading.Event()
    window = make_window(gate=gate)
    qtbot.waitUntil(lambda: window.cancel_load_button.isVisible(), timeout=TIMEOUT)
    qtbot.mouseClick(window.cancel_load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.load_progress.isHidden(), timeout=TIMEOUT)
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.model_info is None and not window.message_bar.isVisible()


def test_instructions_reach_the_model_but_not_the_document(qtbot, make_window):
    window = make_window()
    requests = []
    submit = window.worker.submit
    window.worker.submit = lambda request, reply: (requests.append(request),
                                                   submit(request, reply))[1]
    window.instructions.set_expanded(True)
    window.instructions.set_text("Write in the style of a travel diary.")
    window.sampling.set_params(SEEDED, emit=True)
    type_text(qtbot, window, "Day one")
    generate(qtbot, window)
    generation = [r for r in requests if type(r).__name__ == "GenerateRequest"][-1]
    assert generation.preamble == "Write in the style of a travel diary."
    assert generation.text == "Day one"
    assert "travel diary" not in window.editor.text()


def test_open_edit_and_save_a_file(qtbot, make_window, tmp_path):
    window = make_window()
    path = tmp_path / "notes.txt"
    path.write_text("我们去北京旅行。\nThe end", encoding="utf-8")
    assert window.open_path(path)
    assert window.editor.text() == "我们去北京旅行。\nThe end"
    assert window.windowTitle().startswith("notes.txt")
    type_text(qtbot, window, "!")
    assert window.isWindowModified()
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert path.read_text(encoding="utf-8") == "我们去北京旅行。\nThe end!"
    assert not window.isWindowModified()


def test_a_missing_path_is_created_on_first_save(qtbot, make_window, tmp_path):
    window = make_window(load=None)
    path = tmp_path / "new" / "chapter.md"
    assert window.open_path(path)
    assert not path.exists()
    type_text(qtbot, window, "Chapter one")
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert path.read_text(encoding="utf-8") == "Chapter one"


def test_the_text_before_the_cursor_counts_characters_beyond_the_bmp(qtbot, make_window):
    window = make_window(load=None)
    window.editor.setPlainText("a😀b\nc")
    cursor = window.editor.textCursor()
    cursor.setPosition(4)  # after "b": Qt counts the emoji as two units
    window.editor.setTextCursor(cursor)
    assert window.editor.text_before_cursor() == "a😀b"


def test_dock_layout_is_remembered(qtbot, make_window, tmp_path):
    state = tmp_path / "layout.ini"
    window = make_window(load=None, state_path=state)
    window.sampling_dock.hide()
    window.resizeDocks([window.pane_dock], [420], Qt.Orientation.Horizontal)
    window.close()
    again = make_window(load=None, state_path=state)
    assert again.sampling_dock.isHidden()
    assert not again.pane_dock.isHidden()


def test_a_model_load_survives_the_engine_process_dying_mid_load(qtbot, make_window,
                                                                 tiny_model_dir, tmp_path,
                                                                 monkeypatch):
    """Killed at ~3 s into a load, the new process never loaded the model: Continue said
    "No model is loaded" while the status bar kept saying it was waiting for it."""
    import os
    import signal

    from tests.gui.gated_loader import GATE_VARIABLE, STAGE, gated_loader

    gate = tmp_path / "open-the-gate"
    monkeypatch.setenv(GATE_VARIABLE, str(gate))
    window = make_window(load=None, loader=gated_loader, separate_process=True)
    window.load_model(str(tiny_model_dir))
    qtbot.waitUntil(lambda: STAGE in window.statusBar().currentMessage(), timeout=120_000)
    type_text(qtbot, window, "The sea")
    window.sampling.set_params(SEEDED, emit=True)
    window.continue_text()
    assert "Waiting for the model" in window.statusBar().currentMessage()
    pid = window.worker._engine.pid
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.is_loading
                    and window.worker._engine.pid not in (None, pid), timeout=TIMEOUT)
    assert "again" in window.statusBar().currentMessage()  # it says it reloads
    gate.touch()
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=120_000)
    assert window.model_label.text() == tiny_model_dir.name
    assert "is ready" in window.statusBar().currentMessage()
    assert not window.is_loading
    summary = generate(qtbot, window)
    assert summary is not None and summary.tokens > 0


def test_a_load_that_fails_after_the_engine_died_says_so(qtbot, make_window, tmp_path,
                                                         monkeypatch):
    import os
    import signal

    from tests.gui.gated_loader import GATE_VARIABLE, STAGE, gated_loader

    gate = tmp_path / "open-the-gate"
    monkeypatch.setenv(GATE_VARIABLE, str(gate))
    window = make_window(load=None, loader=gated_loader, separate_process=True)
    with qtbot.waitSignal(window.modelLoadFailed, timeout=120_000):
        window.load_model(str(tmp_path / "no-such-model"))
        qtbot.waitUntil(lambda: STAGE in window.statusBar().currentMessage(),
                        timeout=120_000)
        pid = window.worker._engine.pid
        os.kill(pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: window.worker._engine.pid not in (None, pid), timeout=TIMEOUT)
        gate.touch()
    assert not window.is_loading
    assert "no-such-model" in window.message_bar.message()
    assert "Waiting" not in window.statusBar().currentMessage()


def _key(window, key, text: str, modifier=Qt.KeyboardModifier.ControlModifier) -> None:
    """A key event with the text X11 gives it (Ctrl+A: "\\x01"), which QTest does not."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(window.editor, QKeyEvent(kind, key, modifier, text))


def test_control_characters_from_shortcuts_do_not_stop_a_generation(qtbot, make_window,
                                                                     slow_model):
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(max_new_tokens=400, repetition_penalty=1.0),
                               emit=True)
    type_text(qtbot, window, "We went to the sea")
    original = window.editor.text()
    window.continue_text()
    qtbot.waitUntil(lambda: len(window.editor.text()) > len(original) + 3, timeout=TIMEOUT)
    _key(window, Qt.Key.Key_C, "\x03")  # Ctrl+C: copy
    _key(window, Qt.Key.Key_A, "\x01")  # Ctrl+A: select all
    assert window.is_generating and window.editor.is_generating
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.stop()


def test_an_edit_that_stops_a_generation_is_an_undo_step_of_its_own(qtbot, make_window,
                                                                    slow_model):
    """An edit not made by a key (a menu's paste, an input method) ended the generation
    without closing its undo step: one undo took the edit and the generation together."""
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(max_new_tokens=400, repetition_penalty=1.0),
                               emit=True)
    type_text(qtbot, window, "We went to the sea")
    original = window.editor.text()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.continue_text()
        qtbot.waitUntil(lambda: len(window.editor.text()) > len(original) + 3,
                        timeout=TIMEOUT)
        window.editor.insertPlainText(" pasted")
    with_edit = window.editor.text()
    assert with_edit.endswith(" pasted")
    window.editor.undo()
    assert window.editor.text() == with_edit[:-len(" pasted")]
    assert len(window.editor.text()) > len(original)
    window.editor.undo()
    assert window.editor.text() == original


def test_the_engine_gets_only_the_tail_of_a_long_document(qtbot, make_window):
    """Per keystroke the window sent the whole document down the pipe."""
    window = make_window()
    requests = []
    submit = window.worker.submit
    window.worker.submit = lambda request, reply: (requests.append(request),
                                                   submit(request, reply))[1]
    window.editor.setPlainText("Long ago. " * 50_000)  # 500,000 characters
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT):
        type_text(qtbot, window, "The end")
    asked = [r for r in requests if type(r).__name__ == "NextTokensRequest"]
    limit = window.model_info.context_window * 16
    assert asked and all(len(r.text) <= 2 * limit for r in asked)
    assert asked[-1].text.endswith("Long ago. The end")
    assert window.editor.text().endswith(asked[-1].text)
    assert window.pane.heading().endswith("Long ago. The end”")
