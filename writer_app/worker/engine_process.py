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

Stopping a request is a flag in shared memory that the child reads between tokens, set
the moment the GUI sets the request's CancelFlag (mirrored). The sampling settings of a
running generation follow the window's LiveParams: the engine thread forwards a changed
value as soon as it sees it (at each step, and every POLL_SECONDS otherwise).

The child is started with "spawn" (forking a process that runs Qt and torch threads is
unsafe), on the first request; if it dies (killed for memory, a crash in native code)
the request that finds it so (running, or the next one) fails with a message that says
the model is gone, and the request after that starts a fresh child.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from writer_app.boundary.messages import Failure, GenerateRequest, LiveParams, Request
from writer_app.boundary.params import SamplingParams
from writer_app.worker.serving import EngineHost, Loader, failure_from

if TYPE_CHECKING:
    from writer_app.worker.engine_worker import CancelFlag

PROCESS_NAME = "writer-engine"
POLL_SECONDS = 0.05  # how often a generation's settings are compared while no step arrives
STOP_SECONDS = 5.0  # how long a child may take to end after "stop" before it is terminated
QUERY_SECONDS = 60.0  # the longest a look-up may take (the first one imports torch)
ORPHAN_SECONDS = 10.0  # a child whose window's process died ends after this, whatever it does

_SPAWN = multiprocessing.get_context("spawn")
log = logging.getLogger(__name__)


class _SharedFlag:
    """A stop flag both processes see: one byte of shared memory, no lock.

    (A multiprocessing Event takes a lock even to read it, before every token; a child
    killed while holding that lock would make the window's next Stop wait forever.)
    """

    def __init__(self) -> None:
        self._value = _SPAWN.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def clear(self) -> None:
        self._value.value = 0

    def is_set(self) -> bool:
        return bool(self._value.value)


@dataclass(eq=False)
class _Child:
    """One engine process and its two pipes."""

    process: Any  # multiprocessing's SpawnProcess
    connection: Connection  # requests and replies
    queries: Connection  # look-ups
    cancel: _SharedFlag

    def alive(self) -> bool:
        """Without reaping it (is_alive() does, and two threads calling it race)."""
        return not wait([self.process.sentinel], 0)


class _ChildEnded(Exception):
    """The child died between two requests; the next request reports the loss."""

    def __init__(self, child: _Child) -> None:
        super().__init__("the engine's process has ended")
        self.child = child


class ChildProcessEngine:
    """Serves requests in a child process. The worker's engine thread calls `execute`,
    `prepare` and `close`; any thread may call `query`, `abort` and `pid`."""

    def __init__(self, loader: Loader, context_limit: int | None = None) -> None:
        self._loader = loader
        self._context_limit = context_limit
        self._child: _Child | None = None
        self._closed = False
        self._lock = threading.Lock()  # guards _child and _closed
        self._query_lock = threading.Lock()  # one look-up at a time on the query pipe
        self._query_numbers = itertools.count(1)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (benchmarks read its memory)."""
        child = self._child
        return child.process.pid if child is not None and child.alive() else None

    def execute(self, request: Request, event: Callable[[Any], None],
                cancel: CancelFlag) -> object:
        """Send `request` to the child, relay its events, return its outcome."""
        try:
            child = self._current_child()
        except _ChildEnded as ended:  # killed while idle (say, for memory): say so now
            return self._lost(ended.child)
        except Exception as error:
            log.exception("The engine process could not start")
            return Failure("The engine could not start",
                           f"{type(error).__name__}: {error}; see the log for details")
        child.cancel.clear()  # no job runs in the child now: a stale stop must not carry over
        cancel.mirror(child.cancel)
        try:
            return self._exchange(child, request, event)
        except (EOFError, OSError):
            failure = self._lost(child)
            if cancel.is_set():  # stopped on purpose (a shutdown that could not wait)
                return Failure("The request was cancelled", "", cancelled=True)
            return failure
        except Exception as error:  # this side failed mid-request: the child still runs it
            return self._abandon(child, error)
        finally:
            cancel.unmirror(child.cancel)

    def query(self, name: str) -> Any:
        """Answer a look-up in the child (see QUERIES), at once even while it serves a
        request; starts the child if none runs yet. Blocks: call it off the GUI thread."""
        with self._query_lock:
            try:
                child = self._current_child()
            except _ChildEnded as ended:
                raise RuntimeError("the engine's process has ended; the next request "
                                   "starts a new one") from ended
            number = next(self._query_numbers)
            child.queries.send((number, name))
            deadline = time.monotonic() + QUERY_SECONDS
            while True:  # an answer to an earlier look-up that timed out is skipped
                left = deadline - time.monotonic()
                if left <= 0 or not child.queries.poll(left):
                    raise TimeoutError(f"the engine did not answer {name!r} in time")
                answered, ok, value = child.queries.recv()
                if answered == number:
                    break
        if not ok:
            raise RuntimeError(value)
        return value

    def prepare(self) -> None:
        """Start the child, which then imports the engine's libraries before any request."""
        with contextlib.suppress(_ChildEnded):
            self._current_child()

    def close(self) -> None:
        """Ask the child to end and wait for it (terminate it if it does not); no child is
        started after this."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError, ValueError):
            child.connection.send(("stop", None))
        process = child.process
        process.join(STOP_SECONDS)
        if process.is_alive():
            log.warning("The engine process did not stop in %.0f s: terminating it",
                        STOP_SECONDS)
            process.terminate()
            process.join(2.0)
        if process.is_alive():
            process.kill()
            process.join(2.0)
        self._close_pipes(child)

    def abort(self) -> None:
        """Kill the child now; the engine thread then sees the pipe close and moves on."""
        child = self._child
        if child is not None and child.alive():
            child.process.kill()

    # ---- the window's side -----------------------------------------------------------------

    def _current_child(self) -> _Child:
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine has been shut down")
            child = self._child
            if child is not None:
                if not child.alive():
                    raise _ChildEnded(child)
                return child
            ours, theirs = _SPAWN.Pipe(duplex=True)
            queries, answers = _SPAWN.Pipe(duplex=True)
            cancel = _SharedFlag()
            process = _SPAWN.Process(target=serve_in_child, name=PROCESS_NAME, daemon=True,
                                     args=(theirs, answers, cancel, self._loader,
                                           self._context_limit))
            try:
                process.start()
            finally:
                theirs.close()  # ours alone stays open here, so the child's death reads as EOF
                answers.close()
            self._child = child = _Child(process, ours, queries, cancel)
            return child

    def _exchange(self, child: _Child, request: Request, event: Callable[[Any], None]) -> object:
        connection = child.connection
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
            elif not child.alive():
                raise EOFError("the engine process has ended")
            if live is not None:
                current = live()
                if current != sent:
                    connection.send(("params", current))
                    sent = current

    def _abandon(self, child: _Child, error: Exception) -> Failure:
        """Stop the request this side gave up on and read the rest of its replies, so that
        none is taken for the next request's; a child that does not finish is killed."""
        log.error("Giving up a request to the engine process", exc_info=error)
        child.cancel.set()
        deadline = time.monotonic() + STOP_SECONDS
        try:
            while (left := deadline - time.monotonic()) > 0 and child.connection.poll(left):
                kind, _ = child.connection.recv()
                if kind == "outcome":
                    return failure_from(error)
        except Exception:  # the pipe is beyond use
            log.exception("The engine process's replies could not be read")
        child.process.kill()
        self._lost(child)
        return dataclasses.replace(failure_from(error), engine_lost=True)

    def _lost(self, child: _Child) -> Failure:
        child.process.join(1.0)
        code = child.process.exitcode
        self._discard(child)
        log.error("The engine process ended unexpectedly (exit code %s)", code)
        if code is not None and code > 0:  # it raised, rather than being killed
            hint = "this is a bug in Writer; the log has the details (Help → About)"
        else:
            hint = ("it may have run out of memory: a smaller model or precision "
                    "(Model → Choose Model…) needs less")
        return Failure("The engine stopped unexpectedly"
                       + (f" (exit code {code})" if code is not None else ""),
                       hint, engine_lost=True)

    def _discard(self, child: _Child) -> None:
        """Forget a child that has ended or is beyond use; the next request starts anew."""
        with self._lock:
            if self._child is child:
                self._child = None
        if child.alive():
            child.process.kill()
            child.process.join(2.0)
        self._close_pipes(child)

    def _close_pipes(self, child: _Child) -> None:
        child.connection.close()
        with self._query_lock:  # a look-up in flight has seen the child end by now
            child.queries.close()


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
            number, name = answers.recv()
            try:
                reply: tuple[int, bool, Any] = (number, True, QUERIES[name]())
            except Exception as error:
                reply = (number, False, f"{type(error).__name__}: {error}")
            try:
                answers.send(reply)  # pickles before it writes: a failure sends nothing
            except (pickle.PicklingError, TypeError, AttributeError) as error:
                answers.send((number, False, f"the answer did not pickle: {error}"))
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
        except (EOFError, OSError):  # the window's process has gone: end, even mid-load
            orphaned = threading.Timer(ORPHAN_SECONDS, os._exit, (0,))
            orphaned.daemon = True
            orphaned.start()
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
