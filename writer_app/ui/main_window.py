"""The main window: the documents' tabs, the Next tokens pane, the Sampling panel, the
project list, the status bar.

The window composes small controllers, each with one job: `ModelController` loads
models (and again when the engine's process dies), `GenerationController` streams
continuations, `PaneController` keeps the pane on the cursor. Each tab is a
`DocumentView` (its editor, `FileController`, passages and `HotExit` journal);
`Documents` opens, closes and restores them and `ActiveDocument` moves the single parts
onto the active one. The window builds the widgets, wires the parts, and shows their
messages; it never runs model code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from writer_app.documents.journal import Journal
from writer_app.presets import Presets
from writer_app.settings import Settings
from writer_app.ui import about
from writer_app.ui import capabilities as gates
from writer_app.ui.active_document import ActiveDocument
from writer_app.ui.alternatives import ContinueThree
from writer_app.ui.completion import CompletionController
from writer_app.ui.document_tabs import DocumentTabs
from writer_app.ui.document_view import DocumentView
from writer_app.ui.documents import Documents
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
from writer_app.ui.model_control import ModelController
from writer_app.ui.pane_refresh import PaneController
from writer_app.ui.preferences import Preferences
from writer_app.ui.probabilities import ProbabilityActions, ProbabilityController, VersionList
from writer_app.ui.project_panel import ProjectPanel
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
    # A document's editor about to go (its tab closed): features drop what they keep for it.
    editorClosed = Signal(object)

    def __init__(self, worker: EngineWorker, settings: Settings | None = None,
                 state_path: Path | None = None, journal: Journal | None = None,
                 keys: KeyStore | None = None) -> None:
        super().__init__()
        self.worker = worker
        self._keys = keys
        self.settings = settings or Settings.load()
        self.window_state = WindowState(state_path)
        self.tasks = TaskSet()
        self.closing = False
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
        self.project.setVisible(self.project.folder is not None)
        self.show_path(None)
        self.update_actions()
        self.editor.setFocus()  # typing goes to the document from the first key
        self.editorChanged.emit(self.editor)

    def editors(self) -> list[WriterEditor]:
        """Every open document's editor, the active one included."""
        return [view.editor for view in self.tabs.views()]

    @property
    def documents(self) -> list[DocumentView]:
        """Every open document (editor, files, hot exit, path), in tab order."""
        return self.tabs.views()

    def open_tab_count(self) -> int:
        return self.tabs.count()

    def switch_to(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    # The active document's parts: what a single-document window called by these names.
    @property
    def view(self) -> DocumentView:
        return self.tabs.current_view()

    @property
    def editor(self) -> WriterEditor:
        return self.tabs.current_view().editor

    @property
    def files(self) -> FileController:
        return self.tabs.current_view().files

    @property
    def hot_exit(self) -> HotExit:
        return self.tabs.current_view().hot_exit

    @property
    def probabilities(self) -> ProbabilityController:
        return self.tabs.current_view().probabilities

    # ---- building ---------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.tabs = DocumentTabs()
        self.tabs.set_writing_font(self.settings.get("editor.font_family"),
                                   self.settings.get("editor.font_size"))
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
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.project = ProjectPanel(self)  # hidden until a folder is opened
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.project)

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
        self.journal = journal or Journal()
        self.probability_actions = ProbabilityActions(self)
        self.active = ActiveDocument(self)
        self.document_list = Documents(self, self.tabs, self.journal, self.project,
                                       self.active.make_view, self.active.stop_generation_in)
        self.tabs.add(self.active.make_view())
        self.preferences = Preferences(self, self.settings, self.presets, self.editor,
                                       self.sampling, self,
                                       lambda encoding: self.files.reopen_with(encoding))
        self.versions_list = VersionList(self.probabilities)
        self.versions_dock = self._dock(self.tr("Versions"), "versionsDock", self.versions_list)
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
            busy=lambda: self.generation.generating_editor is self.editor, parent=self)
        access = ModelAccess(self.worker, self.live_params.get, self.instructions.text,
                             self.tasks.spawn, lambda: self.is_generating)
        self.completion = CompletionController(self.editor, access, self.settings, parent=self)
        self.continue_three = ContinueThree(self.editor, access, self.probabilities,
                                            parent=self)

    def project_changed(self) -> None:
        self.show_path(self.path)

    def _name_parts(self) -> None:
        """The status bar's widgets and the actions, under the names tests and tools use."""
        bar = self.indicators
        self.model_label, self.device_label = bar.model_label, bar.device_label
        self.dtype_label, self.speed_label = bar.dtype_label, bar.speed_label
        self.context_label, self.load_progress = bar.context_label, bar.load_progress
        self.cancel_load_button = bar.cancel_load_button
        actions = self.actions_
        self.continue_action, self.stop_action = actions.continue_, actions.stop
        self.retry_action, self.cancel_load_action = actions.retry, actions.cancel_load
        self.save_action, self.insert_actions = actions.save, actions.insert

    def journal_details(self) -> dict[str, Any]:
        return {"instructions": self.instructions.field.toPlainText()}

    def _connect(self) -> None:
        pane = self.pane_control
        self.probability_actions.target = self.probabilities
        self.generation.watch(self.editor)
        self.tabs.currentChanged.connect(self.active.on_switched)
        self.instructions.changed.connect(pane.on_text_or_cursor_changed)
        self.instructions.changed.connect(lambda: self.hot_exit.note_change())
        self.sampling.paramsChanged.connect(pane.on_params_changed)
        self.pane.tokenChosen.connect(pane.insert_token)
        pane.updated.connect(self.paneUpdated)
        self.models.loaded.connect(self._on_model_loaded)
        self.models.loadFailed.connect(self.modelLoadFailed)
        self.models.loadFailed.connect(lambda _message: self.update_actions())
        self.models.lost.connect(self._on_model_lost)
        self.generation.stateChanged.connect(self._on_generation_state)
        self.generation.finished.connect(self._on_generation_finished)
        self.completion.message.connect(lambda text: self.show_status(text, 5000))
        self.continue_three.message.connect(lambda text: self.show_status(text))

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
        self.tabs.set_model_reach(info.context_window * CHARACTERS_PER_TOKEN)
        self.message_bar.clear_topic("generation")  # a failed generation's cause is gone
        self.pane_control.forget_logits()
        self.update_actions()
        self.modelLoaded.emit(info)
        self.pane_control.refresh(delay=0)

    def _on_model_lost(self) -> None:
        self.pane_control.forget_logits()
        self.update_actions()

    def _on_generation_state(self) -> None:
        if self.is_generating:
            self.pane_control.cancel()
            self.pane_control.forget_logits()
        self.update_actions()

    def _on_generation_finished(self, summary: Any) -> None:
        if self.closing:
            return
        self.generationFinished.emit(summary)
        self.pane_control.refresh(delay=0)

    def show_path(self, path: Path | None) -> None:
        name = path.name if path is not None else self.tr("Untitled")
        folder = self.project.folder
        project = f" — {folder.name}" if folder is not None else ""
        self.setWindowTitle(f"{name}[*]{project} — {APP_TITLE}")
        self.setWindowFilePath(str(path) if path else "")

    def update_actions(self) -> None:
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
        self.update_actions()

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
        """Open in a tab (the file's own tab if it is open already)."""
        return self.document_list.open_path(path, encoding)

    def new_document(self) -> None:
        self.document_list.new_document()

    def close_document(self) -> bool:
        return self.document_list.close_tab()

    def restore_session(self) -> None:
        """At start: the last session's documents (if the setting says so) and every
        document's unsaved text a hot-exit close or a crash left."""
        self.document_list.restore(bool(self.settings.get("session.reopen_documents")))

    def save(self) -> bool:
        return self.files.save()

    def save_as(self) -> bool:
        return self.files.save_as()

    def save_to(self, path: Path) -> bool:
        return self.files.save_to(path)

    def show_about(self) -> None:
        about.show_about(self)

    def copy_diagnostics(self) -> None:
        about.copy_diagnostics(self)

    def _diagnostics(self) -> str:
        return about.diagnostics(self)

    # ---- closing ----------------------------------------------------------------------------

    def _save_state(self) -> None:
        self.window_state.save(self, self.instructions)
        self.settings.set_sampling(self.sampling.params())
        try:
            self.settings.save()
        except OSError as error:
            log.warning("Could not save the settings: %s", error)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.document_list.keep_all_for_exit(bool(self.settings.get("files.hot_exit"))):
            event.ignore()  # the user cancelled (or a journal could not be written)
            return
        self.document_list.save_session()
        self._save_state()
        self.shut_down()
        super().closeEvent(event)

    def shut_down(self) -> None:
        """Stop every flow and the engine thread (idempotent)."""
        self.closing = True
        self.models.shut_down()
        self.generation.shut_down()
        self.pane_control.shut_down()
        self.completion.shut_down()
        self.project.shut_down()
        for feature in getattr(self, "features", {}).values():  # threads and timers stop
            stop = getattr(feature, "shut_down", None)
            if stop is not None:
                stop()
        for view in self.tabs.views():
            view.files.shut_down()
            view.probabilities.shut_down()
            view.hot_exit.stop()
        self.journal.close()
        self.tasks.cancel_all()
        if not self.worker.shutdown(timeout=15):
            log.warning("The engine thread did not stop in time")
