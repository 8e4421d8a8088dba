"""The transformers backend: `engine.session.ModelSession` behind the `Backend` protocol.

A thin adapter: the session already speaks in the boundary's values; this turns its
cancellation exception into None and its generation statistics into a summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from writer_app.boundary.backend import CancelCheck, Capabilities, ParamsSource, TextCut
from writer_app.boundary.messages import GenerationSummary, LoadRequest, ModelInfo
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, Step

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel
    from writer_app.engine.session import Generation, ModelSession
    from writer_app.host.backends import OpenContext

NAME = "transformers"


def open_backend(request: LoadRequest, context: OpenContext) -> TransformersBackend:
    """Load `request` with the context's loader and start a session on it."""
    loaded = context.loader(request.spec, request.device, request.dtype, context.progress,
                            context.cancelled)
    return TransformersBackend(loaded, context.context_limit)


class _Run:
    def __init__(self, generation: Generation) -> None:
        self._generation = generation

    def __iter__(self) -> Iterator[Step]:
        return iter(self._generation)

    def summary(self) -> GenerationSummary:
        stats = self._generation.stats
        return GenerationSummary(seed=stats.seed, tokens=stats.tokens,
                                 tokens_per_second=stats.tokens_per_second,
                                 prefill_seconds=stats.prefill_seconds,
                                 stop_reason=str(stats.stop_reason or "eos"),
                                 context=stats.context)


class TransformersBackend:
    """A model loaded by transformers, served by a `ModelSession` (every feature)."""

    name = NAME
    capabilities = Capabilities()

    def __init__(self, loaded: LoadedModel, context_limit: int | None = None) -> None:
        from writer_app.engine.session import ModelSession

        self.session: ModelSession = ModelSession(loaded, context_limit)
        self._loaded = loaded

    def info(self) -> ModelInfo:
        loaded = self._loaded
        dtype = str(loaded.dtype).removeprefix("torch.")
        return ModelInfo(name=loaded.name, spec=loaded.spec, device=str(loaded.device),
                         dtype=dtype, precision=loaded.precision or dtype,
                         context_window=self.session.context_limit, backend=self.name,
                         capabilities=self.capabilities)

    def context_usage(self, text: str, preamble: str = "", reserve: int = 0) -> ContextUsage:
        ids, protected = self.session.tokenize(text, preamble)
        return self.session.fit_context(ids, protected, reserve)[1]

    def next_tokens(self, text: str, params: SamplingParams, n: int, preamble: str,
                    cancel: CancelCheck) -> NextTokens | None:
        from writer_app.engine.session import GenerationCancelled

        try:
            return self.session.next_tokens(text, params, n, preamble=preamble, cancel=cancel)
        except GenerationCancelled:
            return None

    def reweigh(self, params: SamplingParams, n: int) -> NextTokens | None:
        return self.session.reweigh(params, n)

    def generate(self, text: str, params: ParamsSource, cancel: CancelCheck, preamble: str,
                 top_n: int) -> _Run:
        return _Run(self.session.generate(text, params, cancel=cancel, preamble=preamble,
                                          top_n=top_n))

    def samples(self, text: str, params: SamplingParams, n: int, preamble: str,
                cancel: CancelCheck, cut: TextCut | None) -> list[str]:
        rows = [""] * n
        for step in self.session.generate_many(text, params, n, cancel=cancel,
                                               preamble=preamble, top_n=1, cut=cut):
            rows[step.row] += step.text
        return rows

    def reset(self) -> None:
        self.session.reset_cache()

    def close(self) -> None:
        self.session.reset_cache()
