"""The composition root: settings, the engine worker and the window, wired together.

The window is shown first and only then is the model loaded, in the engine's own process:
torch alone takes seconds to import, and nothing of it is imported in the window's.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import TYPE_CHECKING

from writer_app import paths
from writer_app.worker import EngineWorker

if TYPE_CHECKING:
    from writer_app.boundary.server import ServerConnection
    from writer_app.ui.main_window import MainWindow

# qasync picks its Qt binding from what is imported (or QT_API): PySide6 first.
os.environ.setdefault("QT_API", "pyside6")


def run_gui(path: str | None = None, model: str | None = None, device: str | None = None,
            dtype: str | None = None, worker: EngineWorker | None = None,
            backend: str | None = None, server: ServerConnection | None = None) -> int:
    """Open the window (with `path` if given), load `model` behind it; returns the exit code.

    A model, device, precision or backend ("auto", "transformers", "llama.cpp") left out
    is the one used last (the settings file). With `server` (the command line's
    `--server`, its key read from `--api-key-env`), the window writes with that
    OpenAI-compatible server instead; its key stays in memory for this session only.

    `worker` lets tests and benchmarks hand in one whose loader gives a tiny model.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from writer_app.diagnostics import setup_logging
    from writer_app.settings import Settings
    from writer_app.ui.feedback import install_excepthook
    from writer_app.ui.main_window import MainWindow
    from writer_app.ui.translations import install_translations

    setup_logging()
    import qasync  # only once PySide6 is imported (QT_API is set as well)

    if QApplication.instance() is None:  # the policy can only be set before the app exists
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Writer")
    app.setApplicationDisplayName("Writer")
    app.setOrganizationName("Writer")
    app.setDesktopFileName("writer-app")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    settings = Settings.load()
    if backend is not None:
        settings.set("model.backend", backend)  # as --device is: kept as the new choice
    install_translations(app, settings.get("ui.language"))
    icon = paths.resources_dir() / "icons" / "writer-app.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    engine = worker or EngineWorker(context_limit=settings.get("model.context_limit"))
    engine.start()  # its process imports torch while the window is built
    window = MainWindow(engine, settings)
    previous_hook = install_excepthook(lambda: window)
    # The last session's documents (session.reopen_documents) and every document's
    # unsaved text a hot-exit close or a crash left, each in its own tab; then `path`.
    window.restore_session()
    if path:
        window.open_path(path)
    window.show()
    loop.call_soon(start_model, window, model, device, dtype, server)  # after the first paint
    signal.signal(signal.SIGINT, lambda *_: window.close())  # Ctrl+C in a terminal
    try:
        code = loop.run_forever()
    finally:
        window.shut_down()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.excepthook = previous_hook
        loop.close()
        asyncio.set_event_loop(None)
    return int(code or 0)


def start_model(window: MainWindow, model: str | None = None, device: str | None = None,
                dtype: str | None = None, server: ServerConnection | None = None) -> None:
    """What the window writes with at start: the server given, the model given, else the
    last session's — whose server, if it had one, is offered rather than reconnected (the
    text would leave the computer, and its key may be gone); declining loads the local
    model."""
    settings = window.settings

    def local() -> None:
        window.load_model(model or settings.get("model.spec"),
                          device or settings.get("model.device"),
                          dtype or settings.get("model.dtype"))

    if server is not None:
        window.servers.connect(server)
    elif model is not None or not window.servers.offer_last(local):
        local()
