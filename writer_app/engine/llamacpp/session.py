"""A GGUF model loaded in llama.cpp, served with Writer's own sampling.

The counterpart of `engine.session.ModelSession`: llama.cpp computes the logits (and
keeps the KV cache of the last text, `LlamaRunner`), and everything after the logits —
suppression of control tokens, repetition penalty, temperature, top-k, top-p, the
seeded draw, the pane's two columns — is the transformers backend's code, so the
settings and seeds mean the same on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import llama_cpp
import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, Step, TokenInfo
from writer_app.engine.context import ContextWindow
from writer_app.engine.control_tokens import control_token_ids
from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.device import MAX_CPU_THREADS, usable_cpu_count
from writer_app.engine.generation import (
    CancelSource,
    Generation,
    GenerationStats,
    ParamsSource,
    as_cancel_check,
    as_params_source,
)
from writer_app.engine.llamacpp.decoding import LlamaParts, sample_rows, sampled_steps
from writer_app.engine.llamacpp.fast_step import FastStep, SeenTokens
from writer_app.engine.llamacpp.runner import LlamaRunner
from writer_app.engine.llamacpp.vocab import LlamaVocabulary
from writer_app.engine.sampling import Candidate
from writer_app.engine.threads import ThreadTuner

DEFAULT_TOP_N = 10
TOKEN_TEXT_MEMO = 50_000  # token texts remembered before the memo starts afresh
CPU = torch.device("cpu")


class LlamaSession:
    """Serves next-token distributions and generations for one llama.cpp model."""

    def __init__(self, llm: Any, context_limit: int, threads: int,
                 fixed_decode_threads: int | None = None) -> None:
        """`threads`: for prompts and where decoding starts; `fixed_decode_threads`
        turns the thread tuning off (benchmarks compare at a given count)."""
        self.llm = llm
        self.vocab = LlamaVocabulary(llm.model)
        self.context_limit = min(context_limit, int(llm.n_ctx()))
        # The end of text ends a generation, as on the transformers backend (whose
        # generation config names it); other end-of-turn tokens are suppressed there too.
        eos = self.vocab.eos_token_id
        eos_ids = frozenset({eos} if eos is not None else self.vocab.end_of_generation_ids)
        start = self.vocab.bos_token_id
        self._window = ContextWindow(self.vocab, self.context_limit,  # type: ignore[arg-type]
                                     start if start is not None else min(eos_ids, default=0))
        self._token_text: dict[int, tuple[str, str]] = {}
        self.runner = LlamaRunner(llm)
        self._step = DecodeStep(control_token_ids(self.vocab, eos_ids),  # type: ignore[arg-type]
                                CPU, self._token_infos)
        self._threads = threads
        self._fixed = fixed_decode_threads
        self.decode_threads: int | None = fixed_decode_threads  # the count decoding liked last
        self._parts = LlamaParts(self.runner, self.vocab,
                                 FastStep(self._step, self.runner.vocab_size, self._token_infos),
                                 self.context_limit, eos_ids, self._tuner,
                                 lambda: self.decode_threads or self._threads)
        # (logits, context ids, usage) of the last next_tokens(), for reweigh()
        self._pane: tuple[torch.Tensor, torch.Tensor, ContextUsage] | None = None

    @property
    def eos_ids(self) -> frozenset[int]:
        """The tokens that end a generation (benchmarks set none, to make every token)."""
        return self._parts.eos_ids

    @eos_ids.setter
    def eos_ids(self, ids: frozenset[int]) -> None:
        self._parts.eos_ids = ids

    @property
    def control_ids(self) -> frozenset[int]:
        return self._step.control_ids

    # ---- tokens and context --------------------------------------------------------------

    def tokenize(self, text: str, preamble: str = "") -> tuple[list[int], int]:
        return self._window.tokenize(text, preamble)

    def fit_context(self, ids: Sequence[int], protected: int,
                    reserve: int = 0) -> tuple[list[int], ContextUsage]:
        return self._window.fit(ids, protected, reserve)

    def token_text(self, token_id: int) -> tuple[str, str]:
        known = self._token_text.get(token_id)
        if known is None:
            known = self.vocab.token_text(token_id)
            if len(self._token_text) > TOKEN_TEXT_MEMO:
                self._token_text.clear()
            self._token_text[token_id] = known
        return known

    def _token_infos(self, candidates: Sequence[Candidate]) -> tuple[TokenInfo, ...]:
        return tuple(TokenInfo(c.id, *self.token_text(c.id), c.prob, c.sampled_prob)
                     for c in candidates)

    # ---- threads ---------------------------------------------------------------------------

    def _set_decode_threads(self, count: int) -> None:
        llama_cpp.llama_set_n_threads(self.llm.ctx, count, self._threads)
        self.decode_threads = count

    def _tuner(self) -> ThreadTuner | None:
        """Decoding tries all cores and one fewer, starting where it ended last, as the
        transformers backend's decoding does (engine.sampled)."""
        if self._fixed is not None:
            self._set_decode_threads(self._fixed)
            return None
        most = min(usable_cpu_count(), MAX_CPU_THREADS)
        if most < 2:
            return None
        start = self.decode_threads or self._threads
        counts = (most, most - 1) if start >= most else (most - 1, most)
        return ThreadTuner(counts, self._set_decode_threads)

    # ---- the pane --------------------------------------------------------------------------

    def reset_cache(self) -> None:
        self.runner.reset()

    def next_tokens(self, text: str, params: SamplingParams, n: int = DEFAULT_TOP_N,
                    preamble: str = "", cancel: CancelSource = None) -> NextTokens:
        """The n most likely tokens after `text`, raw and under `params`."""
        ids, protected = self.tokenize(text, preamble)
        fitted, usage = self.fit_context(ids, protected)
        logits = self.runner.logits_after(fitted, as_cancel_check(cancel)).clone()
        context_ids = torch.tensor(fitted, dtype=torch.long)
        self._pane = (logits, context_ids, usage)
        return self._distribution(logits, context_ids, usage, params, n)

    def reweigh(self, params: SamplingParams, n: int = DEFAULT_TOP_N) -> NextTokens | None:
        if self._pane is None:
            return None
        return self._distribution(*self._pane, params, n)

    def _distribution(self, logits: torch.Tensor, context_ids: torch.Tensor,
                      usage: ContextUsage, params: SamplingParams, n: int) -> NextTokens:
        with torch.inference_mode():
            surveyed = self._parts.step.survey(
                logits, SeenTokens(self.runner.vocab_size, context_ids.tolist()), params, n)
            if surveyed is not None:  # the decode step's arithmetic: ~5x cheaper
                return NextTokens(self._token_infos(surveyed[1]), usage, params)
            distribution = self._step.distribution(logits, context_ids, params)
            return NextTokens(self._step.alternatives(logits, distribution, params, n), usage,
                              params)

    # ---- generation ------------------------------------------------------------------------

    def generate(self, text: str, params: ParamsSource, cancel: CancelSource = None,
                 preamble: str = "", top_n: int = DEFAULT_TOP_N) -> Generation:
        """Continue `text`, one `Step` per token; `params` is read before every token."""
        read_params = as_params_source(params)
        is_cancelled = as_cancel_check(cancel)

        def run(stats: GenerationStats) -> Iterator[Step]:
            first = read_params()
            ids, protected = self.tokenize(text, preamble)
            fitted, stats.context = self.fit_context(ids, protected,
                                                     reserve=first.max_new_tokens)
            yield from sampled_steps(self._parts, fitted, read_params, is_cancelled, stats,
                                     top_n)

        return Generation(run)

    def samples(self, text: str, params: SamplingParams, n: int, cancel: CancelSource = None,
                preamble: str = "",
                cut: Callable[[str], int | None] | None = None) -> tuple[list[str],
                                                                         GenerationStats]:
        """n continuations of `text`, each ended early where `cut` says."""
        stats = GenerationStats()
        ids, protected = self.tokenize(text, preamble)
        fitted, stats.context = self.fit_context(ids, protected, reserve=params.max_new_tokens)
        rows = sample_rows(self._parts, fitted, params, n, as_cancel_check(cancel), stats, cut)
        return rows, stats

    def close(self) -> None:
        """Free llama.cpp's model and context (on the thread that used them)."""
        self._pane = None
        self.llm.close()
