"""The main window: the editor, the Next tokens pane, the Sampling panel, the status bar.

The window never runs model code: it awaits the engine worker on the qasync loop, so
each flow — load a model, stream a continuation, refresh the pane after typing — reads
as straight-line async code. Work that a newer request makes pointless is dropped: the
pane applies only its newest answer, and a new load cancels an older one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from writer_app import paths
from writer_app.boundary.params import SamplingParams
from writer_app.diagnostics import diagnostics_text
from writer_app.documents.journal import Journal, JournalEntry
from writer_app.documents.textfiles import read_text_file, save_text_file
from writer_app.errors import WriterError
from writer_app.recent import RecentList
from writer_app.settings import Presets, Settings
from writer_app.ui.alternatives import ContinueThree
from writer_app.ui.completion import CompletionController
from writer_app.ui.editor import WriterEditor
from writer_app.ui.feedback import MessageBar
from writer_app.ui.hot_exit import HotExit, describe_age
from writer_app.ui.instructions import InstructionsField
from writer_app.ui.model_access import ModelAccess
from writer_app.ui.model_dialog import ModelChoice, ModelDialog
from writer_app.ui.preferences import Preferences
from writer_app.ui.probabilities import ProbabilityController, VersionList
from writer_app.ui.sampling_panel import SamplingPanel
from writer_app.ui.token_pane import NextTokensPane, visible_token
from writer_app.worker import (
    EngineWorker,
    Failure,
    GenerationStream,
    LiveParams,
    ModelInfo,
    WorkerError,
)

if TYPE_CHECKING:
    from writer_app.boundary.results import NextTokens, Step
    from writer_app.worker import GenerationSummary

log = logging.getLogger(__name__)

APP_TITLE = "Writer"
STATE_VERSION = 1  # bump when docks change, so an old saved layout is not applied
STEP_PANE_INTERVAL = 0.1  # s between two streamed steps shown in the pane (10 a second)
RELOAD_AFTER_LOSS_S = 120  # the engine's process died again this soon: do not reload again


def window_state_path() -> Path:
    return paths.config_dir() / "window.ini"


def recent_files() -> RecentList:
    return RecentList(paths.data_dir() / "recent_files.json")


class MainWindow(QMainWindow):
    """Writer's one window. `worker` owns the model; the window shuts it down on close."""

    modelLoaded = Signal(object)  # ModelInfo
    modelLoadFailed = Signal(str)  # the message shown
    generationFinished = Signal(object)  # GenerationSummary, or None when it failed
    paneUpdated = Signal()

    def __init__(self, worker: EngineWorker, settings: Settings | None = None,
                 state_path: Path | None = None, journal: Journal | None = None) -> None:
        super().__init__()
        self.worker = worker
        worker.on_engine_lost(self._on_engine_lost)
        self.settings = settings or Settings.load()
        self._state_path = state_path or window_state_path()
        self.model_info: ModelInfo | None = None
        self.model_choice = ModelChoice(self.settings.get("model.spec"),
                                        self.settings.get("model.device"),
                                        self.settings.get("model.dtype"))
        self.path: Path | None = None
        self.encoding, self.newline = "utf-8", "\n"
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stream: GenerationStream | None = None
        self._pane_task: asyncio.Task[Any] | None = None
        self._pane_requests = 0  # numbers pane requests, so only the newest answer shows
        self._pane_shown = 0
        self._pane_has_logits = False  # the engine holds logits that reweigh can reuse
        # While text streams in, the pane shows the newest step at most every
        # STEP_PANE_INTERVAL s: repainting its rows for every token took ~9 ms of the GUI
        # thread (and the interpreter lock the engine needs) per token.
        self._pending_step: Step | None = None
        self._step_shown_at = 0.0
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.timeout.connect(self._show_pending_step)
        self._loads = 0  # numbers loads: only the newest one's outcome is reported
        self._engine_lost_at: float | None = None
        self._closing = False
        self._top_n = int(self.settings.get("pane.top_n"))
        self._pane_delay = self.settings.get("pane.delay_ms") / 1000

        self.setObjectName("mainWindow")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_status_bar()
        self._connect()
        self.hot_exit = HotExit(self, journal)
        self.resize(1280, 820)
        self._restore_state()
        self._set_path(None)
        self._update_actions()
        self.editor.setFocus()  # typing goes to the document from the first key

    # ---- building ---------------------------------------------------------------------------

    def _build_central(self) -> None:
        self.editor = WriterEditor(font_family=self.settings.get("editor.font_family"),
                                   font_size=self.settings.get("editor.font_size"))
        self.message_bar = MessageBar()
        self.instructions = InstructionsField()
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        rule.setObjectName("instructionsRule")
        rule.setStyleSheet("color: palette(midlight);")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.instructions)
        layout.addWidget(rule)
        layout.addWidget(self.editor, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.pane = NextTokensPane()
        self.pane_dock = QDockWidget(self.tr("Next tokens"), self)
        self.pane_dock.setObjectName("nextTokensDock")
        self.pane_dock.setWidget(self.pane)
        self.presets = Presets()
        self.sampling = SamplingPanel(self.settings.sampling_params(), presets=self.presets)
        self.live_params = LiveParams(self.sampling.params())
        self.sampling_dock = QDockWidget(self.tr("Sampling"), self)
        self.sampling_dock.setObjectName("samplingDock")
        self.sampling_dock.setWidget(self.sampling)
        for dock in (self.pane_dock, self.sampling_dock):
            dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                                 | Qt.DockWidgetArea.RightDockWidgetArea)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resizeDocks([self.pane_dock, self.sampling_dock], [360, 360],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.pane_dock, self.sampling_dock], [460, 300],
                         Qt.Orientation.Vertical)

    def _action(self, text: str, slot: Any, shortcuts: tuple[str | QKeySequence, ...] = (),
                tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work while any part of the window has focus
        return action

    def _build_actions(self) -> None:
        pixmap = QStyle.StandardPixmap
        self.preferences = Preferences(self, self.presets)
        self.open_action = self._action(self.tr("&Open…"), self.open_dialog,
                                        (QKeySequence.StandardKey.Open,))
        self.save_action = self._action(
            self.tr("&Save"), self.save, (QKeySequence.StandardKey.Save,))
        self.save_as_action = self._action(self.tr("Save &As…"), self.save_as, ("Ctrl+Shift+S",))
        self.new_action = self._action(
            self.tr("&New"), self.new_document, (QKeySequence.StandardKey.New,))
        quit_action = self._action(self.tr("&Quit"), self.close, (QKeySequence.StandardKey.Quit,))
        self.continue_action = self._action(
            self.tr("&Continue"), self.continue_text, ("Ctrl+Return", "Ctrl+Enter"),
            self.tr("Let the model continue the text before the cursor (Ctrl+Enter)"),
            pixmap.SP_MediaPlay)
        self.stop_action = self._action(self.tr("S&top"), self.stop, ("Esc",),
                                        self.tr("Stop the generation (Esc)"), pixmap.SP_MediaStop)
        self.retry_action = self._action(
            self.tr("&Retry"), self.retry, ("Ctrl+R",),
            self.tr("Replace the last generation with a new sample (Ctrl+R)"),
            pixmap.SP_BrowserReload)
        self.choose_model_action = self._action(self.tr("&Choose Model…"), self.choose_model,
                                                ("Ctrl+Shift+M",),
                                                self.tr("Choose the model, device and precision"))
        default_action = self._action(self.tr("&Default Model"), lambda: self.load_model("default"))
        folder_action = self._action(self.tr("Open Model &Folder…"), self.open_model_folder)
        gguf_action = self._action(self.tr("Open &GGUF File…"), self.open_gguf_file)
        hub_action = self._action(self.tr("Load from &Hub…"), self.enter_hub_id)
        self.cancel_load_action = self._action(self.tr("C&ancel Loading"), self.worker.cancel_load)
        self.insert_actions = [
            self._action(self.tr("Insert Candidate {n}").format(n=n),
                         lambda n=n: self.insert_candidate(n - 1), (f"Alt+{n}",))
            for n in range(1, 10)]

        menus = self.menuBar()
        file_menu = menus.addMenu(self.tr("&File"))
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addMenu(self.preferences.encoding_menu())
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = menus.addMenu(self.tr("&Edit"))
        undo = self._action(self.tr("&Undo"), self.editor.undo, (QKeySequence.StandardKey.Undo,))
        redo = self._action(self.tr("&Redo"), self.editor.redo, (QKeySequence.StandardKey.Redo,))
        for action in (undo, redo):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the editor's own
        edit_menu.addActions([undo, redo])
        edit_menu.addSeparator()
        edit_menu.addActions([self.continue_action, self.stop_action, self.retry_action])
        insert_menu = edit_menu.addMenu(self.tr("Insert &Candidate"))
        insert_menu.addActions(self.insert_actions)
        access = ModelAccess(self.worker, self.live_params.get, self.instructions.text,
                             self._spawn, lambda: self.is_generating)
        self.completion = CompletionController(self.editor, access, self.settings, parent=self)
        self.completion.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        edit_menu.addSeparator()
        edit_menu.addActions(self.completion.actions())
        menus.addMenu(self.preferences.presets_menu())
        model_menu = menus.addMenu(self.tr("&Model"))
        model_menu.addActions([self.choose_model_action, default_action])
        model_menu.addSeparator()
        model_menu.addActions([folder_action, gguf_action, hub_action])
        model_menu.addSeparator()
        model_menu.addAction(self.cancel_load_action)
        view_menu = menus.addMenu(self.tr("&View"))
        view_menu.addAction(self.pane_dock.toggleViewAction())
        view_menu.addAction(self.sampling_dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addActions(self.preferences.zoom_actions())
        view_menu.addMenu(self.preferences.theme_menu())
        view_menu.addSeparator()
        self.probabilities = ProbabilityController(self.editor, self.continue_text,
                                                   lambda: self.is_generating, parent=self)
        view_menu.addActions(self.probabilities.actions())
        self.generationFinished.connect(self.probabilities.finish)
        self.versions_dock = QDockWidget(self.tr("Versions"), self)
        self.versions_dock.setObjectName("versionsDock")
        self.versions_dock.setWidget(VersionList(self.probabilities))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.versions_dock)
        self.versions_dock.hide()
        view_menu.addAction(self.versions_dock.toggleViewAction())
        self.continue_three = ContinueThree(self.editor, access, self.probabilities,
                                            parent=self)
        self.continue_three.message.connect(lambda text: self.statusBar().showMessage(text))
        edit_menu.insertAction(self.stop_action, self.continue_three.action)
        self.probabilities.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.instructions_action = QAction(self.tr("&Instructions / Memory"), self, checkable=True)
        self.instructions_action.toggled.connect(self.instructions.set_expanded)
        self.instructions.toggled.connect(self.instructions_action.setChecked)
        view_menu.addAction(self.instructions_action)
        help_menu = menus.addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About Writer"), self.show_about))
        help_menu.addAction(self._action(self.tr("&Copy Diagnostics"), self.copy_diagnostics))

        toolbar = self.addToolBar(self.tr("Generation"))
        toolbar.setObjectName("generationToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.continue_action, self.stop_action, self.retry_action])
        toolbar.addSeparator()
        toolbar.addAction(self.choose_model_action)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.load_progress = QProgressBar()
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setTextVisible(False)
        self.load_progress.hide()
        self.cancel_load_button = QToolButton()
        self.cancel_load_button.setText(self.tr("Cancel"))
        self.cancel_load_button.setToolTip(self.tr("Stop loading; the current model stays"))
        self.cancel_load_button.clicked.connect(self.worker.cancel_load)
        self.cancel_load_button.hide()
        self.model_label = QLabel(self.tr("No model"))
        self.device_label = QLabel()
        self.dtype_label = QLabel()
        self.speed_label = QLabel()
        self.context_label = QLabel()
        self.model_label.setToolTip(self.tr("The loaded model"))
        self.device_label.setToolTip(self.tr("Where the model runs"))
        self.dtype_label.setToolTip(self.tr("The precision the model computes in"))
        self.speed_label.setToolTip(self.tr("Speed of the last generation"))
        self.context_label.setToolTip(
            self.tr("Tokens of text given to the model / the most it takes"))
        for widget in (self.load_progress, self.cancel_load_button, self.model_label,
                       self.device_label, self.dtype_label, self.speed_label,
                       self.context_label):
            if isinstance(widget, QLabel):
                widget.setContentsMargins(6, 0, 6, 0)
            status.addPermanentWidget(widget)

    def _connect(self) -> None:
        self.editor.textChanged.connect(self._on_text_or_cursor_changed)
        self.editor.cursorPositionChanged.connect(self._on_text_or_cursor_changed)
        self.editor.generationInterrupted.connect(self.stop)
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.instructions.changed.connect(self._on_text_or_cursor_changed)
        self.sampling.paramsChanged.connect(self._on_params_changed)
        self.pane.tokenChosen.connect(self.insert_token)

    # ---- tasks ------------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a flow on the loop; its unexpected errors reach the excepthook."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            sys.excepthook(type(error), error, error.__traceback__)

    # ---- the model --------------------------------------------------------------------------

    def load_model(self, spec: str, device: str | None = None, dtype: str | None = None) -> None:
        """Load in the background; the editor stays usable, the old model stays on failure."""
        choice = ModelChoice(spec, device or self.model_choice.device,
                             dtype or self.model_choice.dtype)
        self._loads += 1
        self.load_progress.setRange(0, 0)
        self.load_progress.show()
        self.cancel_load_button.show()
        self._update_actions()
        self.statusBar().showMessage(self.tr("Loading {spec}…").format(spec=choice.spec))
        loading = self.worker.load(choice.spec, choice.device, choice.dtype,
                                   on_progress=self._on_load_progress)  # queued now, in order
        self._spawn(self._load(choice, self._loads, loading))

    async def _load(self, choice: ModelChoice, number: int,
                    loading: asyncio.Future[ModelInfo]) -> None:
        try:
            info = await loading
        except WorkerError as error:
            if number == self._loads and not self._closing:
                self._end_loading()
                if error.cancelled:
                    self.statusBar().showMessage(
                        self.tr("Loading cancelled; still using {name}").format(
                            name=self.model_info.name) if self.model_info
                        else self.tr("Loading cancelled"), 6000)
                else:
                    message = self.tr("Could not load {spec}: {reason}").format(
                        spec=choice.spec, reason=error.message)
                    kept = (self.tr("still using {name}; ").format(name=self.model_info.name)
                            if self.model_info else "")
                    self.message_bar.show_message(message, kept + error.hint, error.details)
                    self.statusBar().clearMessage()
                    self.modelLoadFailed.emit(message)
            return
        if self._closing:
            return
        if number == self._loads:
            self._end_loading()
        self.model_info = info
        self.model_choice = choice
        self.settings.set("model.spec", choice.spec)
        self.settings.set("model.device", choice.device)
        self.settings.set("model.dtype", choice.dtype)
        self.model_label.setText(info.name)
        self.model_label.setToolTip(f"{info.name}\n{info.spec}")
        self.device_label.setText(info.device)
        self.dtype_label.setText(info.short_precision)
        self.dtype_label.setToolTip(self.tr("Precision: {precision}").format(
            precision=info.precision))
        self._show_context(0, info.context_window)
        self.statusBar().showMessage(self.tr("{name} is ready").format(name=info.name), 4000)
        if self.message_bar.isVisible() and self.message_bar.property("level") == "error":
            self.message_bar.dismiss()
        self._pane_has_logits = False
        self._update_actions()
        self.modelLoaded.emit(info)
        self.refresh_pane(delay=0)

    def _on_engine_lost(self, failure: Failure) -> None:
        """The engine's process died and the model with it: say so and load it again, once
        (a second death soon after — say, memory that never suffices — is left to the user)."""
        if self._closing:
            return
        lost = self.model_info
        self.model_info = None
        self._pane_has_logits = False
        self.model_label.setText(self.tr("No model"))
        self.device_label.clear()  # the status bar must not show a model that is gone
        self.dtype_label.clear()
        self._update_actions()
        now = time.monotonic()
        again = (self._engine_lost_at is not None
                 and now - self._engine_lost_at < RELOAD_AFTER_LOSS_S)
        self._engine_lost_at = now
        log.warning("%s; %s", failure.message,
                    "loading the model again" if lost and not again else "not reloading")
        if lost is not None and not again and not self.is_loading:
            self.load_model(self.model_choice.spec, self.model_choice.device,
                            self.model_choice.dtype)
        else:
            self.message_bar.show_message(failure.message, failure.hint)

    def _on_load_progress(self, stage: str, fraction: float | None) -> None:
        if self._closing:
            return
        if fraction is None:
            self.load_progress.setRange(0, 0)
        else:
            self.load_progress.setRange(0, 100)
            self.load_progress.setValue(round(fraction * 100))
        self.statusBar().showMessage(f"{stage}…" if not stage.endswith("…") else stage)

    def _end_loading(self) -> None:
        self.load_progress.hide()
        self.cancel_load_button.hide()
        self._update_actions()

    @property
    def is_loading(self) -> bool:
        return not self.load_progress.isHidden()

    def choose_model(self) -> None:
        dialog = ModelDialog(self, self.model_choice)
        fetch = self._spawn(self._fill_model_list(dialog))
        accepted = dialog.exec() == ModelDialog.DialogCode.Accepted
        fetch.cancel()
        if accepted and dialog.choice().spec:
            choice = dialog.choice()
            self.load_model(choice.spec, choice.device, choice.dtype)
        dialog.deleteLater()

    async def _fill_model_list(self, dialog: ModelDialog) -> None:
        try:
            entries = await self.worker.list_models()
        except Exception as error:  # a broken cache must not stop the dialog
            log.warning("Could not list models: %s", error)
            entries = []
        dialog.set_entries(entries)

    def open_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open Model Folder")
        if folder:
            self.load_model(folder)

    def open_gguf_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open GGUF File", "",
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.load_model(path)

    def enter_hub_id(self) -> None:
        hub_id, accepted = QInputDialog.getText(self, "Load from Hub",
                                                "Hugging Face Hub id (e.g. Qwen/Qwen2.5-0.5B):")
        if accepted and hub_id.strip():
            self.load_model(hub_id.strip())

    # ---- generation -------------------------------------------------------------------------

    @property
    def is_generating(self) -> bool:
        return self._stream is not None

    def continue_text(self) -> None:
        """Ctrl+Enter: stream a continuation of the text before the cursor."""
        if self._stream is None:
            self._start_generation(retry=False)

    def retry(self) -> None:
        """Ctrl+R: replace the last generation with a new sample."""
        if self._stream is None and self.editor.can_retry:
            self._start_generation(retry=True)

    def stop(self) -> None:
        """Esc: stop before the next token."""
        if self._stream is not None:
            self._stream.cancel()

    def _start_generation(self, retry: bool) -> None:
        self._cancel_pane_refresh()
        text = self.editor.begin_generation(replace_last=retry)
        self.probabilities.begin(retry)
        self._stream = self.worker.generate(text, self.live_params,
                                            preamble=self.instructions.text(), top_n=self._top_n)
        self._update_actions()
        if self.model_info is None:
            self.statusBar().showMessage("Waiting for the model to load…")
        self._spawn(self._generate(self._stream))

    async def _generate(self, stream: GenerationStream) -> None:
        """Stream the steps into the editor and the pane until the generation ends."""
        summary: GenerationSummary | None = None
        try:
            async for step in stream:
                if self._closing:
                    return
                if not self.editor.is_generating:  # the user typed: stop quietly
                    stream.cancel()
                    continue
                self.probabilities.add(step, self.editor.append_generated(step.text))
                self._show_step(step)
            summary = stream.summary
        except WorkerError as error:
            if not error.cancelled and not self._closing:
                self.message_bar.show_message(self.tr("Generation failed: {reason}").format(
                                              reason=error.message),
                                              error.hint, error.details)
        finally:
            if not self._closing:
                self.editor.end_generation()
                self._step_timer.stop()
                self._pending_step = None
                self._stream = None
                self._update_actions()
                if summary is not None:
                    self._show_summary(summary)
                self.generationFinished.emit(summary)
                self.refresh_pane(delay=0)

    def _show_step(self, step: Step) -> None:
        self._pane_has_logits = False  # the engine's last pane logits are no longer on show
        if not step.alternatives:
            return
        self._pending_step = step
        if self._step_timer.isActive():
            return  # the newest step will be shown when the timer fires
        wait = STEP_PANE_INTERVAL - (time.monotonic() - self._step_shown_at)
        if wait <= 0:
            self._show_pending_step()
        else:
            self._step_timer.start(max(1, int(wait * 1000)))

    def _show_pending_step(self) -> None:
        step, self._pending_step = self._pending_step, None
        if step is None or self._stream is None or self._closing:
            return
        chosen = next((t for t in step.alternatives if t.id == step.token_id), None)
        if chosen:
            heading = self.tr("Token {n}: drew “{token}” ({percent}% under the settings)").format(
                n=step.index + 1, token=visible_token(chosen),
                percent=f"{chosen.sampled_prob * 100:.0f}")
        else:
            heading = self.tr("Token {n}: drew a token outside the top list").format(
                n=step.index + 1)
        self.pane.show_tokens(step.alternatives, heading, chosen_id=step.token_id)
        self._step_shown_at = time.monotonic()

    def _show_summary(self, summary: GenerationSummary) -> None:
        self.speed_label.setText(self.tr("{rate} tokens/s").format(
            rate=f"{summary.tokens_per_second:.1f}"))
        if summary.context is not None:
            self._show_context(summary.context.used + summary.tokens, summary.context.window,
                               summary.context.dropped)
        reason = self._stop_reason_text(summary.stop_reason)
        seed = self.tr(", seed {seed}").format(seed=summary.seed) \
            if summary.seed is not None else ""
        self.statusBar().showMessage(
            self.tr("{tokens} tokens at {rate}/s — {reason}").format(
                tokens=summary.tokens, rate=f"{summary.tokens_per_second:.1f}",
                reason=reason) + seed,
            8000)

    def _stop_reason_text(self, reason: str) -> str:
        texts = {"eos": self.tr("the model ended the text"),
                 "length": self.tr("reached the length limit"),
                 "cancelled": self.tr("stopped"),
                 "context-full": self.tr("the context window is full")}
        return texts.get(reason, reason)

    def _show_context(self, used: int, window: int, dropped: int = 0) -> None:
        self.context_label.setText(self.tr("Context {used} / {window}").format(
            used=f"{used:,}", window=f"{window:,}"))
        self.context_label.setToolTip(
            self.tr("Tokens of text given to the model / the most it takes")
            + ("\n" + self.tr("The oldest {count} tokens did not fit and were left out.")
               .format(count=dropped) if dropped else ""))

    # ---- the pane ---------------------------------------------------------------------------

    def _on_text_or_cursor_changed(self) -> None:
        if self._stream is None and not self._closing:
            self.refresh_pane()

    def refresh_pane(self, delay: float | None = None) -> None:
        """Ask for the next tokens at the cursor after `delay` s (debounced: the last wins)."""
        self._cancel_pane_refresh()
        if self.model_info is None and not self.is_loading:
            return
        self._pane_task = self._spawn(self._refresh_pane(
            self._pane_delay if delay is None else delay))

    def _cancel_pane_refresh(self) -> None:
        if self._pane_task is not None and not self._pane_task.done():
            self._pane_task.cancel()
        self._pane_task = None

    async def _refresh_pane(self, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        self._pane_requests += 1
        number = self._pane_requests
        try:
            result = await self.worker.next_tokens(self.editor.text_before_cursor(),
                                                   self.live_params.get(), n=self._top_n,
                                                   preamble=self.instructions.text())
        except WorkerError as error:
            if not self._closing:
                self.pane.clear(error.message + ".")
            return
        if result is not None:
            self._pane_has_logits = True
            self._show_pane(result, number)

    def _on_params_changed(self, params: SamplingParams) -> None:
        """A slider moved: the worker reads it at the next token; the pane reweighs."""
        self.live_params.set(params)
        if self._stream is None and self._pane_has_logits:
            self._spawn(self._reweigh(params))

    async def _reweigh(self, params: SamplingParams) -> None:
        self._pane_requests += 1
        number = self._pane_requests
        try:
            result = await self.worker.reweigh(params, n=self._top_n)
        except WorkerError:
            return
        if result is not None:
            self._show_pane(result, number)

    def _show_pane(self, result: NextTokens, number: int) -> None:
        if self._closing or number < self._pane_shown or self._stream is not None:
            return
        self._pane_shown = number
        before = " ".join(self.editor.text_before_cursor().split())
        tail = before[-24:]
        heading = self.tr("After “{text}”").format(
            text=f"…{tail}" if len(before) > 24 else tail) if tail \
            else self.tr("At the start of the document")
        self.pane.show_tokens(result.tokens, heading)
        self._show_context(result.context.used, result.context.window, result.context.dropped)
        self.paneUpdated.emit()

    def insert_candidate(self, index: int) -> None:
        """Alt+1…9: insert that row's token."""
        token = self.pane.token_at(index)
        if token is not None:
            self.insert_token(token)

    def insert_token(self, token: Any) -> None:
        if self._stream is not None:
            return
        self.editor.insert_at_cursor(token.text)
        self.editor.setFocus()

    # ---- files ------------------------------------------------------------------------------

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        name = path.name if path is not None else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_TITLE}")
        self.setWindowFilePath(str(path) if path else "")

    def open_path(self, path: str | Path, encoding: str | None = None) -> bool:
        """Open a file; a missing one becomes a new document saved there on first save.

        `encoding` forces one (File → Reopen with Encoding); else it is detected.
        """
        path = Path(path).expanduser()
        if path.exists():
            try:
                document = read_text_file(path, encoding)
            except WriterError as error:
                self.message_bar.show_message(error.message, error.hint)
                return False
            self.encoding, self.newline = document.encoding, document.newline
            self.editor.setPlainText(document.text)
            self.statusBar().showMessage(self.tr("Opened {name}").format(name=path.name), 4000)
        else:
            self.encoding, self.newline = "utf-8", "\n"
            self.editor.setPlainText("")
            self.statusBar().showMessage(
                self.tr("{name} will be created when you save").format(name=path.name), 6000)
        self.editor.document().setModified(False)
        self._set_path(path.resolve() if path.exists() else path.absolute())
        self._remember_file(self.path)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        return True

    def new_document(self) -> None:
        if self.confirm_discard():
            self.editor.setPlainText("")
            self.editor.document().setModified(False)
            self.encoding, self.newline = "utf-8", "\n"
            self._set_path(None)

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open", start,
                                              "Text files (*.txt *.md);;All files (*)")
        if path:
            self.open_path(path)

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else "Untitled.txt"
        path, _ = QFileDialog.getSaveFileName(self, "Save As", start,
                                              "Text files (*.txt *.md);;All files (*)")
        return self.save_to(Path(path)) if path else False

    def save_to(self, path: Path) -> bool:
        """Save atomically (the old file stays whole if anything fails)."""
        try:
            save_text_file(path, self.editor.text(), self.encoding, self.newline)
        except WriterError as error:
            self.message_bar.show_message(error.message, error.hint)
            return False
        self.editor.document().setModified(False)
        self._set_path(path)
        self._remember_file(path)
        self.statusBar().showMessage(self.tr("Saved {name}").format(name=path.name), 4000)
        return True

    def restore_unsaved(self, entry: JournalEntry) -> None:
        """Put back text a crash or a hot-exit close left unsaved, marked as modified."""
        self.editor.setPlainText(entry.text)
        self.encoding = str(entry.extra.get("encoding") or "utf-8")
        self.newline = str(entry.extra.get("newline") or "\n")
        if entry.extra.get("instructions"):
            self.instructions.set_text(str(entry.extra["instructions"]))
        self._set_path(Path(entry.path) if entry.path else None)
        self.editor.document().setModified(True)
        self.setWindowModified(True)
        name = self.path.name if self.path else self.tr("Untitled")
        self.message_bar.show_message(
            self.tr("Restored unsaved changes to {name} from {when}").format(
                name=name, when=describe_age(entry.saved_at)),
            self.tr("they are not saved yet: press Ctrl+S to keep them"), level="info")

    def _remember_file(self, path: Path | None) -> None:
        if path is not None:
            with contextlib.suppress(OSError):
                recent_files().add(str(path))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files().items()
        for file in files:
            action = self.recent_menu.addAction(file)
            action.triggered.connect(lambda _=False, f=file: self._open_recent(f))
        if not files:
            self.recent_menu.addAction(self.tr("(none yet)")).setEnabled(False)

    def _open_recent(self, file: str) -> None:
        if self.confirm_discard():
            self.open_path(file)

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About Writer"),
                          self.tr("Writer — write with a local language model at your side."),
                          QMessageBox.StandardButton.Close, self)
        box.setInformativeText(self._diagnostics().replace("\n", "<br>"))
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    def copy_diagnostics(self) -> None:
        QGuiApplication.clipboard().setText(self._diagnostics())
        self.statusBar().showMessage(self.tr("Diagnostics copied to the clipboard"), 4000)

    def _diagnostics(self) -> str:
        info = self.model_info
        return diagnostics_text(getattr(info, "name", ""), getattr(info, "device", ""),
                                getattr(info, "precision", "") or getattr(info, "dtype", ""))

    def confirm_discard(self) -> bool:
        if not self.editor.document().isModified():
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, APP_TITLE, self.tr("Save the changes to {name}?").format(
                name=self.path.name if self.path else self.tr("Untitled")),
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    # ---- state ------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        generating = self._stream is not None
        self.continue_action.setEnabled(not generating)
        self.stop_action.setEnabled(generating)
        self.retry_action.setEnabled(not generating and self.editor.can_retry)
        self.cancel_load_action.setEnabled(self.is_loading)

    def _window_settings(self) -> QSettings:
        return QSettings(str(self._state_path), QSettings.Format.IniFormat)

    def _restore_state(self) -> None:
        stored = self._window_settings()
        geometry = stored.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = stored.value("state")
        if isinstance(state, QByteArray):
            self.restoreState(state, STATE_VERSION)
        self.instructions.set_expanded(stored.value("instructions", False, type=bool))
        self.instructions.set_text(str(stored.value("instructionsText", "") or ""))

    def _save_state(self) -> None:
        stored = self._window_settings()
        stored.setValue("geometry", self.saveGeometry())
        stored.setValue("state", self.saveState(STATE_VERSION))
        stored.setValue("instructions", self.instructions.is_expanded())
        stored.setValue("instructionsText", self.instructions.field.toPlainText())
        stored.sync()
        self.settings.set_sampling(self.sampling.params())
        try:
            self.settings.save()
        except OSError as error:
            log.warning("Could not save the settings: %s", error)

    def closeEvent(self, event: QCloseEvent) -> None:
        modified = self.editor.document().isModified()
        if modified and self.settings.get("files.hot_exit"):
            if not self.hot_exit.keep_for_next_start() and not self.confirm_discard():
                event.ignore()  # the journal could not be written: ask as usual
                return
        elif not self.confirm_discard():
            event.ignore()
            return
        self._save_state()
        self.shut_down()
        super().closeEvent(event)

    def shut_down(self) -> None:
        """Stop every flow and the engine thread (idempotent)."""
        self._closing = True
        self._step_timer.stop()
        self.completion.shut_down()
        self.probabilities.shut_down()
        self.hot_exit.close()
        if self._stream is not None:
            self._stream.cancel()
        for task in list(self._tasks):
            task.cancel()
        if not self.worker.shutdown(timeout=15):
            log.warning("The engine thread did not stop in time")
