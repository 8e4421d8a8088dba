"""n independent samples of a continuation, decoded together in one batch.

The prompt is read once through the session's cache, which is then copied n times: every
step feeds one token per unfinished sample in a single forward pass, and the session's
own cache stays at the prompt.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Iterator

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import Step
from writer_app.engine.decoding import IncrementalDecoder
from writer_app.engine.generation import GenerationCancelled, GenerationStats, StopReason
from writer_app.engine.parts import SessionParts
from writer_app.engine.sampling import Distribution, draw_token


def batched_steps(parts: SessionParts, prompt: list[int], params: SamplingParams, n: int,
                  is_cancelled: Callable[[], bool], stats: GenerationStats, top_n: int,
                  eos_ids: frozenset[int],
                  cut: Callable[[str], int | None] | None) -> Iterator[Step]:
    """Steps of all rows, each carrying its `row`; `cut(text)` may end a row early."""
    stats.seed = params.seed if params.seed is not None else secrets.randbits(63)
    generator = torch.Generator(device=parts.device).manual_seed(stats.seed)

    def draw(distribution: Distribution) -> int:
        return draw_token(distribution, generator)

    try:
        with torch.inference_mode():
            first = parts.prefix.logits_after(prompt, is_cancelled)
    except GenerationCancelled:
        stats.stop_reason = StopReason.CANCELLED
        return
    started = time.perf_counter()
    cache = copy.deepcopy(parts.prefix.cache)
    cache.batch_repeat_interleave(n)  # type: ignore[union-attr]
    logits = first.unsqueeze(0).expand(n, -1)  # [n, V]
    contexts = [list(prompt) for _ in range(n)]
    decoders = [IncrementalDecoder(parts.tokenizer, prompt) for _ in range(n)]
    texts = [""] * n
    active = [True] * n
    for index in range(params.max_new_tokens):
        if is_cancelled():
            stats.stop_reason = StopReason.CANCELLED
            break
        if len(contexts[0]) >= parts.context_limit:
            stats.stop_reason = StopReason.CONTEXT_FULL
            break
        fed = []
        for row in range(n):
            if not active[row]:
                fed.append(contexts[row][-1])  # keeps the batch shape; output unused
                continue
            with torch.inference_mode():
                choice = parts.step.choose(logits[row], contexts[row], params, top_n, draw)
            stats.tokens += 1
            fed.append(choice.token)
            contexts[row].append(choice.token)
            if choice.token in eos_ids:
                active[row] = False
                continue
            piece = decoders[row].push(choice.token)
            end = cut(texts[row] + piece) if cut else None
            if end is not None:
                piece = (texts[row] + piece)[len(texts[row]):end]
                active[row] = False
            texts[row] += piece
            yield Step(index, choice.token, piece, choice.prob, choice.sampled_prob,
                       choice.alternatives, row=row)
        if not any(active):
            stats.stop_reason = StopReason.EOS
            break
        with torch.inference_mode():
            input_ids = torch.tensor(fed, device=parts.device).unsqueeze(1)  # [n, 1]
            logits = parts.runner(input_ids, cache)[:, -1]  # [n, V]
    else:
        stats.stop_reason = StopReason.LENGTH
    for row in range(n):
        tail = decoders[row].flush() if active[row] else ""
        if tail:
            texts[row] += tail
            yield Step(params.max_new_tokens, -1, tail, 0.0, 0.0, (), row=row)
    stats.decode_seconds = time.perf_counter() - started
    stats.rows = texts
