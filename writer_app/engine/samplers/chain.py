"""All samplers in one pass, in order, remembering which stage cut each token.

This is the reference composition the decode step will call: every sampler on the full
vocabulary, exactly as `generate()`'s LogitsProcessorList would run the ones transformers
has (see `order`). `cut_by` tells the next-token pane which sampler removed a token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from writer_app.engine.samplers import dry as dry_mod
from writer_app.engine.samplers import ngrams, penalties, truncation
from writer_app.engine.samplers import xtc as xtc_mod
from writer_app.engine.samplers.order import DEFAULT_TRUNCATION_ORDER, full_order


@dataclass(frozen=True)
class SamplerSettings:
    """Every sampler's setting, each default 'off' (the wiring maps SamplingParams here).

    Token ids (banned sequences, biases, breakers) are already tokenized for this model.
    """

    temperature: float = 1.0
    sample: bool = True  # False: greedy choice, where generate() runs no warper
    top_k: int = 0
    top_p: float = 1.0
    min_p: float = 0.0
    typical_p: float = 1.0
    epsilon_cutoff: float = 0.0
    eta_cutoff: float = 0.0
    top_h: float = 0.0
    repetition_penalty: float = 1.0
    penalty_range: int = 0  # last N context tokens for all three penalties; 0: all
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    no_repeat_ngram_size: int = 0
    dry_multiplier: float = 0.0
    dry_base: float = 1.75
    dry_allowed_length: int = 2
    dry_breakers: frozenset[int] = frozenset()
    xtc_threshold: float = 0.1
    xtc_probability: float = 0.0
    banned: tuple[tuple[int, ...], ...] = ()
    bias: tuple[tuple[tuple[int, ...], float], ...] = ()
    order: tuple[str, ...] = DEFAULT_TRUNCATION_ORDER
    eos_ids: tuple[int, ...] = ()  # never banned alone; protected from XTC
    xtc_protected: tuple[int, ...] = field(default=())  # e.g. the newline token


@dataclass(frozen=True)
class Processed:
    """The final scores [V] and, per token, the index in `stages` of the stage that cut it
    (-1: survived, or was -inf in the model's own logits)."""

    scores: torch.Tensor
    cut_by: torch.Tensor
    stages: tuple[str, ...]


def _stage(name: str, scores: torch.Tensor, context: torch.Tensor, s: SamplerSettings,
           generator: torch.Generator | None, suppressed: torch.Tensor | None) -> torch.Tensor:
    if name == "sequence_bias":
        return ngrams.sequence_bias(scores, context, s.bias)
    if name == "repetition_penalty":
        return penalties.repetition_penalty(scores, context, s.repetition_penalty, s.penalty_range)
    if name == "presence_frequency":
        return penalties.presence_frequency_penalty(
            scores, context, s.presence_penalty, s.frequency_penalty, s.penalty_range)
    if name == "dry":
        return dry_mod.dry(scores, context, s.dry_multiplier, s.dry_base, s.dry_allowed_length,
                           s.dry_breakers)
    if name == "no_repeat_ngram":
        return ngrams.no_repeat_ngram(scores, context, s.no_repeat_ngram_size)
    if name == "ban":
        return ngrams.ban_sequences(scores, context, s.banned, s.eos_ids)
    if name == "suppress":
        if suppressed is None or suppressed.numel() == 0:
            return scores
        return scores.index_fill(-1, suppressed, float("-inf"))
    if not s.sample:
        return scores
    if name == "temperature":
        return scores / s.temperature if s.temperature != 1.0 else scores
    if name == "xtc":
        return xtc_mod.xtc(scores, s.xtc_threshold, s.xtc_probability, generator,
                           (*s.eos_ids, *s.xtc_protected))
    simple = {"top_h": (truncation.top_h, s.top_h), "top_k": (truncation.top_k, s.top_k),
              "top_p": (truncation.top_p, s.top_p), "min_p": (truncation.min_p, s.min_p),
              "typical_p": (truncation.typical_p, s.typical_p),
              "epsilon": (truncation.epsilon_cutoff, s.epsilon_cutoff),
              "eta": (truncation.eta_cutoff, s.eta_cutoff)}
    function, value = simple[name]
    return function(scores, value)  # type: ignore[operator]


def process(logits: torch.Tensor, context_ids: torch.Tensor, settings: SamplerSettings,
            generator: torch.Generator | None = None,
            suppressed: torch.Tensor | None = None, trace: bool = True) -> Processed:
    """logits [V] → the scores a token is drawn from, every sampler applied in order.

    `generator`: the generation's seeded generator — XTC takes its one draw from it, before
    the token's own draw. `suppressed`: control-token ids [S] (SuppressTokensLogitsProcessor).
    """
    stages = full_order(settings.order)
    scores = logits.float()
    cut_by = torch.full(scores.shape, -1, dtype=torch.int8, device=scores.device)
    for index, name in enumerate(stages):
        new = _stage(name, scores, context_ids, settings, generator, suppressed)
        if trace and new is not scores:
            newly = torch.isneginf(new) & ~torch.isneginf(scores)
            cut_by.masked_fill_(newly, index)
        scores = new
    return Processed(scores, cut_by, stages)


def stage_names(cut_by: torch.Tensor, stages: Sequence[str], ids: torch.Tensor) -> list[str]:
    """The name of the stage that cut each of `ids` ([N]), '' where none did."""
    return [stages[i] if i >= 0 else "" for i in cut_by[ids].tolist()]
