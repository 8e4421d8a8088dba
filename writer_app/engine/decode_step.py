"""One token's decision, the same on every path: distribution → choice → alternatives.

The sampled loop, beam search's replay, batched sampling and the next-token pane all turn
one position's logits into the same things: the distribution under the settings (with
control tokens suppressed unless allowed), the token chosen from it, the likeliest
alternatives, and the chosen token's raw and sampled probabilities. Written once here,
so that a rule such as suppression cannot be forgotten on one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.boundary.results import TokenInfo
from writer_app.engine.sampling import (
    Candidate,
    Distribution,
    raw_probabilities,
    sampling_distribution,
    top_candidates,
)

Pick = Callable[[Distribution], int]  # draws (or, replaying a passage, names) the token


@dataclass(frozen=True)
class Choice:
    """The token chosen at one position, with what the user is shown about it."""

    token: int
    prob: float  # raw probability
    sampled_prob: float  # probability under the settings it was chosen with
    alternatives: tuple[TokenInfo, ...]  # the likeliest tokens, top first


def step_params(params: SamplingParams) -> SamplingParams:
    """Beam search shows its steps' distributions as greedy choice would see them."""
    return params.with_changes(mode=Mode.GREEDY) if params.mode is Mode.BEAM else params


class DecodeStep:
    """Turns one position's logits into a choice, for one loaded model."""

    def __init__(self, control_ids: Iterable[int], device: torch.device,
                 describe: Callable[[Sequence[Candidate]], tuple[TokenInfo, ...]]) -> None:
        self.control_ids = frozenset(control_ids)
        self._device = device
        self._describe = describe
        self._suppressed_by_width: dict[int, torch.Tensor] = {}

    def suppressed(self, params: SamplingParams, vocab_size: int) -> torch.Tensor | None:
        """The ids suppressed under `params` among `vocab_size` logits: [S], or None."""
        if params.allow_control_tokens or not self.control_ids:
            return None
        known = self._suppressed_by_width.get(vocab_size)
        if known is None:  # a tokenizer may know ids past the model's output layer
            known = torch.tensor(sorted(i for i in self.control_ids if i < vocab_size),
                                 dtype=torch.long, device=self._device)
            self._suppressed_by_width[vocab_size] = known
        return known

    def suppressed_list(self, params: SamplingParams) -> list[int]:
        """The same set for `generate(suppress_tokens=...)`."""
        return [] if params.allow_control_tokens else sorted(self.control_ids)

    def distribution(self, logits: torch.Tensor, context_ids: torch.Tensor,
                     params: SamplingParams) -> Distribution:
        """logits [V], context_ids [L] → what the next token is drawn from."""
        return sampling_distribution(logits, context_ids, step_params(params),
                                     self.suppressed(params, logits.shape[-1]))

    def alternatives(self, logits: torch.Tensor, distribution: Distribution,
                     params: SamplingParams, n: int) -> tuple[TokenInfo, ...]:
        """The n likeliest tokens by raw probability, with their sampled probabilities."""
        suppressed = self.suppressed(params, logits.shape[-1])
        raw = raw_probabilities(logits, suppressed)
        return self._describe(top_candidates(raw, distribution, n, suppressed))

    def choose(self, logits: torch.Tensor, context: Sequence[int], params: SamplingParams,
               top_n: int, pick: Pick) -> Choice:
        """The whole step for one position: logits [V] after the tokens `context`."""
        context_ids = torch.tensor(list(context), dtype=torch.long, device=self._device)
        distribution = self.distribution(logits, context_ids, params)
        token = pick(distribution)
        suppressed = self.suppressed(params, logits.shape[-1])
        raw = raw_probabilities(logits, suppressed)
        alternatives = self._describe(top_candidates(raw, distribution, top_n, suppressed))
        chosen = torch.tensor([token], device=raw.device)
        return Choice(token, float(raw[token]), float(distribution.prob_of(chosen)[0]),
                      alternatives)
