"""Penalties on tokens the context already holds: repetition (with a range), presence,
frequency.

The repetition penalty is transformers' `RepetitionPenaltyLogitsProcessor`; the range
("only the last N tokens count") is text-generation-webui's and llama.cpp's
`repeat_last_n`: with N covering the whole context it is transformers' processor exactly.
Presence and frequency penalties follow OpenAI's definition (API reference, "Parameter
details"): logit − count·frequency − (count > 0)·presence, over the counted context, the
expression llama.cpp's penalties sampler computes in float32.
"""

from __future__ import annotations

import math

import torch

from writer_app.errors import InvalidSettingError


def window(context_ids: torch.Tensor, last_n: int) -> torch.Tensor:
    """The context ids ([L]) that count: the last `last_n`, or all of them when 0."""
    return context_ids[-last_n:] if last_n > 0 else context_ids


def repetition_penalty(logits: torch.Tensor, context_ids: torch.Tensor, penalty: float,
                       last_n: int = 0) -> torch.Tensor:
    """Divide a positive logit (multiply a negative one) by `penalty`, once per distinct
    token among the last `last_n` context ids (0: all). 1: off.

    Mirrors RepetitionPenaltyLogitsProcessor on a batch of one: ids past the output layer
    (a tokenizer may know more ids than the model scores) go to a spare column and drop.
    """
    ids = window(context_ids, last_n)
    if penalty == 1.0 or ids.numel() == 0:
        return logits
    vocab_size = logits.shape[-1]
    ids = ids.unsqueeze(0).clamp(max=vocab_size)
    scores = torch.nn.functional.pad(logits.unsqueeze(0), (0, 1))
    score = torch.gather(scores, 1, ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(1, ids, score)[0, :vocab_size]


def presence_frequency_penalty(logits: torch.Tensor, context_ids: torch.Tensor,
                               presence: float, frequency: float,
                               last_n: int = 0) -> torch.Tensor:
    """logit − (count·frequency + (count > 0)·presence) for each token among the last
    `last_n` context ids (0: all), counted there. Both 0: off.

    Negative values reward repeats, as OpenAI allows (−2 to 2). The penalty is formed and
    subtracted in float32, in that order, so a reference loop can equal it exactly.
    """
    ids = window(context_ids, last_n)
    if (presence == 0.0 and frequency == 0.0) or ids.numel() == 0:
        return logits
    vocab_size = logits.shape[-1]
    ids = ids[ids < vocab_size]  # ids past the output layer cannot be drawn
    if ids.numel() == 0:
        return logits
    unique, counts = torch.unique(ids, return_counts=True)
    counts = counts.to(logits.dtype)
    amount = counts * torch.tensor(frequency, dtype=logits.dtype, device=logits.device) \
        + torch.tensor(presence, dtype=logits.dtype, device=logits.device)
    return logits.index_put((unique,), logits[unique] - amount)


def check_repetition_penalty_range(value: int) -> None:
    """The range: a whole number of tokens, 0 meaning the whole context."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSettingError(
            f"repetition_penalty_range must be a whole number of tokens, 0 or more, not {value!r}",
            "use 0 to count the whole context, or e.g. 1024")


def _check_signed(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not (math.isfinite(value) and -2.0 <= value <= 2.0):
        raise InvalidSettingError(f"{name} must be from -2 to 2, not {value!r}",
                                  "use 0 to turn it off, or e.g. 0.3 to discourage repeats")


def check_presence_penalty(value: float) -> None:
    """presence_penalty: −2 to 2 (OpenAI's bounds), 0 off."""
    _check_signed("presence_penalty", value)


def check_frequency_penalty(value: float) -> None:
    """frequency_penalty: −2 to 2 (OpenAI's bounds), 0 off."""
    _check_signed("frequency_penalty", value)
