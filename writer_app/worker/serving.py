"""Serving one request at a time against the loaded model: where requests meet the engine.

`EngineHost` owns the `ModelSession` and turns each request value into engine calls,
reporting events through a callback and returning its outcome as a value — a result,
`SUPERSEDED`, or a `Failure` for any exception. It runs wherever the model lives: on the
worker's engine thread, or in the engine's child process (`engine_process`).

torch is imported only inside the methods, so importing this module stays cheap.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

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
    SuggestRequest,
    Superseded,
)
from writer_app.errors import LoadCancelledError, WriterError, first_line, is_out_of_memory

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel
    from writer_app.engine.session import ModelSession

EventSink = Callable[[Any], None]


class Loader(Protocol):
    """Turns a model spec into a LoadedModel; runs where the model will live."""

    def __call__(self, spec: str, device: str, dtype: str,
                 progress: Callable[[Any], None],
                 cancelled: Callable[[], bool]) -> LoadedModel: ...


class CancelSignal(Protocol):
    """What a request's stop flag offers the engine: a threading.Event, a process-shared
    multiprocessing Event, or the worker's CancelFlag."""

    def is_set(self) -> bool: ...


def load_with_engine(spec: str, device: str, dtype: str, progress: Callable[[Any], None],
                     cancelled: Callable[[], bool], remember: bool = True) -> LoadedModel:
    """The real loader: torch and transformers are imported here, where the model lives.

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


def failure_from(error: BaseException) -> Failure:
    """Turn any exception into a value the window can show: message, hint, details."""
    if isinstance(error, WriterError):
        return Failure(error.message, error.hint, cancelled=isinstance(error, LoadCancelledError))
    if is_out_of_memory(error):
        return Failure("The model ran out of memory",
                       "choose a smaller model or precision (Model → Choose Model…)")
    text = first_line(error)
    return Failure(text if text == type(error).__name__ else f"{type(error).__name__}: {text}",
                   "this is a bug in Writer; the details help to fix it",
                   details="".join(traceback.format_exception(error)))


class EngineHost:
    """The loaded model and the code that serves requests with it, one at a time.

    Not thread-safe: exactly one thread (the engine thread, or the child process's main
    thread) calls `execute` and `close`.
    """

    def __init__(self, loader: Loader, context_limit: int | None = None) -> None:
        self._loader = loader
        self._context_limit = context_limit
        self._session: ModelSession | None = None

    def execute(self, request: Request, event: EventSink, cancel: CancelSignal) -> object:
        """Serve `request`; every exception comes back as a `Failure` value."""
        try:
            return self._serve(request, event, cancel)
        except Exception as error:  # the boundary: every failure becomes a value
            return failure_from(error)

    def close(self) -> None:
        """Let the model go (on the thread that used it)."""
        self._session = None

    def prepare(self) -> None:
        """Nothing to start: the thread imports torch with the first load."""

    def abort(self) -> None:
        """Nothing to stop from outside: the serving thread checks its request's flag."""

    def _serve(self, request: Request, event: EventSink, cancel: CancelSignal) -> object:
        if isinstance(request, LoadRequest):
            return self._load(request, event, cancel)
        if isinstance(request, ReweighRequest):
            session = self._session
            return session.reweigh(request.params, request.n) if session is not None else None
        session = self._require_session()
        if isinstance(request, NextTokensRequest):
            from writer_app.engine.session import GenerationCancelled

            try:
                return session.next_tokens(request.text, request.params, request.n,
                                           preamble=request.preamble, cancel=cancel.is_set)
            except GenerationCancelled:
                return SUPERSEDED
        if isinstance(request, SuggestRequest):
            return self._suggest(session, request, cancel)
        return self._generate(session, request, event, cancel)

    def _load(self, request: LoadRequest, event: EventSink, cancel: CancelSignal) -> ModelInfo:
        if cancel.is_set():
            raise LoadCancelledError("Model loading was cancelled")
        event(("Starting the engine", None))  # importing torch takes seconds

        def progress(update: Any) -> None:
            event((update.stage, update.fraction))

        loaded = self._loader(request.spec, request.device, request.dtype, progress,
                              cancel.is_set)
        if cancel.is_set():
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

    def _suggest(self, session: ModelSession, request: SuggestRequest,
                 cancel: CancelSignal) -> list[str] | Superseded:
        from writer_app.engine.boundaries import suggestion_end

        params = request.params.with_changes(max_new_tokens=request.max_tokens)
        generation = session.generate_many(request.text, params, request.n,
                                           cancel=cancel.is_set, preamble=request.preamble,
                                           top_n=1,
                                           cut=suggestion_end if request.at_sentence_end
                                           else None)
        rows = [""] * request.n
        for step in generation:
            rows[step.row] += step.text
        if cancel.is_set():
            return SUPERSEDED
        distinct: list[str] = []
        for row in rows:
            if row.strip() and row not in distinct:
                distinct.append(row)
        return distinct

    def _generate(self, session: ModelSession, request: GenerateRequest, event: EventSink,
                  cancel: CancelSignal) -> GenerationSummary:
        generation = session.generate(request.text, request.params, cancel=cancel.is_set,
                                      preamble=request.preamble, top_n=request.top_n)
        for step in generation:
            event(step)
        stats = generation.stats
        return GenerationSummary(seed=stats.seed, tokens=stats.tokens,
                                 tokens_per_second=stats.tokens_per_second,
                                 prefill_seconds=stats.prefill_seconds,
                                 stop_reason=str(stats.stop_reason or "eos"),
                                 context=stats.context)
