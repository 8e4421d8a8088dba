"""What the engine answers with, as plain values: candidates, streamed steps, known models.

Kept apart from `session` (and torch) because these values cross to the window's
process, where unpickling one imports its module: the window must not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from writer_app.boundary.params import SamplingParams


@dataclass(frozen=True)
class TokenInfo:
    """A candidate token as plain values: what the pane and the command line show."""

    id: int
    text: str  # the token decoded on its own
    piece: str  # the vocabulary entry, e.g. "▁the" or "<0xE4>" for a partial character
    prob: float  # softmax of the raw logits
    sampled_prob: float  # probability under the sampling settings (0 where cut)


@dataclass(frozen=True)
class ContextUsage:
    """How much of the text reached the model."""

    used: int  # tokens given to the model
    dropped: int  # tokens cut from the left to fit the window
    window: int  # the most tokens the model is given
    approximate: bool = False  # counted without the model's tokenizer (a server without one)


@dataclass(frozen=True)
class NextTokens:
    """The most likely next tokens at the end of a text."""

    tokens: tuple[TokenInfo, ...]
    context: ContextUsage
    params: SamplingParams
    # The sampled column was computed from the top tokens a server sent, not the whole
    # vocabulary: where the unsent tail would matter, those probabilities are estimates.
    approximate: bool = False


@dataclass(frozen=True)
class Step:
    """One generated token.

    A stream that ends while complete characters are still held back ends with one more
    step that carries only that text: token_id -1, probabilities 0, no alternatives.
    """

    index: int  # 0 for the first generated token
    token_id: int
    text: str  # the text it adds ("" while a multi-token character is incomplete)
    prob: float  # its raw probability
    sampled_prob: float  # its probability under the settings it was drawn with
    alternatives: tuple[TokenInfo, ...]  # the distribution it was drawn from, top first
    row: int = 0  # which of several parallel samples (generate_many) it belongs to


@dataclass(frozen=True)
class ModelEntry:
    """A model the user can pick without browsing for it."""

    spec: str  # what to pass to load_model
    name: str
    kind: str  # "default" | "hub-cache" | "recent"
    detail: str  # size or location, for a second line or tooltip
