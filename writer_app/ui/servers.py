"""Writing with an OpenAI-compatible server: connect, reconnect, disconnect, recent ones.

The connection itself is a load (`ModelController.load_request` with a server): the
engine's process opens the "server" backend, and a failure leaves the model that was
loaded in place. The recent servers (address and model, never the key) are kept in a
small list beside the recent files; keys go to `KeyStore`. Nothing leaves the computer
until the user connects: at start, the server of the last session is offered, never
reconnected on its own.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QWidget

from writer_app import paths
from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.server import ServerConnection, normalise_base_url
from writer_app.errors import WriterError
from writer_app.recent import RecentList
from writer_app.settings import Settings
from writer_app.ui.feedback import MessageSink
from writer_app.ui.model_control import Actions, ModelController, server_label
from writer_app.ui.secrets import KeyStore, keyring_problem
from writer_app.ui.server_dialog import ServerDialog
from writer_app.ui.tasks import TaskSet
from writer_app.worker import EngineWorker

log = logging.getLogger(__name__)
TOPIC = "server"
RECENT_LIMIT = 8
_SEPARATOR = "\t"  # between address and model; urlsplit drops tabs, so no URL holds one


def recent_servers() -> RecentList:
    return RecentList(paths.data_dir() / "recent_servers.json", RECENT_LIMIT)


def server_request(server: ServerConnection) -> LoadRequest:
    """The load that connects to `server` (its address is the model's label)."""
    return LoadRequest(server.url, backend="server", server=server)


class ServerController(QObject):
    """Model → Connect to Server…, the recent servers, Disconnect, and the offer at start."""

    def __init__(self, worker: EngineWorker, models: ModelController, settings: Settings,
                 messages: MessageSink, tasks: TaskSet, window: QWidget,
                 keys: KeyStore | None = None) -> None:
        super().__init__(window)
        self.worker = worker
        self.models = models
        self.settings = settings
        self.messages = messages
        self.tasks = tasks
        self.window = window
        self.keys = keys or KeyStore()
        self.dialog: ServerDialog | None = None
        models.server_failure_actions = self.failure_actions

    # ---- the dialog -------------------------------------------------------------------------

    def open_dialog(self, current: ServerConnection | None = None) -> ServerDialog:
        """Show Connect to Server… (window-modal), filled with `current` or the server in
        use; connects when the user presses Connect."""
        if self.dialog is not None:
            self.dialog.close()
        current = current or self.models.server or self._last_server()
        remembered = False
        if current is not None:
            remembered = self.keys.remembered(current.url)
            current = dataclasses.replace(current, api_key=current.api_key
                                          or self.keys.get(current.url))
        dialog = ServerDialog(self.worker.probe_server, self.tasks.spawn, keyring_problem(),
                              current, remembered, self.window)
        dialog.accepted.connect(lambda: self._connect_from(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _connect_from(self, dialog: ServerDialog) -> None:
        try:
            connection = dialog.connection()
        except WriterError as error:  # Connect is disabled for a bad address; be safe
            self.messages.show_error(error.message, error.hint, topic=TOPIC)
            return
        remember = dialog.remember_key()
        if not remember and self.keys.remembered(connection.url):
            self.keys.forget(connection.url)  # unticked: the keyring lets it go
        self.connect(connection, remember=remember)

    # ---- connecting -------------------------------------------------------------------------

    def connect(self, server: ServerConnection, remember: bool = False) -> None:
        """Write with `server` from now on (its key kept for the session; in the keyring
        too if `remember`)."""
        problem = self.keys.put(server.url, server.api_key, remember) if server.api_key \
            or remember else ""
        if problem:
            self.messages.show_info(
                self.tr("The key is kept only until Writer closes"), problem, topic=TOPIC)
        recent_servers().add(server.url + _SEPARATOR + server.model)
        self.messages.clear_topic(TOPIC)
        self.models.load_request(server_request(server))

    def reconnect(self, url: str, model: str = "") -> None:
        """Connect again to a server used before, with the key this session or the keyring
        has for it (the dialog opens when the server refuses it)."""
        self.connect(ServerConnection(url, model, self.keys.get(url)))

    def reconnect_current(self) -> None:
        """After a failure mid-generation: connect again to the server in use."""
        server = self.models.request.server
        if server is not None:
            self.models.load_request(server_request(server))
        else:
            self.open_dialog()

    def disconnect(self) -> None:
        """Go back to the model on this computer."""
        local = dataclasses.replace(self.models.local, server=None,
                                    backend=self.settings.get("model.backend"))
        self.messages.clear_topic(TOPIC)
        self.models.load_request(local)

    def failure_actions(self, request: LoadRequest) -> Actions:
        """Buttons under a failed connection: the dialog, filled with that server."""
        server = request.server
        return ((self.tr("Connect to Server…"), lambda: self.open_dialog(server)),)

    # ---- at start ---------------------------------------------------------------------------

    def _last_server(self) -> ServerConnection | None:
        url = self.settings.get("model.server")
        if not url:
            return None
        try:
            url = normalise_base_url(url)
        except WriterError:
            return None
        return ServerConnection(url, self.settings.get("model.server_model"))

    def offer_last(self, use_local: Callable[[], None]) -> bool:
        """If the last session wrote with a server, offer it again (never connect on its
        own: the text would leave the computer, and the key may be gone). `use_local`
        loads the local model instead. False when there is nothing to offer."""
        server = self._last_server()
        if server is None:
            return False
        name = server_label(server) + (f" ({server.model})" if server.model else "")
        self.messages.show_info(
            self.tr("Last time you wrote with the server {server}").format(server=name),
            self.tr("reconnect to it, or use the model on this computer"), topic=TOPIC,
            actions=((self.tr("Reconnect"), lambda: self.reconnect(server.url, server.model)),
                     (self.tr("Use Local Model"), use_local)))
        return True

    # ---- the Model menu ---------------------------------------------------------------------

    def recent(self) -> list[ServerConnection]:
        """The servers used before, newest first (address and model; no key)."""
        servers = []
        for item in recent_servers().items():
            url, _, model = item.partition(_SEPARATOR)
            try:
                servers.append(ServerConnection(normalise_base_url(url), model))
            except WriterError:
                continue
        return servers

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        servers = self.recent()
        if not servers:
            empty = menu.addAction(self.tr("No recent servers"))
            empty.setEnabled(False)
            return
        for server in servers:
            label = server_label(server) + (f" — {server.model}" if server.model else "")
            action = menu.addAction(label)
            action.setToolTip(server.url)
            action.triggered.connect(
                lambda _checked=False, s=server: self.reconnect(s.url, s.model))
        menu.addSeparator()
        menu.addAction(self.tr("Clear Recent Servers"), self._clear_recent)

    def _clear_recent(self) -> None:
        for item in recent_servers().items():
            recent_servers().remove(item)
