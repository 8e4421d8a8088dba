"""What the two in-process backends share: a session that already speaks the boundary's
values, adapted to the `Backend` protocol.

The transformers backend's `ModelSession` and the llama.cpp backend's `LlamaSession`
answer the same calls (tokenize, fit_context, next_tokens, reweigh, generate); this
turns their cancellation into None and their generation statistics into a summary,
once for both. Each backend adds what differs: how it opens, describes itself, samples
several rows and lets go.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from writer_app.boundary.backend import CancelCheck, ParamsSource
from writer_app.boundary.messages import GenerationSummary
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, Step

if TYPE_CHECKING:
    from writer_app.engine.generation import Generation


class GenerationRun:
    """One generation of a session: its steps, then how it ended."""

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


class SessionBackend:
    """The Backend calls that pass straight to `self.session`."""

    session: Any  # a ModelSession or a LlamaSession

    def context_usage(self, text: str, preamble: str = "", reserve: int = 0) -> ContextUsage:
        ids, protected = self.session.tokenize(text, preamble)
        usage: ContextUsage = self.session.fit_context(ids, protected, reserve)[1]
        return usage

    def next_tokens(self, text: str, params: SamplingParams, n: int, preamble: str,
                    cancel: CancelCheck) -> NextTokens | None:
        from writer_app.engine.generation import GenerationCancelled

        try:
            tokens: NextTokens = self.session.next_tokens(text, params, n, preamble=preamble,
                                                          cancel=cancel)
        except GenerationCancelled:
            return None
        return tokens

    def reweigh(self, params: SamplingParams, n: int) -> NextTokens | None:
        tokens: NextTokens | None = self.session.reweigh(params, n)
        return tokens

    def generate(self, text: str, params: ParamsSource, cancel: CancelCheck, preamble: str,
                 top_n: int) -> GenerationRun:
        return GenerationRun(self.session.generate(text, params, cancel=cancel,
                                                   preamble=preamble, top_n=top_n))

    def reset(self) -> None:
        self.session.reset_cache()
