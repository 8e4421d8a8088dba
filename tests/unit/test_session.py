"""ModelSession on tiny models: equality with transformers, cache reuse, streaming."""

from __future__ import annotations

import threading

import pytest
import torch
from transformers import SuppressTokensLogitsProcessor

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.engine.session import ModelSession, StopReason

SAMPLED = SamplingParams(temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.3,
                         seed=11, max_new_tokens=24)


@pytest.fixture(params=["tiny_loaded", "tiny_gemma_loaded"])
def loaded(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def session(loaded):
    return ModelSession(loaded)


class ForwardCounter:
    """Counts the tokens the model is fed, to prove what the cache saves."""

    def __init__(self, model, monkeypatch):
        self.tokens = 0
        original = model.forward

        def counting(*args, **kwargs):
            self.tokens += kwargs["input_ids"].shape[1]
            return original(*args, **kwargs)

        monkeypatch.setattr(model, "forward", counting)


def direct_logits(loaded, text: str) -> torch.Tensor:
    """transformers' own next-token logits, control tokens suppressed as generate() does."""
    ids = loaded.tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        logits = loaded.model(ids).logits[0, -1]
    suppressed = sorted(ModelSession(loaded).control_ids)
    return SuppressTokensLogitsProcessor(suppressed)(ids, logits.unsqueeze(0))[0]


def test_next_tokens_equal_a_direct_transformers_computation(session, loaded):
    text = "I went on a trip to"
    result = session.next_tokens(text, SAMPLED, n=8)
    raw = direct_logits(loaded, text).softmax(-1)
    expected = torch.topk(raw, 8)
    assert [t.id for t in result.tokens] == expected.indices.tolist()
    for token, prob in zip(result.tokens, expected.values.tolist(), strict=True):
        assert token.prob == pytest.approx(prob, rel=1e-5)
        assert token.text == loaded.tokenizer.decode([token.id])
    assert result.context.used == len(loaded.tokenizer(text)["input_ids"])
    assert result.context.dropped == 0


EDITS = [
    "The quick brown fox jumps over the lazy dog. " * 3,
    "The quick brown fox jumps over the lazy dog. " * 3 + "We",
    "The quick brown fox jumps over the lazy dog. " * 3 + "We went",
    "The quick brown fox jumps over the lazy dog. " * 3 + "We wen",
    "The quick brown fox jumps over the lazy dog. " * 2 + "我们去北京",
    "The quick brown fox jumps over the lazy cat. " * 3 + "We went",
    "The",
    "",
]


def test_cache_reuse_gives_the_same_distribution_as_a_fresh_computation(loaded):
    """Edits at the end, deletions and edits far back: the reused cache never lies."""
    reused = ModelSession(loaded)
    for text in EDITS:
        warm = reused.next_tokens(text, SAMPLED, n=10)
        cold = ModelSession(loaded).next_tokens(text, SAMPLED, n=10)
        assert [t.id for t in warm.tokens] == [t.id for t in cold.tokens], text
        for a, b in zip(warm.tokens, cold.tokens, strict=True):
            assert a.prob == pytest.approx(b.prob, rel=1e-4, abs=1e-7)
            assert a.sampled_prob == pytest.approx(b.sampled_prob, rel=1e-4, abs=1e-7)


def test_a_one_character_edit_at_the_end_does_not_recompute_the_document(
        loaded, monkeypatch):
    session = ModelSession(loaded)
    document = "The quick brown fox jumps over the lazy dog. " * 8
    session.next_tokens(document + "He", SAMPLED)
    full = session.cached_tokens
    counter = ForwardCounter(loaded.model, monkeypatch)
    session.next_tokens(document + "Hel", SAMPLED)
    assert 0 < counter.tokens <= 20 < full
    before = counter.tokens
    session.next_tokens(document + "Hel", SAMPLED)  # unchanged text: no model call at all
    assert counter.tokens == before


TYPING = ["We went to the sea", "We went to the sea.", "We went to the sea!", "We went to the",
          "We went to the shore", "We went to the shore and 我们", "We went to the shore and 我",
          "We went to the shore and", "We went to thx"]


def test_typing_at_the_end_past_the_sliding_window_is_exact_and_cheap(
        tiny_gemma_loaded, monkeypatch):
    """Past its 8-token window the tiny Gemma's cache cannot be cropped: edits restore a
    kept copy. Retyping the last token feeds that token alone; every answer equals a
    fresh computation."""
    loaded = tiny_gemma_loaded
    document = "The quick brown fox jumps over the lazy dog. " * 6
    session = ModelSession(loaded)
    counter = ForwardCounter(loaded.model, monkeypatch)
    for text in TYPING:
        warm = session.next_tokens(document + text, SAMPLED, n=10)
        cold = ModelSession(loaded).next_tokens(document + text, SAMPLED, n=10)
        assert [t.id for t in warm.tokens] == [t.id for t in cold.tokens], text
        for a, b in zip(warm.tokens, cold.tokens, strict=True):
            assert a.prob == pytest.approx(b.prob, rel=1e-4, abs=1e-7)
    ids, _ = session.tokenize(document + "We went to the shore and")
    assert not session.prefix_cache.can_crop() and len(ids) > 4 * 8
    for ending in ("a", "b", "a"):  # the last token retyped
        session.next_tokens(document + "We went to thx" + ending, SAMPLED)
        before = counter.tokens
        session.next_tokens(document + "We went to thx" + ending + "q", SAMPLED)
        session.next_tokens(document + "We went to thx" + ending + "z", SAMPLED)
        assert counter.tokens - before <= 3


def test_reweigh_recomputes_from_cached_logits_without_a_model_call(
        session, loaded, monkeypatch):
    session.next_tokens("I went on a trip to", SAMPLED)
    counter = ForwardCounter(loaded.model, monkeypatch)
    hotter = SAMPLED.with_changes(temperature=1.5, top_k=0)
    reweighed = session.reweigh(hotter)
    assert counter.tokens == 0
    fresh = ModelSession(loaded).next_tokens("I went on a trip to", hotter)
    assert [t.sampled_prob for t in reweighed.tokens] == pytest.approx(
        [t.sampled_prob for t in fresh.tokens], rel=1e-5)


def generate_with_transformers(loaded, text: str, params: SamplingParams) -> str:
    ids = loaded.tokenizer(text, return_tensors="pt").input_ids
    torch.manual_seed(params.seed)
    suppressed = [] if params.allow_control_tokens else sorted(ModelSession(loaded).control_ids)
    kwargs = dict(do_sample=not params.is_greedy, repetition_penalty=params.repetition_penalty,
                  max_new_tokens=params.max_new_tokens, pad_token_id=0,
                  suppress_tokens=suppressed or None)
    if params.mode is Mode.BEAM:
        kwargs.update(num_beams=params.num_beams, do_sample=False)
    elif not params.is_greedy:
        kwargs.update(temperature=params.temperature, top_k=params.top_k, top_p=params.top_p)
    output = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), **kwargs)
    new = [t for t in output[0, ids.shape[1]:].tolist() if t != loaded.tokenizer.eos_token_id]
    # A stream cut inside a character drops its bytes rather than show them broken.
    return loaded.tokenizer.decode(new, skip_special_tokens=True).rstrip("\ufffd")


@pytest.mark.parametrize("params", [
    SAMPLED,
    SAMPLED.with_changes(temperature=1.3, top_k=0, top_p=1.0, repetition_penalty=1.0, seed=5),
    SAMPLED.with_changes(temperature=0),
    SAMPLED.with_changes(mode="beam", num_beams=3, max_new_tokens=12),
], ids=["sampled", "plain-sampled", "greedy", "beam"])
def test_generation_equals_transformers_generate(session, loaded, params):
    prompt = "I went on a trip to"
    ours = session.generate(prompt, params)
    text = "".join(step.text for step in ours)
    assert text == generate_with_transformers(loaded, prompt, params)
    assert ours.stats.stop_reason in (StopReason.LENGTH, StopReason.EOS)


def test_same_seed_same_text_and_other_seed_other_text(session):
    texts = []
    for seed in (1, 1, 2):
        generation = session.generate("我们去", SAMPLED.with_changes(seed=seed))
        list(generation)
        texts.append(generation.text)
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]


def test_random_seed_is_reported_so_the_sample_can_be_reproduced(session):
    first = session.generate("Hello", SAMPLED.with_changes(seed=None))
    list(first)
    again = session.generate("Hello", SAMPLED.with_changes(seed=first.stats.seed))
    list(again)
    assert first.stats.seed is not None and again.text == first.text


def test_params_are_read_afresh_at_every_step(session):
    current = {"params": SAMPLED.with_changes(temperature=1.8, top_k=0, top_p=1.0)}
    seen = []
    generation = session.generate("The", lambda: current["params"])
    for step in generation:
        if step.token_id < 0:
            continue
        seen.append(step.sampled_prob)
        if step.index == 4:  # the user moves the temperature slider to 0
            current["params"] = current["params"].with_changes(temperature=0)
    assert len(seen) > 6
    assert all(p == 1.0 for p in seen[5:])  # greedy from the next token on
    assert any(p < 1.0 for p in seen[:5])


def test_max_new_tokens_moved_mid_generation_ends_it(session):
    current = {"params": SAMPLED.with_changes(max_new_tokens=50)}
    generation = session.generate("The", lambda: current["params"])
    for steps, _ in enumerate(generation, start=1):
        if steps == 3:
            current["params"] = current["params"].with_changes(max_new_tokens=5)
    assert generation.stats.tokens <= 5
    assert generation.stats.stop_reason is StopReason.LENGTH


def test_cancel_is_honoured_within_one_step(session):
    cancel = threading.Event()
    generation = session.generate("The", SAMPLED.with_changes(max_new_tokens=100), cancel)
    for received, _ in enumerate(generation, start=1):
        if received == 3:
            cancel.set()
    assert generation.stats.stop_reason is StopReason.CANCELLED
    assert generation.stats.tokens == 3


def test_cancel_before_start_produces_nothing(session):
    cancel = threading.Event()
    cancel.set()
    generation = session.generate("The", SAMPLED, cancel)
    assert list(generation) == []
    assert generation.stats.stop_reason is StopReason.CANCELLED


def test_generation_stops_at_eos(session):
    greedy = SAMPLED.with_changes(temperature=0, max_new_tokens=30)
    first = next(iter(session.generate("The", greedy)))
    session.eos_ids = frozenset({first.token_id})
    generation = session.generate("The", greedy)
    assert list(generation) == []
    assert generation.stats.stop_reason is StopReason.EOS


def test_steps_carry_probabilities_and_alternatives(session):
    steps = list(session.generate("The", SAMPLED.with_changes(max_new_tokens=5), top_n=4))
    for step in (s for s in steps if s.token_id >= 0):
        assert 0 < step.prob <= 1 and 0 < step.sampled_prob <= 1
        assert len(step.alternatives) == 4
        assert step.alternatives[0].prob >= step.alternatives[-1].prob


def test_an_over_long_context_is_cut_from_the_left_keeping_bos(loaded):
    session = ModelSession(loaded, context_limit=64)
    text = " ".join(f"word{i}" for i in range(300))
    ids, _ = session.tokenize(text)
    result = session.next_tokens(text, SAMPLED)
    assert result.context.used <= 64
    assert result.context.used + result.context.dropped == len(ids)
    assert result.context.window == 64
    fitted, _ = session.fit_context(ids, 1)
    assert fitted[0] == loaded.tokenizer.bos_token_id
    assert fitted[-20:] == ids[-20:]  # the newest tokens are kept
    generation = session.generate(text, SAMPLED.with_changes(max_new_tokens=10))
    list(generation)
    assert generation.stats.context.used <= 64 - 10


def test_the_cut_moves_in_blocks_so_the_cache_stays_valid_as_text_grows(loaded):
    session = ModelSession(loaded, context_limit=300)
    ids = list(range(5, 5 + 400))
    first, _ = session.fit_context([1, *ids], 1)
    second, _ = session.fit_context([1, *ids, 7], 1)
    assert first[:50] == second[:50]


def test_preamble_comes_first_and_survives_the_cut(loaded):
    session = ModelSession(loaded, context_limit=64)
    preamble = "Write like a poet. "
    text = " ".join(f"word{i}" for i in range(300))
    ids, protected = session.tokenize(text, preamble)
    fitted, _ = session.fit_context(ids, protected)
    head = loaded.tokenizer(preamble)["input_ids"]
    assert fitted[:len(head)] == head


def test_generate_many_samples_rows_in_one_batch_and_keeps_the_prompt_cache(session, loaded):
    prompt = "The quick brown fox"
    greedy = SAMPLED.with_changes(temperature=0, max_new_tokens=10)
    single = session.generate(prompt, greedy)
    list(single)
    many = session.generate_many(prompt, greedy, 3)
    steps = list(many)
    assert {s.row for s in steps} == {0, 1, 2}
    assert many.stats.rows == [single.text] * 3  # the batch computes what one row would
    sampled = session.generate_many(prompt, SAMPLED.with_changes(temperature=1.5, top_k=0,
                                                                  max_new_tokens=12), 3)
    list(sampled)
    assert len(set(sampled.stats.rows)) > 1  # independent samples
    prompt_tokens = len(session.tokenize(prompt)[0])
    assert session.cached_tokens == prompt_tokens  # the batch never touched it
    fresh = ModelSession(loaded).next_tokens(prompt, SAMPLED)
    assert [t.id for t in session.next_tokens(prompt, SAMPLED).tokens] == \
        [t.id for t in fresh.tokens]


def test_generate_many_cuts_each_row_where_told(session):
    def cut(text: str) -> int | None:
        return 3 if len(text) >= 3 else None

    generation = session.generate_many("Hello", SAMPLED.with_changes(max_new_tokens=30), 2,
                                       cut=cut)
    list(generation)
    assert all(len(row) <= 3 for row in generation.stats.rows)


def test_a_huge_text_is_cut_before_tokenizing_and_the_cut_is_stable(loaded, monkeypatch):
    import writer_app.engine.context as context_module

    monkeypatch.setattr(context_module, "CHARACTER_BLOCK", 1000)
    session = ModelSession(loaded, context_limit=64)
    text = "The quick brown fox jumps over the lazy dog. " * 2000  # 90,000 characters
    seen: list[int] = []
    tokenizer_call = type(loaded.tokenizer).__call__

    def measuring(self, value, *args, **kwargs):
        seen.append(len(value))
        return tokenizer_call(self, value, *args, **kwargs)

    monkeypatch.setattr(type(loaded.tokenizer), "__call__", measuring)
    ids, protected = session.tokenize(text)
    assert max(seen) < 64 * context_module.MAX_CHARS_PER_TOKEN + 1000  # not 90,000
    assert ids[0] == loaded.tokenizer.bos_token_id and protected == 1
    again, _ = session.tokenize(text + "Hello")
    assert again[:50] == ids[:50]  # same start: the KV cache stays valid while typing
    warm = session.next_tokens(text, SAMPLED)
    assert warm.context.used <= 64


def test_decoding_may_tune_threads_but_gives_the_count_back(session, monkeypatch):
    import writer_app.engine.sampled as sampled_module

    monkeypatch.setattr(sampled_module, "usable_cpu_count", lambda: 2)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        steps = list(session.generate("The quick brown fox", SAMPLED.with_changes(
            max_new_tokens=40, temperature=1.5, top_k=0, top_p=1.0)))
        assert steps and torch.get_num_threads() == 1
        assert session.decode_threads in (1, 2)
    finally:
        torch.set_num_threads(before)


def test_cache_copies_follow_the_text_config_of_a_multimodal_model(tiny_gemma_loaded,
                                                                    monkeypatch):
    """Gemma 3 4B+ loads as a multimodal model whose top config has no sliding_window."""
    session = ModelSession(tiny_gemma_loaded)
    text_config = tiny_gemma_loaded.model.config
    window = text_config.sliding_window

    class MultimodalConfig:
        def get_text_config(self):
            return text_config

    monkeypatch.setattr(tiny_gemma_loaded.model, "config", MultimodalConfig())
    assert session.prefix_cache.may_outgrow_cropping(window)
    assert not session.prefix_cache.may_outgrow_cropping(window - 4)


@pytest.mark.parametrize(("dtype", "precision", "small_rows_use_onednn"), [
    (torch.bfloat16, "bfloat16", False),
    (torch.float32, "float32", True),
    (torch.bfloat16, "int8 weights, bfloat16 compute", True),
])
def test_onednn_is_off_only_for_few_row_passes_of_bfloat16(tiny_tokenizer, dtype, precision,
                                                          small_rows_use_onednn):
    """bfloat16 on a CPU decodes ~50% faster without oneDNN, and prefills ~3x slower."""
    import dataclasses

    from tests.conftest import build_tiny_model, make_loaded

    model = build_tiny_model(tiny_tokenizer, "llama").to(dtype)
    loaded = dataclasses.replace(make_loaded(model, tiny_tokenizer), dtype=dtype,
                                 precision=precision)
    session = ModelSession(loaded)
    seen: list[tuple[int, bool]] = []  # (rows, oneDNN on) of every forward pass
    model.register_forward_pre_hook(
        lambda _, args, kwargs: seen.append((kwargs["input_ids"].numel(),
                                             torch.backends.mkldnn.enabled)),
        with_kwargs=True)
    params = SamplingParams(max_new_tokens=5, seed=1)
    for _ in session.generate("The quick brown fox jumps over the lazy dog", params):
        pass
    list(session.generate_many("The sea", params, 3))

    assert torch.backends.mkldnn.enabled  # restored
    assert any(rows >= 8 and on for rows, on in seen)  # prompts always keep oneDNN
    few = [on for rows, on in seen if rows < 8]
    assert len(few) >= 8 and all(on == small_rows_use_onednn for on in few)


def test_a_prefill_cancelled_between_chunks_never_leaves_stale_logits(tiny_loaded, monkeypatch):
    """A long read cancelled after its first chunk keeps that chunk in the cache; a later
    request for exactly that text must get its own distribution, not the old text's."""
    import writer_app.engine.prefix_cache as prefix_cache_module
    from writer_app.engine.generation import GenerationCancelled

    tokenizer = tiny_loaded.tokenizer
    words = [f"word{i}" for i in range(60)]
    counts = [len(tokenizer(" ".join(words[:n]))["input_ids"]) for n in range(1, 61)]
    first, partial, whole = " ".join(words[:10]), " ".join(words[:30]), " ".join(words)
    assert counts[29] - counts[9] > 1 and counts[59] > counts[29] + 1
    monkeypatch.setattr(prefix_cache_module, "PREFILL_CHUNK", counts[29] - counts[9])
    session = ModelSession(tiny_loaded)
    session.next_tokens(first, SAMPLED)
    checks = iter([False, True])  # go on with the first chunk, then cancel
    with pytest.raises(GenerationCancelled):
        session.next_tokens(whole, SAMPLED, cancel=lambda: next(checks, True))
    assert session.cached_tokens == counts[29]  # the first chunk of the read was kept
    warm = session.next_tokens(partial, SAMPLED)
    cold = ModelSession(tiny_loaded).next_tokens(partial, SAMPLED)
    assert [t.id for t in warm.tokens] == [t.id for t in cold.tokens]
    assert [t.prob for t in warm.tokens] == pytest.approx([t.prob for t in cold.tokens],
                                                          rel=1e-4, abs=1e-7)
