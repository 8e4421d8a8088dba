"""The llama.cpp decode loops: one streamed generation, and n samples one after another.

The same shape as engine.sampled (the transformers loop): read the settings before every
token, check cancel, stop at the length, the window or EOS, stream text that never
splits a character. Only the model call (llama.cpp through `LlamaRunner`), the step
(`FastStep`, equal to `DecodeStep.choose`) and the noise source (drawn ahead) differ.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import Step
from writer_app.engine.decoding import IncrementalDecoder
from writer_app.engine.device import usable_cpu_count
from writer_app.engine.generation import GenerationCancelled, GenerationStats, StopReason
from writer_app.engine.llamacpp.fast_step import FastStep, SeenTokens
from writer_app.engine.llamacpp.noise_ahead import StreamNoiseAhead, noise_ahead_for
from writer_app.engine.llamacpp.runner import LlamaRunner
from writer_app.engine.noise import Noise
from writer_app.engine.sampling import Distribution, draw_token
from writer_app.engine.threads import ThreadTuner

if TYPE_CHECKING:
    from writer_app.engine.llamacpp.vocab import LlamaVocabulary


@dataclass
class LlamaParts:
    """What the loops share: the model's cache, vocabulary, step and limits."""

    runner: LlamaRunner
    vocab: LlamaVocabulary
    step: FastStep
    context_limit: int
    eos_ids: frozenset[int]
    tuner: Callable[[], ThreadTuner | None]  # a thread tuner for one generation, or None
    decode_threads: Callable[[], int]  # llama.cpp's thread count for decoding now


def _noise(parts: LlamaParts, seed: int) -> Noise:
    """A helper thread draws the noise where the machine has a second core."""
    return noise_ahead_for(seed, parts.runner.vocab_size, helper=usable_cpu_count() > 1)


def _pace(noise: Noise, parts: LlamaParts) -> None:
    """A step's logits arrived: the helper draws its noise now, while the step is sampled
    and, where llama.cpp leaves a core spare, also during the next decode."""
    if isinstance(noise, StreamNoiseAhead):
        noise.eager = parts.decode_threads() < usable_cpu_count()
        noise.prepare()


def _prefill(parts: LlamaParts, ids: list[int], is_cancelled: Callable[[], bool],
             stats: GenerationStats) -> torch.Tensor | None:
    started = time.perf_counter()
    try:
        logits = parts.runner.logits_after(ids, is_cancelled)
    except GenerationCancelled:
        stats.stop_reason = StopReason.CANCELLED
        return None
    stats.prefill_seconds = time.perf_counter() - started
    return logits


def sampled_steps(parts: LlamaParts, ids: list[int], read_params: Callable[[], SamplingParams],
                  is_cancelled: Callable[[], bool], stats: GenerationStats,
                  top_n: int) -> Iterator[Step]:
    """One continuation of `ids`, a Step per token; `read_params` is read before each."""
    first = read_params()
    stats.seed = first.seed if first.seed is not None else secrets.randbits(63)
    logits = _prefill(parts, ids, is_cancelled, stats)
    if logits is None:
        return
    started = time.perf_counter()
    tuner = parts.tuner()
    noise = _noise(parts, stats.seed)
    seen = SeenTokens(parts.runner.vocab_size, ids)
    decoder = IncrementalDecoder(parts.vocab, ids)  # type: ignore[arg-type]

    def draw(distribution: Distribution) -> int:
        return draw_token(distribution, noise=noise)

    index = 0
    try:
        while True:
            if tuner is not None:
                tuner.step()
            _pace(noise, parts)
            params = read_params()
            if is_cancelled():
                stats.stop_reason = StopReason.CANCELLED
                break
            if index >= params.max_new_tokens:
                stats.stop_reason = StopReason.LENGTH
                break
            if len(seen.context) >= parts.context_limit:
                stats.stop_reason = StopReason.CONTEXT_FULL
                break
            with torch.inference_mode():
                choice = parts.step.choose(logits, seen, params, top_n, draw)
            stats.tokens += 1
            if choice.token in parts.eos_ids:
                stats.stop_reason = StopReason.EOS
                break
            piece = decoder.push(choice.token)
            stats.text.append(piece)
            yield Step(index, choice.token, piece, choice.prob, choice.sampled_prob,
                       choice.alternatives)
            index += 1
            seen.append(choice.token)
            logits = parts.runner.feed([choice.token])
    finally:
        noise.close()
    tail = decoder.flush()
    if tail:
        stats.text.append(tail)
        yield Step(index, -1, tail, 0.0, 0.0, ())
    stats.decode_seconds = time.perf_counter() - started


def sample_rows(parts: LlamaParts, prompt: list[int], params: SamplingParams, n: int,
                is_cancelled: Callable[[], bool], stats: GenerationStats,
                cut: Callable[[str], int | None] | None) -> list[str]:
    """n independent continuations of `prompt`, decoded one after another from its cache.

    One noise stream (from the seed) serves the rows in turn, so a seed repeats all n;
    the transformers backend decodes them as one batch, so its rows differ. Each row ends
    at EOS, at `max_new_tokens`, or where `cut(text)` says (the length to keep).
    """
    stats.seed = params.seed if params.seed is not None else secrets.randbits(63)
    first = _prefill(parts, prompt, is_cancelled, stats)
    if first is None:
        return [""] * n
    prompt_logits = first.clone()  # the runner's own are overwritten by each row
    rows = [""] * n
    noise = _noise(parts, stats.seed)

    def draw(distribution: Distribution) -> int:
        return draw_token(distribution, noise=noise)

    started = time.perf_counter()
    try:
        for row in range(n):
            parts.runner.rollback(len(prompt))
            logits = prompt_logits
            seen = SeenTokens(parts.runner.vocab_size, prompt)
            decoder = IncrementalDecoder(parts.vocab, prompt)  # type: ignore[arg-type]
            ended = False
            for _ in range(params.max_new_tokens):
                if is_cancelled():
                    stats.stop_reason = StopReason.CANCELLED
                    return rows
                if len(seen.context) >= parts.context_limit:
                    stats.stop_reason = StopReason.CONTEXT_FULL
                    break
                _pace(noise, parts)
                with torch.inference_mode():
                    choice = parts.step.choose(logits, seen, params, 1, draw)
                stats.tokens += 1
                if choice.token in parts.eos_ids:
                    ended = True
                    break
                piece = decoder.push(choice.token)
                end = cut(rows[row] + piece) if cut else None
                if end is not None:
                    rows[row] = (rows[row] + piece)[:end]
                    ended = True
                    break
                rows[row] += piece
                seen.append(choice.token)
                logits = parts.runner.feed([choice.token])
            if not ended:
                rows[row] += decoder.flush()
    finally:
        noise.close()
    stats.decode_seconds = time.perf_counter() - started
    stats.rows = rows
    return rows
