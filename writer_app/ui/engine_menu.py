"""Model → Engine: what runs the model — Automatic, transformers, llama.cpp, or a server.

A backend that cannot run here (its library is not installed) is listed but disabled,
with the reason as its tooltip, from the engine's `available_backends` look-up. Choosing
one loads the local model again with it and keeps the choice (`model.backend`). While a
server runs the model, the menu says so and Disconnect goes back to the local model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from writer_app.settings import BACKEND_CHOICES, Settings
from writer_app.ui.model_control import ModelController, server_label
from writer_app.ui.tasks import TaskSet
from writer_app.worker import EngineWorker

log = logging.getLogger(__name__)


class EngineMenu(QObject):
    """The Engine submenu and what it knows about the backends here."""

    def __init__(self, worker: EngineWorker, models: ModelController, settings: Settings,
                 tasks: TaskSet, disconnect: Callable[[], None], window: QWidget) -> None:
        super().__init__(window)
        self.worker = worker
        self.models = models
        self.settings = settings
        self.tasks = tasks
        # {name: None when it can run here, else why not}; None until the engine says
        self.available: dict[str, str | None] | None = None
        self.menu = QMenu(self.tr("&Engine"), window)
        self.menu.setObjectName("engineMenu")
        self.menu.setToolTipsVisible(True)  # a disabled backend's tooltip says why
        group = QActionGroup(self)
        labels = {"auto": self.tr("&Automatic"), "transformers": "&transformers",
                  "llama.cpp": "&llama.cpp"}
        self.actions: dict[str, QAction] = {}
        for name in BACKEND_CHOICES:
            action = QAction(labels.get(name, name), self, checkable=True)
            action.setData(name)
            action.triggered.connect(lambda _checked=False, n=name: self.choose(n))
            group.addAction(action)
            self.menu.addAction(action)
            self.actions[name] = action
        self.server_action = QAction(self, checkable=True)
        group.addAction(self.server_action)
        self.server_action.triggered.connect(self.update)  # nothing to choose: it is on
        self.menu.addAction(self.server_action)
        self.menu.addSeparator()
        self.disconnect_action = QAction(self.tr("&Disconnect"), self)
        self.disconnect_action.setToolTip(self.tr("Stop using the server and load the model "
                                                  "on this computer again"))
        self.disconnect_action.triggered.connect(lambda _checked=False: disconnect())
        self.menu.addAction(self.disconnect_action)
        self.menu.aboutToShow.connect(self.refresh)
        models.loaded.connect(lambda _info: self.refresh())
        self.update()

    def choose(self, name: str) -> None:
        """Load the local model with backend `name` (again, or instead of a server)."""
        if name == self.settings.get("model.backend") and self.models.server is None \
                and self.models.info is not None:
            return
        self.models.reload(name)
        self.update()

    def refresh(self) -> None:
        """Show the current state now, and ask the engine which backends can run."""
        self.update()
        self.tasks.spawn(self._fetch())

    async def _fetch(self) -> None:
        try:
            self.available = await self.worker.available_backends()
        except Exception as error:  # an engine that cannot answer leaves every item on
            log.warning("Could not ask which backends can run here: %s", error)
            return
        self.update()

    def update(self) -> None:
        server = self.models.server
        chosen = self.settings.get("model.backend")
        info = self.models.info
        for name, action in self.actions.items():
            reason = (self.available or {}).get(name) if name != "auto" else None
            action.setEnabled(reason is None)
            action.setToolTip(reason or "")
            action.setChecked(server is None and name == chosen)
        auto = self.actions["auto"]
        running = info.backend if info is not None and server is None else ""
        auto.setText(self.tr("&Automatic ({backend})").format(backend=running) if running
                     and chosen == "auto" else self.tr("&Automatic"))
        auto.setToolTip(self.tr("llama.cpp for GGUF models on a CPU when it is installed, "
                                "else transformers"))
        if server is not None:
            label = server_label(server) + (f" — {server.model}" if server.model else "")
            self.server_action.setText(self.tr("Server: {server}").format(server=label))
            self.server_action.setChecked(True)
        self.server_action.setVisible(server is not None)
        self.disconnect_action.setEnabled(server is not None)
