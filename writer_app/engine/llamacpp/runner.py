"""llama.cpp's KV cache of the last text read, and the next-token logits after it.

The same job as `engine.prefix_cache.PrefixCache` for transformers: the next request
usually shares all but the last few tokens with the last one, so only the changed tail is
evaluated. llama.cpp keeps a full-size cache for Gemma 3's sliding-window layers, so
rolling back is removing the cache past a position (`llama_memory_seq_rm`); where a
model's cache refuses that, the runner starts afresh rather than read stale state.

One invariant, as in PrefixCache: `logits` are unknown or the logits after exactly
`ids`. The logits are a view of llama.cpp's own output buffer (no copy), valid until
the next evaluation: callers that keep them longer clone them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from writer_app.engine.generation import GenerationCancelled
from writer_app.engine.prefix_cache import common_prefix_length

PREFILL_CHUNK = 512  # tokens per llama_decode while reading a long text (cancel between)


class LlamaRunner:
    """The tokens in llama.cpp's cache, fed only where they differ from the last text."""

    def __init__(self, llm: Any, chunk: int = PREFILL_CHUNK) -> None:
        self._llm = llm
        self._chunk = max(1, min(chunk, llm.n_batch))
        self.vocab_size = int(llm.n_vocab())
        self._ids: list[int] = []
        self._logits: torch.Tensor | None = None  # [V] after exactly _ids, or None
        self.evaluated = 0  # tokens llama.cpp has evaluated (tests count reuse by it)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(self._ids)

    def reset(self) -> None:
        """Forget everything: the next request reads its text from the start."""
        self._ids, self._logits = [], None
        self._llm.n_tokens = 0
        self._llm._ctx.kv_cache_clear()

    def feed(self, ids: Sequence[int],
             cancel: Callable[[], bool] = lambda: False) -> torch.Tensor:
        """Evaluate `ids` after the cached tokens; the logits after the last one: [V].

        Read in chunks with `cancel` checked between them: a cancelled read raises
        GenerationCancelled and keeps what it read. A failed evaluation empties the cache
        rather than leave it out of step with the ids.
        """
        ids = list(ids)
        for start in range(0, len(ids), self._chunk):
            if start and cancel():
                raise GenerationCancelled
            chunk = ids[start:start + self._chunk]
            self._logits = None
            try:
                self._llm.eval(chunk)
            except BaseException:
                self.reset()
                raise
            self.evaluated += len(chunk)
            self._ids.extend(chunk)
        self._logits = self._read_logits()
        return self._logits

    def logits_after(self, ids: Sequence[int],
                     cancel: Callable[[], bool] = lambda: False) -> torch.Tensor:
        """Next-token logits [V] after `ids`, evaluating only what the cache lacks."""
        common = common_prefix_length(self._ids, ids)
        if common == len(ids) == len(self._ids) and self._logits is not None:
            return self._logits
        if cancel():
            raise GenerationCancelled
        self.rollback(min(common, len(ids) - 1))  # at least one token must be fed
        return self.feed(ids[len(self._ids):], cancel)

    def rollback(self, length: int) -> None:
        """Keep only the first `length` cached tokens (or none, where the cache refuses)."""
        if length >= len(self._ids):
            return
        self._logits = None
        if length > 0 and self._llm._ctx.kv_cache_seq_rm(-1, length, -1):
            del self._ids[length:]
            self._llm.n_tokens = length
        else:
            self.reset()

    def _read_logits(self) -> torch.Tensor:
        """The last evaluated position's logits, read in place from llama.cpp: [V]."""
        pointer = self._llm._ctx.get_logits()
        return torch.from_numpy(np.ctypeslib.as_array(pointer, shape=(self.vocab_size,)))
