"""Loading the model, and loading it again when the engine's process dies.

Only the newest load's outcome is reported; an older one that a newer load (or a reload
after the engine died) replaced ends quietly. The status bar always shows the model that
is loaded, never one that is gone or still loading.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

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
        self.choice = ModelChoice(settings.get("model.spec"), settings.get("model.device"),
                                  settings.get("model.dtype"))
        self._loading: ModelChoice | None = None  # the newest load while it runs
        self._loads = 0  # numbers loads: only the newest one's outcome is reported
        self._reloading = False  # the newest load follows the engine's death
        self._engine_lost_at: float | None = None
        self._closing = False
        worker.on_engine_lost(self._on_engine_lost)
        indicators.cancel_load_button.clicked.connect(worker.cancel_load)

    @property
    def is_loading(self) -> bool:
        return self.indicators.is_loading

    def load(self, spec: str, device: str | None = None, dtype: str | None = None,
             again: bool = False) -> None:
        """Load in the background; the editor stays usable, the old model stays on failure."""
        choice = ModelChoice(spec, device or self.choice.device, dtype or self.choice.dtype)
        self._loads += 1
        self._loading = choice
        self._reloading = again
        self.indicators.show_loading(True)
        self.messages.show_status(
            self.tr("Loading {spec} again: its process stopped…").format(spec=choice.spec)
            if again else translate("MainWindow", "Loading {spec}…").format(spec=choice.spec))
        loading = self.worker.load(choice.spec, choice.device, choice.dtype,
                                   on_progress=self._on_progress)  # queued now, in order
        self.tasks.spawn(self._load(choice, self._loads, loading))

    def cancel(self) -> None:
        self.worker.cancel_load()

    async def _load(self, choice: ModelChoice, number: int,
                    loading: asyncio.Future[ModelInfo]) -> None:
        try:
            info = await loading
        except WorkerError as error:
            if number == self._loads and not self._closing:
                self._end_loading()
                self._report_failure(choice, error)
            return
        if self._closing:
            return
        if number == self._loads:
            self._end_loading()
        self.info = info
        self.choice = choice
        self.settings.set("model.spec", choice.spec)
        self.settings.set("model.device", choice.device)
        self.settings.set("model.dtype", choice.dtype)
        self.indicators.show_model(info)
        self.messages.show_status(
            translate("MainWindow", "{name} is ready").format(name=info.name), 4000)
        self.messages.clear_topic(TOPIC)
        self.loaded.emit(info)

    def _report_failure(self, choice: ModelChoice, error: WorkerError) -> None:
        if error.cancelled:
            self.messages.show_status(
                translate("MainWindow", "Loading cancelled; still using {name}")
                .format(name=self.info.name)
                if self.info else translate("MainWindow", "Loading cancelled"), 6000)
            return
        message = translate("MainWindow", "Could not load {spec}: {reason}").format(
            spec=choice.spec, reason=error.message)
        kept = (translate("MainWindow", "still using {name}; ").format(name=self.info.name)
                if self.info else "")
        self.messages.show_error(message, kept + error.hint, error.details, topic=TOPIC)
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
            self.load(wanted.spec, wanted.device, wanted.dtype, again=True)
        elif wanted is None and self.is_loading and hasattr(failure, "model"):
            return  # the load that found the engine dead goes ahead in a fresh process
        else:
            if self.is_loading:
                self._loads += 1  # the load under way failed with the process: end it here
                self._end_loading()
            self.messages.show_error(failure.message, failure.hint, topic=TOPIC)
            self.messages.show_status("")

    def _to_load_again(self, failure: Failure) -> ModelChoice | None:
        """The model to load again after the engine died: the worker says which (the one
        it was loading, else the one it had); one that does not say, the newest load under
        way, else the loaded model."""
        if not hasattr(failure, "model"):
            return self._loading or (self.choice if self.info is not None else None)
        request = failure.model
        if request is None:
            return None
        return ModelChoice(request.spec, request.device, request.dtype)

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
