"""Connect to Server…: the dialog, keys (keyring or session only), connecting through the
real window, reconnecting, and where a key must never end up."""

from __future__ import annotations

import asyncio
import logging

import pytest
from PySide6.QtCore import Qt

from tests.gui.backend_fakes import KEY, URL, ProbeHost
from tests.gui.conftest import tiny_loader
from writer_app.boundary.messages import ServerProbe
from writer_app.boundary.server import ServerConnection
from writer_app.errors import WriterError
from writer_app.ui.secrets import SERVICE, KeyStore
from writer_app.ui.server_dialog import ServerDialog

pytestmark = pytest.mark.gui
TIMEOUT = 20_000


@pytest.fixture
def dialog(qtbot, running_loop):
    """The dialog on its own, with a probe the test answers."""
    answers: list = []

    async def probe(server: ServerConnection) -> ServerProbe:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    tasks = []

    def spawn(coroutine):
        task = asyncio.ensure_future(coroutine)
        tasks.append(task)
        return task

    made = ServerDialog(probe, spawn)
    qtbot.addWidget(made)
    made.show()
    yield made, answers
    for task in tasks:
        task.cancel()


def test_the_address_is_normalised_as_typed_and_bad_ones_are_explained(dialog):
    made, _ = dialog
    assert not made.connect_button.isEnabled()  # nothing typed yet
    made.url.setText("localhost:8080")
    assert made.base_url() == "http://localhost:8080/v1"
    assert "http://localhost:8080/v1" in made.url_note.text()
    assert made.connect_button.isEnabled() and made.warning.isHidden()
    made.url.setText("https://example.org/v1/completions")
    assert made.base_url() == "https://example.org/v1" and made.warning.isHidden()
    made.url.setText("ftp://example.org")
    assert "ftp://" in made.url_note.text() and "http" in made.url_note.text()
    assert not made.connect_button.isEnabled() and not made.test_button.isEnabled()
    made.url.setText("127.0.0.1:99999")
    assert "port" in made.url_note.text() and not made.connect_button.isEnabled()


def test_plain_http_to_another_machine_shows_a_warning(dialog):
    made, _ = dialog
    made.url.setText("http://192.168.1.20:8000")
    assert made.warning.isVisible() and "unencrypted" in made.warning.text()
    made.url.setText("http://[::1]:8000")
    assert made.warning.isHidden()
    made.url.setText("https://gpu.example.org:8000")
    assert made.warning.isHidden()


def test_the_test_button_gives_a_clear_verdict_and_lists_the_models(dialog, qtbot):
    made, answers = dialog
    made.url.setText("127.0.0.1:8080")
    answers.append(ServerProbe(URL, ("gemma-3-270m", "qwen"), "llama.cpp", 0.0123))
    with qtbot.waitSignal(made.tested, timeout=TIMEOUT):
        qtbot.mouseClick(made.test_button, Qt.MouseButton.LeftButton)
    assert made.verdict.text() == "✓ llama.cpp at 127.0.0.1:8080 answered in 12 ms, 2 models"
    assert [made.model.itemText(i) for i in range(made.model.count())] == ["gemma-3-270m",
                                                                           "qwen"]
    answers.append(ServerProbe(URL, ("only",), "", 0.2))
    with qtbot.waitSignal(made.tested, timeout=TIMEOUT):
        made.test()
    assert made.verdict.text() == "✓ 127.0.0.1:8080 answered in 200 ms, 1 model"
    answers.append(WriterError("Connection refused by 127.0.0.1:8080",
                               "start the server, or check the port"))
    with qtbot.waitSignal(made.tested, timeout=TIMEOUT):
        made.test()
    assert made.verdict.text() == ("✗ Connection refused by 127.0.0.1:8080 — start the "
                                   "server, or check the port")
    assert made.connection() == ServerConnection(URL, "only")  # the list stays as it was


def test_the_key_is_shown_as_dots_and_without_a_keyring_the_dialog_says_so(dialog, qtbot,
                                                                           running_loop):
    made, _ = dialog
    assert made.key.echoMode() == made.key.EchoMode.Password
    assert made.remember.isEnabled() and made.keyring_note.isHidden()
    without = ServerDialog(lambda server: None, lambda coroutine: None,
                           keyring_problem="no system keyring is available")
    qtbot.addWidget(without)
    without.show()
    assert not without.remember.isEnabled() and not without.remember_key()
    assert "only until Writer closes" in without.keyring_note.text()


def test_the_key_store_uses_the_keyring_where_there_is_one(memory_keyring):
    store = KeyStore()
    assert store.available
    assert store.put(URL, KEY, remember=True) == ""
    assert memory_keyring.store[(SERVICE, URL)] == KEY
    assert KeyStore().get(URL) == KEY  # a later session finds it
    store.forget(URL)
    assert KeyStore().get(URL) == "" and memory_keyring.store == {}
    assert store.put(URL, KEY, remember=False) == "" and memory_keyring.store == {}
    assert store.get(URL) == KEY  # this session only


def test_without_a_keyring_the_key_lives_for_the_session_only(no_keyring):
    store = KeyStore()
    assert not store.available
    problem = store.put(URL, KEY, remember=True)
    assert "keyring" in problem
    assert store.get(URL) == KEY and KeyStore().get(URL) == ""


# ---- through the window ----------------------------------------------------------------------


@pytest.fixture
def server_window(make_window, tiny_loaded, fake_server):
    """The real window (tiny model loaded), whose engine answers probes like llama.cpp's
    server and whose "server" backend is the fake one."""
    host = ProbeHost(tiny_loader(tiny_loaded))
    window = make_window(engine=host)
    window.probe_host = host
    return window


def connect_through_dialog(qtbot, window, url="127.0.0.1:8080", key=KEY, remember=True,
                           test=True):
    made = window.servers.open_dialog()
    made.url.setText(url)
    made.key.setText(key)
    if made.remember.isEnabled():
        made.remember.setChecked(remember)
    if test:
        with qtbot.waitSignal(made.tested, timeout=TIMEOUT):
            qtbot.mouseClick(made.test_button, Qt.MouseButton.LeftButton)
        assert made.verdict.text().startswith("✓"), made.verdict.text()
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        qtbot.mouseClick(made.connect_button, Qt.MouseButton.LeftButton)
    return made


def test_connecting_keeps_the_key_in_the_keyring_and_nowhere_else(
        qtbot, server_window, memory_keyring, writer_home, tmp_path, caplog):
    from tests.unit import fake_backend

    caplog.set_level(logging.DEBUG)
    window = server_window
    connect_through_dialog(qtbot, window)
    assert window.probe_host.probes[0].api_key == KEY  # the probe carries it to the server
    opened = fake_backend.OPENED[-1]
    assert opened.server == ServerConnection(URL, "gemma-3-270m") and opened.server.api_key == KEY
    assert window.indicators.backend_label.text() == "server: 127.0.0.1:8080"
    assert memory_keyring.store[(SERVICE, URL)] == KEY

    window.editor.setFocus()
    qtbot.keyClicks(window.editor, "Once")
    window.hot_exit.write_now()
    window.hot_exit.journal.flush()
    window._save_state()
    settings = (tmp_path / "settings.json").read_text(encoding="utf-8")
    assert URL in settings and "gemma-3-270m" in settings
    written = [path for path in [tmp_path / "settings.json", *writer_home.rglob("*")]
               if path.is_file()]
    assert any(path.name == "recent_servers.json" for path in written)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
        assert "sk-test" not in path.read_bytes().decode("utf-8", "replace"), path
    assert KEY not in window._diagnostics()
    assert KEY not in caplog.text and KEY not in repr(opened)


def test_without_a_keyring_the_window_connects_and_reconnects_with_the_session_key(
        qtbot, server_window, no_keyring):
    from tests.unit import fake_backend

    window = server_window
    made = window.servers.open_dialog()
    assert not made.remember.isEnabled() and made.keyring_note.isVisible()
    made.close()
    connect_through_dialog(qtbot, window, remember=False)
    assert fake_backend.OPENED[-1].server.api_key == KEY
    window.servers.fill_recent_menu(window.actions_.recent_servers_menu)
    recent = [a for a in window.actions_.recent_servers_menu.actions() if a.toolTip() == URL]
    assert recent and "127.0.0.1:8080" in recent[0].text() and "gemma-3-270m" in recent[0].text()
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        recent[0].trigger()
    assert fake_backend.OPENED[-1].server.api_key == KEY  # kept in memory this session


def test_a_refused_connection_keeps_the_model_and_offers_the_dialog(qtbot, server_window,
                                                                   memory_keyring, fake_server):
    window = server_window
    fake_server["open_error"] = WriterError("The server refused the API key (401)",
                                            "check the key in Connect to Server…")
    with qtbot.waitSignal(window.modelLoadFailed, timeout=TIMEOUT) as failed:
        window.servers.connect(ServerConnection(URL, "m", KEY))
    assert "Could not connect to 127.0.0.1:8080" in failed.args[0]
    assert window.model_info.name == "tiny-llama" and window.models.server is None
    assert "refused the API key" in window.message_bar.message()
    assert "still using tiny-llama" in window.message_bar.message().lower()
    button = window.message_bar.button("Connect to Server…")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.servers.dialog.isVisible() and window.servers.dialog.url.text() == URL
    assert window.servers.dialog.key.text() == KEY  # from this session
    window.servers.dialog.close()


def test_the_last_server_is_offered_at_start_never_reconnected_on_its_own(
        qtbot, make_window, tiny_loaded, fake_server, memory_keyring):
    from tests.unit import fake_backend
    from writer_app.app import start_model

    memory_keyring.set_password(SERVICE, URL, KEY)
    window = make_window(load=None, engine=ProbeHost(tiny_loader(tiny_loaded)))
    window.settings.set("model.server", URL)
    window.settings.set("model.server_model", "gemma-3-270m")
    window.settings.set("model.spec", "tiny")
    start_model(window)
    assert not window.is_loading and window.model_info is None and fake_backend.OPENED == []
    assert "127.0.0.1:8080 (gemma-3-270m)" in window.message_bar.message()
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        qtbot.mouseClick(window.message_bar.button("Reconnect"), Qt.MouseButton.LeftButton)
    assert fake_backend.OPENED[-1].server.api_key == KEY  # from the keyring, on request

    start_model(window)  # declining: the model on this computer, and the server forgotten
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        qtbot.mouseClick(window.message_bar.button("Use Local Model"),
                         Qt.MouseButton.LeftButton)
    assert window.model_info.name == "tiny-llama" and window.settings.get("model.server") == ""


def test_a_server_given_at_start_connects_at_once(qtbot, make_window, tiny_loaded,
                                                  fake_server, memory_keyring):
    from tests.unit import fake_backend
    from writer_app.app import start_model

    window = make_window(load=None, engine=ProbeHost(tiny_loader(tiny_loaded)))
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        start_model(window, server=ServerConnection(URL, "m", KEY))
    assert fake_backend.OPENED[-1].server.api_key == KEY
    assert memory_keyring.store == {}  # a key from the environment is never stored


def test_hot_exit_while_connected_restores_the_text_and_offers_the_server(
        qtbot, make_window, tiny_loaded, fake_server, memory_keyring, tmp_path):
    """Closing with unsaved text while on a server, then starting again: the text comes
    back, and the server is offered — nothing is sent until the user says so."""
    from tests.gui.test_hot_exit import type_text
    from tests.unit import fake_backend
    from writer_app.app import start_model
    from writer_app.settings import Settings

    first = make_window(engine=ProbeHost(tiny_loader(tiny_loaded)))
    connect_through_dialog(qtbot, first, remember=True)
    first.editor.setFocus()
    type_text(first.editor, "Unsaved, on the server 在服务器上")
    first.close()  # hot exit: the journal keeps the text, the settings the server
    assert first.editor.document().isModified()
    opened = len(fake_backend.OPENED)
    saved = Settings.load(tmp_path / "settings.json")  # what the next start reads
    assert saved.get("model.server") == URL and saved.get("model.server_model") == "gemma-3-270m"

    second = make_window(load=None, engine=ProbeHost(tiny_loader(tiny_loaded)))
    second.settings.update({name: value for name, value in saved.as_dict().items()
                            if name.startswith("model.")})
    assert second.settings.get("model.server") == URL
    assert second.hot_exit.restore_orphan() is not None  # as run_gui does, then ...
    start_model(second)  # ... what to write with
    assert second.editor.text() == "Unsaved, on the server 在服务器上"
    assert "Last time you wrote with the server 127.0.0.1:8080" in second.message_bar.message()
    assert len(fake_backend.OPENED) == opened and second.model_info is None
    with qtbot.waitSignal(second.modelLoaded, timeout=TIMEOUT):
        qtbot.mouseClick(second.message_bar.button("Reconnect"), Qt.MouseButton.LeftButton)
    assert fake_backend.OPENED[-1].server.api_key == KEY  # the keyring's, when asked
    assert "Restored unsaved changes" in second.message_bar.message()  # it waited its turn
