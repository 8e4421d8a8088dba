"""XTC ("Exclude Top Choices"): sometimes remove the likeliest tokens, keeping the least
likely of those above a threshold, so the text leaves its most worn paths.

The definition is text-generation-webui's `XTCLogitsWarper` (p-e-w, PR #6335, 2024): draw
first — a uniform number r; r ≥ probability: nothing happens — then take the tokens whose
probability (softmax of the logits as they reach XTC) is at or above the threshold and,
when there are two or more, remove all of them except the least likely one. If a protected
token (text-generation-webui protects the newline and end-of-sequence tokens) would be
removed, nothing is removed.

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
    probs = logits.softmax(dim=-1)
    # Only tokens at or above the threshold matter, at most 1/threshold of them: sorting
    # those (stably, by id within a tie) is the whole-vocabulary sort's order among them.
    reaching = torch.nonzero(probs >= threshold).squeeze(1)
    if reaching.numel() < 2:
        return logits
    order = torch.sort(probs[reaching], descending=True, stable=True).indices
    removed = reaching[order[:-1]]
    if protected and set(removed.tolist()) & set(protected):
        return logits
    return logits.index_fill(0, removed, float("-inf"))


def _generator_device(generator: torch.Generator | None) -> torch.device | None:
    return None if generator is None else generator.device


def check_xtc(threshold: float, probability: float) -> None:
    """threshold above 0, up to 1 (above 0.5: off; 0.1 usual), probability 0 (off) to 1."""
    for name, value, hint in (("xtc_threshold", threshold, "e.g. 0.1"),
                              ("xtc_probability", probability, "use 0 to turn XTC off, or 0.5")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise InvalidSettingError(f"{name} must be from 0 to 1, not {value!r}", hint)
    if threshold == 0.0:  # every token reaches 0: all but the least likely would go
        raise InvalidSettingError("xtc_threshold must be above 0",
                                  "e.g. 0.1; use xtc_probability 0 to turn XTC off")
