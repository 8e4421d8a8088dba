"""The decode step on a CUDA GPU: a static KV cache and the one-token forward compiled into a
CUDA graph.

On a GPU the decode step of a model of Writer's size (270M–8B) is bound by launching
hundreds of small kernels from Python, not by arithmetic. A static cache keeps every
tensor's shape and address fixed from token to token, so `torch.compile(mode=
"reduce-overhead")` can capture the whole step once as a CUDA graph and replay it per token.
On a CPU neither pays (ENGINE-NOTES: a static cache alone gains nothing, compiling gains
8–12% for 25–60 s per shape), so the sampled loop uses this only on cuda devices; the
session's prefix cache still reads every prompt (the pane reuses it) and catches up with
the generated tokens at the next request, in one pass.

Where compiling fails (no Triton, an unsupported model, a driver problem) the same static
cache runs eagerly; where the static cache itself fails, `start` returns None and the loop
feeds the prefix cache as on the CPU. Either way the tokens are those of the dynamic path.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable, Sequence

import torch

log = logging.getLogger(__name__)

BUCKET = 1024  # cache lengths are rounded up to this, so that a new length rarely means
# a new cache (and, compiled, a new graph: ~30 s the first time on a GPU)
DISABLE_ENV = "WRITER_CUDA_DECODE"  # "0": always feed the prefix cache (to compare)
COMPILE_ENV = "WRITER_CUDA_COMPILE"  # "0": static cache, but no torch.compile

TokenFeeder = Callable[[int], torch.Tensor]  # a token in, the next logits [V] (float32) out


def wanted(device: torch.device) -> bool:
    """Whether decoding on `device` goes through a static cache (cuda only)."""
    return device.type == "cuda" and os.environ.get(DISABLE_ENV, "1") != "0"


def cache_length(needed: int, limit: int) -> int:
    """The static cache's length for `needed` tokens: rounded up to BUCKET, at most `limit`
    (the context window), and never below `needed`."""
    rounded = -(-max(needed, 1) // BUCKET) * BUCKET
    return max(needed, min(rounded, limit))


class StaticDecoder:
    """One model's static cache and decode step, reused by every generation on it.

    Not thread-safe: it belongs to the session's decode loop, like the prefix cache.
    """

    def __init__(self, model: torch.nn.Module, device: torch.device, limit: int,
                 compile_step: bool | None = None) -> None:
        self._model = model
        self._device = device
        self._limit = limit  # the most tokens a cache holds: the model's context window
        if compile_step is None:
            compile_step = os.environ.get(COMPILE_ENV, "1") != "0"
        self._compile_wanted = compile_step
        parameters = inspect.signature(type(model).forward).parameters
        self._cache_kwarg = "cache" if "cache" in parameters else "past_key_values"
        self._cache: object | None = None
        self._capacity = 0
        self._ids: list[int] = []  # what the cache holds
        self._compiled: Callable[..., torch.Tensor] | None = None
        self.compile_failure: str | None = None  # why the step runs eagerly, once it does
        self.unsupported: str | None = None  # why this model cannot use a static cache
        self._token = torch.zeros((1, 1), dtype=torch.long, device=device)  # input_ids [1, 1]
        self._position = torch.zeros(1, dtype=torch.long, device=device)  # cache_position [1]

    @property
    def compiled(self) -> bool:
        """Whether the decode step runs as a compiled graph (so far)."""
        return self._compile_wanted and self.compile_failure is None

    @property
    def capacity(self) -> int:
        return self._capacity

    def start(self, ids: Sequence[int], total: int) -> TokenFeeder | None:
        """Read `ids` (the prompt) into the static cache, with room for `total` tokens; the
        function that feeds each generated token, or None where this model cannot use a
        static cache (the caller then feeds its dynamic cache)."""
        if self.unsupported is not None:
            return None
        try:
            with torch.inference_mode():
                self._prefill(list(ids), total)
        except Exception as error:  # the model's attention or cache cannot be static
            self.unsupported = _one_line(error)
            self._cache, self._capacity, self._compiled = None, 0, None
            log.warning("static KV cache unavailable, decoding with the dynamic one: %s",
                        self.unsupported)
            return None
        return self.feed

    def feed(self, token: int) -> torch.Tensor:
        """The logits [V] (float32, a tensor of its own) after `token`, which enters the cache
        after what it holds."""
        with torch.inference_mode():
            if len(self._ids) >= self._capacity:  # the settings raised max_new_tokens mid-way
                self._prefill(self._ids, min(self._limit, 2 * self._capacity))
                if len(self._ids) >= self._capacity:
                    raise RuntimeError("the context window is full")
            self._token.fill_(token)
            self._position.fill_(len(self._ids))
            logits = self._step()
            self._ids.append(token)
            return logits[0, -1].to(torch.float32, copy=True)  # the graph reuses its output

    # ---- internals ----------------------------------------------------------------------

    def _prefill(self, ids: list[int], total: int) -> None:
        from transformers import StaticCache

        length = cache_length(total, self._limit)
        if self._cache is None or length > self._capacity:
            self._cache = StaticCache(config=self._model.config, max_cache_len=length)
            self._capacity = length
            self._compiled = None  # a graph holds the old cache's tensors
        else:
            self._cache.reset()  # type: ignore[attr-defined]
        self._ids = []
        input_ids = torch.tensor([ids], dtype=torch.long, device=self._device)  # [1, S]
        positions = torch.arange(len(ids), device=self._device)  # [S]
        self._forward(input_ids, positions)
        self._ids = list(ids)

    def _forward(self, input_ids: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """One pass over the static cache: logits of the last position [1, 1, V]."""
        output = self._model(input_ids=input_ids, cache_position=positions, use_cache=True,
                             logits_to_keep=1, **{self._cache_kwarg: self._cache})
        return output.logits

    def _step(self) -> torch.Tensor:
        if not self.compiled:
            return self._forward(self._token, self._position)
        try:
            if self._compiled is None:
                self._compiled = torch.compile(self._forward, mode="reduce-overhead",
                                               dynamic=False)
            if self._device.type == "cuda":
                torch.compiler.cudagraph_mark_step_begin()
            return self._compiled(self._token, self._position)
        except Exception as error:  # compiling failed: the same step, eagerly
            self.compile_failure = _one_line(error)
            self._compiled = None
            log.warning("torch.compile of the decode step failed, running it eagerly: %s",
                        self.compile_failure)
            # a static cache's slot for this position is simply written again
            return self._forward(self._token, self._position)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__
