"""Serving one request at a time against the loaded model: where requests meet a backend.

`EngineHost` owns the loaded `Backend` and turns each request value into calls on it,
reporting events through a callback and returning its outcome as a value — a result,
`SUPERSEDED`, or a `Failure` for any exception. It runs wherever the model lives: in the
engine's child process (`child`), or on the worker's thread in tests.
"""

from __future__ import annotations

from typing import Any

from writer_app.boundary.backend import Backend
from writer_app.boundary.engine import CancelSignal, EventSink, LoaderRef
from writer_app.boundary.failures import failure_from
from writer_app.boundary.messages import (
    SUPERSEDED,
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
    Superseded,
)
from writer_app.errors import LoadCancelledError, WriterError
from writer_app.host import queries
from writer_app.host.backends import OpenContext, choose_backend
from writer_app.host.loading import Loader, resolve_loader


class EngineHost:
    """The loaded model and the code that serves requests with it, one at a time.

    Not thread-safe: exactly one thread (the worker's engine thread, or the child
    process's main thread) calls `execute` and `close`; `query` may come from any.
    """

    def __init__(self, loader: Loader | LoaderRef | None = None,
                 context_limit: int | None = None) -> None:
        self._loader_ref = loader or LoaderRef()
        self._loader: Loader | None = None  # resolved at the first load: a bad name fails it
        self._context_limit = context_limit
        self._backend: Backend | None = None

    def execute(self, request: Request, event: EventSink, cancel: CancelSignal) -> object:
        """Serve `request`; every exception comes back as a `Failure` value."""
        try:
            return self._serve(request, event, cancel)
        except Exception as error:  # the boundary: every failure becomes a value
            return failure_from(error)

    def query(self, name: str) -> Any:
        return queries.answer(name)

    def close(self) -> None:
        """Let the model go (on the thread that used it)."""
        backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()

    def prepare(self) -> None:
        """Nothing to start: the thread imports torch with the first load."""

    def revive(self) -> None:
        """Nothing to revive: this host dies only with its thread's process."""

    def abort(self) -> None:
        """Nothing to stop from outside: the serving thread checks its request's flag."""

    @property
    def backend(self) -> Backend | None:
        return self._backend

    def _serve(self, request: Request, event: EventSink, cancel: CancelSignal) -> object:
        if isinstance(request, LoadRequest):
            return self._load(request, event, cancel)
        if isinstance(request, ServerProbeRequest):
            return self._probe(request, cancel)
        if isinstance(request, ReweighRequest):
            backend = self._backend
            return backend.reweigh(request.params, request.n) if backend is not None else None
        backend = self._require_backend()
        if isinstance(request, NextTokensRequest):
            tokens = backend.next_tokens(request.text, request.params, request.n,
                                         request.preamble, cancel.is_set)
            return SUPERSEDED if tokens is None else tokens
        if isinstance(request, SuggestRequest):
            return self._suggest(backend, request, cancel)
        return self._generate(backend, request, event, cancel)

    def _load(self, request: LoadRequest, event: EventSink, cancel: CancelSignal) -> ModelInfo:
        if cancel.is_set():
            raise LoadCancelledError("Model loading was cancelled")
        event(("Starting the engine", None))  # importing torch takes seconds
        entry = choose_backend(request)

        def progress(update: Any) -> None:
            event((update.stage, update.fraction))

        if self._loader is None:
            self._loader = resolve_loader(self._loader_ref)
        context = OpenContext(progress, cancel.is_set, self._loader, self._context_limit)
        backend = entry.open(request, context)
        if cancel.is_set():
            backend.close()
            raise LoadCancelledError("Model loading was cancelled")
        self.close()  # let the old model go before the new one's cache grows
        self._backend = backend
        return backend.info()

    def _probe(self, request: ServerProbeRequest, cancel: CancelSignal) -> ServerProbe:
        """Ask a server what it serves; the loaded model (if any) stays as it is."""
        from writer_app.host.server_backend import probe

        return probe(request.server, cancel.is_set)

    def _require_backend(self) -> Backend:
        if self._backend is None:
            raise WriterError("No model is loaded", "choose one with Model → Choose Model…")
        return self._backend

    def _suggest(self, backend: Backend, request: SuggestRequest,
                 cancel: CancelSignal) -> list[str] | Superseded:
        from writer_app.engine.boundaries import suggestion_end

        params = request.params.with_changes(max_new_tokens=request.max_tokens)
        rows = backend.samples(request.text, params, request.n, request.preamble,
                               cancel.is_set, suggestion_end if request.at_sentence_end else None)
        if cancel.is_set():
            return SUPERSEDED
        distinct: list[str] = []
        for row in rows:
            if row.strip() and row not in distinct:
                distinct.append(row)
        return distinct

    def _generate(self, backend: Backend, request: GenerateRequest, event: EventSink,
                  cancel: CancelSignal) -> GenerationSummary:
        run = backend.generate(request.text, request.params, cancel.is_set, request.preamble,
                               request.top_n)
        for step in run:
            event(step)
        return run.summary()
