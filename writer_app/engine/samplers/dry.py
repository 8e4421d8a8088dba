"""DRY ("Don't Repeat Yourself"): penalise the token that would extend a repeat.

The definition is text-generation-webui's `DRYLogitsProcessor` (p-e-w, PR #5677, 2024),
also KoboldCpp's: for every earlier occurrence of the context's last token, measure how far
the text before it matches the text before the end (the match may not cross a sequence
breaker and is capped at MAX_MATCH tokens); the token that followed that occurrence would
extend a repeat of that length. Each such token whose longest match reaches
`allowed_length` loses multiplier · base^(length − allowed_length) from its logit.
Breakers (token ids, e.g. of newline, ':', '"', '*') end a match: a context ending in one
is never penalised, and no token after a breaker is.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import torch

from writer_app.errors import InvalidSettingError

MAX_MATCH = 50  # text-generation-webui's cap: keeps base^length finite and the scan short


def dry_match_lengths(context: list[int], breakers: Collection[int]) -> dict[int, int]:
    """For each token that would extend a repeat of the context's end: the repeat's length."""
    if not context or context[-1] in breakers:
        return {}
    last = context[-1]
    lengths: dict[int, int] = {}
    for i in range(len(context) - 1):  # the last token itself always matches: excluded
        if context[i] != last:
            continue
        following = context[i + 1]
        if following in breakers:
            continue
        length = 1
        while length < MAX_MATCH:
            j = i - length
            if j < 0:
                break
            previous = context[-(length + 1)]
            if context[j] != previous or previous in breakers:
                break
            length += 1
        lengths[following] = max(length, lengths.get(following, 0))
    return lengths


def dry(logits: torch.Tensor, context_ids: torch.Tensor, multiplier: float, base: float,
        allowed_length: int, breakers: Collection[int] = (), last_n: int = 0) -> torch.Tensor:
    """Subtract the DRY penalty from the tokens that would extend a repeat of at least
    `allowed_length` tokens, scanning the last `last_n` context ids (0: all). multiplier 0: off.

    The penalty is computed as a Python float (double), then subtracted from the float32
    logit — text-generation-webui's `scores_row[token] -= penalty`.
    """
    if multiplier == 0.0 or context_ids.numel() == 0:
        return logits
    context = (context_ids[-last_n:] if last_n > 0 else context_ids).tolist()
    lengths = dry_match_lengths(context, frozenset(breakers))
    vocab_size = logits.shape[-1]
    hits = [(token, length) for token, length in lengths.items()
            if length >= allowed_length and token < vocab_size]
    if not hits:
        return logits
    result = logits.clone()
    for token, length in hits:
        result[token] -= multiplier * base ** (length - allowed_length)
    return result


def check_dry(multiplier: float, base: float, allowed_length: int) -> None:
    """multiplier ≥ 0 (0 off, 0.8 usual), base > 1 (1.75 usual), allowed_length ≥ 1 (2 usual)."""
    for name, value in (("dry_multiplier", multiplier), ("dry_base", base)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise InvalidSettingError(f"{name} must be a number, not {value!r}",
                                      "e.g. dry_multiplier 0.8 with dry_base 1.75")
    if not 0.0 <= multiplier <= 100.0:
        raise InvalidSettingError(f"dry_multiplier must be from 0 to 100, not {multiplier!r}",
                                  "use 0 to turn DRY off, or e.g. 0.8")
    if not 1.0 < base <= 10.0:
        raise InvalidSettingError(f"dry_base must be above 1, up to 10, not {base!r}",
                                  "e.g. 1.75: how fast the penalty grows with a repeat's length")
    if isinstance(allowed_length, bool) or not isinstance(allowed_length, int) \
            or not 1 <= allowed_length <= MAX_MATCH:
        raise InvalidSettingError(
            f"dry_allowed_length must be a whole number from 1 to {MAX_MATCH}, "
            f"not {allowed_length!r}", "e.g. 2: repeats this long go unpunished")
