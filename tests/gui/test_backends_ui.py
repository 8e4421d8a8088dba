"""The window on other backends: the Engine menu, controls greyed for what a backend
lacks (with its reason), the backend in the status bar and diagnostics, and a server
that fails mid-generation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.backend_fakes import KEY, SERVER_LACKS, URL, ProbeHost
from tests.gui.conftest import tiny_loader
from writer_app.boundary.backend import Capabilities
from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.params import Mode, SamplingParams
from writer_app.boundary.server import ServerConnection
from writer_app.host import backends as registry
from writer_app.host.backends import BackendEntry
from writer_app.ui.servers import server_request

pytestmark = pytest.mark.gui
TIMEOUT = 20_000


@pytest.fixture
def window(make_window, tiny_loaded, fake_server, monkeypatch):
    """The real window with the tiny model; llama.cpp "not installed" here."""
    monkeypatch.setitem(registry.BACKENDS, "llama.cpp", BackendEntry(
        "llama.cpp", "nowhere:open", ("no_llama_cpp_for_this_test",),
        "install it with: pip install llama-cpp-python"))
    made = make_window(engine=ProbeHost(tiny_loader(tiny_loaded)))
    assert made.model_info is not None
    return made


def load(qtbot, window, request: LoadRequest) -> None:
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        window.models.load_request(request)


def test_the_engine_menu_lists_backends_disables_missing_ones_and_reloads(qtbot, window):
    menu = window.engine_menu
    menu.refresh()
    qtbot.waitUntil(lambda: menu.available is not None, timeout=TIMEOUT)
    llama = menu.actions["llama.cpp"]
    assert not llama.isEnabled() and "pip install llama-cpp-python" in llama.toolTip()
    assert menu.menu.toolTipsVisible()
    assert menu.actions["transformers"].isEnabled() and menu.actions["auto"].isChecked()
    assert menu.actions["auto"].text() == "&Automatic (transformers)"
    assert not menu.disconnect_action.isEnabled() and not menu.server_action.isVisible()
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        menu.actions["transformers"].trigger()
    assert window.models.request.backend == "transformers"
    assert window.settings.get("model.backend") == "transformers"
    assert menu.actions["transformers"].isChecked()
    assert window.indicators.backend_label.text() == "transformers"


def test_connected_the_engine_menu_shows_the_server_and_disconnect_goes_back(qtbot, window):
    menu = window.engine_menu
    load(qtbot, window, server_request(ServerConnection(URL, "gemma", KEY)))
    assert menu.server_action.isVisible() and menu.server_action.isChecked()
    assert "127.0.0.1:8080" in menu.server_action.text() and "gemma" in menu.server_action.text()
    assert not any(action.isChecked() for action in menu.actions.values())
    assert menu.disconnect_action.isEnabled()
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        menu.disconnect_action.trigger()
    assert window.model_info.name == "tiny-llama" and window.models.server is None
    assert window.indicators.backend_label.text() == "transformers"
    assert window.device_label.text() == "cpu" and not window.device_label.isHidden()
    assert not menu.server_action.isVisible() and window.settings.get("model.server") == ""


def test_controls_a_backend_lacks_are_greyed_with_its_reason(qtbot, window, monkeypatch):
    panel = window.sampling
    panel.set_params(SamplingParams(seed=7), emit=True)
    load(qtbot, window, server_request(ServerConnection(URL, "gemma")))
    reasons = dict(SERVER_LACKS.missing)
    for name, feature in (("top_k", "top-k"), ("repetition_penalty", "repetition-penalty")):
        control = panel.sliders[name]
        for widget in (control.slider, control.spin, control.label):
            assert not widget.isEnabled()
            assert widget.toolTip() == reasons[feature]
    assert panel.sliders["temperature"].slider.isEnabled()  # the server takes it
    assert not panel.fixed_seed.isEnabled() and not panel.seed.isEnabled()
    assert panel.fixed_seed.toolTip() == "this server ignores seeds"
    beam = panel.mode.model().item(panel.mode.findData(Mode.BEAM.value))
    assert not beam.isEnabled() and beam.toolTip() == "servers have no beam search"
    for action in (window.completion.suggest_action, window.completion.auto_action,
                   window.continue_three.action):
        assert not action.isEnabled()
        assert action.toolTip() == "this server samples one continuation at a time"
    assert window.probabilities.alternatives_unavailable == \
        "this server sends no log-probabilities"
    # Ctrl+Space and Continue ×3 do nothing (rather than ask anyway)
    asked = []
    monkeypatch.setattr(window.worker, "suggest", lambda *a, **k: asked.append(a))
    monkeypatch.setattr(window.worker, "samples", lambda *a, **k: asked.append(a))
    qtbot.keyClick(window.editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    window.completion.request()
    window.continue_three.request()
    assert asked == [] and not window.completion.is_pending
    monkeypatch.undo()

    qtbot.waitUntil(lambda: window.pane.approximate, timeout=TIMEOUT)
    text, tip = window.pane.sampled_header()
    assert text.endswith("≈") and "estimate" in tip
    assert window.context_label.text().startswith("Context ≈")
    assert "estimate" in window.context_label.toolTip()

    load(qtbot, window, LoadRequest("tiny"))  # a backend that can do everything
    for control in panel.sliders.values():
        assert control.slider.isEnabled()
    assert panel.sliders["top_k"].slider.toolTip().startswith("Sample only from this many")
    assert panel.fixed_seed.isEnabled() and panel.seed.isEnabled() and beam.isEnabled()
    assert window.completion.suggest_action.isEnabled()
    assert window.completion.suggest_action.toolTip().startswith("Suggest how the text goes on")
    assert window.probabilities.alternatives_unavailable == ""
    qtbot.waitUntil(lambda: not window.pane.approximate, timeout=TIMEOUT)
    assert window.pane.sampled_header()[0] == "Sampled"
    assert "≈" not in window.context_label.text()


def test_a_backend_without_a_pane_says_why_in_the_pane(qtbot, window, fake_server):
    fake_server["capabilities"] = Capabilities.lacking(next_tokens="this engine has no pane")
    load(qtbot, window, LoadRequest("x", backend="fake"))
    qtbot.waitUntil(lambda: window.pane.heading() == "this engine has no pane", timeout=TIMEOUT)
    assert window.pane.tokens == ()


def test_status_bar_about_and_diagnostics_name_the_backend(qtbot, window, fake_server):
    fake_server["note"] = "llama.cpp is not installed: pip install llama-cpp-python"
    fake_server["name"] = "transformers"
    load(qtbot, window, LoadRequest("x", backend="fake"))
    window.engine_menu.refresh()
    qtbot.waitUntil(lambda: window.engine_menu.available is not None, timeout=TIMEOUT)
    assert window.indicators.backend_label.text() == "transformers"
    assert "llama.cpp is not installed" in window.indicators.backend_label.toolTip()
    text = window._diagnostics()
    assert "Backend: transformers" in text
    assert "Backend note: llama.cpp is not installed" in text
    assert "transformers (available)" in text
    assert "llama.cpp (not available: no_llama_cpp_for_this_test is not installed" in text
    fake_server["name"] = "server"
    load(qtbot, window, server_request(ServerConnection(URL, "gemma", KEY)))
    assert window.indicators.backend_label.text() == "server: 127.0.0.1:8080"
    assert window.device_label.isHidden() and window.dtype_label.isHidden()  # said already
    text = window._diagnostics()
    assert "Backend: server: 127.0.0.1:8080" in text and KEY not in text
    window.copy_diagnostics()
    from PySide6.QtGui import QGuiApplication

    assert "Backend: server: 127.0.0.1:8080" in QGuiApplication.clipboard().text()


def test_a_server_failing_mid_generation_keeps_the_text_and_offers_reconnect(
        qtbot, window, fake_server):
    from tests.unit import fake_backend

    fake_server["fail_after"] = 2
    load(qtbot, window, server_request(ServerConnection(URL, "gemma", KEY)))
    window.editor.setFocus()
    window.editor.textCursor().insertText("Once 从前")  # QTest types no CJK keys
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        window.continue_text()
    assert finished.args[0] is None  # it failed ...
    assert window.editor.text() == "Once 从前 once upon"  # ... and what came is kept
    assert "stopped answering mid-stream" in window.message_bar.message()
    assert not window.is_generating and window.editor.isEnabled()
    opened = len(fake_backend.OPENED)
    fake_server["fail_after"] = None
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        qtbot.mouseClick(window.message_bar.button("Reconnect"), Qt.MouseButton.LeftButton)
    assert len(fake_backend.OPENED) == opened + 1
    assert fake_backend.OPENED[-1].server.api_key == KEY
    fake_server["fail_after"] = 1
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.continue_text()
    assert window.message_bar.button("Try Again") is not None
    fake_server["fail_after"] = None
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(window.message_bar.button("Try Again"), Qt.MouseButton.LeftButton)
    assert finished.args[0] is not None
    assert window.editor.text().startswith("Once 从前 once upon once once upon")


def test_the_window_stays_responsive_while_a_slow_server_streams(qtbot, window, fake_server):
    """The steps come from the engine's thread: typing elsewhere and Stop work at once."""
    fake_server["step_seconds"] = 0.3
    fake_server["words"] = tuple(f" w{i}" for i in range(40))
    load(qtbot, window, server_request(ServerConnection(URL, "gemma")))
    window.continue_text()
    qtbot.waitUntil(lambda: "w1" in window.editor.text(), timeout=TIMEOUT)
    window.instructions.set_text("Write like a poet")  # the GUI thread is free
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        window.stop()
    assert finished.args[0].stop_reason == "cancelled" and "w1" in window.editor.text()
