"""The engine in a child process, so that nothing the model does can freeze the window.

Threads share one GIL: while a model loads, the tokenizer's JSON parse and its Rust
constructor hold it for ~1.4 s (measured with a timer on the GUI thread), and decoding
spends ~8 ms of Python per token. In a child process the window keeps its interpreter
to itself.

Both ends speak over one duplex pipe, in `(kind, payload)` messages that carry the plain
values of `writer_app.boundary.messages`:

    window process → child    ("job", request)  ("params", SamplingParams)  ("stop", None)
    child → window process    ("event", step or progress)  ("outcome", value)  ("log", record)

A second pipe answers quick look-ups that must not wait behind a running request (the
models the user can choose from, whose scan needs transformers and so torch): a thread
of the child answers them at once, even mid-generation.

The child's side lives in `writer_app.host.child`, which this module names by string and
never imports: the window's process imports no engine code (an import-linter contract).

Stopping a request is a flag in shared memory that the child reads between tokens, set
the moment the GUI sets the request's CancelFlag (mirrored). The sampling settings of a
running generation follow the window's LiveParams: the engine thread forwards a changed
value as soon as it sees it (at each step, and every POLL_SECONDS otherwise).

The child is started with "spawn" (forking a process that runs Qt and torch threads is
unsafe), on the first request; if it dies (killed for memory, a crash in native code)
the request that finds it so (running, or the next one) fails with a message that says
the model is gone (the worker decides what to load again), and the request after that
starts a fresh child.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import itertools
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from writer_app.boundary.engine import CancelFlag, EventSink, LoaderRef
from writer_app.boundary.failures import failure_from
from writer_app.boundary.messages import Failure, GenerateRequest, LiveParams, Request
from writer_app.boundary.params import SamplingParams

CHILD_MAIN = "writer_app.host.child:serve_in_child"

PROCESS_NAME = "writer-engine"
POLL_SECONDS = 0.05  # how often a generation's settings are compared while no step arrives
STOP_SECONDS = 5.0  # how long a child may take to end after "stop" before it is terminated
QUERY_SECONDS = 60.0  # the longest a look-up may take (the first one imports torch)

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

    def __init__(self, loader: LoaderRef | Callable[..., Any] | None = None,
                 context_limit: int | None = None) -> None:
        """`loader` names the loader the child uses (a LoaderRef, or a module-level function
        or a partial of one, which pickles by name)."""
        self._loader = loader or LoaderRef()
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

    def execute(self, request: Request, event: EventSink, cancel: CancelFlag) -> object:
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
        """Answer a look-up in the child (see `writer_app.host.queries`) at once, even while
        it serves a request; starts the child if none runs yet. Blocks: call it off the GUI
        thread."""
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

    def revive(self) -> Failure | None:
        """A child that died while idle is forgotten, its loss returned (None if it lives)."""
        try:
            self._current_child()
        except _ChildEnded as ended:
            return self._lost(ended.child)
        except Exception:  # it cannot start: the request that follows says so
            return None
        return None

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
            process = _SPAWN.Process(target=_child_main, name=PROCESS_NAME, daemon=True,
                                     args=(CHILD_MAIN, theirs, answers, cancel, self._loader,
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


# ---- the child's entry -----------------------------------------------------------------------


def _child_main(entry: str, *args: Any) -> None:
    """The spawned process's target: import the child's main by name and run it, so that
    this module (imported by the window's process) never imports the engine's side."""
    module_name, _, function = entry.partition(":")
    getattr(importlib.import_module(module_name), function)(*args)
