"""Fixtures for driving the real window with pytest-qt, on a qasync loop, with a tiny model."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication

from tests.gui.backend_fakes import fake_server, memory_keyring, no_keyring
from writer_app.host import EngineHost, load_with_engine
from writer_app.settings import Settings
from writer_app.worker import THREAD_NAME, EngineWorker

os.environ.setdefault("QT_API", "pyside6")
import qasync  # after PySide6, whose binding it then uses

__all__ = ["fake_server", "memory_keyring", "no_keyring"]  # fixtures for the backend tests


@pytest.fixture(autouse=True)
def no_dangling_threads() -> Iterator[None]:
    """Fail a test that leaves the engine thread, or any non-daemon thread, running."""
    before = set(threading.enumerate())
    yield
    leftovers = [t for t in threading.enumerate()
                 if t not in before and t.is_alive() and (not t.daemon or t.name == THREAD_NAME)]
    assert not leftovers, f"threads left running: {leftovers}"


@pytest.fixture(autouse=True)
def isolated_home(request: pytest.FixtureRequest) -> None:
    """Settings, recent models and window state go to a temp folder (the real-model test
    keeps the real cache so its one-off conversion is paid once per machine)."""
    if request.node.get_closest_marker("integration") is None:
        request.getfixturevalue("writer_home")


@pytest.fixture(scope="session")
def qasync_loop(qapp: QApplication) -> qasync.QEventLoop:
    """One qasync loop on pytest-qt's QApplication, never stopped: stopping it would call
    QApplication.exit(), after which every later qtbot wait returns at once."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    return loop


@pytest.fixture
def running_loop(qasync_loop: qasync.QEventLoop) -> Iterator[qasync.QEventLoop]:
    """The qasync loop as the running asyncio loop for this test only (so asyncio.run in
    other tests still works)."""
    asyncio.events._set_running_loop(qasync_loop)
    asyncio.set_event_loop(qasync_loop)
    yield qasync_loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


def tiny_loader(loaded, gate: threading.Event | None = None):
    """"tiny" gives the tiny model (after `gate` opens); anything else the real loader."""

    def load(spec, device, dtype, progress, cancelled):
        if spec != "tiny":
            return load_with_engine(spec, device, dtype, progress, cancelled)
        progress(type("Progress", (), {"stage": "Reading the tiny model", "fraction": 0.5})())
        while gate is not None and not gate.wait(0.01):
            if cancelled():
                from writer_app.errors import LoadCancelledError

                raise LoadCancelledError("Model loading was cancelled")
        return loaded

    return load


@pytest.fixture
def forward_calls(tiny_loaded) -> Iterator[list[float]]:
    """Every forward pass of the tiny model, as the time it happened."""
    calls: list[float] = []
    handle = tiny_loaded.model.register_forward_hook(
        lambda *_: calls.append(time.perf_counter()))
    yield calls
    handle.remove()


@pytest.fixture
def slow_model(tiny_loaded) -> Iterator[None]:
    """Make each forward pass of the tiny model take 15 ms more, like a real model, so a
    test can act in the middle of a generation (the wait happens on the engine thread)."""
    handle = tiny_loaded.model.register_forward_hook(lambda *_: time.sleep(0.015))
    yield
    handle.remove()


@pytest.fixture
def make_window(qtbot, running_loop, tiny_loaded, tmp_path) -> Iterator[Callable[..., object]]:
    """Build the real MainWindow around a real EngineWorker whose model is the tiny one."""
    from writer_app.ui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(load: str | None = "tiny", gate: threading.Event | None = None,
             state_path=None, loader=None, timeout: int = 20_000,
             separate_process: bool = False, engine=None) -> MainWindow:
        """`engine`: an engine of the test's own (say, an EngineHost that answers server
        probes); by default an EngineHost whose loader gives the tiny model."""
        if engine is not None:
            worker = EngineWorker(engine)
        elif separate_process:
            worker = EngineWorker(loader=loader)
        else:
            worker = EngineWorker(EngineHost(loader or tiny_loader(tiny_loaded, gate)))
        settings = Settings(path=tmp_path / "settings.json")
        window = MainWindow(worker, settings, state_path=state_path or tmp_path / "window.ini")
        windows.append(window)  # closed below, not by qtbot: it closes before this teardown
        with qtbot.waitExposed(window):
            window.show()
        window.activateWindow()  # window shortcuts (Ctrl+Enter, Esc) need an active window
        qtbot.waitUntil(window.isActiveWindow)
        if load is not None:
            window.load_model(load)
            if gate is None:
                qtbot.waitUntil(lambda: window.model_info is not None
                                or window.message_bar.isVisible(), timeout=timeout)
        return window

    yield make
    for window in windows:
        for editor in window.editors():  # every tab: nothing to ask or keep at the close
            editor.document().setModified(False)
        window.close()
        window.shut_down()
        window.deleteLater()
