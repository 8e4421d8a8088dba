"""A real llama.cpp server (llama-cpp-python's) on the default GGUF, on 127.0.0.1.

`llama_server` is shared by the whole session (each start loads the model); the
`fresh_server` fixture starts one a test may kill, or one that demands an API key. The
server keeps every position's logits (`--logits_all`, its default) because its
log-probabilities need them: n_ctx stays small to keep that array small.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.remote.fault_proxy import FaultProxy

N_CTX = 512
MODEL_NAME = "writer-default-gemma"
START_TIMEOUT_S = 120

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip("llama-cpp-python (with [server]) is not installed: "
                "pip install 'llama-cpp-python[server]'", allow_module_level=True)


@dataclass
class RunningServer:
    url: str  # base URL, ending in /v1
    model: str
    api_key: str | None
    port: int
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(api_key: str | None = None, log_name: str = "llama-server") -> RunningServer:
    from writer_app.engine.models.builtin import default_gguf_path

    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf_path()),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(N_CTX),
               "--n_threads", "1", "--n_threads_batch", "1", "--model_alias", MODEL_NAME,
               "--logits_all", "true", "--verbose", "false"]
    if api_key:
        command += ["--api_key", api_key]
    log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"{log_name}-{port}.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    server = RunningServer(url, MODEL_NAME, api_key, port, process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the llama.cpp server exited ({process.returncode}); see "
                               f"{log_name}-{port}.log")
        try:
            headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
            with urllib.request.urlopen(urllib.request.Request(url + "/models",
                                                               headers=headers),
                                        timeout=2) as reply:
                if json.load(reply)["data"]:
                    return server
        except (OSError, urllib.error.URLError, ValueError):
            time.sleep(0.3)
    server.stop()
    raise RuntimeError("the llama.cpp server did not answer within "
                       f"{START_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def llama_server() -> Iterator[RunningServer]:
    """One llama.cpp server for the session: .url (ending /v1), .model, .api_key (None)."""
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def fresh_server() -> Iterator[Callable[..., RunningServer]]:
    """Start a server of the test's own (to kill, or with an API key); stopped after."""
    started: list[RunningServer] = []

    def start(api_key: str | None = None) -> RunningServer:
        server = start_server(api_key, "llama-server-fresh")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def proxy(llama_server: RunningServer) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the session's server."""
    faulty = FaultProxy(llama_server.port)
    yield faulty
    faulty.stop()


@pytest.fixture
def canned() -> Iterator[FaultProxy]:
    """A proxy with no server behind it: it answers only with canned replies."""
    faulty = FaultProxy(None)
    yield faulty
    faulty.stop()
