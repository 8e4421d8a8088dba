"""The streamed decode loop of sampling and greedy choice: one token per forward pass.

Each token extends the session's own prefix cache, so the text just written is already
read when the user asks for the next-token pane or continues again. On a CUDA device the
tokens go through a static cache and a compiled step instead (`cuda_decode`), and the
prefix cache catches up with them at the next request.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import Step
from writer_app.engine import cuda_decode
from writer_app.engine.decoding import IncrementalDecoder
from writer_app.engine.device import MAX_CPU_THREADS, usable_cpu_count
from writer_app.engine.generation import GenerationCancelled, GenerationStats, StopReason
from writer_app.engine.noise import Noise, noise_for
from writer_app.engine.parts import SessionParts
from writer_app.engine.sampling import Distribution, draw_token
from writer_app.engine.threads import ThreadTuner


class SampledDecoding:
    """Runs sampled (or greedy) generations; remembers the thread count decoding liked."""

    def __init__(self, parts: SessionParts) -> None:
        self._parts = parts
        self.decode_threads: int | None = None  # the thread count decoding found best last
        self.static: cuda_decode.StaticDecoder | None = None  # on a CUDA device, once used

    def steps(self, ids: list[int], read_params: Callable[[], SamplingParams],
              is_cancelled: Callable[[], bool], stats: GenerationStats, top_n: int,
              eos_ids: frozenset[int]) -> Iterator[Step]:
        parts = self._parts
        first = read_params()
        stats.seed = first.seed if first.seed is not None else secrets.randbits(63)
        started = time.perf_counter()
        try:
            with torch.inference_mode():
                logits = parts.prefix.logits_after(ids, is_cancelled)
        except GenerationCancelled:
            stats.stop_reason = StopReason.CANCELLED
            return
        stats.prefill_seconds = time.perf_counter() - started
        started = time.perf_counter()
        spare_core = (parts.device.type == "cpu"
                      and torch.get_num_threads() < usable_cpu_count())
        noise = noise_for(stats.seed, logits.shape[-1], parts.device, spare_core)
        threads = torch.get_num_threads()
        tuner = self._thread_tuner()
        feed = self._token_feeder(ids, first.max_new_tokens)
        try:
            yield from self._loop(logits, list(ids), read_params, is_cancelled, stats, top_n,
                                  noise, tuner, eos_ids, feed)
        finally:
            noise.close()
            if tuner is not None:
                self.decode_threads = tuner.current
                torch.set_num_threads(threads)  # the pane keeps the worker's choice
        stats.decode_seconds = time.perf_counter() - started

    def _token_feeder(self, ids: list[int], max_new_tokens: int) -> cuda_decode.TokenFeeder:
        """How each generated token reaches the model: the prefix cache, or on a CUDA device
        a static cache and a compiled step (falling back to the prefix cache)."""
        parts = self._parts
        if cuda_decode.wanted(parts.device):
            if self.static is None:
                self.static = cuda_decode.StaticDecoder(parts.runner.model, parts.device,
                                                        parts.context_limit)
            feed = self.static.start(ids, len(ids) + max_new_tokens)
            if feed is not None:
                return feed
        return lambda token: parts.prefix.feed([token])[-1]

    def _thread_tuner(self) -> ThreadTuner | None:
        """Decoding on the CPU tries all cores and one fewer, starting where it ended last."""
        if self._parts.device.type != "cpu":
            return None
        most = min(usable_cpu_count(), MAX_CPU_THREADS)
        if most < 2:
            return None
        start = self.decode_threads or torch.get_num_threads()
        counts = (most, most - 1) if start >= most else (most - 1, most)
        return ThreadTuner(counts, torch.set_num_threads)

    def _loop(self, logits: torch.Tensor, context: list[int],
              read_params: Callable[[], SamplingParams], is_cancelled: Callable[[], bool],
              stats: GenerationStats, top_n: int, noise: Noise, tuner: ThreadTuner | None,
              eos_ids: frozenset[int], feed: cuda_decode.TokenFeeder) -> Iterator[Step]:
        parts = self._parts
        decoder = IncrementalDecoder(parts.tokenizer, context)

        def draw(distribution: Distribution) -> int:
            return draw_token(distribution, noise=noise)

        index = 0
        while True:
            if tuner is not None:
                tuner.step()
            params = read_params()
            if is_cancelled():
                stats.stop_reason = StopReason.CANCELLED
                break
            if index >= params.max_new_tokens:
                stats.stop_reason = StopReason.LENGTH
                break
            if len(context) >= parts.context_limit:
                stats.stop_reason = StopReason.CONTEXT_FULL
                break
            with torch.inference_mode():
                choice = parts.step.choose(logits, context, params, top_n, draw)
            stats.tokens += 1
            if choice.token in eos_ids:
                stats.stop_reason = StopReason.EOS
                break
            piece = decoder.push(choice.token)
            stats.text.append(piece)
            yield Step(index, choice.token, piece, choice.prob, choice.sampled_prob,
                       choice.alternatives)
            index += 1
            context.append(choice.token)
            with torch.inference_mode():
                logits = feed(choice.token)
        tail = decoder.flush()
        if tail:
            stats.text.append(tail)
            yield Step(index, -1, tail, 0.0, 0.0, ())
