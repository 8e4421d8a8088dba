"""The one thread that owns the model, and the async API the window awaits.

Every torch call happens on the `writer-engine` thread: it imports torch, loads the
model and serves requests one at a time. The GUI submits frozen request values and
awaits the replies, which come back onto its asyncio loop through
`loop.call_soon_threadsafe`. Stopping is a `threading.Event` set directly, never a queued
message, so it takes effect between two tokens. Only the newest pane request matters:
a new one drops older ones still waiting and interrupts one being computed.

This module imports neither Qt nor torch: it is tested with plain asyncio, and the
window can appear before torch has finished importing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from writer_app.engine.params import SamplingParams
from writer_app.errors import LoadCancelledError, WriterError
from writer_app.worker.messages import (
    Failure,
    GenerateRequest,
    GenerationSummary,
    LoadRequest,
    ModelInfo,
    NextTokensRequest,
    Request,
    ReweighRequest,
    SuggestRequest,
    WorkerError,
)

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel
    from writer_app.engine.session import ModelSession, NextTokens, Step

THREAD_NAME = "writer-engine"
ProgressHandler = Callable[[str, float | None], None]


class Loader(Protocol):
    """Turns a model spec into a LoadedModel; runs on the engine thread."""

    def __call__(self, spec: str, device: str, dtype: str,
                 progress: Callable[[Any], None],
                 cancelled: Callable[[], bool]) -> LoadedModel: ...


def load_with_engine(spec: str, device: str, dtype: str, progress: Callable[[Any], None],
                     cancelled: Callable[[], bool], remember: bool = True) -> LoadedModel:
    """The real loader: torch and transformers are imported here, on the engine thread.

    `remember` adds the model to the user's recent list (benchmarks and tests opt out).
    """
    leave_a_core_for_the_window()
    from writer_app.engine.models import load_model, remember_recent
    from writer_app.engine.quiet import quiet_libraries

    quiet_libraries()
    loaded = load_model(spec, device=device, dtype=dtype, progress=progress, cancelled=cancelled)
    if remember:
        remember_recent(spec)
    return loaded


def leave_a_core_for_the_window() -> int:
    """Give torch one thread fewer than the engine's default, so that the GUI thread has a
    core of its own: torch's threads wait for each other at every operation, and one of
    them losing its core to the window (or to another program) slows decoding ~3x on a
    2-core machine. Returns the thread count."""
    import torch

    from writer_app.engine.device import configure_cpu_threads

    threads = max(1, configure_cpu_threads() - 1)
    torch.set_num_threads(threads)
    return threads


class _Superseded:
    """The outcome of a pane request that a newer one made pointless."""

    def __repr__(self) -> str:
        return "SUPERSEDED"


SUPERSEDED = _Superseded()


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

    def _send(self, callback: Callable[[Any], None], value: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            self._loop.call_soon_threadsafe(callback, value)


@dataclass(eq=False)
class _Job:
    id: int
    request: Request
    reply: _Reply
    cancel: threading.Event = field(default_factory=threading.Event)


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


def failure_from(error: BaseException) -> Failure:
    """Turn any exception into a value the window can show: message, hint, details."""
    if isinstance(error, WriterError):
        return Failure(error.message, error.hint, cancelled=isinstance(error, LoadCancelledError))
    text = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    if isinstance(error, MemoryError) or "out of memory" in text.lower():
        return Failure("The model ran out of memory",
                       "choose a smaller model or precision (Model → Choose Model…)")
    return Failure(f"{type(error).__name__}: {text}" if text else type(error).__name__,
                   "this is a bug in Writer; the details help to fix it",
                   details="".join(traceback.format_exception(error)))


class EngineWorker:
    """Owns the model on one thread; the GUI talks to it only through these methods.

    `loader` makes a LoadedModel from a spec (tests pass one that returns a tiny model).
    The thread starts with the first request; `shutdown()` must be called before exit.
    """

    def __init__(self, loader: Loader = load_with_engine,
                 context_limit: int | None = None) -> None:
        self._loader = loader
        self._context_limit = context_limit
        self._lock = threading.Condition()
        self._waiting: deque[_Job] = deque()
        self._running: _Job | None = None
        self._stopping = False
        self._ids = itertools.count(1)
        self._session: ModelSession | None = None  # touched only on the engine thread
        self._thread = threading.Thread(target=self._serve, name=THREAD_NAME, daemon=True)

    # ---- the async API (call on the GUI's loop) -------------------------------------------
    #
    # Each method submits its request at once, in call order, and returns a future to await;
    # cancelling the future cancels the request.

    def load(self, spec: str, device: str = "auto", dtype: str = "auto",
             on_progress: ProgressHandler | None = None) -> asyncio.Future[ModelInfo]:
        """Load a model in the background; fails with WorkerError (cancelled=True if stopped).

        A newer load cancels this one. On failure the previous model stays loaded.
        """
        def progress(item: tuple[str, float | None]) -> None:
            if on_progress is not None:
                on_progress(*item)

        return self._request(LoadRequest(spec, device, dtype), progress)

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
        if self._thread.is_alive():
            self._thread.join(timeout)
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
            while True:
                with self._lock:
                    while not self._waiting and not self._stopping:
                        self._lock.wait()
                    if self._stopping:
                        return
                    job = self._running = self._waiting.popleft()
                try:
                    outcome = self._execute(job)
                except Exception as error:  # the boundary: every failure becomes a value
                    outcome = failure_from(error)
                with self._lock:
                    self._running = None
                job.reply.outcome(outcome)
        finally:
            self._session = None  # the model is freed on the thread that used it

    def _execute(self, job: _Job) -> object:
        request = job.request
        if isinstance(request, LoadRequest):
            return self._load(request, job)
        if isinstance(request, ReweighRequest):
            session = self._session
            return session.reweigh(request.params, request.n) if session is not None else None
        session = self._require_session()
        if isinstance(request, NextTokensRequest):
            from writer_app.engine.session import GenerationCancelled

            try:
                return session.next_tokens(request.text, request.params, request.n,
                                           preamble=request.preamble, cancel=job.cancel)
            except GenerationCancelled:
                return SUPERSEDED
        if isinstance(request, SuggestRequest):
            return self._suggest(session, request, job)
        return self._generate(session, request, job)

    def _suggest(self, session: ModelSession, request: SuggestRequest,
                 job: _Job) -> list[str] | _Superseded:
        from writer_app.engine.boundaries import suggestion_end

        params = request.params.with_changes(max_new_tokens=request.max_tokens)
        generation = session.generate_many(request.text, params, request.n, cancel=job.cancel,
                                           preamble=request.preamble, top_n=1,
                                           cut=suggestion_end if request.at_sentence_end
                                           else None)
        rows = [""] * request.n
        for step in generation:
            rows[step.row] += step.text
        if job.cancel.is_set():
            return SUPERSEDED
        distinct: list[str] = []
        for row in rows:
            if row.strip() and row not in distinct:
                distinct.append(row)
        return distinct

    def _load(self, request: LoadRequest, job: _Job) -> ModelInfo:
        if job.cancel.is_set():
            raise LoadCancelledError("Model loading was cancelled")
        job.reply.event(("Starting the engine", None))  # importing torch takes seconds

        def progress(update: Any) -> None:
            job.reply.event((update.stage, update.fraction))

        loaded = self._loader(request.spec, request.device, request.dtype, progress,
                              job.cancel.is_set)
        if job.cancel.is_set():
            raise LoadCancelledError("Model loading was cancelled")
        from writer_app.engine.session import ModelSession

        self._session = None  # let the old model go before the new one's cache grows
        self._session = ModelSession(loaded, self._context_limit)
        return ModelInfo(name=loaded.name, spec=loaded.spec, device=str(loaded.device),
                         dtype=str(loaded.dtype).removeprefix("torch."),
                         precision=loaded.precision or str(loaded.dtype).removeprefix("torch."),
                         context_window=self._session.context_limit)

    def _require_session(self) -> ModelSession:
        if self._session is None:
            raise WriterError("No model is loaded", "choose one with Model → Choose Model…")
        return self._session

    def _generate(self, session: ModelSession, request: GenerateRequest,
                  job: _Job) -> GenerationSummary:
        generation = session.generate(request.text, request.params, cancel=job.cancel,
                                      preamble=request.preamble, top_n=request.top_n)
        for step in generation:
            job.reply.event(step)
        stats = generation.stats
        return GenerationSummary(seed=stats.seed, tokens=stats.tokens,
                                 tokens_per_second=stats.tokens_per_second,
                                 prefill_seconds=stats.prefill_seconds,
                                 stop_reason=str(stats.stop_reason or "eos"),
                                 context=stats.context)


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
