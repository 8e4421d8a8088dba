"""Sampling as pure functions over one step's logits.

The semantics are those of transformers' `generate()`, exactly: suppressed tokens (control
tokens that are not text) set to -inf as `SuppressTokensLogitsProcessor` does, repetition
penalty over the context, then temperature, top-k, top-p, then a draw with
`torch.multinomial` over the full vocabulary (so a seeded draw consumes the random stream
as `generate()` does). Suppression and the penalty commute (a penalised -inf stays -inf),
so suppressing first equals `generate()`'s order.
The work is done on the few survivors of top-k rather than on all 262k logits of a large
vocabulary: the result is the same, and a token costs well under a millisecond here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.engine.noise import FullNoise, Noise


@dataclass(frozen=True)
class Distribution:
    """The distribution a token is drawn from, kept sparse: only tokens it can produce.

    ids: [K] token ids, probs: [K] their probabilities (summing to 1). Greedy choice is the
    one-token distribution of the argmax.
    """

    ids: torch.Tensor
    probs: torch.Tensor
    vocab_size: int
    greedy: bool = False  # chosen by argmax: drawing needs (and consumes) no randomness

    def prob_of(self, token_ids: torch.Tensor) -> torch.Tensor:
        """Probabilities of `token_ids` under this distribution (0 where cut)."""
        # token_ids: [N] -> [N]
        matches = token_ids.unsqueeze(1) == self.ids.unsqueeze(0)  # [N, K]
        return (matches.to(self.probs.dtype) * self.probs.unsqueeze(0)).sum(dim=1)


def apply_repetition_penalty(logits: torch.Tensor, context_ids: torch.Tensor,
                             penalty: float) -> torch.Tensor:
    """Make tokens already in the context less likely, as transformers does.

    A positive logit is divided by the penalty, a negative one multiplied, once per
    distinct token. Returns a new tensor; `logits` ([V]) is left untouched.
    """
    if penalty == 1.0 or context_ids.numel() == 0:
        return logits
    seen = torch.unique(context_ids.clamp(max=logits.shape[-1] - 1))
    scores = logits.gather(0, seen)
    scores = torch.where(scores < 0, scores * penalty, scores / penalty)
    return logits.scatter(0, seen, scores)


def suppress_tokens(logits: torch.Tensor, suppressed: torch.Tensor | None) -> torch.Tensor:
    """-inf at the `suppressed` ids ([S], each below V), as SuppressTokensLogitsProcessor
    sets them; returns a new tensor and leaves `logits` ([V]) untouched."""
    if suppressed is None or suppressed.numel() == 0:
        return logits
    return logits.index_fill(-1, suppressed, float("-inf"))


def raw_probabilities(logits: torch.Tensor, suppressed: torch.Tensor | None) -> torch.Tensor:
    """The model's own probabilities [V] over the tokens it may produce (softmax)."""
    return suppress_tokens(logits.float(), suppressed).softmax(dim=-1)


def sampling_distribution(logits: torch.Tensor, context_ids: torch.Tensor,
                          params: SamplingParams,
                          suppressed: torch.Tensor | None = None) -> Distribution:
    """The distribution `generate()` would draw the next token from.

    logits: [V] raw scores of the next token; context_ids: [L] every token the model saw;
    suppressed: [S] ids never to produce (`generate(suppress_tokens=...)`), or None.
    """
    vocab_size = logits.shape[-1]
    scores = suppress_tokens(logits.float(), suppressed)
    scores = apply_repetition_penalty(scores, context_ids, params.repetition_penalty)
    if params.is_greedy:
        best = scores.argmax().reshape(1)
        return Distribution(best, torch.ones(1, device=logits.device), vocab_size, greedy=True)

    if params.temperature != 1.0:
        scores = scores / params.temperature
    if params.top_k > 0:
        # Keep every score >= the k-th largest (ties included), as TopKLogitsWarper does.
        threshold = torch.topk(scores, min(params.top_k, vocab_size)).values[-1]
        ids = torch.nonzero(scores >= threshold).squeeze(1)
    else:
        ids = torch.arange(vocab_size, device=scores.device)
    kept = scores[ids]
    if params.top_p < 1.0:
        ids, kept = _top_p(ids, kept, params.top_p, vocab_size)
    return Distribution(ids, kept.softmax(dim=-1), vocab_size)


TOP_P_MARGIN = 1e-5  # cumulative probabilities this close to the cut are checked the slow way


def _top_p(ids: torch.Tensor, kept: torch.Tensor, top_p: float,
           vocab_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The smallest set of `kept` scores (ids [K]) holding more than `top_p` of the mass.

    Sorting and summing the K survivors of top-k is the fast way. Which of several tied
    scores the cut keeps, though, is whatever order torch.sort leaves ties in over the
    whole vocabulary, as TopPLogitsWarper sorts it; and the sums of K and of V values may
    differ in their last bit. So where a tie straddles the cut, or the cut falls within
    TOP_P_MARGIN of a cumulative sum, the whole vocabulary is sorted as transformers does.
    """
    sorted_kept, order = torch.sort(kept)  # ascending, as TopPLogitsWarper sorts
    cumulative = sorted_kept.softmax(dim=-1).cumsum(dim=-1)
    survives = cumulative > (1 - top_p)
    survives[-1] = True
    first = int(survives.to(torch.int8).argmax())  # survivors are a suffix of the order
    exact = first > 0 and (
        bool(sorted_kept[first - 1] == sorted_kept[first])
        or abs(float(cumulative[first - 1]) - (1 - top_p)) < TOP_P_MARGIN
        or abs(float(cumulative[first]) - (1 - top_p)) < TOP_P_MARGIN)
    if not exact:
        return ids[order][survives], sorted_kept[survives]
    full = torch.full((1, vocab_size), float("-inf"), device=kept.device)  # [1, V], as scored
    full[0, ids] = kept
    sorted_full, full_order = torch.sort(full, descending=False)
    full_cumulative = sorted_full.softmax(dim=-1).cumsum(dim=-1)
    removed_sorted = full_cumulative <= (1 - top_p)
    removed_sorted[..., -1:] = False
    removed = removed_sorted.scatter(1, full_order, removed_sorted)[0]  # [V]
    keep = ~removed[ids]
    return ids[keep], kept[keep]


def draw_token(distribution: Distribution, generator: torch.Generator | None = None,
               noise: Noise | None = None) -> int:
    """Draw one token id; greedy distributions need no randomness.

    The draw is `torch.multinomial`'s over the full vocabulary, as `generate()` makes it, so
    the same seed gives the same token as transformers — also after a step where top-p left
    a single token, which still consumes its share of the random stream there. `noise`:
    the generation's noise source (writer_app.engine.noise); else it is drawn here from
    `generator`.
    """
    if distribution.greedy:
        return int(distribution.ids[0])
    if noise is None:
        noise = FullNoise(distribution.vocab_size, generator, distribution.probs.device)
    values = noise.at(distribution.ids)
    # multinomial takes argmax(full / noise) over the whole vocabulary, where every entry
    # outside `ids` is 0: the same float32 divisions on the survivors, first index on ties.
    scores = distribution.probs.float() / values
    return int(distribution.ids[scores == scores.max()].min())


@dataclass(frozen=True)
class Candidate:
    """One possible next token, as plain numbers: raw and sampling probability."""

    id: int
    prob: float
    sampled_prob: float


def top_candidates(raw_probs: torch.Tensor, distribution: Distribution, n: int,
                   suppressed: torch.Tensor | None = None) -> list[Candidate]:
    """The n most likely next tokens by raw probability (`raw_probs`: softmax of the logits).

    Suppressed ids are never offered, even where every token left has underflowed to 0.
    """
    ranking = raw_probs
    available = raw_probs.shape[-1]
    if suppressed is not None and suppressed.numel():
        ranking = raw_probs.index_fill(-1, suppressed, -1.0)
        available -= int(suppressed.numel())
    _, ids = torch.topk(ranking, max(0, min(n, available)))
    probs = raw_probs[ids]
    sampled = distribution.prob_of(ids)
    return [Candidate(int(i), float(p), float(s))
            for i, p, s in zip(ids.tolist(), probs.tolist(), sampled.tolist(), strict=True)]
