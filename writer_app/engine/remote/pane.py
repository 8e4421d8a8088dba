"""The next-token pane from the few tokens a server sends: our sampling over them.

A server sends the top-N log-probabilities of the next token, not the whole vocabulary.
The raw column is those probabilities as sent; the sampled column applies our own
sampling functions (`engine.sampling`, equal to transformers') to the N candidates, as
if the unsent tail were empty. Where that tail could change the answer — top-k reaches
past the sent tokens and top-p's cut may fall in the tail, or a repetition penalty was
judged without token ids — the result says it is approximate.
"""

from __future__ import annotations

import codecs
import math
from collections.abc import Sequence

import torch

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, TokenInfo
from writer_app.engine.control_tokens import CONTROL_NAME
from writer_app.engine.remote.replies import TokenLogprob
from writer_app.engine.sampling import sampling_distribution, top_candidates

MIN_TEMPERATURE = 1e-6
TAIL_EPSILON = 1e-4  # an unsent mass below this cannot move a cut or a probability


class TokenIds:
    """Stable, non-negative ids for tokens a server names only by their text.

    The server's own ids are used where it sends them; otherwise each distinct token
    (by its bytes, else its text) gets the next free id for the session's life.
    """

    def __init__(self) -> None:
        self._ids: dict[str | bytes, int] = {}

    def of(self, token: TokenLogprob) -> int:
        if token.id is not None:
            return token.id
        key = token.key
        assert not isinstance(key, int)
        known = self._ids.get(key)
        if known is None:
            known = self._ids[key] = len(self._ids)
        return known


def display_text(token: TokenLogprob) -> str:
    """The token's text for people: its bytes decoded where a server sends them (a piece
    of a character shows as U+FFFD, as the transformers backend's pane shows it)."""
    if token.raw is not None:
        return codecs.decode(token.raw, "utf-8", "replace")
    return token.text


def is_control(token: TokenLogprob) -> bool:
    return bool(CONTROL_NAME.fullmatch(token.text))


def candidates(top: Sequence[TokenLogprob], allow_control: bool) -> list[TokenLogprob]:
    """The sent tokens, control tokens dropped unless allowed, one entry per token."""
    seen: set[object] = set()
    kept = []
    for token in sorted(top, key=lambda t: -t.logprob):
        if token.key in seen or math.isinf(token.logprob):
            continue
        if not allow_control and is_control(token):
            continue
        seen.add(token.key)
        kept.append(token)
    return kept


def next_tokens(top: Sequence[TokenLogprob], context_text: str, params: SamplingParams,
                n: int, usage: ContextUsage, ids: TokenIds) -> NextTokens:
    """The pane's answer from the tokens a server sent for the next position."""
    kept = candidates(top, params.allow_control_tokens)
    if not kept:
        return NextTokens((), usage, params, approximate=True)
    logprobs = torch.tensor([token.logprob for token in kept], dtype=torch.float64)
    # Which candidates the context holds, for the repetition penalty: by text, since a
    # server without a tokenizer endpoint names no ids for the context.
    seen = [i for i, token in enumerate(kept)
            if params.repetition_penalty != 1.0 and token.text.strip()
            and token.text in context_text]
    context_ids = torch.tensor(seen, dtype=torch.long)
    # A temperature too small for float32 is greedy choice (dividing by it gives NaN).
    sampling = (params.with_changes(temperature=0.0)
                if 0 < params.temperature < MIN_TEMPERATURE else params)
    distribution = sampling_distribution(logprobs.float(), context_ids, sampling)
    raw = logprobs.exp().float()
    chosen = top_candidates(raw, distribution, min(n, len(kept)))
    infos = tuple(TokenInfo(ids.of(kept[c.id]), display_text(kept[c.id]), kept[c.id].text,
                            c.prob, c.sampled_prob) for c in chosen)
    approximate = tail_matters([t.logprob for t in kept], params) or bool(seen)
    return NextTokens(infos, usage, params, approximate=approximate)


def tail_matters(logprobs: Sequence[float], params: SamplingParams) -> bool:
    """Whether the unsent tokens could change the sampled column.

    Exact when the choice is greedy or top-k keeps only sent tokens. Otherwise the tail
    (raw mass 1 - S, no token likelier than the least likely sent one) is bounded after
    temperature; if top-p's cut falls inside the sent tokens under both the smallest and
    the largest tail, the kept set is known and renormalising it cancels the tail.
    """
    if params.is_greedy or params.temperature < MIN_TEMPERATURE \
            or 0 < params.top_k <= len(logprobs):
        return False
    probs = sorted((math.exp(value) for value in logprobs), reverse=True)
    tail = max(0.0, 1.0 - sum(probs))
    if tail < TAIL_EPSILON:
        return False
    if params.top_p >= 1.0 or params.temperature > 1.0:
        return True  # every tail token survives, or the tail's share has no useful bound
    power = 1.0 / params.temperature
    logs = sorted(logprobs, reverse=True)
    top = logs[0] * power  # everything is scaled by exp(-top), so nothing underflows to 0
    scaled = [math.exp(value * power - top) for value in logs]
    # each tail token is at most p_min, so its scaled share is at most p * p_min^(power-1)
    largest_tail = math.exp(math.log(tail) + (power - 1.0) * logs[-1] - top)
    low_total, high_total = sum(scaled), sum(scaled) + largest_tail

    def cut(total: float) -> int | None:
        cumulative = 0.0
        for index, value in enumerate(scaled):
            cumulative += value / total
            if cumulative > params.top_p:
                return index
        return None

    narrow, wide = cut(low_total), cut(high_total)
    return narrow is None or wide is None or narrow != wide
