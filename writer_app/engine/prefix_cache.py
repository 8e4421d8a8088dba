"""The KV cache of the last text the model read, and the next-token logits after it.

The common request is the same text as last time with a few characters changed at the
end, so only the changed tail is fed to the model. `PrefixCache` owns one invariant:
its logits are either unknown or the logits after exactly the ids it holds. Every change
of those ids goes through `feed` (which stores the logits of the pass that made it) or
`_rollback` (which forgets them), so no path — a cancelled read, a failed pass, a
generation that stopped midway — can leave logits of one text next to the cache of another.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from writer_app.engine.device import SmallMatmuls
from writer_app.engine.generation import GenerationCancelled

PREFILL_CHUNK = 512  # tokens per forward pass while reading a long text (cancel is checked between)
# Copies of the cache are kept for cheap edits where it cannot be cropped (Gemma 3's
# sliding-window layers, once full). A forward pass of up to NEAR_LAG tokens costs about
# as much as one (the int8 kernel takes rows in blocks of 4; float GEMMs are bound by the
# weights' bytes), so copies are kept near the end: 2 tokens before it (retyping the
# last character re-tokenizes at most the last two tokens, as "up"+"a" vs "u"+"pe"),
# NEAR_LAG before it, wherever a request starts near the end (free: no extra pass), the
# last few such, and SNAPSHOT_LAG before the end, so that deleting a sentence at the end
# re-reads ~32 tokens, not the document.
NEAR_LAG = 4
SNAPSHOT_LAG = 32
CHECKPOINT_LAGS = (2, NEAR_LAG, SNAPSHOT_LAG)
RECENT_SNAPSHOTS = 3


def common_prefix_length(cached: Sequence[int], wanted: Sequence[int]) -> int:
    """How many leading tokens two id sequences share: what a cache can keep."""
    common = 0
    for a, b in zip(cached, wanted, strict=False):
        if a != b:
            break
        common += 1
    return common


class ModelRunner:
    """One forward pass of the model over a KV cache, the same for every caller."""

    def __init__(self, model: torch.nn.Module, matmuls: SmallMatmuls) -> None:
        self.model = model
        self._matmuls = matmuls
        parameters = inspect.signature(type(model).forward).parameters
        # transformers 5 renames past_key_values to cache; older model classes keep the old name
        self._cache_kwarg = "cache" if "cache" in parameters else "past_key_values"

    def new_cache(self) -> object:
        from transformers import DynamicCache

        return DynamicCache(config=self.model.config)

    def __call__(self, input_ids: torch.Tensor, cache: object, keep: int = 1) -> torch.Tensor:
        """Feed input_ids [B, S] after what `cache` holds; the last `keep` logits: [B, keep, V]."""
        with self._matmuls.rows(input_ids.numel()):
            output = self.model(input_ids=input_ids, use_cache=True, logits_to_keep=keep,
                                **{self._cache_kwarg: cache})
        return output.logits.float()


@dataclass(eq=False)
class _Snapshot:
    """A copy of the cache and the tokens it holds."""

    ids: tuple[int, ...]
    cache: object


class PrefixCache:
    """The cache of one token sequence, reused by the next request that shares its start."""

    def __init__(self, runner: ModelRunner, device: torch.device) -> None:
        self._runner = runner
        self._device = device
        self._cache: object | None = None
        self._ids: list[int] = []  # the tokens whose keys and values are in the cache
        self._logits: torch.Tensor | None = None  # [V] after exactly _ids, or None: unknown
        self._snapshots: list[_Snapshot] = []  # by ascending length

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(self._ids)

    @property
    def cache(self) -> object | None:
        """The model's cache object (to copy for a batch; never to feed directly)."""
        return self._cache

    def reset(self) -> None:
        """Forget everything: the next request reads its text from the start."""
        self._cache, self._ids, self._logits, self._snapshots = None, [], None, []

    def feed(self, ids: Sequence[int], keep: int = 1) -> torch.Tensor:
        """Feed `ids` after the cached tokens; returns the logits of the last `keep`: [keep, V].

        The only way tokens enter the cache: ids and logits change together, after the pass
        succeeded. A pass that fails midway may have written some layers, so it empties
        the cache rather than leave it out of step with the ids.
        """
        if self._cache is None:
            self._cache = self._runner.new_cache()
        input_ids = torch.tensor([list(ids)], dtype=torch.long, device=self._device)  # [1, S]
        try:
            logits = self._runner(input_ids, self._cache, keep)[0]  # [keep, V]
        except BaseException:
            self.reset()
            raise
        self._ids.extend(ids)
        self._logits = logits[-1]
        return logits

    def logits_after(self, ids: Sequence[int],
                     cancel: Callable[[], bool] = lambda: False) -> torch.Tensor:
        """Next-token logits [V] after `ids`, computing only what the cache lacks.

        A long text is read in chunks with `cancel` checked between them: a cancelled read
        raises GenerationCancelled and keeps the chunks already read (and their logits).
        """
        common = common_prefix_length(self._ids, ids)
        if common == len(ids) == len(self._ids) and self._logits is not None:
            return self._logits
        self._snapshots = [snapshot for snapshot in self._snapshots  # drop what the edit made stale
                           if tuple(ids[:len(snapshot.ids)]) == snapshot.ids]
        self._rollback(min(common, len(ids) - 1))  # at least one token must be fed
        position = len(self._ids)
        checkpoints: set[int] = set()
        if self.may_outgrow_cropping(len(ids)):
            checkpoints = {len(ids) - lag for lag in CHECKPOINT_LAGS}
            if position in range(len(ids) - NEAR_LAG, len(ids)):
                checkpoints.add(position)
        while position < len(ids):
            if cancel():
                raise GenerationCancelled
            if position in checkpoints and position > 0:
                self._take_snapshot(len(ids))
            end = min(len(ids), position + PREFILL_CHUNK)
            end = min([end, *(point for point in checkpoints if position < point < end)])
            self.feed(ids[position:end])
            position = end
        assert self._logits is not None
        return self._logits

    def _rollback(self, length: int) -> None:
        """Make the cache hold only the first `length` of its tokens (or fewer)."""
        if length >= len(self._ids):
            return
        self._logits = None
        if self._cache is not None and length > 0 and self.can_crop():
            self._cache.crop(length - len(self._ids))  # type: ignore[attr-defined]
            del self._ids[length:]
            return
        usable = [snapshot for snapshot in self._snapshots if len(snapshot.ids) <= length]
        if usable:
            self._cache = copy.deepcopy(usable[-1].cache)
            del self._ids[len(usable[-1].ids):]
        else:
            self._cache = None
            self._ids = []

    def can_crop(self) -> bool:
        """Cropping loses sliding-window layers' states once they are full, so only then not."""
        for layer in getattr(self._cache, "layers", ()):
            window = getattr(layer, "sliding_window", None)
            if getattr(layer, "is_sliding", False) and (
                    window is None or layer.get_seq_length() >= window):
                return False
        return True

    def may_outgrow_cropping(self, length: int) -> bool:
        """Whether a cache of `length` tokens may be past a sliding window, where cropping
        fails and edits need copies. Below it no copies are taken: they would cost time,
        and splitting a short prompt's pass would change its float rounding."""
        config = self._runner.model.config
        if hasattr(config, "get_text_config"):  # multimodal Gemma 3 keeps it in text_config
            config = config.get_text_config()
        window = getattr(config, "sliding_window", None)
        return isinstance(window, int) and length >= window - 1

    def _take_snapshot(self, final_length: int) -> None:
        """Keep a copy of the cache as it is now; `final_length`: the length being built."""
        ids = tuple(self._ids)
        if self._cache is None or any(snapshot.ids == ids for snapshot in self._snapshots):
            return
        snapshots = sorted([*self._snapshots, _Snapshot(ids, copy.deepcopy(self._cache))],
                           key=lambda snapshot: len(snapshot.ids))
        far = [snapshot for snapshot in snapshots
               if len(snapshot.ids) <= final_length - SNAPSHOT_LAG][-1:]
        recent = snapshots[-RECENT_SNAPSHOTS:]
        self._snapshots = [snapshot for snapshot in snapshots
                           if snapshot in recent or snapshot in far]
