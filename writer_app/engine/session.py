"""A loaded model with its KV cache: next-token distributions and streamed generation.

One `ModelSession` belongs to one thread (the worker): it keeps the KV cache of the last
text it saw, so the next request recomputes only what changed — the common case being
a few characters typed at the end of a long document. It composes the pieces that do
the work: `ContextWindow` (which tokens reach the model), `PrefixCache` (the cache and
its logits), `DecodeStep` (one position's choice, control tokens suppressed) and the
decode loops (sampled, beam, batched).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import torch

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, Step, TokenInfo
from writer_app.engine.batched import batched_steps
from writer_app.engine.beam import beam_steps
from writer_app.engine.context import ContextWindow
from writer_app.engine.control_tokens import control_token_ids
from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.device import SmallMatmuls
from writer_app.engine.generation import (
    CancelSource,
    Generation,
    GenerationCancelled,
    GenerationStats,
    ParamsSource,
    StopReason,
    as_cancel_check,
    as_params_source,
)
from writer_app.engine.parts import SessionParts
from writer_app.engine.prefix_cache import ModelRunner, PrefixCache
from writer_app.engine.sampled import SampledDecoding
from writer_app.engine.sampling import Candidate

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel

DEFAULT_TOP_N = 10
TOKEN_TEXT_MEMO = 50_000  # token texts remembered before the memo starts afresh

__all__ = ["ContextUsage", "Generation", "GenerationCancelled", "GenerationStats",
           "ModelSession", "NextTokens", "Step", "StopReason", "TokenInfo"]


class ModelSession:
    """Serves next-token distributions and generations for one loaded model."""

    def __init__(self, loaded: LoadedModel, context_limit: int | None = None) -> None:
        self.loaded = loaded
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.device = loaded.device
        self.context_limit = min(context_limit or loaded.context_window, loaded.context_window)
        self.eos_ids = self._eos_ids()
        start = self.tokenizer.bos_token_id
        self._window = ContextWindow(self.tokenizer, self.context_limit,
                                     start if start is not None else next(iter(self.eos_ids), 0))
        self._token_text: dict[int, tuple[str, str]] = {}
        matmuls = SmallMatmuls(loaded.device, loaded.dtype, loaded.precision.startswith("int8"))
        runner = ModelRunner(self.model, matmuls)
        self._prefix = PrefixCache(runner, self.device)
        self._step = DecodeStep(control_token_ids(self.tokenizer, self.eos_ids), self.device,
                                self._token_infos)
        self._parts = SessionParts(self.tokenizer, self.device, runner, self._prefix,
                                   self._step, self.context_limit)
        self._sampled = SampledDecoding(self._parts)
        # (logits, context ids, usage) of the last next_tokens(), for reweigh()
        self._pane: tuple[torch.Tensor, torch.Tensor, ContextUsage] | None = None

    @property
    def control_ids(self) -> frozenset[int]:
        """Tokens that are not text: never drawn or offered unless the settings allow them."""
        return self._step.control_ids

    # ---- tokens and context --------------------------------------------------------------

    def _eos_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        generation_config = getattr(self.model, "generation_config", None)
        for value in (getattr(generation_config, "eos_token_id", None),
                      self.tokenizer.eos_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif isinstance(value, (list, tuple)):
                ids.update(int(v) for v in value)
        return frozenset(ids)

    def tokenize(self, text: str, preamble: str = "") -> tuple[list[int], int]:
        """Token ids (BOS included where used) and how many lead ids are never cut."""
        return self._window.tokenize(text, preamble)

    def fit_context(self, ids: Sequence[int], protected: int,
                    reserve: int = 0) -> tuple[list[int], ContextUsage]:
        """Cut the oldest tokens (after the protected head) so the text fits the window."""
        return self._window.fit(ids, protected, reserve)

    def token_text(self, token_id: int) -> tuple[str, str]:
        """(decoded on its own, vocabulary piece) for a token id, memoised."""
        known = self._token_text.get(token_id)
        if known is None:
            text = self.tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
            piece = self.tokenizer.convert_ids_to_tokens(token_id)
            known = (text, str(piece))
            if len(self._token_text) > TOKEN_TEXT_MEMO:
                self._token_text.clear()
            self._token_text[token_id] = known
        return known

    def _token_infos(self, candidates: Sequence[Candidate]) -> tuple[TokenInfo, ...]:
        return tuple(TokenInfo(c.id, *self.token_text(c.id), c.prob, c.sampled_prob)
                     for c in candidates)

    # ---- the KV cache ----------------------------------------------------------------------

    def reset_cache(self) -> None:
        """Forget all cached state (e.g. to measure a full recomputation)."""
        self._prefix.reset()

    @property
    def cached_tokens(self) -> int:
        return len(self._prefix)

    @property
    def prefix_cache(self) -> PrefixCache:
        return self._prefix

    @property
    def decode_threads(self) -> int | None:
        """The thread count decoding found best last (None before the first generation)."""
        return self._sampled.decode_threads

    # ---- next tokens -----------------------------------------------------------------------

    def next_tokens(self, text: str, params: SamplingParams, n: int = DEFAULT_TOP_N,
                    preamble: str = "", cancel: CancelSource = None) -> NextTokens:
        """The n most likely tokens after `text`, raw and under `params`."""
        ids, protected = self.tokenize(text, preamble)
        fitted, usage = self.fit_context(ids, protected)
        with torch.inference_mode():
            logits = self._prefix.logits_after(fitted, as_cancel_check(cancel))
            context_ids = torch.tensor(fitted, device=self.device)
            self._pane = (logits, context_ids, usage)
            return self._distribution(logits, context_ids, usage, params, n)

    def reweigh(self, params: SamplingParams, n: int = DEFAULT_TOP_N) -> NextTokens | None:
        """The last next-token result under other settings, from cached logits (no model call)."""
        if self._pane is None:
            return None
        with torch.inference_mode():
            return self._distribution(*self._pane, params, n)

    def _distribution(self, logits: torch.Tensor, context_ids: torch.Tensor,
                      usage: ContextUsage, params: SamplingParams, n: int) -> NextTokens:
        distribution = self._step.distribution(logits, context_ids, params)
        return NextTokens(self._step.alternatives(logits, distribution, params, n), usage,
                          params)

    # ---- generation ------------------------------------------------------------------------

    def generate(self, text: str, params: ParamsSource, cancel: CancelSource = None,
                 preamble: str = "", top_n: int = DEFAULT_TOP_N) -> Generation:
        """Continue `text`, one `Step` per token.

        `params` may be a callable: it is read afresh before every token, so a slider moved
        mid-generation applies from the next token. `cancel` is checked before every token.
        """
        read_params = as_params_source(params)
        is_cancelled = as_cancel_check(cancel)

        def run(stats: GenerationStats) -> Iterator[Step]:
            first = read_params()
            ids, protected = self.tokenize(text, preamble)
            fitted, stats.context = self.fit_context(ids, protected, reserve=first.max_new_tokens)
            if first.mode is Mode.BEAM:
                yield from beam_steps(self._parts, fitted, first, is_cancelled, stats, top_n,
                                      self.eos_ids)
            else:
                yield from self._sampled.steps(fitted, read_params, is_cancelled, stats, top_n,
                                               self.eos_ids)

        return Generation(run)

    def generate_many(self, text: str, params: SamplingParams, n: int,
                      cancel: CancelSource = None, preamble: str = "", top_n: int = 5,
                      cut: Callable[[str], int | None] | None = None) -> Generation:
        """n independent samples of a continuation, decoded together in one batch.

        `cut(text)` may end a sample early (e.g. at a sentence end): it returns the length
        to keep, or None. Steps carry their sample's `row`. The session's own cache stays
        at the prompt.
        """
        is_cancelled = as_cancel_check(cancel)
        sampled = params.with_changes(mode=Mode.SAMPLE) if params.mode is Mode.BEAM else params

        def run(stats: GenerationStats) -> Iterator[Step]:
            ids, protected = self.tokenize(text, preamble)
            fitted, stats.context = self.fit_context(ids, protected, reserve=params.max_new_tokens)
            yield from batched_steps(self._parts, fitted, sampled, n, is_cancelled, stats,
                                     top_n, self.eos_ids, cut)

        return Generation(run)
