"""Beam search: the likeliest whole passage, found by transformers, then replayed as steps.

Beam search only knows its passage once done, so it streams nothing until then. The
passage is then fed through the session's own cache, which gives every step's
distribution (shown as greedy choice would see it) and leaves the cache at its end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import Step
from writer_app.engine.decoding import IncrementalDecoder
from writer_app.engine.generation import GenerationStats, StopReason
from writer_app.engine.parts import SessionParts


def beam_steps(parts: SessionParts, ids: list[int], params: SamplingParams,
               is_cancelled: Callable[[], bool], stats: GenerationStats, top_n: int,
               eos_ids: frozenset[int]) -> Iterator[Step]:
    started = time.perf_counter()
    new = _search(parts, ids, params, is_cancelled, eos_ids)
    pad = parts.tokenizer.pad_token_id
    ended = bool(new) and new[-1] in eos_ids
    new = [t for t in new if t not in eos_ids and t != pad] if ended else new
    stats.decode_seconds = time.perf_counter() - started
    stats.tokens = len(new)
    if is_cancelled():
        stats.stop_reason = StopReason.CANCELLED
        return
    stats.stop_reason = StopReason.EOS if ended else StopReason.LENGTH
    if not new:
        return
    with torch.inference_mode():
        first = parts.prefix.logits_after(ids, is_cancelled).unsqueeze(0)  # [1, V]
        rest = parts.prefix.feed(new[:-1], keep=len(new) - 1) if len(new) > 1 else first[:0]
        parts.prefix.feed([new[-1]])  # the cache ends after the passage, as sampling leaves it
        all_logits = torch.cat([first, rest])  # [len(new), V]: the logits each token was chosen at
        context = list(ids)
        decoder = IncrementalDecoder(parts.tokenizer, ids)
        for index, (token, logits) in enumerate(zip(new, all_logits, strict=True)):
            choice = parts.step.choose(logits, context, params, top_n,
                                       lambda _distribution, token=token: token)
            piece = decoder.push(token)
            stats.text.append(piece)
            context.append(token)
            yield Step(index, token, piece, choice.prob, choice.sampled_prob, choice.alternatives)
        tail = decoder.flush()
        if tail:
            stats.text.append(tail)
            yield Step(len(new), -1, tail, 0.0, 0.0, ())


def _search(parts: SessionParts, ids: list[int], params: SamplingParams,
            is_cancelled: Callable[[], bool], eos_ids: frozenset[int]) -> list[int]:
    """The new token ids of transformers' beam search, control tokens suppressed as ours."""
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopWhenCancelled(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor,
                     **kwargs: object) -> torch.Tensor:
            return torch.full((input_ids.shape[0],), is_cancelled(), dtype=torch.bool,
                              device=input_ids.device)

    pad = parts.tokenizer.pad_token_id
    suppressed = parts.step.suppressed_list(params)
    with torch.inference_mode():
        output = parts.runner.model.generate(
            torch.tensor([ids], device=parts.device),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long, device=parts.device),
            do_sample=False, num_beams=params.num_beams,
            max_new_tokens=max(1, min(params.max_new_tokens, parts.context_limit - len(ids))),
            repetition_penalty=params.repetition_penalty,
            temperature=None, top_k=None, top_p=None,
            suppress_tokens=suppressed or None,
            pad_token_id=pad if pad is not None else next(iter(eos_ids), 0),
            stopping_criteria=StoppingCriteriaList([StopWhenCancelled()]),
        )
    return output[0, len(ids):].tolist()
