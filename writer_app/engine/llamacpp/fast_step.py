"""`DecodeStep.choose`, computed in place on one copy of the logits: the decode loop's step.

`DecodeStep` (engine.decode_step) builds each step from pure functions that copy the
262k logits several times (suppression, penalty, temperature, the raw softmax, the
ranking): 6.3 ms a token on a 2-core AVX2 EPYC, a fifth of llama.cpp's 30 ms decode
step there. This takes 3.1 ms (one torch thread) and computes the
same choice from one scratch copy: suppression and the penalty are written into it, one
top-k over it finds both the sampling survivors and the raw ranking's candidates, and
one log-sum-exp gives the raw probabilities. Where a shortcut could differ from the
reference (ties at the top-k threshold, top-k off, too many penalised tokens among the
top), it hands the step to `DecodeStep` itself. tests/unit/test_llamacpp_fast_step.py
proves the choices equal on random logits and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import TokenInfo
from writer_app.engine.decode_step import Choice, DecodeStep, Pick, step_params
from writer_app.engine.sampling import Candidate, Distribution, _top_p

NEAR = 2.0 ** -20  # relative gap under which dividing by the temperature may tie two scores
GREEDY_POOL = 16  # greedy choice: the top-k that feeds the raw ranking


class SeenTokens:
    """The distinct tokens of a context, kept as the decode loop appends to it."""

    def __init__(self, vocab_size: int, context: Sequence[int]) -> None:
        self.mask = torch.zeros(vocab_size, dtype=torch.bool)  # [V]
        self.context = list(context)
        distinct = torch.unique(torch.tensor(self.context, dtype=torch.long))
        distinct = distinct[(distinct >= 0) & (distinct < vocab_size)]
        self.mask[distinct] = True
        self._ids = torch.empty(max(16, 2 * distinct.numel()), dtype=torch.long)
        self._ids[:distinct.numel()] = distinct
        self._count = distinct.numel()

    def append(self, token: int) -> None:
        self.context.append(token)
        self._add(token)

    def _add(self, token: int) -> None:
        if 0 <= token < self.mask.shape[0] and not self.mask[token]:
            if self._count == self._ids.shape[0]:
                self._ids = torch.cat([self._ids, torch.empty_like(self._ids)])
            self.mask[token] = True
            self._ids[self._count] = token
            self._count += 1

    @property
    def ids(self) -> torch.Tensor:
        """[S] the distinct ids (the context's in ascending order, then new ones as they
        came)."""
        return self._ids[:self._count]


class FastStep:
    """Chooses each decode step's token as `DecodeStep.choose` would, for one vocabulary."""

    def __init__(self, step: DecodeStep, vocab_size: int,
                 describe: Callable[[Sequence[Candidate]], tuple[TokenInfo, ...]]) -> None:
        self._step = step
        self._describe = describe
        self._scratch = torch.empty(vocab_size)  # [V], reused every step
        self._blocked_mask: torch.Tensor | None = None  # [V] True where suppressed

    def _blocked(self, params: SamplingParams, vocab_size: int) -> torch.Tensor | None:
        """The suppressed ids as a mask [V] (a look-up, not a search), or None."""
        suppressed = self._step.suppressed(params, vocab_size)
        if suppressed is None:
            return None
        if self._blocked_mask is None or self._blocked_mask.shape[0] != vocab_size:
            self._blocked_mask = torch.zeros(vocab_size, dtype=torch.bool)
            self._blocked_mask[suppressed] = True
        return self._blocked_mask

    def choose(self, logits: torch.Tensor, seen: SeenTokens, params: SamplingParams,
               top_n: int, pick: Pick) -> Choice:
        """The step for logits [V] (left untouched) after the tokens of `seen`."""
        surveyed = self.survey(logits, seen, params, top_n)
        if surveyed is None:
            return self._step.choose(logits, seen.context, params, top_n, pick)
        distribution, candidates, log_total = surveyed
        token = pick(distribution)
        prob = float(torch.exp(logits[token].float() - log_total))
        return Choice(token, prob, float(distribution.prob_of(torch.tensor([token]))[0]),
                      self._describe(candidates))

    def survey(self, logits: torch.Tensor, seen: SeenTokens, params: SamplingParams, n: int,
               ) -> tuple[Distribution, list[Candidate], torch.Tensor] | None:
        """(the distribution to draw from, the n likeliest tokens, log of the raw softmax's
        sum) for logits [V]; None where only the reference step can be sure."""
        params = step_params(params)
        vocab_size = logits.shape[-1]
        if params.is_greedy:
            top_k = max(n, GREEDY_POOL)
        else:
            top_k = params.top_k if params.top_k > 0 else vocab_size
        if top_k >= vocab_size or n > top_k:
            return None
        scores = self._scratch
        scores.copy_(logits)
        suppressed = self._step.suppressed(params, vocab_size)
        if suppressed is not None:
            scores.index_fill_(0, suppressed, float("-inf"))
        log_total = torch.logsumexp(scores, 0)  # of the raw (suppressed) logits
        seen_ids = seen.ids
        penalty = params.repetition_penalty
        if penalty != 1.0 and seen_ids.numel():
            raw_seen = scores[seen_ids]
            scores[seen_ids] = torch.where(raw_seen < 0, raw_seen * penalty, raw_seen / penalty)
        # one more than kept: the next score tells whether a tie at the threshold exists
        values, ids = torch.topk(scores, min(top_k + 1, vocab_size))  # descending
        if params.is_greedy:
            distribution: Distribution | None = Distribution(
                scores.argmax().reshape(1), torch.ones(1), vocab_size, greedy=True)
        else:
            distribution = self._survivors(scores, values, ids, params, top_k)
        ranked = None if distribution is None else \
            self._ranked(logits, ids[:top_k], seen, n, log_total, params)
        if distribution is None or ranked is None:
            return None
        ranked_ids, ranked_probs = ranked
        sampled = distribution.prob_of(ranked_ids)
        candidates = [Candidate(int(i), float(p), float(s)) for i, p, s in
                      zip(ranked_ids.tolist(), ranked_probs.tolist(), sampled.tolist(),
                          strict=True)]
        return distribution, candidates, log_total

    def _survivors(self, scores: torch.Tensor, values: torch.Tensor, ids: torch.Tensor,
                   params: SamplingParams, top_k: int) -> Distribution | None:
        """The top-k/top-p distribution, or None where ties make the shortcut unsafe.

        values/ids: the top_k + 1 largest scores (descending). The reference keeps every
        score >= the k-th after dividing by the temperature, which can tie scores that
        differ by a rounding: the (k+1)-th must be clearly below the k-th.
        """
        threshold = float(values[top_k - 1])
        if threshold == float("-inf"):
            return None
        lower = threshold if params.temperature == 1.0 else \
            threshold - abs(threshold) * NEAR - 1e-30
        if values.numel() > top_k and float(values[top_k]) >= lower:  # a (near) tie
            return None
        ids = ids[:top_k].sort().values  # ascending, as sampling_distribution lists them
        kept = scores[ids]
        if params.temperature != 1.0:
            kept = kept / params.temperature
        if params.top_p < 1.0:
            ids, kept = _top_p(ids, kept, params.top_p, scores.shape[-1])
        return Distribution(ids, kept.softmax(dim=-1), scores.shape[-1])

    def _ranked(self, logits: torch.Tensor, top_ids: torch.Tensor, seen: SeenTokens, n: int,
                log_total: torch.Tensor, params: SamplingParams,
                ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The n likeliest tokens by raw probability ([n] ids, [n] probabilities), from the
        penalised top-k (where raw and penalised scores agree) and the penalised tokens'
        raw scores; None where that pool cannot be sure to hold them."""
        unseen = top_ids[~seen.mask[top_ids]]
        if unseen.numel() < n:
            return None
        pool = torch.cat([unseen[:n], seen.ids]) if seen.ids.numel() else unseen[:n]
        raw = logits[pool].float()
        blocked = self._blocked(params, logits.shape[-1])
        if blocked is not None:
            raw = raw.masked_fill(blocked[pool], float("-inf"))
        best, order = torch.topk(raw, min(n, pool.numel()))
        if bool(torch.isinf(best).any()):
            return None  # fewer than n tokens the model may produce: the reference's rules
        return pool[order], torch.exp(best - log_total)
