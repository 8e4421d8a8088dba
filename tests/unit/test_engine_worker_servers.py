"""The worker's side of issue 13: probing a server, asking which backends can run, and
loading with a backend or a server (kept for a reload)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from writer_app.boundary.failures import failure_from
from writer_app.boundary.messages import (
    LoadRequest,
    ServerProbe,
    ServerProbeRequest,
    WorkerError,
)
from writer_app.boundary.server import ServerConnection
from writer_app.errors import WriterError
from writer_app.host import EngineHost
from writer_app.worker import EngineWorker

URL = "http://127.0.0.1:8080/v1"


class ProbingHost(EngineHost):
    """Answers probes: a reply for URL, a WriterError for any other; `gate` holds them."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.seen: list[ServerConnection] = []

    def execute(self, request, event, cancel):  # type: ignore[no-untyped-def]
        if not isinstance(request, ServerProbeRequest):
            return super().execute(request, event, cancel)
        self.gate.wait(10)
        self.seen.append(request.server)
        if request.server.url != URL:
            return failure_from(WriterError(f"Nothing answers at {request.server.url}",
                                            "check the address and that the server runs"))
        return ServerProbe(URL, ("gemma",), "llama.cpp", 0.01)


def test_probe_answers_fail_with_message_and_hint_and_a_newer_probe_replaces_one_waiting():
    host = ProbingHost()

    async def scenario():
        worker = EngineWorker(host)
        try:
            probe = await worker.probe_server(ServerConnection(URL, api_key="k"))
            with pytest.raises(WorkerError) as failed:
                await worker.probe_server(ServerConnection("http://127.0.0.1:9/v1"))
            host.gate.clear()  # the next probe is held in the engine thread ...
            held = worker.probe_server(ServerConnection(URL))
            await asyncio.sleep(0.2)
            waiting = worker.probe_server(ServerConnection("http://10.0.0.1:1/v1"))
            newest = worker.probe_server(ServerConnection(URL, "gemma"))  # ... replaces it
            host.gate.set()
            results = await asyncio.gather(held, waiting, newest, return_exceptions=True)
            return probe, failed.value, results
        finally:
            assert worker.shutdown(timeout=10)

    probe, failed, (held, waiting, newest) = asyncio.run(scenario())
    assert probe.models == ("gemma",) and probe.server == "llama.cpp"
    assert host.seen[0].api_key == "k"  # the key reaches the engine's side, which asks
    assert failed.message == "Nothing answers at http://127.0.0.1:9/v1"
    assert failed.hint == "check the address and that the server runs"
    assert isinstance(held, ServerProbe) and isinstance(newest, ServerProbe)
    assert isinstance(waiting, WorkerError) and waiting.cancelled
    assert [s.url for s in host.seen] == [URL, "http://127.0.0.1:9/v1", URL, URL]


def test_available_backends_come_from_the_engine_at_once():
    async def scenario():
        worker = EngineWorker(EngineHost())
        try:
            return await worker.available_backends()
        finally:
            assert worker.shutdown(timeout=10)

    backends = asyncio.run(scenario())
    assert backends["transformers"] is None
    assert set(backends) >= {"transformers", "llama.cpp", "server"}


def test_a_load_request_keeps_its_backend_and_server_as_the_model_to_load_again(monkeypatch):
    from tests.unit import fake_backend
    from writer_app.host import backends as registry
    from writer_app.host.backends import BackendEntry

    monkeypatch.setitem(registry.BACKENDS, "server", BackendEntry(
        "server", "tests.unit.fake_backend:open_backend", (), ""))
    monkeypatch.setattr(fake_backend, "OPENED", [])
    server = ServerConnection(URL, "gemma", api_key="secret")
    request = LoadRequest(URL, backend="server", server=server)

    async def scenario():
        worker = EngineWorker(EngineHost())
        try:
            info = await worker.load_request(request)
            return info, worker.model
        finally:
            assert worker.shutdown(timeout=10)

    info, model = asyncio.run(scenario())
    assert info.name == "fake" and model == request and model.server.api_key == "secret"
    opened = fake_backend.OPENED
    assert opened == [request]
    assert "secret" not in repr(model)
