"""The engine's child process: its main loop, fed by the window's process over a pipe.

The window's side (`writer_app.worker.engine_process`) starts this by name and speaks
the protocol described there: ("job", request), ("params", SamplingParams), ("stop",
None) in; ("event", ...), ("outcome", ...), ("log", record) out; look-ups on a second
pipe, answered by a thread of their own even mid-request.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import logging
import os
import pickle
import queue
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from writer_app.boundary.engine import CancelSignal, LoaderRef
from writer_app.boundary.messages import GenerateRequest, LiveParams, Request
from writer_app.host import queries
from writer_app.host.loading import Loader
from writer_app.host.serving import EngineHost

ORPHAN_SECONDS = 10.0  # a child whose window's process died ends after this, whatever it does


class _Sender:
    """Sends from any of the child's threads, one message at a time."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def __call__(self, kind: str, payload: Any) -> None:
        with self._lock:
            self._connection.send((kind, payload))


class _ForwardLogs(logging.Handler):
    """Sends the child's log records to the window's process, which writes the log file."""

    def __init__(self, send: _Sender) -> None:
        super().__init__(logging.INFO)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            flat = copy.copy(record)  # what QueueHandler does: format now, drop what won't pickle
            flat.msg = record.getMessage()
            flat.args = None
            if record.exc_info:
                flat.exc_text = logging.Formatter().formatException(record.exc_info)
            flat.exc_info = None
            self._send("log", flat)
        except Exception:
            self.handleError(record)


def _import_engine_libraries() -> None:
    """What every model load imports first (~3 s): done while the window is still busy."""
    try:
        for module in ("writer_app.engine.models", "writer_app.engine.session"):
            importlib.import_module(module)  # torch and transformers with them
    except Exception:  # a broken installation: the load will say what is missing
        logging.getLogger(__name__).exception("The engine's libraries did not import")


def _answer_queries(answers: Connection) -> None:
    """Answer look-ups until the window's process closes the pipe."""
    try:
        while True:
            number, name = answers.recv()
            try:
                reply: tuple[int, bool, Any] = (number, True, queries.answer(name))
            except Exception as error:
                reply = (number, False, f"{type(error).__name__}: {error}")
            try:
                answers.send(reply)  # pickles before it writes: a failure sends nothing
            except (pickle.PicklingError, TypeError, AttributeError) as error:
                answers.send((number, False, f"the answer did not pickle: {error}"))
    except (EOFError, OSError):
        pass


def serve_in_child(connection: Connection, answers: Connection, cancel: Any,
                   loader: LoaderRef | Loader, context_limit: int | None) -> None:
    """The child's main: serve jobs in order until "stop" or the window's process is gone.

    `cancel` is the shared stop flag (it has set/is_set); `loader` names the loader.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal: the window decides
    send = _Sender(connection)
    root = logging.getLogger()
    root.addHandler(_ForwardLogs(send))
    root.setLevel(logging.INFO)
    jobs: queue.SimpleQueue[Request | None] = queue.SimpleQueue()

    def listen() -> None:
        live = LiveParams()
        try:
            while True:
                kind, payload = connection.recv()
                if kind == "job":
                    if isinstance(payload, GenerateRequest):
                        live = payload.params  # type: ignore[assignment]  # a LiveParams
                    jobs.put(payload)
                elif kind == "params":
                    live.set(payload)
                elif kind == "stop":
                    break
        except (EOFError, OSError):  # the window's process has gone: end, even mid-load
            orphaned = threading.Timer(ORPHAN_SECONDS, os._exit, (0,))
            orphaned.daemon = True
            orphaned.start()
        cancel.set()
        jobs.put(None)

    threading.Thread(target=listen, name="writer-engine-listener", daemon=True).start()
    threading.Thread(target=_answer_queries, args=(answers,), name="writer-engine-queries",
                     daemon=True).start()
    stop: CancelSignal = cancel
    host = EngineHost(loader, context_limit)
    try:
        if jobs.empty():  # nothing asked yet: import torch and transformers meanwhile
            _import_engine_libraries()
        while (request := jobs.get()) is not None:
            outcome = host.execute(request, lambda item: send("event", item), stop)
            send("outcome", outcome)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        pass  # nobody is listening any more
    finally:
        host.close()
    # End now, as a forked child does: the interpreter's own shutdown with torch and
    # transformers loaded took over 5 s on a busy machine, and the window waits for it.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
