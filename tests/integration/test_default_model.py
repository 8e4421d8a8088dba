"""The engine on the real default model (Gemma 3 270M), against transformers itself."""

from __future__ import annotations

import pytest
import torch
from transformers import (
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from writer_app.boundary.params import SamplingParams
from writer_app.engine.decoding import REPLACEMENT_CHARACTER
from writer_app.engine.session import ModelSession, StopReason

pytestmark = pytest.mark.integration

STEERED = SamplingParams(temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.3)
PROMPTS = ["I went on a trip to", "我们去北京旅行，"]


def reference(loaded, text: str, params: SamplingParams):
    """Raw and processed next-token probabilities computed with transformers directly."""
    ids = loaded.tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        logits = loaded.model(ids).logits[:, -1].float()
    processors = LogitsProcessorList([
        RepetitionPenaltyLogitsProcessor(params.repetition_penalty),
        TemperatureLogitsWarper(params.temperature),
        TopKLogitsWarper(params.top_k),
        TopPLogitsWarper(params.top_p),
    ])
    return logits.softmax(-1)[0], processors(ids, logits).softmax(-1)[0]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_next_tokens_agree_with_transformers(default_session, default_loaded, prompt):
    raw, processed = reference(default_loaded, prompt, STEERED)
    result = default_session.next_tokens(prompt, STEERED, n=20)
    assert [t.id for t in result.tokens] == torch.topk(raw, 20).indices.tolist()
    for token in result.tokens:
        assert token.prob == pytest.approx(float(raw[token.id]), rel=1e-5, abs=1e-8)
        assert token.sampled_prob == pytest.approx(float(processed[token.id]), rel=1e-5,
                                                   abs=1e-8)
    assert any(t.sampled_prob == 0 for t in result.tokens)  # top-k/top-p really cut some
    assert result.tokens[0].text == default_loaded.tokenizer.decode([result.tokens[0].id])


def test_the_bos_token_is_part_of_the_context(default_session, default_loaded):
    ids, protected = default_session.tokenize("Hello")
    assert ids[0] == default_loaded.tokenizer.bos_token_id and protected == 1


@pytest.mark.parametrize("threads", [1, None], ids=["noise-ahead", "noise-inline"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_seeded_generation_equals_generate(default_session, default_loaded, prompt, threads):
    """With one torch thread the sampling noise is drawn ahead on a helper thread (as in
    the GUI); with all cores it is drawn inline. Both must equal generate()."""
    params = STEERED.with_changes(seed=123, max_new_tokens=40)
    all_threads = torch.get_num_threads()
    torch.set_num_threads(threads or all_threads)
    try:
        ours = default_session.generate(prompt, params)
        text = "".join(step.text for step in ours)
    finally:
        torch.set_num_threads(all_threads)
    ids = default_loaded.tokenizer(prompt, return_tensors="pt").input_ids
    torch.manual_seed(123)
    output = default_loaded.model.generate(
        ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=0.7, top_k=20,
        top_p=0.9, repetition_penalty=1.3, max_new_tokens=40)
    new = output[0, ids.shape[1]:].tolist()
    expected = default_loaded.tokenizer.decode(new, skip_special_tokens=True)
    assert text == expected.rstrip(REPLACEMENT_CHARACTER)
    assert REPLACEMENT_CHARACTER not in text
    assert ours.stats.stop_reason in (StopReason.LENGTH, StopReason.EOS)


def test_chinese_streams_whole_characters(default_session):
    steps = list(default_session.generate("今天天气很好，我们", STEERED.with_changes(seed=3,
                                                                          max_new_tokens=60)))
    assert all(REPLACEMENT_CHARACTER not in step.text for step in steps)
    text = "".join(step.text for step in steps)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_one_character_edit_reuses_the_cache_and_matches_a_fresh_computation(
        default_loaded):
    document = ("The old lighthouse keeper climbed the stairs every evening. " * 40)
    session = ModelSession(default_loaded)
    session.next_tokens(document + "The sea was", STEERED)
    assert session.cached_tokens > 400
    warm = session.next_tokens(document + "The sea wa", STEERED)
    cold = ModelSession(default_loaded).next_tokens(document + "The sea wa", STEERED)
    assert [t.id for t in warm.tokens] == [t.id for t in cold.tokens]
    for a, b in zip(warm.tokens, cold.tokens, strict=True):
        assert a.prob == pytest.approx(b.prob, rel=1e-3, abs=1e-6)


def test_an_over_long_context_is_cut_and_reported(default_loaded):
    session = ModelSession(default_loaded, context_limit=256)
    text = "A long story begins here. " * 200
    result = session.next_tokens(text, STEERED)
    assert result.context.used <= 256 and result.context.dropped > 0
    generation = session.generate(text, STEERED.with_changes(max_new_tokens=8, seed=1))
    assert len(list(generation)) >= 1
    assert generation.stats.context.dropped > 0
