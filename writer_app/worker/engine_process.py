"""The engine in a child process, so that nothing the model does can freeze the window.

Threads share one GIL: while a model loads, the tokenizer's JSON parse and its Rust
constructor hold it for ~1.4 s (measured with a timer on the GUI thread), and decoding
spends ~8 ms of Python per token. In a child process the window keeps its interpreter
to itself.

Both ends speak over one duplex pipe, in `(kind, payload)` messages that carry the plain
values of `messages`:

    window process → child    ("job", request)  ("params", SamplingParams)  ("stop", None)
    child → window process    ("event", step or progress)  ("outcome", value)  ("log", record)

A second pipe answers quick look-ups that must not wait behind a running request (the
models the user can choose from, whose scan needs transformers and so torch): a thread
of the child answers them at once, even mid-generation.

Stopping a request is a process-shared Event the child reads between tokens, set the
moment the GUI sets the request's CancelFlag (mirrored). The sampling settings of a
running generation follow the window's LiveParams: the engine thread forwards a changed
value as soon as it sees it (at each step, and every POLL_SECONDS otherwise).

The child is started with "spawn" (forking a process that runs Qt and torch threads is
unsafe), on the first request; if it dies (killed for memory, a crash in native code)
the request fails with a message and the next one starts a fresh child.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import logging
import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from writer_app.engine.params import SamplingParams
from writer_app.worker.messages import Failure, GenerateRequest, LiveParams, Request
from writer_app.worker.serving import EngineHost, Loader

if TYPE_CHECKING:
    from writer_app.worker.engine_worker import CancelFlag

PROCESS_NAME = "writer-engine"
POLL_SECONDS = 0.05  # how often a generation's settings are compared while no step arrives
STOP_SECONDS = 5.0  # how long a child may take to end after "stop" before it is terminated

_SPAWN = multiprocessing.get_context("spawn")
log = logging.getLogger(__name__)


class ChildProcessEngine:
    """Serves requests in a child process; used only by the worker's engine thread
    (except `abort`, which any thread may call)."""

    def __init__(self, loader: Loader, context_limit: int | None = None) -> None:
        self._loader = loader
        self._context_limit = context_limit
        self._process: Any = None  # multiprocessing's SpawnProcess
        self._connection: Connection | None = None
        self._cancel: Any = None  # a multiprocessing Event shared with the child
        self._queries: Connection | None = None
        self._query_lock = threading.Lock()  # one look-up at a time
        self._start_lock = threading.RLock()  # the engine thread and a look-up may both start it

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (benchmarks read its memory)."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def execute(self, request: Request, event: Callable[[Any], None],
                cancel: CancelFlag) -> object:
        """Send `request` to the child, relay its events, return its outcome."""
        try:
            connection, shared_cancel, _ = self._running_child()
        except Exception as error:
            log.exception("The engine process could not start")
            return Failure("The engine could not start",
                           f"{type(error).__name__}: {error}; see the log for details")
        shared_cancel.clear()  # no job runs in the child now: a stale stop must not carry over
        cancel.mirror(shared_cancel)
        try:
            return self._exchange(connection, request, event)
        except (EOFError, OSError):
            failure = self._lost()
            if cancel.is_set():  # stopped on purpose (a shutdown that could not wait)
                return Failure("The request was cancelled", "", cancelled=True)
            return failure
        finally:
            cancel.unmirror(shared_cancel)

    def query(self, name: str) -> Any:
        """Answer a look-up in the child (see QUERIES), at once even while it serves a
        request; starts the child if needed. Blocks: call it off the GUI thread."""
        with self._query_lock:
            _, _, queries = self._running_child()
            queries.send(name)
            ok, value = queries.recv()
        if not ok:
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        """Ask the child to end and wait for it (terminate it if it does not)."""
        with self._start_lock:
            process, connection, queries = self._process, self._connection, self._queries
            self._process = self._connection = self._cancel = self._queries = None
        if queries is not None:
            queries.close()
        if process is None or connection is None:
            return
        with contextlib.suppress(OSError, ValueError):
            connection.send(("stop", None))
        process.join(STOP_SECONDS)
        if process.is_alive():
            log.warning("The engine process did not stop in %.0f s: terminating it",
                        STOP_SECONDS)
            process.terminate()
            process.join(2.0)
        if process.is_alive():
            process.kill()
            process.join(2.0)
        connection.close()

    def prepare(self) -> None:
        """Start the child, which then imports the engine's libraries before any request."""
        self._running_child()

    def abort(self) -> None:
        """Kill the child now; the engine thread then sees the pipe close and moves on."""
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    # ---- the window's side -----------------------------------------------------------------

    def _running_child(self) -> tuple[Connection, Any, Connection]:
        with self._start_lock:
            if self._process is not None and self._process.is_alive():
                assert self._connection is not None and self._queries is not None
                return self._connection, self._cancel, self._queries
            self._discard()
            ours, theirs = _SPAWN.Pipe(duplex=True)
            queries, answers = _SPAWN.Pipe(duplex=True)
            cancel = _SPAWN.Event()
            process = _SPAWN.Process(target=serve_in_child, name=PROCESS_NAME, daemon=True,
                                     args=(theirs, answers, cancel, self._loader,
                                           self._context_limit))
            process.start()
            theirs.close()  # ours alone stays open here, so the child's death reads as EOF
            answers.close()
            self._process, self._connection, self._cancel = process, ours, cancel
            self._queries = queries
            return ours, cancel, queries

    def _exchange(self, connection: Connection, request: Request,
                  event: Callable[[Any], None]) -> object:
        live: Callable[[], SamplingParams] | None = None
        sent: SamplingParams | None = None
        if isinstance(request, GenerateRequest):  # a callable cannot cross: send its value
            live, sent = request.params, request.params()
            request = dataclasses.replace(request, params=LiveParams(sent))
        connection.send(("job", request))
        while True:
            if connection.poll(POLL_SECONDS):
                kind, payload = connection.recv()
                if kind == "outcome":
                    return payload
                if kind == "event":
                    event(payload)
                elif kind == "log":
                    logging.getLogger(payload.name).handle(payload)
            elif not self._process.is_alive():
                raise EOFError("the engine process has ended")
            if live is not None:
                current = live()
                if current != sent:
                    connection.send(("params", current))
                    sent = current

    def _lost(self) -> Failure:
        process = self._process
        if process is not None:
            process.join(1.0)
        code = process.exitcode if process is not None else None
        self._discard()
        log.error("The engine process ended unexpectedly (exit code %s)", code)
        return Failure("The engine stopped unexpectedly"
                       + (f" (exit code {code})" if code is not None else ""),
                       "it may have run out of memory: a smaller model or precision "
                       "(Model → Choose Model…) needs less", engine_lost=True)

    def _discard(self) -> None:
        """Forget a child that has ended (or never started)."""
        with self._start_lock:
            for connection in (self._connection, self._queries):
                if connection is not None:
                    connection.close()
            if self._process is not None and self._process.is_alive():
                self._process.kill()
            self._process = self._connection = self._cancel = self._queries = None


# ---- the child's side ------------------------------------------------------------------------


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


def _list_models() -> Any:
    from writer_app.engine.models import list_models

    return list_models()


QUERIES: dict[str, Callable[[], Any]] = {"list_models": _list_models}


def _answer_queries(answers: Connection) -> None:
    """Answer look-ups until the window's process closes the pipe."""
    try:
        while True:
            name = answers.recv()
            try:
                reply: tuple[bool, Any] = (True, QUERIES[name]())
            except Exception as error:
                reply = (False, f"{type(error).__name__}: {error}")
            answers.send(reply)
    except (EOFError, OSError):
        pass


def serve_in_child(connection: Connection, answers: Connection, cancel: Any, loader: Loader,
                   context_limit: int | None) -> None:
    """The child's main: serve jobs in order until "stop" or the window's process is gone."""
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
        except (EOFError, OSError):  # the window's process has gone
            pass
        cancel.set()
        jobs.put(None)

    threading.Thread(target=listen, name="writer-engine-listener", daemon=True).start()
    threading.Thread(target=_answer_queries, args=(answers,), name="writer-engine-queries",
                     daemon=True).start()
    host = EngineHost(loader, context_limit)
    try:
        if jobs.empty():  # nothing asked yet: import torch and transformers meanwhile
            _import_engine_libraries()
        while (request := jobs.get()) is not None:
            outcome = host.execute(request, lambda item: send("event", item), cancel)
            send("outcome", outcome)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        pass  # nobody is listening any more
    finally:
        host.close()
