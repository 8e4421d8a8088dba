"""A loopback HTTP proxy that misbehaves on request: cuts, stalls, garbage, error codes.

Each connection carries one request (Writer's client sends `Connection: close`). The
proxy reads it, logs it (path and JSON body), then either answers with a canned reply,
or relays it to the upstream server — cutting the reply after N bytes, or stalling after
N bytes until the test ends. It notes when a client hangs up mid-reply (a Stop). It runs
on threads that `stop()` ends and joins, so no test leaves one behind.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

POLL_S = 0.05


@dataclass
class Logged:
    method: str
    path: str
    body: Any
    client_closed: bool = False  # the client hung up before the reply ended


@dataclass
class Fault:
    """What to do with matching requests (those whose path ends with `path`)."""

    path: str = ""
    reply: bytes | None = None  # answer with these bytes instead of relaying
    cut_after: int | None = None  # relay this many bytes of the reply, then close
    stall_after: int | None = None  # relay this many bytes, then go silent
    times: int | None = None  # how many requests it applies to (None: all)


def http_reply(status: int, body: bytes | str, content_type: str = "application/json",
               chunked: bool = False) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    head = f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nConnection: close\r\n"
    if chunked:
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + (
            f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n" if data else b"0\r\n\r\n")
    return (head + f"Content-Length: {len(data)}\r\n\r\n").encode() + data


def sse_reply(events: list[Any], done: bool = True) -> bytes:
    body = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    if done:
        body += "data: [DONE]\n\n"
    return http_reply(200, body, "text/event-stream", chunked=True)


class FaultProxy:
    """Listens on 127.0.0.1; `upstream` is the real server's port (None: canned only)."""

    def __init__(self, upstream: int | None) -> None:
        self.upstream = upstream
        self.faults: list[Fault] = []
        self.log: list[Logged] = []
        self.on_request: Callable[[Logged], None] | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._accepting = threading.Thread(target=self._accept, name="fault-proxy",
                                           daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def completions(self) -> list[Logged]:
        return [entry for entry in self.log if entry.path.endswith("/completions")]

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self._accepting.join(5)
        for thread in list(self._threads):
            thread.join(5)

    # ---- threads ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], POLL_S)
                if not ready:
                    continue
                client, _ = self._listener.accept()
            except (OSError, ValueError):
                return
            self._track(client)
            thread = threading.Thread(target=self._serve, args=(client,),
                                      name="fault-proxy-connection", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _fault_for(self, path: str) -> Fault | None:
        for fault in self.faults:
            if path.endswith(fault.path) and (fault.times is None or fault.times > 0):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _serve(self, client: socket.socket) -> None:
        try:
            request = self._read_request(client)
            if request is None:
                return
            raw, entry = request
            self.log.append(entry)
            if self.on_request is not None:
                self.on_request(entry)
            fault = self._fault_for(entry.path)
            if fault is not None and fault.reply is not None:
                client.sendall(fault.reply)
                return
            if self.upstream is None:
                client.sendall(http_reply(404, '{"error": "no upstream"}'))
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            self._track(upstream)
            try:
                upstream.sendall(raw)
                self._relay(client, upstream, fault, entry)
            finally:
                upstream.close()
        except OSError:
            pass
        finally:
            client.close()

    def _read_request(self, client: socket.socket) -> tuple[bytes, Logged] | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._recv(client)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = self._recv(client)
            if not chunk:
                return None
            body += chunk
        parsed = json.loads(body) if body else None
        return data[: len(head) + 4] + body, Logged(method, path, parsed)

    def _recv(self, sock: socket.socket) -> bytes:
        while not self._stopping.is_set():
            ready, _, _ = select.select([sock], [], [], POLL_S)
            if ready:
                return sock.recv(65536)
        return b""

    def _relay(self, client: socket.socket, upstream: socket.socket, fault: Fault | None,
               entry: Logged) -> None:
        sent = 0
        limit = None if fault is None else (fault.cut_after if fault.cut_after is not None
                                            else fault.stall_after)
        stalled = False
        while not self._stopping.is_set():
            watched = [client] if stalled else [client, upstream]
            ready, _, _ = select.select(watched, [], [], POLL_S)
            if client in ready and not client.recv(65536):
                entry.client_closed = True
                return
            if upstream in ready:
                data = upstream.recv(65536)
                if not data:
                    return
                if limit is not None and sent + len(data) >= limit:
                    client.sendall(data[: limit - sent])
                    sent = limit
                    if fault is not None and fault.cut_after is not None:
                        return  # cut: both connections close
                    stalled = True
                    continue
                client.sendall(data)
                sent += len(data)
