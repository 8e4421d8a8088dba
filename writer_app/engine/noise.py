"""The random noise of one multinomial draw, exactly as torch draws it, made cheaper.

`torch.multinomial(probs, 1)` (what `generate()` samples with) draws Exp(1) noise for
every vocabulary entry and takes argmax(probs / noise). For a 262k vocabulary that noise
costs ~5 ms a token on the CPU, a sixth of a decode step. Only the noise at the few
tokens that survive top-k/top-p matters, but the generator must still advance past all
of it, or later draws (and seeded equality with `generate()`) would change.

Three ways to get it, all consuming the stream exactly as torch does:
- FullNoise: torch draws the whole vector (GPUs; any torch whose stream we do not know).
- FullNoise ahead: the same, on a helper thread during the forward pass, where a CPU
  core is spare and the stream below is not torch's.
- StreamNoise: on the CPU, torch's stream is a Mersenne Twister (MT19937) seeded with
  the seed's low 32 bits, each float taking two 32-bit words as a 53-bit double u and
  returning -log1p(-u). numpy's MT19937 skips the unneeded words at ~3.5 ns each and
  computes only the survivors' values: ~2 ms instead of 5. It is checked against torch
  once per process and not used if this torch draws differently.
"""

from __future__ import annotations

import functools
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import numpy as np
import torch

MT_STATE_WORDS = 624
WORDS_PER_DRAW = 2  # one 53-bit double from two 32-bit words per noise value
SKIP_IDS_AT_MOST = 256  # past this many survivors, drawing all words beats skipping
_DOUBLE_BITS = np.uint64((1 << 53) - 1)


class Noise(Protocol):
    """Where each sampled step's noise comes from; one `at` call per sampled step."""

    def at(self, ids: torch.Tensor) -> torch.Tensor:
        """The next draw's noise at token `ids` ([K] -> [K] float32); advances the stream
        past the whole vocabulary."""
        ...

    def close(self) -> None: ...


def full_noise(vocab_size: int, generator: torch.Generator | None,
               device: torch.device | str = "cpu") -> torch.Tensor:
    """The Exp(1) noise `torch.multinomial` draws for one sample over `vocab_size`."""
    return torch.empty(vocab_size, device=device).exponential_(1, generator=generator)


class FullNoise:
    """torch draws each step's whole noise vector, inline or ahead on a helper thread."""

    def __init__(self, vocab_size: int, generator: torch.Generator | None,
                 device: torch.device, ahead: bool = False) -> None:
        self._draw = functools.partial(full_noise, vocab_size, generator, device)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="writer-noise") \
            if ahead else None
        self._pending: Future[torch.Tensor] | None = None
        self._submit()

    def _submit(self) -> None:
        if self._executor is not None:
            self._pending = self._executor.submit(self._draw)

    def at(self, ids: torch.Tensor) -> torch.Tensor:
        if self._pending is None:
            return self._draw()[ids]
        noise = self._pending.result()
        self._submit()
        return noise[ids]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._pending = None


def mersenne_state(seed: int) -> np.ndarray:
    """MT19937's state after the reference init_genrand(seed & 0xffffffff), as torch seeds."""
    key = np.empty(MT_STATE_WORDS, dtype=np.uint32)
    previous = seed & 0xFFFFFFFF
    key[0] = previous
    for index in range(1, MT_STATE_WORDS):
        previous = (1812433253 * (previous ^ (previous >> 30)) + index) & 0xFFFFFFFF
        key[index] = previous
    return key


class StreamNoise:
    """torch's CPU noise stream replayed with numpy, computing only the values needed."""

    def __init__(self, seed: int, vocab_size: int) -> None:
        self._vocab_size = vocab_size
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": mersenne_state(seed), "pos": MT_STATE_WORDS}}

    def at(self, ids: torch.Tensor) -> torch.Tensor:
        wanted = ids.cpu().numpy().astype(np.int64)
        if len(wanted) > SKIP_IDS_AT_MOST:
            return torch.from_numpy(self._all_then_pick(wanted)).to(ids.device)
        order = np.argsort(wanted, kind="stable")
        values = np.empty(len(wanted), dtype=np.float32)
        position, previous = 0, -1  # in 32-bit words from the start of this draw
        for index in order:
            start = int(wanted[index]) * WORDS_PER_DRAW
            if start < position:  # a repeated id: the same value again
                values[index] = values[previous]
                continue
            self._skip(start - position)
            values[index] = _exponentials(self._bits.random_raw(WORDS_PER_DRAW))[0]
            position, previous = start + WORDS_PER_DRAW, index
        self._skip(self._vocab_size * WORDS_PER_DRAW - position)
        return torch.from_numpy(values).to(ids.device)

    def _all_then_pick(self, wanted: np.ndarray) -> np.ndarray:
        """Many survivors (top-k off): draw the whole vector's words, transform the wanted."""
        words = self._bits.random_raw(self._vocab_size * WORDS_PER_DRAW)
        pairs = words.reshape(-1, WORDS_PER_DRAW)[wanted]  # [K, 2]: each id's two words
        return _exponentials(pairs.reshape(-1))

    def _skip(self, words: int) -> None:
        if words > 0:
            self._bits.random_raw(words, output=False)

    def close(self) -> None:
        pass


def _exponentials(words: np.ndarray) -> np.ndarray:
    """torch's CPU exponential transform of consecutive word pairs (high word first):
    53 bits of each 64-bit draw -> u in [0, 1) -> -log1p(-u), as float32."""
    pairs = words.astype(np.uint64).reshape(-1, WORDS_PER_DRAW)
    draws = ((pairs[:, 0] << np.uint64(32)) | pairs[:, 1]) & _DOUBLE_BITS
    return (-np.log1p(-(draws.astype(np.float64) * 2.0 ** -53))).astype(np.float32)


@functools.cache
def stream_matches_torch() -> bool:
    """Whether this torch's CPU noise is the stream StreamNoise replays (checked once)."""
    ids = torch.tensor([256, 0, 128, 1, 200, 0])  # unsorted, with a repeat, as top-p leaves
    for seed in (0, 123, 2**40 + 5):
        generator = torch.Generator().manual_seed(seed)
        replayed = StreamNoise(seed, 257)
        for _ in range(2):  # the second draw proves the stream advanced exactly as torch's
            if not torch.equal(replayed.at(ids), full_noise(257, generator)[ids]):
                return False
    return True


def noise_for(seed: int, vocab_size: int, device: torch.device, spare_core: bool) -> Noise:
    """The cheapest exact noise source for a generation seeded with `seed`."""
    if device.type != "cpu":
        return FullNoise(vocab_size, torch.Generator(device=device).manual_seed(seed), device)
    if stream_matches_torch():
        return StreamNoise(seed, vocab_size)
    return FullNoise(vocab_size, torch.Generator().manual_seed(seed), device, ahead=spare_core)
