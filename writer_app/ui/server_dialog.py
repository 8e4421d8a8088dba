"""Model → Connect to Server…: an OpenAI-compatible server's address, key and model.

The address is normalised as it is typed (`normalise_base_url`), with what is wrong shown
under it; plain http to another machine shows a warning (the text, and the key, would
cross the network unencrypted). Test asks the server, through the engine's process,
whether it answers and which models it serves, and says so in one line. The key is
shown as dots, and kept in the system keyring only when asked to and where one exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.boundary.messages import ServerProbe
from writer_app.boundary.server import ServerConnection, normalise_base_url
from writer_app.errors import WriterError
from writer_app.ui.model_control import server_label

Probe = Callable[[ServerConnection], Awaitable[ServerProbe]]
Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]

_ERROR_STYLE = "color: #c62828;"
_GOOD_STYLE = "color: #2e7d32;"
_WARNING_STYLE = "color: #b26a00;"


class ServerDialog(QDialog):
    """Where the server is, its key and model; `connection()` once accepted.

    `probe` asks a server (EngineWorker.probe_server); `spawn` runs the Test on the
    window's loop; `keyring_problem` is why no keyring can keep the key ("" if one can).
    """

    tested = Signal(str)  # the verdict shown, after each Test

    def __init__(self, probe: Probe, spawn: Spawn, keyring_problem: str = "",
                 current: ServerConnection | None = None, remembered: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.setWindowTitle(self.tr("Connect to Server"))
        self.resize(560, 0)
        self._probe = probe
        self._spawn = spawn
        self._test: asyncio.Task[Any] | None = None
        self._tests = 0  # numbers Tests: only the newest verdict shows

        self.url = QLineEdit(current.url if current else "")
        self.url.setObjectName("serverUrl")
        self.url.setPlaceholderText("http://127.0.0.1:8080/v1")
        self.url.setToolTip(self.tr(
            "The address of an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, "
            "LM Studio, …), e.g. http://127.0.0.1:8080/v1"))
        self.url_note = QLabel()
        self.url_note.setObjectName("serverUrlNote")
        self.url_note.setWordWrap(True)
        self.url_note.setTextFormat(Qt.TextFormat.PlainText)
        self.warning = QLabel()
        self.warning.setObjectName("serverWarning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet(_WARNING_STYLE)
        self.warning.hide()

        self.key = QLineEdit(current.api_key if current else "")
        self.key.setObjectName("serverKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("none"))
        self.key.setToolTip(self.tr("The server's API key, if it asks for one"))
        self.remember = QCheckBox(self.tr("Remember in the system keyring"))
        self.remember.setObjectName("serverRemember")
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setTextFormat(Qt.TextFormat.PlainText)
        if keyring_problem:
            self.remember.setEnabled(False)
            self.remember.setToolTip(keyring_problem)
            self.keyring_note.setText(self.tr(
                "No system keyring is available here: the key is kept only until Writer "
                "closes."))
            self.keyring_note.setToolTip(keyring_problem)
        else:
            self.remember.setChecked(remembered)
            self.keyring_note.hide()

        self.model = QComboBox()
        self.model.setObjectName("serverModel")
        self.model.setEditable(True)
        self.model.lineEdit().setPlaceholderText(self.tr("the server's own choice"))
        self.model.setToolTip(self.tr("The model to write with, as the server names it; "
                                      "Test lists them"))
        if current is not None and current.model:
            self.model.addItem(current.model)

        self.test_button = QPushButton(self.tr("&Test"))
        self.test_button.setObjectName("serverTest")
        self.test_button.setToolTip(self.tr("Ask the server whether it answers, and which "
                                            "models it serves"))
        self.test_button.clicked.connect(self.test)
        self.verdict = QLabel()
        self.verdict.setObjectName("serverVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.verdict, 1)

        form = QFormLayout()
        form.addRow(self.tr("Server:"), self.url)
        form.addRow("", self.url_note)
        form.addRow(self.tr("API key:"), self.key)
        form.addRow("", self.remember)
        form.addRow("", self.keyring_note)
        form.addRow(self.tr("Model:"), self.model)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = buttons.addButton(self.tr("Connect"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setObjectName("serverConnect")
        self.connect_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # Grows with a warning or a long verdict instead of squeezing their lines together.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(form)
        layout.addWidget(self.warning)  # full width: a form row squeezes wrapped lines
        layout.addLayout(test_row)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        self.url.textChanged.connect(self._on_url_changed)
        self._on_url_changed()

    # ---- what was entered -------------------------------------------------------------------

    def base_url(self) -> str:
        """The normalised address; WriterError (message, hint) when it cannot be one."""
        return normalise_base_url(self.url.text())

    def connection(self) -> ServerConnection:
        """The server as entered; call once the address is valid (Connect is enabled)."""
        return ServerConnection(self.base_url(), self.model.currentText().strip(),
                                self.key.text().strip())

    def remember_key(self) -> bool:
        return self.remember.isEnabled() and self.remember.isChecked()

    def _on_url_changed(self) -> None:
        self._tests += 1  # a verdict on another address is no verdict on this one
        self.verdict.clear()
        try:
            url = self.base_url()
        except WriterError as error:
            typed = bool(self.url.text().strip())
            self.url_note.setText(f"{error.message} — {error.hint}" if typed else "")
            self.url_note.setStyleSheet(_ERROR_STYLE)
            self.warning.hide()
            self.connect_button.setEnabled(False)
            self.test_button.setEnabled(False)
            return
        self.url_note.setText(self.tr("Writer will use {url}").format(url=url))
        self.url_note.setStyleSheet("")
        self.connect_button.setEnabled(True)
        self.test_button.setEnabled(True)
        self._show_warning(ServerConnection(url).sends_in_clear)

    def _show_warning(self, in_clear: bool, extra: str = "") -> None:
        text = extra
        if in_clear:
            text = self.tr("This is plain http to another computer: your text and the key "
                           "cross the network unencrypted. Use https:// unless you trust "
                           "every network in between.")
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    # ---- Test -------------------------------------------------------------------------------

    def test(self) -> None:
        """Ask the server (off the GUI thread); the verdict replaces the last one."""
        try:
            connection = self.connection()
        except WriterError as error:
            self._verdict(False, f"{error.message} — {error.hint}")
            return
        self._tests += 1
        self.verdict.setStyleSheet("")
        self.verdict.setText(self.tr("Asking {server}…").format(server=server_label(connection)))
        self._test = self._spawn(self._run_test(self._tests, connection))

    async def _run_test(self, number: int, connection: ServerConnection) -> None:
        try:
            probe = await self._probe(connection)
        except WriterError as error:
            if number == self._tests:
                hint = f" — {error.hint}" if error.hint else ""
                self._verdict(False, error.message + hint)
            return
        if number != self._tests:
            return
        self._fill_models(probe.models)
        self._verdict(True, self.describe(probe, connection))
        if probe.warning:
            self._show_warning(connection.sends_in_clear, probe.warning)

    def describe(self, probe: ServerProbe, connection: ServerConnection) -> str:
        """ "llama.cpp at 127.0.0.1:8080 answered in 12 ms, 1 model" """
        who = (self.tr("{server} at {address}").format(server=probe.server,
                                                      address=server_label(connection))
               if probe.server else server_label(connection))
        count = len(probe.models)
        models = (self.tr("1 model") if count == 1
                  else self.tr("{count} models").format(count=count))
        return self.tr("{who} answered in {ms} ms, {models}").format(
            who=who, ms=max(1, round(probe.seconds * 1000)), models=models)

    def _fill_models(self, models: tuple[str, ...]) -> None:
        typed = self.model.currentText().strip()
        self.model.clear()
        self.model.addItems(list(models))
        if typed and typed in models:
            self.model.setCurrentText(typed)
        elif models:
            self.model.setCurrentIndex(0)
        else:
            self.model.setEditText(typed)

    def _verdict(self, ok: bool, text: str) -> None:
        self.verdict.setStyleSheet(_GOOD_STYLE if ok else _ERROR_STYLE)
        self.verdict.setText(("✓ " if ok else "✗ ") + text)
        self.tested.emit(self.verdict.text())

    def done(self, result: int) -> None:
        if self._test is not None and not self._test.done():
            self._test.cancel()  # cancelling the awaited future drops the probe
        super().done(result)
