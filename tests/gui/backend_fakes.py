"""Fakes for the window on other backends: an in-memory keyring, an engine that answers
server probes with canned replies, and the fake backend standing in for a server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from tests.unit import fake_backend
from writer_app.boundary.failures import failure_from
from writer_app.boundary.messages import ServerProbe, ServerProbeRequest
from writer_app.boundary.server import ServerConnection
from writer_app.host import EngineHost
from writer_app.host import backends as registry
from writer_app.host.backends import BackendEntry

URL = "http://127.0.0.1:8080/v1"
KEY = "sk-test-Zq8v1-秘密"  # distinctive, and not ASCII: easy to find in any file


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in this process only (the tests' "system keyring")."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """As on this machine: keyring's fail backend only."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def llama_probe(server: ServerConnection) -> ServerProbe:
    return ServerProbe(server.url, ("gemma-3-270m",), "llama.cpp", 0.012)


class ProbeHost(EngineHost):
    """An EngineHost that answers server probes with `answer` (a reply, or it raises)."""

    def __init__(self, loader: Callable[..., object],
                 answer: Callable[[ServerConnection], ServerProbe] = llama_probe) -> None:
        super().__init__(loader)
        self.answer = answer
        self.probes: list[ServerConnection] = []

    def execute(self, request, event, cancel):  # type: ignore[no-untyped-def]
        if isinstance(request, ServerProbeRequest):
            self.probes.append(request.server)
            try:
                return self.answer(request.server)
            except Exception as error:
                return failure_from(error)
        return super().execute(request, event, cancel)


SERVER_LACKS = fake_backend.Capabilities.lacking(
    top_k="this server takes no top-k", repetition_penalty="this server has no penalty",
    seed="this server ignores seeds", beam_search="servers have no beam search",
    suggestions="this server samples one continuation at a time",
    alternatives="this server sends no log-probabilities", reweigh="the server is asked again")


@pytest.fixture
def fake_server(monkeypatch) -> dict:
    """The "server" backend is the fake one, named "server", lacking what servers lack;
    returns its OPTIONS for the test to change."""
    monkeypatch.setitem(registry.BACKENDS, "server",
                        BackendEntry("server", "tests.unit.fake_backend:open_backend", (), ""))
    monkeypatch.setitem(registry.BACKENDS, "fake",
                        BackendEntry("fake", "tests.unit.fake_backend:open_backend", (), ""))
    options = dict(fake_backend.DEFAULTS, name="server", capabilities=SERVER_LACKS,
                   approximate=True)
    monkeypatch.setattr(fake_backend, "OPTIONS", options)
    monkeypatch.setattr(fake_backend, "OPENED", [])
    return options
