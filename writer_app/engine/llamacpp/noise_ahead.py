"""torch's CPU noise stream drawn one step ahead, while llama.cpp evaluates the last token.

`engine.noise.StreamNoise` replays torch's Mersenne Twister exactly but must still walk
past all 2 x 262k words of each draw, ~2 ms of a ~20 ms llama.cpp step. llama.cpp
releases the GIL while it decodes, and so does numpy's `random_raw`, so a helper
thread can produce the next draw's words meanwhile; the step then only transforms the
few words of the surviving tokens. The stream consumed is the same, so a seed gives the
same tokens as the transformers backend.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import torch

from writer_app.engine.noise import (
    MT_STATE_WORDS,
    WORDS_PER_DRAW,
    Noise,
    StreamNoise,
    _exponentials,
    mersenne_state,
    noise_for,
    stream_matches_torch,
)


class StreamNoiseAhead:
    """The words of each draw made on a helper thread, one draw ahead of its use."""

    def __init__(self, seed: int, vocab_size: int) -> None:
        self._words = vocab_size * WORDS_PER_DRAW
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": mersenne_state(seed), "pos": MT_STATE_WORDS}}
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            1, thread_name_prefix="writer-llama-noise")
        self._pending: Future[np.ndarray] | None = self._executor.submit(self._draw)

    def _draw(self) -> np.ndarray:
        return self._bits.random_raw(self._words)  # type: ignore[no-any-return]

    def at(self, ids: torch.Tensor) -> torch.Tensor:
        assert self._executor is not None and self._pending is not None, "noise closed"
        words = self._pending.result()
        self._pending = self._executor.submit(self._draw)
        pairs = words.reshape(-1, WORDS_PER_DRAW)[ids.numpy()]  # [K, 2]
        return torch.from_numpy(_exponentials(pairs.reshape(-1)))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = self._pending = None


def noise_ahead_for(seed: int, vocab_size: int, spare_core: bool) -> Noise:
    """The cheapest exact noise for a llama.cpp generation on the CPU seeded with `seed`."""
    if spare_core and stream_matches_torch():
        return StreamNoiseAhead(seed, vocab_size)
    if stream_matches_torch():
        return StreamNoise(seed, vocab_size)
    return noise_for(seed, vocab_size, torch.device("cpu"), spare_core)
