"""One HTTP/1.1 exchange over a socket, read in short polls so a cancel is never stuck.

`http.client` blocks in a read for as long as the server is silent, and a socket timeout
inside it leaves the reply unusable. This reads the reply itself — status line, headers,
then a chunked, sized or until-close body — waiting at most `POLL_S` at a time, so the
caller's cancel is seen within that while a server stalls, and a silence longer than
the timeout becomes an error. Closing the socket is how a stream stops the server's
generation (servers check for a gone client between tokens).
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from writer_app.engine.remote import failures

POLL_S = 0.2  # the longest a read waits before looking at the cancel flag again
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024  # a non-streamed reply larger than this is not a reply


class Cancelled(Exception):
    """The caller's cancel flag was set while waiting for the server."""


@dataclass(frozen=True)
class Endpoint:
    """Where the server is: scheme, host, port, and the base path ("/v1")."""

    url: str
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(url, parts.scheme, parts.hostname or "", port, parts.path.rstrip("/"))

    @property
    def root(self) -> str:
        """The path above /v1, where non-OpenAI endpoints (/tokenize, /props) live."""
        return self.path[: -len("/v1")] if self.path.endswith("/v1") else self.path


def connect(endpoint: Endpoint, timeout: float) -> socket.socket:
    """A connected (and for https, TLS-verified) socket, or a ServerError that says why."""
    try:
        raw = socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)
    except ConnectionRefusedError:
        raise failures.refused(endpoint.url) from None
    except socket.gaierror:
        raise failures.unknown_host(endpoint.url, endpoint.host) from None
    except TimeoutError:
        raise failures.timed_out(endpoint.url, timeout) from None
    except OSError as error:
        raise failures.unreachable(endpoint.url, error) from None
    if endpoint.scheme != "https":
        return raw
    try:
        context = ssl.create_default_context()
        return context.wrap_socket(raw, server_hostname=endpoint.host)
    except ssl.SSLError as error:
        raw.close()
        raise failures.tls_failed(endpoint.host, error) from None
    except TimeoutError:
        raw.close()
        raise failures.timed_out(endpoint.url, timeout) from None
    except OSError as error:  # the server closed the connection during the handshake
        raw.close()
        raise failures.tls_failed(endpoint.host, error) from None


def request_bytes(endpoint: Endpoint, method: str, path: str, headers: dict[str, str],
                  body: bytes | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {endpoint.host}:{endpoint.port}",
             "Connection: close", "User-Agent: Writer"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Reply:
    """An HTTP reply being read: its status and headers, then its body in pieces."""

    def __init__(self, sock: socket.socket, endpoint: Endpoint, timeout: float,
                 cancel: Callable[[], bool]) -> None:
        self._sock = sock
        self._endpoint = endpoint
        self._timeout = timeout
        self._cancel = cancel
        self._buffer = b""
        self._closed = False
        self.status = 0
        self.headers: dict[str, str] = {}

    # ---- raw reading ---------------------------------------------------------------------

    def _receive(self) -> bytes:
        """The next bytes from the socket (b"" at its end), polling the cancel flag."""
        silent_since = time.monotonic()
        while True:
            if self._cancel():
                raise Cancelled
            pending = isinstance(self._sock, ssl.SSLSocket) and self._sock.pending() > 0
            if not pending:
                try:
                    ready, _, _ = select.select([self._sock], [], [], POLL_S)
                except (OSError, ValueError):  # closed meanwhile
                    return b""
                if not ready:
                    if time.monotonic() - silent_since > self._timeout:
                        raise failures.timed_out(self._endpoint.url, self._timeout)
                    continue
            try:
                return self._sock.recv(65536)
            except ssl.SSLWantReadError:
                continue
            except ssl.SSLError as error:
                raise failures.tls_failed(self._endpoint.host, error) from None
            except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
                return b""
            except TimeoutError:
                continue
            except OSError:
                return b""

    def _fill(self) -> bool:
        data = self._receive()
        self._buffer += data
        return bool(data)

    def _line(self, limit: int = MAX_HEADER_BYTES) -> bytes:
        while b"\n" not in self._buffer:
            if len(self._buffer) > limit:
                raise failures.unreadable(self._endpoint.url, "a header line is too long")
            if not self._fill():
                raise failures.cut(self._endpoint.url)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def _exactly(self, count: int) -> bytes:
        while len(self._buffer) < count:
            if not self._fill():
                raise failures.cut(self._endpoint.url)
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    # ---- the reply ------------------------------------------------------------------------

    def read_head(self) -> None:
        """Read the status line and headers (a cut before them is retryable)."""
        try:
            status_line = self._line()
        except failures.StreamCut:
            raise failures.ServerError(
                f"The server at {self._endpoint.url} closed the connection without a reply",
                "is it an http server on this port? Check the URL", retryable=True) from None
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise failures.unreadable(self._endpoint.url,
                                      f"not an HTTP reply ({status_line[:40]!r})")
        self.status = int(parts[1])
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def body(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (chunked, sized or until the server closes)."""
        encoding = self.headers.get("transfer-encoding", "").lower()
        if "chunked" in encoding:
            yield from self._chunked()
            return
        length = self.headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                raise failures.unreadable(self._endpoint.url, "a bad Content-Length")
            remaining = int(length)
            while remaining > 0:
                if not self._buffer and not self._fill():
                    raise failures.cut(self._endpoint.url)
                data, self._buffer = self._buffer[:remaining], self._buffer[remaining:]
                remaining -= len(data)
                yield data
            return
        while True:
            if self._buffer:
                data, self._buffer = self._buffer, b""
                yield data
            if not self._fill():
                return

    def _chunked(self) -> Iterator[bytes]:
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise failures.unreadable(self._endpoint.url,
                                          f"a bad chunk size {size_text[:20]!r}") from None
            if size == 0:
                return  # trailers are not needed: the connection is closed next
            yield self._exactly(size)
            self._exactly(2)  # the CRLF after each chunk

    def read_all(self) -> bytes:
        data = bytearray()
        for piece in self.body():
            data += piece
            if len(data) > MAX_BODY_BYTES:
                raise failures.unreadable(self._endpoint.url, "the reply is far too large")
        return bytes(data)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


def exchange(endpoint: Endpoint, method: str, path: str, headers: dict[str, str],
             body: bytes | None, timeout: float, cancel: Callable[[], bool],
             opened: Callable[[Reply], None] = lambda reply: None) -> Reply:
    """Send one request and read the reply's head; the caller reads the body and closes.

    `opened` learns of the reply before anything is sent, so that closing it from
    another thread also ends a wait for the head."""
    sock = connect(endpoint, timeout)
    reply = Reply(sock, endpoint, timeout, cancel)
    opened(reply)
    try:
        sock.sendall(request_bytes(endpoint, method, path, headers, body))
        reply.read_head()
    except ssl.SSLError as error:
        reply.close()
        raise failures.tls_failed(endpoint.host, error) from None
    except (BrokenPipeError, ConnectionResetError):
        reply.close()
        raise failures.ServerError(f"The server at {endpoint.url} closed the connection",
                                   "check that it is running", retryable=True) from None
    except BaseException:
        reply.close()
        raise
    return reply
