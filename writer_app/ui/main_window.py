"""The main window: the editor, the Next tokens pane, the Sampling panel, the status bar.

The window composes small controllers, each with one job: `ModelController` loads
models (and again when the engine's process dies), `GenerationController` streams
continuations, `PaneController` keeps the pane on the cursor, `FileController` owns the
document's file, `HotExit` its journal. The window builds the widgets, wires the parts,
and shows their messages; it never runs model code.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from writer_app.diagnostics import diagnostics_text
from writer_app.documents.journal import Journal, JournalEntry
from writer_app.presets import Presets
from writer_app.settings import Settings
from writer_app.ui import capabilities as gates
from writer_app.ui.alternatives import ContinueThree
from writer_app.ui.completion import CompletionController
from writer_app.ui.editor import WriterEditor
from writer_app.ui.engine_menu import EngineMenu
from writer_app.ui.features import install_features
from writer_app.ui.feedback import MessageBar
from writer_app.ui.files import APP_TITLE, FileController
from writer_app.ui.generation import STEP_PANE_INTERVAL, GenerationController
from writer_app.ui.hot_exit import HotExit
from writer_app.ui.instructions import InstructionsField
from writer_app.ui.menus import build_menus
from writer_app.ui.model_access import ModelAccess
from writer_app.ui.model_control import ModelController, describe_backend
from writer_app.ui.pane_refresh import PaneController
from writer_app.ui.preferences import Preferences
from writer_app.ui.probabilities import ProbabilityController, VersionList
from writer_app.ui.sampling_panel import SamplingPanel
from writer_app.ui.secrets import KeyStore
from writer_app.ui.servers import ServerController
from writer_app.ui.status_bar import StatusIndicators
from writer_app.ui.tasks import TaskSet
from writer_app.ui.token_pane import NextTokensPane
from writer_app.ui.window_state import WindowState
from writer_app.worker import EngineWorker, LiveParams, ModelInfo

log = logging.getLogger(__name__)

__all__ = ["STEP_PANE_INTERVAL", "MainWindow"]

CHARACTERS_PER_TOKEN = 16  # a safe bound: no tokenizer packs more characters in a token


class MainWindow(QMainWindow):
    """Writer's one window. `worker` owns the model; the window shuts it down on close."""

    modelLoaded = Signal(object)  # ModelInfo
    modelLoadFailed = Signal(str)  # the message shown
    generationFinished = Signal(object)  # GenerationSummary, or None when it failed
    paneUpdated = Signal()
    # The editor the user now works in (WriterEditor): emitted after a switch of
    # document and once at start-up, so features follow the active document.
    editorChanged = Signal(object)

    def __init__(self, worker: EngineWorker, settings: Settings | None = None,
                 state_path: Path | None = None, journal: Journal | None = None,
                 keys: KeyStore | None = None) -> None:
        super().__init__()
        self.worker = worker
        self._keys = keys
        self.settings = settings or Settings.load()
        self.window_state = WindowState(state_path)
        self.tasks = TaskSet()
        self._closing = False
        self.setObjectName("mainWindow")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self._build_widgets()
        self._build_parts(journal)
        self.actions_ = build_menus(self)
        self._name_parts()
        self._connect()
        self.features = install_features(self)
        self.resize(1280, 820)
        self.window_state.restore(self, self.instructions)
        self._show_path(None)
        self._update_actions()
        self.editor.setFocus()  # typing goes to the document from the first key
        self.editorChanged.emit(self.editor)

    def editors(self) -> list[WriterEditor]:
        """Every open document's editor, the active one included."""
        return [self.editor]

    # ---- building ---------------------------------------------------------------------------

    def _build_widgets(self) -> None:
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
        for widget in (self.message_bar, self.instructions, rule):
            layout.addWidget(widget)
        layout.addWidget(self.editor, 1)
        self.setCentralWidget(central)

        self.pane = NextTokensPane()
        self.pane_dock = self._dock(self.tr("Next tokens"), "nextTokensDock", self.pane)
        self.presets = Presets()
        self.sampling = SamplingPanel(self.settings.sampling_params(), presets=self.presets)
        self.live_params = LiveParams(self.sampling.params())
        self.sampling_dock = self._dock(self.tr("Sampling"), "samplingDock", self.sampling)
        self.resizeDocks([self.pane_dock, self.sampling_dock], [360, 360],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.pane_dock, self.sampling_dock], [460, 300],
                         Qt.Orientation.Vertical)
        self.indicators = StatusIndicators(self.statusBar())

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                             | Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _build_parts(self, journal: Journal | None) -> None:
        top_n = int(self.settings.get("pane.top_n"))
        self.models = ModelController(self.worker, self.settings, self.indicators, self,
                                      self.tasks, self)
        self.servers = ServerController(self.worker, self.models, self.settings, self,
                                        self.tasks, self, self._keys)
        self.engine_menu = EngineMenu(self.worker, self.models, self.settings, self.tasks,
                                      self.servers.disconnect, self)
        self.files = FileController(self.editor, self, self, self.instructions.set_text)
        self.preferences = Preferences(self, self.settings, self.presets, self.editor,
                                       self.sampling, self, self.files.reopen_with)
        self.probabilities = ProbabilityController(self.editor, self.continue_text,
                                                   lambda: self.is_generating, parent=self)
        self.versions_dock = self._dock(self.tr("Versions"), "versionsDock",
                                        VersionList(self.probabilities))
        self.versions_dock.hide()
        self.generation = GenerationController(
            self.editor, self.worker, self.live_params, self.instructions.text, self.pane,
            self.probabilities, self.indicators, self, self.tasks, top_n,
            model_ready=lambda: self.model_info is not None, parent=self,
            failure_actions=self._generation_failure_actions)
        self.pane_control = PaneController(
            self.editor, self.pane, self.worker, self.live_params, self.instructions.text,
            self.indicators, self.tasks, top_n, self.settings.get("pane.delay_ms") / 1000,
            may_ask=lambda: self.model_info is not None or self.is_loading,
            busy=lambda: self.is_generating, parent=self)
        access = ModelAccess(self.worker, self.live_params.get, self.instructions.text,
                             self.tasks.spawn, lambda: self.is_generating)
        self.completion = CompletionController(self.editor, access, self.settings, parent=self)
        self.continue_three = ContinueThree(self.editor, access, self.probabilities,
                                            parent=self)
        self.hot_exit = HotExit(self.editor, self.files.document, self._journal_details,
                                self.files.restore_unsaved, journal, parent=self)

    def _name_parts(self) -> None:
        """The status bar's widgets and the actions, under the names tests and tools use."""
        indicators, actions = self.indicators, self.actions_
        self.model_label = indicators.model_label
        self.device_label = indicators.device_label
        self.dtype_label = indicators.dtype_label
        self.speed_label = indicators.speed_label
        self.context_label = indicators.context_label
        self.load_progress = indicators.load_progress
        self.cancel_load_button = indicators.cancel_load_button
        self.continue_action = actions.continue_
        self.stop_action = actions.stop
        self.retry_action = actions.retry
        self.cancel_load_action = actions.cancel_load
        self.save_action = actions.save
        self.insert_actions = actions.insert

    def _journal_details(self) -> dict[str, Any]:
        return {"instructions": self.instructions.field.toPlainText()}

    def _connect(self) -> None:
        pane = self.pane_control
        self.editor.textChanged.connect(pane.on_text_or_cursor_changed)
        self.editor.cursorPositionChanged.connect(pane.on_text_or_cursor_changed)
        self.editor.cursorPositionChanged.connect(self.hot_exit.note_change)
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.instructions.changed.connect(pane.on_text_or_cursor_changed)
        self.instructions.changed.connect(self.hot_exit.note_change)
        self.sampling.paramsChanged.connect(pane.on_params_changed)
        self.pane.tokenChosen.connect(pane.insert_token)
        pane.updated.connect(self.paneUpdated)
        self.models.loaded.connect(self._on_model_loaded)
        self.models.loadFailed.connect(self.modelLoadFailed)
        self.models.loadFailed.connect(lambda _message: self._update_actions())
        self.models.lost.connect(self._on_model_lost)
        self.generation.stateChanged.connect(self._on_generation_state)
        self.generation.finished.connect(self.probabilities.finish)  # before the news
        self.generation.finished.connect(self._on_generation_finished)
        self.files.pathChanged.connect(self._show_path)
        self.completion.message.connect(lambda text: self.show_status(text, 5000))
        self.continue_three.message.connect(lambda text: self.show_status(text))
        self.probabilities.message.connect(lambda text: self.show_status(text, 5000))

    # ---- what the parts report (the MessageSink) --------------------------------------------

    def show_error(self, message: str, hint: str = "", details: str = "", topic: str = "",
                   actions: tuple[tuple[str, Callable[[], None]], ...] = ()) -> None:
        self.message_bar.show_message(message, hint, details, "error", topic, actions)

    def show_info(self, message: str, hint: str = "", topic: str = "",
                  actions: tuple[tuple[str, Callable[[], None]], ...] = ()) -> None:
        self.message_bar.show_message(message, hint, level="info", topic=topic,
                                      actions=actions)

    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        if not text:
            self.statusBar().clearMessage()
        else:
            self.statusBar().showMessage(text, timeout_ms)

    def clear_topic(self, *topics: str) -> None:
        self.message_bar.clear_topic(*topics)

    # ---- wiring -----------------------------------------------------------------------------

    def _generation_failure_actions(self) -> tuple[tuple[str, Callable[[], None]], ...]:
        """Under a failed generation (whose tokens stay in the text): go on from there,
        and, on a server, connect to it again."""
        actions: list[tuple[str, Callable[[], None]]] = [
            (self.tr("Try Again"), self.continue_text)]
        if self.models.request.server is not None:
            actions.append((self.tr("Reconnect"), self.servers.reconnect_current))
        return tuple(actions)

    def _on_model_loaded(self, info: ModelInfo) -> None:
        gates.apply_to_window(self, info.capabilities)
        self.editor.set_model_reach(info.context_window * CHARACTERS_PER_TOKEN)
        self.message_bar.clear_topic("generation")  # a failed generation's cause is gone
        self.pane_control.forget_logits()
        self._update_actions()
        self.modelLoaded.emit(info)
        self.pane_control.refresh(delay=0)

    def _on_model_lost(self) -> None:
        self.pane_control.forget_logits()
        self._update_actions()

    def _on_generation_state(self) -> None:
        if self.is_generating:
            self.pane_control.cancel()
            self.pane_control.forget_logits()
        self._update_actions()

    def _on_generation_finished(self, summary: Any) -> None:
        if self._closing:
            return
        self.generationFinished.emit(summary)
        self.pane_control.refresh(delay=0)

    def _show_path(self, path: Path | None) -> None:
        name = path.name if path is not None else self.tr("Untitled")
        self.setWindowTitle(f"{name}[*] — {APP_TITLE}")
        self.setWindowFilePath(str(path) if path else "")

    def _update_actions(self) -> None:
        actions = getattr(self, "actions_", None)
        if actions is None:
            return
        generating = self.is_generating
        actions.continue_.setEnabled(not generating)
        actions.stop.setEnabled(generating)
        actions.retry.setEnabled(not generating and self.editor.can_retry)
        actions.cancel_load.setEnabled(self.is_loading)

    # ---- the facade: what tests, benchmarks and the app call --------------------------------

    @property
    def model_info(self) -> ModelInfo | None:
        return self.models.info

    @property
    def path(self) -> Path | None:
        return self.files.path

    @property
    def encoding(self) -> str:
        return self.files.document.encoding

    @property
    def newline(self) -> str:
        return self.files.document.newline

    @property
    def is_loading(self) -> bool:
        return self.models.is_loading

    @property
    def is_generating(self) -> bool:
        return self.generation.is_generating

    def load_model(self, spec: str, device: str | None = None, dtype: str | None = None) -> None:
        """Load in the background; the editor stays usable, the old model stays on failure."""
        self.models.load(spec, device, dtype)
        self._update_actions()

    def continue_text(self) -> None:
        self.generation.continue_text()

    def retry(self) -> None:
        self.generation.retry()

    def stop(self) -> None:
        self.generation.stop()

    def refresh_pane(self, delay: float | None = None) -> None:
        self.pane_control.refresh(delay)

    def insert_candidate(self, index: int) -> None:
        self.pane_control.insert_candidate(index)

    def insert_token(self, token: Any) -> None:
        self.pane_control.insert_token(token)

    def open_path(self, path: str | Path, encoding: str | None = None) -> bool:
        return self.files.open_path(path, encoding)

    def new_document(self) -> None:
        self.files.new_document()

    def save(self) -> bool:
        return self.files.save()

    def save_as(self) -> bool:
        return self.files.save_as()

    def save_to(self, path: Path) -> bool:
        return self.files.save_to(path)

    def restore_unsaved(self, entry: JournalEntry) -> None:
        self.files.restore_unsaved(entry)

    def confirm_discard(self) -> bool:
        return self.files.confirm_discard()

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About Writer"),
                          self.tr("Writer — write with a local language model at your side."),
                          QMessageBox.StandardButton.Close, self)
        box.setInformativeText(html.escape(self._diagnostics()).replace("\n", "<br>"))
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    def copy_diagnostics(self) -> None:
        QGuiApplication.clipboard().setText(self._diagnostics())
        self.show_status(self.tr("Diagnostics copied to the clipboard"), 4000)

    def _diagnostics(self) -> str:
        info = self.model_info
        if info is None:
            return diagnostics_text(backends=self.engine_menu.available)
        return diagnostics_text(info.name, info.device, info.precision or info.dtype,
                                backend=describe_backend(info, self.models.request),
                                backend_note=info.backend_note,
                                backends=self.engine_menu.available)

    # ---- closing ----------------------------------------------------------------------------

    def _save_state(self) -> None:
        self.window_state.save(self, self.instructions)
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
        self.models.shut_down()
        self.generation.shut_down()
        self.pane_control.shut_down()
        self.files.shut_down()
        self.completion.shut_down()
        self.probabilities.shut_down()
        self.hot_exit.close()
        self.tasks.cancel_all()
        if not self.worker.shutdown(timeout=15):
            log.warning("The engine thread did not stop in time")
