"""1. Decode speed: Writer's engine against transformers' `generate()`, same settings."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.models import LoadedModel
    from writer_app.engine.session import ModelSession


def measure_engine_decode(session: ModelSession, prompt: str, params: SamplingParams,
                          runs: int) -> list[float]:
    """Tokens/s of Writer's engine, one value per run.

    EOS is ignored, so every run makes exactly max_new_tokens tokens; the rate is taken
    from the first token to the last (prefill excluded), as for generate() below.
    """
    saved_eos = session.eos_ids
    session.eos_ids = frozenset()
    rates = []
    try:
        for run in range(runs):
            session.reset_cache()
            stamps = [time.perf_counter() for step in
                      session.generate(prompt, params.with_changes(seed=params.seed + run))
                      if step.token_id >= 0]
            rates.append(token_rate(stamps))
    finally:
        session.eos_ids = saved_eos
    return rates


class _TokenClock:
    """A `generate()` streamer that only notes when each token arrives."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def put(self, value: Any) -> None:  # first call: the prompt; then one per new token
        value.cpu()  # on a GPU: wait until the token exists
        self.stamps.append(time.perf_counter())

    def end(self) -> None:
        pass


def measure_generate_decode(loaded: LoadedModel, prompt: str, params: SamplingParams,
                            runs: int) -> list[float]:
    """Tokens/s of transformers' `model.generate()` with the same settings, per run."""
    import torch

    tokenizer = loaded.tokenizer
    input_ids = tokenizer(prompt, return_tensors="pt")["input_ids"].to(loaded.device)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None \
        else tokenizer.eos_token_id
    rates = []
    for run in range(runs):
        torch.manual_seed(params.seed + run)
        clock = _TokenClock()
        with torch.inference_mode():
            loaded.model.generate(
                input_ids, attention_mask=torch.ones_like(input_ids), do_sample=True,
                temperature=params.temperature, top_k=params.top_k, top_p=params.top_p,
                repetition_penalty=params.repetition_penalty,
                max_new_tokens=params.max_new_tokens, min_new_tokens=params.max_new_tokens,
                pad_token_id=pad, streamer=clock)
        rates.append(token_rate(clock.stamps[1:]))
    return rates


def token_rate(stamps: Sequence[float]) -> float:
    """Tokens per second between the first and the last of a token's arrival times."""
    if len(stamps) < 2 or stamps[-1] <= stamps[0]:
        return math.nan
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])
