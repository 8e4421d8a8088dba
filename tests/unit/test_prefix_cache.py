"""PrefixCache: whatever happened before, its logits are those of the ids it holds."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import writer_app.engine.prefix_cache as prefix_cache_module
from writer_app.engine.device import SmallMatmuls
from writer_app.engine.generation import GenerationCancelled
from writer_app.engine.prefix_cache import ModelRunner, PrefixCache

SEQUENCE_EXAMPLES = 40


def new_cache(loaded) -> PrefixCache:
    matmuls = SmallMatmuls(loaded.device, loaded.dtype, int8_weights=False)
    return PrefixCache(ModelRunner(loaded.model, matmuls), loaded.device)


def fresh_logits(loaded, ids) -> torch.Tensor:
    with torch.inference_mode():
        return loaded.model(torch.tensor([list(ids)])).logits[0, -1].float()


def test_a_pass_that_fails_midway_empties_the_cache(tiny_loaded, monkeypatch):
    cache = new_cache(tiny_loaded)
    with torch.inference_mode():
        cache.logits_after([1, 5, 6, 7])
    original = tiny_loaded.model.forward

    def failing(*args, **kwargs):
        original(*args, **kwargs)  # the layers write the cache, then something fails
        raise MemoryError("out of memory")

    monkeypatch.setattr(tiny_loaded.model, "forward", failing)
    with pytest.raises(MemoryError), torch.inference_mode():
        cache.logits_after([1, 5, 6, 7, 8, 9])
    monkeypatch.setattr(tiny_loaded.model, "forward", original)
    assert len(cache) == 0
    with torch.inference_mode():
        logits = cache.logits_after([1, 5, 6, 7, 8])
    torch.testing.assert_close(logits, fresh_logits(tiny_loaded, [1, 5, 6, 7, 8]),
                               rtol=1e-4, atol=1e-5)


# A request: the token ids to read, and after how many chunks it is cancelled (None: never).
requests = st.lists(
    st.tuples(st.lists(st.integers(3, 40), min_size=1, max_size=40),
              st.one_of(st.none(), st.integers(0, 3))),
    min_size=1, max_size=6)


@pytest.mark.parametrize("fixture", ["tiny_loaded", "tiny_gemma_loaded"])
def test_random_reads_edits_and_cancels_never_leave_wrong_logits(fixture, request,
                                                                 monkeypatch):
    """Random texts sharing prefixes, read in chunks of 5 and cancelled at random chunks
    (the stale-logits bug): every answer, and every later read of exactly what the cache
    holds, equals a fresh computation. Gemma's 8-token sliding window exercises copies."""
    loaded = request.getfixturevalue(fixture)
    monkeypatch.setattr(prefix_cache_module, "PREFILL_CHUNK", 5)

    @settings(max_examples=SEQUENCE_EXAMPLES, deadline=None, derandomize=True)
    @given(st.lists(st.integers(3, 40), min_size=40, max_size=40), requests)
    def run(base, reads):
        cache = new_cache(loaded)
        for tail, cancel_after in reads:
            ids = [1, *base[:len(tail) // 2], *tail]  # shares a start with the others
            checks = iter([False] * (cancel_after or 0) + [True])
            cancel = ((lambda checks=checks: next(checks, True)) if cancel_after is not None
                      else lambda: False)
            with torch.inference_mode():
                try:
                    logits = cache.logits_after(ids, cancel)
                except GenerationCancelled:
                    held = list(cache.ids)
                    assert held == ids[:len(held)]
                    if held:
                        torch.testing.assert_close(cache.logits_after(held),
                                                   fresh_logits(loaded, held),
                                                   rtol=1e-4, atol=1e-5)
                    continue
            torch.testing.assert_close(logits, fresh_logits(loaded, ids), rtol=1e-4, atol=1e-5)

    run()
