"""Requests to one server: JSON in and out, streams of events, retries where safe.

Only idempotent calls are retried (listing models, tokenizing, the pane's one-token
completion): a streamed generation is never repeated behind the user's back. Every
failure is a `ServerError` with a message the user can act on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from writer_app.engine.remote import failures
from writer_app.engine.remote.replies import loads
from writer_app.engine.remote.sse import DONE, EventParser
from writer_app.engine.remote.transport import Cancelled, Endpoint, Reply, exchange

RETRY_DELAYS_S = (0.25, 0.75)  # waits before the second and third tries
NEVER: Callable[[], bool] = lambda: False  # noqa: E731


class Client:
    """One server's base URL and key; each call opens its own connection."""

    def __init__(self, url: str, api_key: str = "", timeout_s: float = 30.0) -> None:
        self.endpoint = Endpoint.parse(url)
        self.url = url
        self._api_key = api_key
        self.timeout_s = timeout_s
        self._open: set[Reply] = set()
        self._lock = threading.Lock()
        self.requests: list[tuple[str, Any]] = []  # (path, body) sent, newest last

    def _headers(self, body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream"}
        if body:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _path(self, path: str, under_v1: bool) -> str:
        base = self.endpoint.path if under_v1 else self.endpoint.root
        return (base + path) or "/"

    def _send(self, method: str, path: str, body: Any, cancel: Callable[[], bool]) -> Reply:
        data = None if body is None else json.dumps(body).encode("utf-8")
        self.requests.append((path, body))
        del self.requests[:-50]
        try:
            reply = exchange(self.endpoint, method, path, self._headers(data is not None),
                             data, self.timeout_s, cancel, self._opened)
        except BaseException:
            self._forget_all_closed()
            raise
        if reply.status >= 400:
            try:
                text = reply.read_all().decode("utf-8", "replace")
            except failures.ServerError:
                text = ""
            finally:
                self._forget(reply)
            raise failures.http_status(self.url, path, reply.status, _error_text(text))
        return reply

    def _opened(self, reply: Reply) -> None:
        with self._lock:
            self._open.add(reply)

    def _forget_all_closed(self) -> None:
        with self._lock:
            self._open = {reply for reply in self._open if not reply.closed}

    def _forget(self, reply: Reply) -> None:
        reply.close()
        with self._lock:
            self._open.discard(reply)

    def call(self, method: str, path: str, body: Any = None, *, under_v1: bool = True,
             retry: bool = False, cancel: Callable[[], bool] = NEVER) -> Any:
        """The JSON a request answers with. `retry`: the call is safe to repeat."""
        full = self._path(path, under_v1)
        tries = len(RETRY_DELAYS_S) + 1 if retry else 1
        for attempt in range(tries):
            try:
                reply = self._send(method, full, body, cancel)
                try:
                    data = reply.read_all()
                finally:
                    self._forget(reply)
                try:
                    return loads(data)
                except ValueError as error:
                    raise failures.unreadable(self.url, str(error)) from None
            except failures.ServerError as error:
                if not error.retryable or attempt == tries - 1:
                    raise
                _sleep(RETRY_DELAYS_S[attempt], cancel)
        raise AssertionError("unreachable")

    def stream(self, path: str, body: Any,
               cancel: Callable[[], bool] = NEVER) -> Iterator[Any]:
        """The JSON of each event of a streamed reply, until `[DONE]`.

        Raises StreamCut if the connection ends before `[DONE]`; stopping the iteration
        (or cancel) closes the connection, which stops the server's generation.
        """
        reply = self._send("POST", self._path(path, True), body, cancel)
        try:
            parser = EventParser()
            content_type = reply.headers.get("content-type", "")
            if "json" in content_type and "event-stream" not in content_type:
                # a server that ignored stream: true answers with one JSON document
                yield _json(self.url, reply.read_all())
                return
            for piece in reply.body():
                for event in _parsed(self.url, parser, piece):
                    if event.strip() == DONE:
                        return
                    yield _json(self.url, event.encode("utf-8"))
            for event in parser.finish():
                if event.strip() == DONE:
                    return
                yield _json(self.url, event.encode("utf-8"))
            raise failures.cut(self.url)
        finally:
            self._forget(reply)

    def close(self) -> None:
        """Close every open connection (from any thread): a stream stops at once."""
        with self._lock:
            replies, self._open = list(self._open), set()
        for reply in replies:
            reply.close()


def _parsed(url: str, parser: EventParser, piece: bytes) -> list[str]:
    try:
        return parser.feed(piece)
    except ValueError as error:
        raise failures.unreadable(url, str(error)) from None


def _json(url: str, data: bytes) -> Any:
    try:
        return loads(data)
    except ValueError as error:
        raise failures.unreadable(url, str(error)) from None


def _error_text(body: str) -> str:
    """The message inside an error reply's JSON ({"error": {"message"}} or {"detail"})."""
    try:
        document = json.loads(body)
    except ValueError:
        return body.strip()
    if isinstance(document, dict):
        error = document.get("error", document.get("detail", document.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if isinstance(error, list) and error and isinstance(error[0], dict):
            error = error[0].get("msg", error[0])
        if error is not None:
            return str(error)
    return body.strip()


def _sleep(seconds: float, cancel: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cancel():
            raise Cancelled
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


__all__ = ["Cancelled", "Client"]
