"""Truncation samplers: which tokens may be drawn at all, as transformers' warpers decide.

Each function mirrors its transformers warper (transformers 5.24,
`generation/logits_process.py`) operation for operation on a batch of one, so the result
is bit-identical — ties, -inf entries and float32 rounding included. `min_tokens_to_keep`
is 1 in sampling (generate() raises it only for beam sampling) and kept for that exactness.
"""

from __future__ import annotations

import math

import torch

from writer_app.errors import InvalidSettingError

FILTER = float("-inf")


def _batch(logits: torch.Tensor) -> torch.Tensor:
    """[V] → [1, V]: the warpers' shape, so reductions run over the same memory layout."""
    return logits.unsqueeze(0)


def top_k(logits: torch.Tensor, k: int, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """Keep the k highest scores, ties at the k-th included (TopKLogitsWarper). 0: off."""
    if k <= 0:
        return logits
    scores = _batch(logits)
    kept = min(max(k, min_tokens_to_keep), scores.size(-1))
    remove = scores < torch.topk(scores, kept)[0][..., -1, None]
    return scores.masked_fill(remove, FILTER)[0]


def top_p(logits: torch.Tensor, p: float, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """The smallest set holding more than p of the mass (TopPLogitsWarper). 1: off."""
    if p >= 1.0:
        return logits
    scores = _batch(logits)
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cumulative <= (1 - float(p))
    sorted_remove[..., -min_tokens_to_keep:] = 0
    remove = sorted_remove.scatter(1, sorted_indices, sorted_remove)
    return scores.masked_fill(remove, FILTER)[0]


def min_p(logits: torch.Tensor, p: float, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """Keep tokens at least p times as likely as the likeliest (MinPLogitsWarper). 0: off.

    Scaling the floor by the top probability cuts hard when the model is sure and little
    when it is not — why writers prefer it to top-p.
    """
    if p <= 0.0:
        return logits
    scores = _batch(logits)
    probs = torch.softmax(scores, dim=-1)
    top_probs = probs.amax(dim=-1, keepdim=True)
    remove = probs < p * top_probs
    kept = min(min_tokens_to_keep, probs.shape[-1])
    remove.scatter_(-1, torch.topk(probs, kept, dim=-1).indices, False)
    return scores.masked_fill(remove, FILTER)[0]


def typical_p(logits: torch.Tensor, mass: float, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """Keep the tokens whose surprise is closest to the entropy, up to `mass` of the
    probability (TypicalLogitsWarper, Meister et al. 2022). 1: off."""
    if mass >= 1.0:
        return logits
    scores = _batch(logits)
    normalized = torch.nn.functional.log_softmax(scores, dim=-1)
    p = torch.exp(normalized)
    entropy = -(normalized * p).nansum(-1, keepdim=True)
    shifted = torch.abs((-normalized) - entropy)
    sorted_scores, sorted_indices = torch.sort(shifted, descending=False)
    sorted_logits = scores.gather(-1, sorted_indices)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    last = (cumulative < float(mass)).sum(dim=1)
    last.clamp_(max=sorted_scores.shape[-1] - 1)
    sorted_remove = sorted_scores > sorted_scores.gather(1, last.view(-1, 1))
    sorted_remove[..., :min_tokens_to_keep] = 0
    remove = sorted_remove.scatter(1, sorted_indices, sorted_remove)
    return scores.masked_fill(remove, FILTER)[0]


def _keep_top(scores: torch.Tensor, remove: torch.Tensor, min_tokens_to_keep: int) -> torch.Tensor:
    """Never remove the `min_tokens_to_keep` highest scores (ties included)."""
    kept = min(min_tokens_to_keep, scores.size(-1))
    return remove & (scores < torch.topk(scores, kept)[0][..., -1, None])


def epsilon_cutoff(logits: torch.Tensor, epsilon: float,
                   min_tokens_to_keep: int = 1) -> torch.Tensor:
    """Cut tokens less likely than `epsilon` (EpsilonLogitsWarper, Hewitt et al. 2022). 0: off."""
    if epsilon <= 0.0:
        return logits
    scores = _batch(logits)
    remove = scores.softmax(dim=-1) < float(epsilon)
    return scores.masked_fill(_keep_top(scores, remove, min_tokens_to_keep), FILTER)[0]


def eta_cutoff(logits: torch.Tensor, epsilon: float, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """Cut below min(ε, √ε·e^-H): a floor that falls as the entropy H rises
    (EtaLogitsWarper, Hewitt et al. 2022). 0: off."""
    if epsilon <= 0.0:
        return logits
    scores = _batch(logits)
    eps = torch.tensor(float(epsilon), device=scores.device)
    probabilities = scores.softmax(dim=-1)
    entropy = torch.distributions.Categorical(logits=scores).entropy()
    eta = torch.min(eps, torch.sqrt(eps) * torch.exp(-entropy))[..., None]
    remove = probabilities < eta
    return scores.masked_fill(_keep_top(scores, remove, min_tokens_to_keep), FILTER)[0]


TOP_H_CANDIDATES = 100  # TopHLogitsWarper.top_n: only the 100 likeliest are considered


def top_h(logits: torch.Tensor, h: float) -> torch.Tensor:
    """Keep the likeliest tokens while their entropy stays within h times that of the
    100 likeliest (TopHLogitsWarper, "Top-H Decoding", NeurIPS 2025). 0: off."""
    if h <= 0.0:
        return logits
    scores = _batch(logits)
    top_n = min(TOP_H_CANDIDATES, scores.shape[-1])
    top_logits, top_idx = torch.topk(scores, top_n, dim=-1, largest=True, sorted=True)
    dist = torch.distributions.Categorical(logits=top_logits)
    probs = dist.probs
    tau = (dist.entropy() * h).unsqueeze(-1)
    cumulative_entropy = torch.cumsum(-probs * torch.log(probs), dim=-1)
    selection = cumulative_entropy <= tau
    selection[:, 0] = True
    keep = torch.zeros_like(scores, dtype=torch.bool).scatter_(1, top_idx, selection)
    return scores.masked_fill(~keep, FILTER)[0]


def _check_fraction(name: str, value: float, off: float, hint: str,
                    include_one: bool = True) -> None:
    """A probability-like setting in [0, 1] (or [0, 1)), with the value that turns it off."""
    high = 1.0 if include_one else math.nextafter(1.0, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not (math.isfinite(value) and 0.0 <= value <= high):
        upto = "1" if include_one else "below 1"
        raise InvalidSettingError(f"{name} must be from 0 to {upto}, not {value!r}",
                                  f"use {off:g} to turn it off, or {hint}")


def check_min_p(value: float) -> None:
    """min_p: 0 (off) to 1; 0.05–0.1 is the usual setting."""
    _check_fraction("min_p", value, 0.0, "e.g. 0.05")


def check_typical_p(value: float) -> None:
    """typical_p: above 0, up to 1 (off)."""
    _check_fraction("typical_p", value, 1.0, "e.g. 0.9")
    if value == 0:
        raise InvalidSettingError("typical_p must be above 0", "use 1 to turn it off, or e.g. 0.9")


def check_epsilon_cutoff(value: float) -> None:
    """epsilon_cutoff: 0 (off) up to, not including, 1; the paper uses 3e-4 to 9e-4."""
    _check_fraction("epsilon_cutoff", value, 0.0, "e.g. 0.0003", include_one=False)


def check_eta_cutoff(value: float) -> None:
    """eta_cutoff: 0 (off) up to, not including, 1; the paper uses 3e-4 to 4e-3."""
    _check_fraction("eta_cutoff", value, 0.0, "e.g. 0.002", include_one=False)


def check_top_h(value: float) -> None:
    """top_h: 0 (off) to 1; the paper uses about 0.4."""
    _check_fraction("top_h", value, 0.0, "e.g. 0.4")
