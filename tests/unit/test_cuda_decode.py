"""The CUDA decode path (static KV cache, compiled step) run on the CPU: everything but the
GPU itself. It must give the dynamic path's logits and tokens, fall back cleanly where
compiling or the static cache fails, and never run on a CPU unless asked."""

from __future__ import annotations

import pytest
import torch

from writer_app.boundary.params import SamplingParams
from writer_app.engine import cuda_decode
from writer_app.engine.session import ModelSession

PROMPT = "I went on a trip to the sea and the mountains. The quick brown fox"
MODELS = ["tiny_loaded", "tiny_gemma_loaded"]  # full attention; 8-token sliding windows


@pytest.fixture(params=MODELS)
def loaded(request):
    return request.getfixturevalue(request.param)


def _prompt_ids(loaded) -> list[int]:
    ids = loaded.tokenizer(PROMPT)["input_ids"]
    assert len(ids) > 8  # past the tiny Gemma's sliding window
    return ids


def _decoder(loaded, **kwargs) -> cuda_decode.StaticDecoder:
    kwargs.setdefault("compile_step", False)
    return cuda_decode.StaticDecoder(loaded.model, torch.device("cpu"),
                                     loaded.context_window, **kwargs)


def _dynamic_logits(loaded, ids: list[int], tokens: list[int]) -> list[torch.Tensor]:
    """The logits after each of `tokens`, fed one by one through the prefix cache."""
    session = ModelSession(loaded)
    with torch.inference_mode():
        session.prefix_cache.logits_after(ids)
        return [session.prefix_cache.feed([token])[-1] for token in tokens]


def _static_logits(decoder, ids: list[int], tokens: list[int], total: int) -> list[torch.Tensor]:
    feed = decoder.start(ids, total)
    assert feed is not None, decoder.unsupported
    return [feed(token) for token in tokens]


def test_cache_length_rounds_up_within_the_window():
    assert cuda_decode.cache_length(1, 4096) == cuda_decode.BUCKET
    assert cuda_decode.cache_length(cuda_decode.BUCKET + 1, 8192) == 2 * cuda_decode.BUCKET
    assert cuda_decode.cache_length(700, 512) == 700  # never below what is needed
    assert cuda_decode.cache_length(300, 512) == 512  # the window caps the rounding


def test_only_cuda_devices_use_it(monkeypatch):
    assert not cuda_decode.wanted(torch.device("cpu"))
    assert cuda_decode.wanted(torch.device("cuda"))
    monkeypatch.setenv(cuda_decode.DISABLE_ENV, "0")
    assert not cuda_decode.wanted(torch.device("cuda"))


def test_static_cache_gives_the_dynamic_caches_logits(loaded):
    ids = _prompt_ids(loaded)
    tokens = [(7 * i + 3) % len(loaded.tokenizer) for i in range(20)]
    dynamic = _dynamic_logits(loaded, ids, tokens)
    static = _static_logits(_decoder(loaded), ids, tokens, len(ids) + len(tokens))
    for expected, actual in zip(dynamic, static, strict=True):
        assert actual.dtype == torch.float32
        torch.testing.assert_close(actual, expected, atol=1e-4, rtol=1e-4)
        assert int(actual.argmax()) == int(expected.argmax())


def test_a_full_cache_grows_and_keeps_the_logits(loaded, monkeypatch):
    """Live settings may raise max_new_tokens mid-generation: the cache is rebuilt larger."""
    monkeypatch.setattr(cuda_decode, "BUCKET", 4)
    ids = _prompt_ids(loaded)
    tokens = [(5 * i + 1) % len(loaded.tokenizer) for i in range(12)]
    decoder = _decoder(loaded)
    static = _static_logits(decoder, ids, tokens, len(ids) + 2)
    assert decoder.capacity >= len(ids) + len(tokens)
    for expected, actual in zip(_dynamic_logits(loaded, ids, tokens), static, strict=True):
        torch.testing.assert_close(actual, expected, atol=1e-4, rtol=1e-4)


def test_a_reused_decoder_starts_afresh(loaded):
    ids = _prompt_ids(loaded)
    decoder = _decoder(loaded)
    _static_logits(decoder, ids, [5, 6, 7], len(ids) + 16)
    again = _static_logits(decoder, ids[:-2], [9, 10], len(ids) + 16)  # same cache, reset
    torch.testing.assert_close(again[-1], _dynamic_logits(loaded, ids[:-2], [9, 10])[-1],
                               atol=1e-4, rtol=1e-4)


def test_a_failing_compile_falls_back_to_the_eager_step(loaded, monkeypatch):
    def broken_compile(*args, **kwargs):
        raise RuntimeError("no working C++ compiler or Triton here\nmore lines")

    monkeypatch.setattr(torch, "compile", broken_compile)
    ids = _prompt_ids(loaded)
    decoder = _decoder(loaded, compile_step=True)
    assert decoder.compiled
    static = _static_logits(decoder, ids, [3, 4, 5], len(ids) + 3)
    assert not decoder.compiled
    assert decoder.compile_failure == "RuntimeError: no working C++ compiler or Triton here"
    torch.testing.assert_close(static[-1], _dynamic_logits(loaded, ids, [3, 4, 5])[-1],
                               atol=1e-4, rtol=1e-4)


def test_a_compiled_step_that_fails_when_run_falls_back_too(loaded, monkeypatch):
    def compile_to_failure(function, **kwargs):
        def run(*args):
            raise RuntimeError("graph capture failed")
        return run

    monkeypatch.setattr(torch, "compile", compile_to_failure)
    ids = _prompt_ids(loaded)
    decoder = _decoder(loaded, compile_step=True)
    static = _static_logits(decoder, ids, [3, 4], len(ids) + 2)
    assert decoder.compile_failure == "RuntimeError: graph capture failed"
    torch.testing.assert_close(static[-1], _dynamic_logits(loaded, ids, [3, 4])[-1],
                               atol=1e-4, rtol=1e-4)


# ---------------------------------------------------------------------------
# The decode loop with the CUDA path forced on for the CPU


def _generate(session: ModelSession, params: SamplingParams) -> list[tuple[int, str, float]]:
    generation = session.generate(PROMPT, params)
    return [(step.token_id, step.text, step.prob) for step in generation]


@pytest.mark.parametrize("params", [
    SamplingParams(temperature=0, max_new_tokens=24),
    SamplingParams(seed=7, temperature=0.9, top_k=40, top_p=0.9, repetition_penalty=1.2,
                   max_new_tokens=24),
], ids=["greedy", "seeded"])
def test_the_loop_on_the_static_path_writes_the_same_tokens(loaded, params, monkeypatch):
    dynamic = _generate(ModelSession(loaded), params)
    monkeypatch.setattr(cuda_decode, "wanted", lambda device: True)
    monkeypatch.setenv(cuda_decode.COMPILE_ENV, "0")  # compiling on a CPU: minutes, no gain
    session = ModelSession(loaded)
    static = _generate(session, params)
    assert session._sampled.static is not None and session._sampled.static.unsupported is None
    assert [(t, s) for t, s, _ in static] == [(t, s) for t, s, _ in dynamic]
    assert [p for *_, p in static] == pytest.approx([p for *_, p in dynamic], abs=1e-4)


def test_after_a_static_generation_the_pane_catches_up(loaded, monkeypatch):
    monkeypatch.setattr(cuda_decode, "wanted", lambda device: True)
    monkeypatch.setenv(cuda_decode.COMPILE_ENV, "0")
    session = ModelSession(loaded)
    written = session.generate(PROMPT, SamplingParams(temperature=0, max_new_tokens=10))
    for _ in written:
        pass
    text = PROMPT + written.text
    params = SamplingParams()
    after = session.next_tokens(text, params, n=5)
    fresh = ModelSession(loaded).next_tokens(text, params, n=5)
    assert [t.id for t in after.tokens] == [t.id for t in fresh.tokens]
    assert [t.prob for t in after.tokens] == pytest.approx([t.prob for t in fresh.tokens],
                                                           abs=1e-5)


def test_a_model_without_a_static_cache_decodes_on_the_dynamic_one(loaded, monkeypatch):
    import transformers

    def no_static_cache(*args, **kwargs):
        raise NotImplementedError("this model's attention has no static cache")

    monkeypatch.setattr(transformers, "StaticCache", no_static_cache)
    params = SamplingParams(temperature=0, max_new_tokens=12)
    dynamic = _generate(ModelSession(loaded), params)
    monkeypatch.setattr(cuda_decode, "wanted", lambda device: True)
    session = ModelSession(loaded)
    assert _generate(session, params) == dynamic
    assert session._sampled.static.unsupported == (
        "NotImplementedError: this model's attention has no static cache")
