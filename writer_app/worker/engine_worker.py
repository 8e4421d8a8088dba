"""The engine thread, and the async API the window awaits.

The GUI submits frozen request values and awaits the replies, which come back onto its
asyncio loop through `loop.call_soon_threadsafe`. One `writer-engine` thread takes the
requests one at a time and hands each to the engine: in the app, a child process that
owns the model (`engine_process`), so that nothing the model does — not even the parts
of a load that hold Python's GIL for a second — can freeze the window; in tests, an
engine the caller passes in (`writer_app.host.EngineHost`) on the thread itself.
Stopping is a flag set directly, never a queued message, so it takes effect between two
tokens. Only the newest pane request matters: a new one drops older ones still waiting
and interrupts one being computed.

When the engine's process dies, at any stage, the worker tells `on_engine_lost`
listeners which model to load again (the one loading, else the one loaded), fails what
was waiting for the lost model with the same loss, and the next request starts a fresh
process.

This module imports neither Qt nor torch nor the engine's side (`writer_app.host`): it
is tested with plain asyncio, and the window can appear before torch has been imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from writer_app.boundary.engine import CancelFlag, Engine, LoaderRef
from writer_app.boundary.failures import failure_from
from writer_app.boundary.messages import (
    SUPERSEDED,
    Failure,
    GenerateRequest,
    GenerationSummary,
    LoadRequest,
    ModelInfo,
    NextTokensRequest,
    Request,
    ReweighRequest,
    ServerProbe,
    ServerProbeRequest,
    SuggestRequest,
    WorkerError,
)
from writer_app.boundary.params import SamplingParams

if TYPE_CHECKING:
    from writer_app.boundary.results import ModelEntry, NextTokens, Step
    from writer_app.boundary.server import ServerConnection

THREAD_NAME = "writer-engine"
log = logging.getLogger(__name__)
ProgressHandler = Callable[[str, float | None], None]


class _Reply:
    """Carries one job's events and outcome from the engine thread onto the asking loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_event: Callable[[Any], None],
                 on_outcome: Callable[[Any], None]) -> None:
        self._loop = loop
        self._on_event = on_event
        self._on_outcome = on_outcome

    def event(self, item: Any) -> None:
        self._send(self._on_event, item)

    def outcome(self, value: Any) -> None:
        self._send(self._on_outcome, value)

    def call(self, callback: Callable[[Any], None], value: Any) -> None:
        """Run `callback(value)` on the asking loop."""
        self._send(callback, value)

    def _send(self, callback: Callable[[Any], None], value: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            self._loop.call_soon_threadsafe(callback, value)


@dataclass(eq=False)
class _Job:
    id: int
    request: Request
    reply: _Reply
    cancel: CancelFlag = field(default_factory=CancelFlag)


def _is_pane(request: Request) -> bool:
    """Requests whose answer only matters while it is the newest: dropped ones give None."""
    return isinstance(request, (NextTokensRequest, ReweighRequest, SuggestRequest))


def _replaces(new: Request, waiting: Request) -> bool:
    """Whether `new` makes the not-yet-started `waiting` request pointless."""
    if isinstance(new, SuggestRequest):
        return isinstance(waiting, SuggestRequest)
    if isinstance(new, GenerateRequest):
        return _is_pane(waiting)  # a generation changes the text: no pane answer or suggestion
    if isinstance(new, NextTokensRequest):
        return isinstance(waiting, (NextTokensRequest, ReweighRequest))
    if isinstance(new, ReweighRequest):
        return isinstance(waiting, ReweighRequest)  # a waiting next_tokens is still needed
    if isinstance(new, ServerProbeRequest):
        return isinstance(waiting, ServerProbeRequest)  # only the newest Test matters
    return isinstance(new, LoadRequest) and isinstance(waiting, LoadRequest)


def _interrupts(new: Request, running: Request) -> bool:
    """Whether `new` should stop the running request at its next check."""
    if isinstance(running, NextTokensRequest):
        return isinstance(new, (NextTokensRequest, GenerateRequest))
    if isinstance(running, SuggestRequest):
        return isinstance(new, (SuggestRequest, GenerateRequest))
    return isinstance(running, LoadRequest) and isinstance(new, LoadRequest)


def _dropped_outcome(job: _Job) -> object:
    if _is_pane(job.request):
        return SUPERSEDED
    return Failure("The request was cancelled", "", cancelled=True)


class EngineWorker:
    """Owns the model on one thread; the GUI talks to it only through these methods.

    By default the model lives in a child process (`ChildProcessEngine`), which loads it
    with the loader `loader` names (a `LoaderRef`, or a module-level function or partial
    of one: it pickles by name). To keep the model on the engine thread instead, pass an
    `engine` built by the caller, e.g. `EngineWorker(EngineHost(loader))` from
    `writer_app.host` (tests do) — this module never imports the engine's side.

    The thread starts with the first request (or `start`); `shutdown()` must be called
    before exit. The worker remembers the model it has loaded (or is loading), and when
    the engine's process dies it says so to `on_engine_lost` listeners with that model in
    the Failure, so that they can load it again.
    """

    def __init__(self, engine: Engine | None = None, *,
                 loader: LoaderRef | Callable[..., Any] | None = None,
                 context_limit: int | None = None) -> None:
        if engine is None:
            from writer_app.worker.engine_process import ChildProcessEngine

            engine = ChildProcessEngine(loader or LoaderRef(), context_limit)
        elif loader is not None or context_limit is not None:
            raise ValueError("an engine passed in brings its own loader and context limit")
        self._engine: Engine = engine
        self._model: LoadRequest | None = None  # the model loaded, or being loaded
        self._lock = threading.Condition()
        self._waiting: deque[_Job] = deque()
        self._running: _Job | None = None
        self._stopping = False
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._serve, name=THREAD_NAME, daemon=True)
        self._lost_listeners: list[Callable[[Failure], None]] = []

    # ---- the async API (call on the GUI's loop) -------------------------------------------
    #
    # Each method submits its request at once, in call order, and returns a future to await;
    # cancelling the future cancels the request.

    def load(self, spec: str, device: str = "auto", dtype: str = "auto",
             on_progress: ProgressHandler | None = None,
             backend: str = "auto") -> asyncio.Future[ModelInfo]:
        """Load a model in the background; fails with WorkerError (cancelled=True if stopped).

        A newer load cancels this one. On failure the previous model stays loaded — unless
        the engine's process died (`engine_lost`): then no model is loaded, and the error's
        `failure.model` is this request, to load again.
        """
        return self.load_request(LoadRequest(spec, device, dtype, backend), on_progress)

    def load_request(self, request: LoadRequest,
                     on_progress: ProgressHandler | None = None) -> asyncio.Future[ModelInfo]:
        """`load` for a request value: one with a `backend` or a `server` (Connect to
        Server), or an engine-lost Failure's `model` (a reload keeps both)."""
        def progress(item: tuple[str, float | None]) -> None:
            if on_progress is not None:
                on_progress(*item)

        return self._request(request, progress)

    @property
    def model(self) -> LoadRequest | None:
        """The last model loaded or being loaded, even after the engine lost it (so it can
        be loaded again); None before the first load."""
        return self._model

    def cancel_load(self) -> None:
        """Stop the running and waiting loads (between two of their stages)."""
        with self._lock:
            jobs = [j for j in (self._running, *self._waiting)
                    if j is not None and isinstance(j.request, LoadRequest)]
        for job in jobs:
            job.cancel.set()

    def next_tokens(self, text: str, params: SamplingParams, n: int = 10,
                    preamble: str = "") -> asyncio.Future[NextTokens | None]:
        """The top `n` tokens after `text`; None when a newer pane request replaced it."""
        return self._request(NextTokensRequest(text, params, n, preamble))

    def reweigh(self, params: SamplingParams,
                n: int = 10) -> asyncio.Future[NextTokens | None]:
        """The last next-tokens result under `params`, with no model call.

        None when superseded, or when there is no earlier result to reweigh.
        """
        return self._request(ReweighRequest(params, n))

    def generate(self, text: str, params: SamplingParams | Callable[[], SamplingParams],
                 preamble: str = "", top_n: int = 10) -> GenerationStream:
        """Start continuing `text`; `async for` over the result gets the steps.

        `params` may be a LiveParams (or any callable): it is read before every token.
        """
        source = params if callable(params) else (lambda: params)
        return GenerationStream(self, GenerateRequest(text, source, preamble, top_n))

    def suggest(self, text: str, params: SamplingParams, n: int = 3, preamble: str = "",
                max_tokens: int = 32) -> asyncio.Future[list[str] | None]:
        """Up to `n` distinct short continuations of `text`, sampled together in one batch.

        Each ends at a sentence or line end, or after `max_tokens` tokens; empty ones are
        left out. None when a newer suggestion (or a generation) replaced the request.
        """
        return self._request(SuggestRequest(text, params, n, preamble, max_tokens))

    def samples(self, text: str, params: SamplingParams, n: int = 3,
                preamble: str = "") -> asyncio.Future[list[str] | None]:
        """`n` whole continuations of up to `params.max_new_tokens` tokens, in one batch
        (Continue ×3). Like `suggest`, a newer request or a generation replaces it."""
        return self._request(SuggestRequest(text, params, n, preamble,
                                            params.max_new_tokens, at_sentence_end=False))

    def probe_server(self, server: ServerConnection) -> asyncio.Future[ServerProbe]:
        """Ask `server` whether it answers and which models it serves (the Connect to Server
        dialog's Test), in the engine's process, leaving the loaded model as it is.

        Fails with WorkerError (message and hint: unreachable, refused key, not an
        OpenAI-compatible server, ...); a newer probe replaces one still waiting.
        """
        return self._request(ServerProbeRequest(server))

    def start(self) -> None:
        """Start the engine now rather than at the first request: its process then imports
        torch while the window is still being built. Optional; call on the GUI thread."""
        with self._lock:
            if not self._stopping and self._thread.ident is None:
                self._thread.start()

    def on_engine_lost(self, listener: Callable[[Failure], None]) -> None:
        """Call `listener` (on the asking loop) when the engine's process dies, before the
        request that saw it fails: the loaded model is gone with it.

        The Failure has `engine_lost` set and, in `model`, what to load again to recover:
        the model the engine was loading when it died (a load in progress fails too), else
        the one it had loaded; None when there is nothing to load again — no model yet, or
        the death was found by a load, which then simply goes ahead in a fresh process.
        Requests that were waiting behind the one that saw it were meant for the lost model:
        they fail with the same Failure (pane requests give None); waiting loads go ahead.
        """
        self._lost_listeners.append(listener)

    async def list_models(self) -> list[ModelEntry]:
        """The models the user can pick without browsing (see engine.models.list_models).

        Answered at once, never queued behind a load or a generation; with the engine in
        its own process it is looked up there, so the window never imports torch.
        """
        from writer_app.worker.background import run_in_thread

        engine = self._engine
        models: list[ModelEntry] = await run_in_thread(lambda: engine.query("list_models"),
                                                       name="writer-list-models")
        return models

    async def available_backends(self) -> dict[str, str | None]:
        """Each backend the engine knows, with why it cannot run here (None when it can):
        for the Engine menu and About. Answered at once, like `list_models`."""
        from writer_app.worker.background import run_in_thread

        engine = self._engine
        backends: dict[str, str | None] = await run_in_thread(
            lambda: engine.query("available_backends"), name="writer-list-backends")
        return dict(backends)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Stop the thread: cancel what runs, drop what waits, join. True once it has ended."""
        with self._lock:
            self._stopping = True
            dropped = list(self._waiting)
            self._waiting.clear()
            if self._running is not None:
                self._running.cancel.set()
            self._lock.notify_all()
        for job in dropped:
            job.reply.outcome(_dropped_outcome(job))
        if self._thread.ident is None:  # never started: a look-up may still have started it
            self._engine.close()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():  # a load stuck in one long stage: stop its process
                self._engine.abort()
                self._thread.join(2.0)
        return not self._thread.is_alive()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    # ---- submitting -------------------------------------------------------------------------

    def _request(self, request: Request,
                 on_event: Callable[[Any], None] | None = None) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(outcome: Any) -> None:
            if future.done():
                return
            if isinstance(outcome, Failure):
                future.set_exception(WorkerError(outcome))
            else:
                future.set_result(None if outcome is SUPERSEDED else outcome)

        job = self.submit(request, _Reply(loop, on_event or (lambda _: None), settle))
        future.add_done_callback(lambda done: job.cancel.set() if done.cancelled() else None)
        return future

    def submit(self, request: Request, reply: _Reply) -> _Job:
        """Queue a request (dropping those it makes pointless); starts the thread if needed."""
        job = _Job(next(self._ids), request, reply)
        with self._lock:
            if self._stopping:
                dropped = [job]
            else:
                dropped = [w for w in self._waiting if _replaces(request, w.request)]
                for waiting in dropped:
                    self._waiting.remove(waiting)
                if self._running is not None and _interrupts(request, self._running.request):
                    self._running.cancel.set()
                self._waiting.append(job)
                if not self._thread.is_alive() and self._thread.ident is None:
                    self._thread.start()
                self._lock.notify_all()
        for waiting in dropped:
            waiting.reply.outcome(_dropped_outcome(waiting))
        return job

    # ---- the engine thread ------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            try:
                self._engine.prepare()
            except Exception:  # the first request will report it
                log.exception("The engine could not be prepared")
            while True:
                with self._lock:
                    while not self._waiting and not self._stopping:
                        self._lock.wait()
                    if self._stopping:
                        return
                    job = self._running = self._waiting.popleft()
                outcome = self._execute(job)
                with self._lock:
                    self._running = None
                    stranded = (self._strand_waiting() if isinstance(outcome, Failure)
                                and outcome.engine_lost else [])
                job.reply.outcome(outcome)
                for waiting in stranded:
                    waiting.reply.outcome(SUPERSEDED if _is_pane(waiting.request) else outcome)
        finally:
            self._engine.close()  # the model is freed by the thread that used it

    def _execute(self, job: _Job) -> object:
        """Serve one job on the engine thread, keeping track of the model it loads or loses."""
        request = job.request
        if isinstance(request, LoadRequest):
            died = self._engine.revive()
            if died is not None:  # while idle: this load goes ahead in a fresh process, and
                self._tell_lost(job, died)  # replaces the model that was lost (model=None)
        outcome = self._execute_once(job)
        if isinstance(outcome, Failure) and outcome.engine_lost:
            if isinstance(request, LoadRequest):
                self._model = request  # died mid-load: this is the model to load again
            outcome = dataclasses.replace(outcome, model=self._model)
            self._tell_lost(job, outcome)
        elif isinstance(request, LoadRequest) and isinstance(outcome, ModelInfo):
            self._model = request
        return outcome

    def _strand_waiting(self) -> list[_Job]:
        """Take out the waiting requests that were meant for the model just lost (all but
        loads): they fail with the same loss (pane requests are superseded), rather than
        reach a fresh process that has no model. Call with the lock held."""
        stranded = [job for job in self._waiting if not isinstance(job.request, LoadRequest)]
        for job in stranded:
            self._waiting.remove(job)
        return stranded

    def _execute_once(self, job: _Job) -> object:
        try:
            return self._engine.execute(job.request, job.reply.event, job.cancel)
        except Exception as error:  # a bug in the bridge itself: still a value
            return failure_from(error)

    def _tell_lost(self, job: _Job, failure: Failure) -> None:
        for listener in self._lost_listeners:
            job.reply.call(listener, failure)


@dataclass(frozen=True)
class _End:
    outcome: object


class GenerationStream:
    """The steps of one generation as an async iterator; `summary` is set when it ends.

    `cancel()` stops it before the next token; the stream then ends normally with
    stop_reason "cancelled". A failure is raised from the `async for` as a WorkerError.
    """

    def __init__(self, worker: EngineWorker, request: GenerateRequest) -> None:
        loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.summary: GenerationSummary | None = None
        self._ended = False
        self._job = worker.submit(request, _Reply(loop, self._queue.put_nowait,
                                                  lambda outcome: self._queue.put_nowait(
                                                      _End(outcome))))

    @property
    def id(self) -> int:
        return self._job.id

    def cancel(self) -> None:
        self._job.cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._job.cancel.is_set()

    def __aiter__(self) -> GenerationStream:
        return self

    async def __anext__(self) -> Step:
        if self._ended:
            raise StopAsyncIteration
        item = await self._queue.get()
        if isinstance(item, _End):
            self._ended = True
            if isinstance(item.outcome, Failure):
                raise WorkerError(item.outcome)
            self.summary = item.outcome
            raise StopAsyncIteration
        return item
