"""XTC ("Exclude Top Choices"): sometimes remove the likeliest tokens, keeping the least
likely of those above a threshold, so the text leaves its most worn paths.

The definition is text-generation-webui's `XTCLogitsWarper` (p-e-w, PR #6335, 2024): draw
first — a uniform number r; r ≥ probability: nothing happens — then sort the tokens by
probability (softmax of the logits as they reach XTC), and remove every token whose
successor in that order still reaches the threshold, which is every token at or above it
except the least likely such one. If a protected token (text-generation-webui protects
the newline and end-of-sequence tokens) would be removed, nothing is removed.

The random number: one `torch.rand(1, generator=generator)` per step while XTC is on
(probability > 0 and threshold ≤ 0.5), drawn before anything else is decided — so every
step consumes it, whether or not two tokens reach the threshold, and a seed reproduces the
text. While XTC is off nothing is drawn. The sort is stable: among tokens tied at the
threshold-reaching minimum, the one with the highest id is the one kept.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import torch

from writer_app.errors import InvalidSettingError


def xtc_is_on(threshold: float, probability: float) -> bool:
    """Off when it can never act: probability 0, or a threshold above 0.5 (two tokens
    cannot both hold more than half the mass)."""
    return probability > 0.0 and threshold <= 0.5


def xtc(logits: torch.Tensor, threshold: float, probability: float,
        generator: torch.Generator | None, protected: Collection[int] = ()) -> torch.Tensor:
    """-inf for the top choices, with chance `probability`; see the module for the rule."""
    if not xtc_is_on(threshold, probability):
        return logits
    draw = float(torch.rand(1, generator=generator, device=_generator_device(generator)))
    if draw >= probability:
        return logits
    sorted_logits, sorted_indices = torch.sort(logits, descending=True, stable=True)
    probs = sorted_logits.softmax(dim=-1)
    sorted_remove = torch.zeros_like(probs, dtype=torch.bool)
    sorted_remove[:-1] = probs[1:] >= threshold
    remove = sorted_remove.scatter(0, sorted_indices, sorted_remove)
    ids = [i for i in protected if 0 <= i < logits.shape[-1]]
    if ids and bool(remove[ids].any()):
        return logits
    return logits.masked_fill(remove, float("-inf"))


def _generator_device(generator: torch.Generator | None) -> torch.device | None:
    return None if generator is None else generator.device


def check_xtc(threshold: float, probability: float) -> None:
    """threshold 0 to 1 (above 0.5: off; 0.1 usual), probability 0 (off) to 1 (0.5 usual)."""
    for name, value, hint in (("xtc_threshold", threshold, "e.g. 0.1"),
                              ("xtc_probability", probability, "use 0 to turn XTC off, or 0.5")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise InvalidSettingError(f"{name} must be from 0 to 1, not {value!r}", hint)
