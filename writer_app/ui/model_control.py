"""Loading the model, and loading it again when the engine's process dies.

A load is a `LoadRequest`: a local model with the engine (backend) the settings name, or
an OpenAI-compatible server (Connect to Server). Only the newest load's outcome is
reported; an older one that a newer load (or a reload after the engine died) replaced
ends quietly. A reload after the engine died loads the same request — the same backend,
the same server. The status bar always shows the model that is loaded, never one that is
gone or still loading.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.server import ServerConnection
from writer_app.settings import Settings
from writer_app.ui.feedback import MessageSink
from writer_app.ui.model_dialog import ModelChoice, ModelDialog
from writer_app.ui.status_bar import StatusIndicators
from writer_app.ui.tasks import TaskSet
from writer_app.worker import EngineWorker, Failure, ModelInfo, WorkerError

# Strings this part took over from the window keep the window's translation context.
translate = QCoreApplication.translate

log = logging.getLogger(__name__)

RELOAD_AFTER_LOSS_S = 120  # the engine's process died again this soon: do not reload again
TOPIC = "model"  # messages about the model; a successful load clears them
Actions = tuple[tuple[str, Callable[[], None]], ...]


def server_label(server: ServerConnection) -> str:
    """"host:port" of a server, for the status bar, menus and diagnostics (never a key,
    never a user name or password written into the URL)."""
    from urllib.parse import urlsplit

    parts = urlsplit(server.url)
    host = parts.hostname or server.url
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def describe_backend(info: ModelInfo, request: LoadRequest) -> str:
    """What runs the model, for people: "llama.cpp", "transformers", "server: host:port"."""
    if request.server is not None:
        return f"server: {server_label(request.server)}"
    return info.backend


class ModelController(QObject):
    """Loads models in the background and keeps the status bar's model indicators true."""

    loaded = Signal(object)  # ModelInfo
    loadFailed = Signal(str)  # the message shown
    lost = Signal()  # the engine's process died and the model with it

    def __init__(self, worker: EngineWorker, settings: Settings, indicators: StatusIndicators,
                 messages: MessageSink, tasks: TaskSet, window: QWidget) -> None:
        super().__init__(window)
        self.worker = worker
        self.settings = settings
        self.indicators = indicators
        self.messages = messages
        self.tasks = tasks
        self.window = window
        self.info: ModelInfo | None = None
        # The loaded model's request (before the first load: the local one the settings name)
        self.request = LoadRequest(settings.get("model.spec"), settings.get("model.device"),
                                   settings.get("model.dtype"), settings.get("model.backend"))
        self.local = self.request  # the last local model (Disconnect goes back to it)
        # Buttons for a failed connection (the server part offers Connect to Server…).
        self.server_failure_actions: Callable[[LoadRequest], Actions] = lambda _request: ()
        self._loading: LoadRequest | None = None  # the newest load while it runs
        self._loads = 0  # numbers loads: only the newest one's outcome is reported
        self._reloading = False  # the newest load follows the engine's death
        self._engine_lost_at: float | None = None
        self._closing = False
        worker.on_engine_lost(self._on_engine_lost)
        indicators.cancel_load_button.clicked.connect(worker.cancel_load)

    @property
    def is_loading(self) -> bool:
        return self.indicators.is_loading

    @property
    def choice(self) -> ModelChoice:
        """The local model, device and precision (what Choose Model starts from)."""
        return ModelChoice(self.local.spec, self.local.device, self.local.dtype)

    @property
    def server(self) -> ServerConnection | None:
        """The server the loaded model runs on (None: this computer)."""
        return self.request.server if self.info is not None else None

    def load(self, spec: str, device: str | None = None, dtype: str | None = None,
             again: bool = False) -> None:
        """Load a local model in the background with the engine the settings name; the
        editor stays usable, the old model (or server) stays on failure."""
        self.load_request(LoadRequest(spec, device or self.local.device,
                                      dtype or self.local.dtype,
                                      self.settings.get("model.backend")), again)

    def reload(self, backend: str) -> None:
        """Load the local model again with `backend` (the Engine menu)."""
        self.settings.set("model.backend", backend)
        self.load_request(dataclasses.replace(self.local, backend=backend, server=None))

    def load_request(self, request: LoadRequest, again: bool = False) -> None:
        """Load `request` (a local model, or a server) in the background."""
        self._loads += 1
        self._loading = request
        self._reloading = again
        self.indicators.show_loading(True)
        self.messages.show_status(self._loading_text(request, again))
        loading = self.worker.load_request(request,
                                           on_progress=self._on_progress)  # queued now, in order
        self.tasks.spawn(self._load(request, self._loads, loading))

    def _loading_text(self, request: LoadRequest, again: bool) -> str:
        if request.server is not None:
            return self.tr("Connecting to {server}…").format(server=server_label(request.server))
        if again:
            return self.tr("Loading {spec} again: its process stopped…").format(spec=request.spec)
        return translate("MainWindow", "Loading {spec}…").format(spec=request.spec)

    def cancel(self) -> None:
        self.worker.cancel_load()

    async def _load(self, request: LoadRequest, number: int,
                    loading: asyncio.Future[ModelInfo]) -> None:
        try:
            info = await loading
        except WorkerError as error:
            if number == self._loads and not self._closing:
                self._end_loading()
                self._report_failure(request, error)
            return
        if self._closing:
            return
        if number == self._loads:
            self._end_loading()
        self.info = info
        self.request = request
        self._remember(request)
        self.indicators.show_model(info, describe_backend(info, request))
        self.messages.show_status(
            translate("MainWindow", "{name} is ready").format(name=info.name), 4000)
        self.messages.clear_topic(TOPIC)
        self.loaded.emit(info)

    def _remember(self, request: LoadRequest) -> None:
        """Keep what loaded for the next start: the local model, or the server's address
        and model (its key never: that is in the keyring, or nowhere)."""
        server = request.server
        if server is None:
            self.local = request
            self.settings.set("model.spec", request.spec)
            self.settings.set("model.device", request.device)
            self.settings.set("model.dtype", request.dtype)
            self.settings.set("model.server", "")
            self.settings.set("model.server_model", "")
            return
        self.settings.set("model.server", server.url)
        self.settings.set("model.server_model", server.model)
        try:  # now, not only at close: a crash must not forget where the text was written
            self.settings.save()
        except OSError as error:
            log.warning("Could not save the settings: %s", error)

    def _report_failure(self, request: LoadRequest, error: WorkerError) -> None:
        if error.cancelled:
            self.messages.show_status(
                translate("MainWindow", "Loading cancelled; still using {name}")
                .format(name=self.info.name)
                if self.info else translate("MainWindow", "Loading cancelled"), 6000)
            return
        actions: Actions = ()
        if request.server is not None:
            message = self.tr("Could not connect to {server}: {reason}").format(
                server=server_label(request.server), reason=error.message)
            actions = self.server_failure_actions(request)
        else:
            message = translate("MainWindow", "Could not load {spec}: {reason}").format(
                spec=request.spec, reason=error.message)
        kept = (translate("MainWindow", "still using {name}; ").format(name=self.info.name)
                if self.info else "")
        self.messages.show_error(message, kept + error.hint, error.details, topic=TOPIC,
                                 actions=actions)
        self.messages.show_status("")
        self.loadFailed.emit(message)

    def _end_loading(self) -> None:
        self._loading = None
        self._reloading = False
        self.indicators.show_loading(False)

    def _on_progress(self, stage: str, fraction: float | None) -> None:
        if self._closing:
            return
        self.indicators.show_progress(fraction)
        text = stage if stage.endswith("…") else f"{stage}…"
        if self._reloading:
            text = self.tr("{stage} (loading again: its process stopped)").format(stage=text)
        self.messages.show_status(text)

    def _on_engine_lost(self, failure: Failure) -> None:
        """The engine's process died and the model with it, or the model it was loading:
        say so and load it again, once (a second death soon after — say, memory that never
        suffices — is left to the user)."""
        if self._closing:
            return
        wanted = self._to_load_again(failure)
        self.info = None
        self.indicators.show_model(None)
        self.lost.emit()
        now = time.monotonic()
        again = (self._engine_lost_at is not None
                 and now - self._engine_lost_at < RELOAD_AFTER_LOSS_S)
        self._engine_lost_at = now
        log.warning("%s; %s", failure.message,
                    "loading the model again" if wanted and not again else "not reloading")
        if wanted is not None and not again:
            self.load_request(wanted, again=True)
        elif wanted is None and self.is_loading and hasattr(failure, "model"):
            return  # the load that found the engine dead goes ahead in a fresh process
        else:
            if self.is_loading:
                self._loads += 1  # the load under way failed with the process: end it here
                self._end_loading()
            self.messages.show_error(failure.message, failure.hint, topic=TOPIC)
            self.messages.show_status("")

    def _to_load_again(self, failure: Failure) -> LoadRequest | None:
        """The model to load again after the engine died: the worker says which (the one
        it was loading, else the one it had — with its backend and server); one that does
        not say, the newest load under way, else the loaded model."""
        if not hasattr(failure, "model"):
            return self._loading or (self.request if self.info is not None else None)
        return failure.model

    # ---- choosing ---------------------------------------------------------------------------

    def choose(self) -> None:
        dialog = ModelDialog(self.window, self.choice)
        fetch = self.tasks.spawn(self._fill_model_list(dialog))
        accepted = dialog.exec() == ModelDialog.DialogCode.Accepted
        fetch.cancel()
        if accepted and dialog.choice().spec:
            choice = dialog.choice()
            self.load(choice.spec, choice.device, choice.dtype)
        dialog.deleteLater()

    async def _fill_model_list(self, dialog: ModelDialog) -> None:
        try:
            entries = await self.worker.list_models()
        except Exception as error:  # a broken cache must not stop the dialog
            log.warning("Could not list models: %s", error)
            entries = []
        dialog.set_entries(entries)

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Open Model Folder"))
        if folder:
            self.load(folder)

    def open_gguf_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Open GGUF File"), "",
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.load(path)

    def enter_hub_id(self) -> None:
        hub_id, accepted = QInputDialog.getText(
            self.window, self.tr("Load from Hub"),
            self.tr("Hugging Face Hub id (e.g. Qwen/Qwen2.5-0.5B):"))
        if accepted and hub_id.strip():
            self.load(hub_id.strip())

    def shut_down(self) -> None:
        self._closing = True
