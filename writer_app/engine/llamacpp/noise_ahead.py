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
    """The words of each draw made on a helper thread before the draw needs them.

    `eager`: the next draw's words are started as soon as a draw is taken, to be made
    while llama.cpp decodes (a core is spare); otherwise they start at `prepare()`, when
    a step's logits arrive, and are made while the step is sampled — with every core
    decoding, a helper running during the decode would slow all of llama.cpp's threads.
    """

    def __init__(self, seed: int, vocab_size: int, eager: bool = True) -> None:
        self.eager = eager
        self._words = vocab_size * WORDS_PER_DRAW
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": mersenne_state(seed), "pos": MT_STATE_WORDS}}
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            1, thread_name_prefix="writer-llama-noise")
        self._pending: Future[np.ndarray] | None = None
        self.prepare()

    def _draw(self) -> np.ndarray:
        return self._bits.random_raw(self._words)  # type: ignore[no-any-return]

    def prepare(self) -> None:
        """Start the next draw's words now, unless they are already under way."""
        if self._pending is None and self._executor is not None:
            self._pending = self._executor.submit(self._draw)

    def at(self, ids: torch.Tensor) -> torch.Tensor:
        self.prepare()
        assert self._pending is not None, "noise closed"
        words = self._pending.result()
        self._pending = None
        if self.eager:
            self.prepare()
        pairs = words.reshape(-1, WORDS_PER_DRAW)[ids.numpy()]  # [K, 2]
        return torch.from_numpy(_exponentials(pairs.reshape(-1)))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = self._pending = None


def noise_ahead_for(seed: int, vocab_size: int, helper: bool) -> Noise:
    """The cheapest exact noise for a llama.cpp generation on the CPU seeded with `seed`
    (`helper`: a second core exists for a helper thread)."""
    if helper and stream_matches_torch():
        return StreamNoiseAhead(seed, vocab_size)
    if stream_matches_torch():
        return StreamNoise(seed, vocab_size)
    return noise_for(seed, vocab_size, torch.device("cpu"), helper)
