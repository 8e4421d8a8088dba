"""The engine on the real default model (Gemma 3 270M), against transformers itself."""

from __future__ import annotations

import pytest
import torch
from transformers import (
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    SuppressTokensLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

import writer_app.engine.sampled as sampled_module
from writer_app.boundary.params import SamplingParams
from writer_app.engine import noise as noise_module
from writer_app.engine.decoding import REPLACEMENT_CHARACTER
from writer_app.engine.noise import FullNoise, StreamNoise
from writer_app.engine.session import ModelSession, StopReason

pytestmark = pytest.mark.integration

STEERED = SamplingParams(temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.3)
PROMPTS = ["I went on a trip to", "我们去北京旅行，"]


def control_ids(loaded) -> list[int]:
    return sorted(ModelSession(loaded).control_ids)


def reference(loaded, text: str, params: SamplingParams):
    """Raw and processed next-token probabilities computed with transformers directly,
    control tokens suppressed as generate(suppress_tokens=...) does."""
    ids = loaded.tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        logits = loaded.model(ids).logits[:, -1].float()
    suppress = SuppressTokensLogitsProcessor(control_ids(loaded))
    processors = LogitsProcessorList([
        RepetitionPenaltyLogitsProcessor(params.repetition_penalty),
        suppress,
        TemperatureLogitsWarper(params.temperature),
        TopKLogitsWarper(params.top_k),
        TopPLogitsWarper(params.top_p),
    ])
    return suppress(ids, logits).softmax(-1)[0], processors(ids, logits).softmax(-1)[0]


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


# How the sampling noise is drawn (writer_app.engine.noise): torch's stream replayed with
# numpy (the CPU default), or torch drawing it whole, inline or ahead on a helper thread
# (where the replay is unavailable; ahead when a core is spare, as in the GUI).
NOISE_PATHS = {"stream": (StreamNoise, False), "full-inline": (FullNoise, False),
               "full-ahead": (FullNoise, True)}


@pytest.mark.parametrize("path", NOISE_PATHS)
@pytest.mark.parametrize("prompt", PROMPTS)
def test_seeded_generation_equals_generate(default_session, default_loaded, prompt, path,
                                           monkeypatch):
    """Every noise path must equal generate() with the same suppressed control tokens;
    each parameter checks that its own path really ran."""
    kind, ahead = NOISE_PATHS[path]
    if kind is FullNoise:
        monkeypatch.setattr(noise_module, "stream_matches_torch", lambda: False)
    cores = 2
    monkeypatch.setattr(sampled_module, "usable_cpu_count", lambda: cores)
    used = []

    def recording_noise_for(*args, **kwargs):
        noise = noise_module.noise_for(*args, **kwargs)
        used.append((type(noise), getattr(noise, "_executor", None) is not None))
        return noise

    monkeypatch.setattr(sampled_module, "noise_for", recording_noise_for)
    params = STEERED.with_changes(seed=123, max_new_tokens=40)
    all_threads = torch.get_num_threads()
    torch.set_num_threads(1 if ahead else cores)  # fewer threads than cores: one is spare
    try:
        ours = default_session.generate(prompt, params)
        text = "".join(step.text for step in ours)
    finally:
        torch.set_num_threads(all_threads)
    assert used == [(kind, ahead)]
    assert text == generate_reference(default_loaded, prompt, params)
    assert REPLACEMENT_CHARACTER not in text
    assert ours.stats.stop_reason in (StopReason.LENGTH, StopReason.EOS)


def generate_reference(loaded, prompt: str, params: SamplingParams) -> str:
    """transformers' seeded generate() with the same settings and suppressed tokens."""
    ids = loaded.tokenizer(prompt, return_tensors="pt").input_ids
    torch.manual_seed(params.seed)
    output = loaded.model.generate(
        ids, attention_mask=torch.ones_like(ids), do_sample=True,
        temperature=params.temperature, top_k=params.top_k, top_p=params.top_p,
        repetition_penalty=params.repetition_penalty, max_new_tokens=params.max_new_tokens,
        suppress_tokens=None if params.allow_control_tokens else control_ids(loaded))
    new = output[0, ids.shape[1]:].tolist()
    return loaded.tokenizer.decode(new, skip_special_tokens=True).rstrip(REPLACEMENT_CHARACTER)


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


def test_control_tokens_are_the_non_text_ones(default_loaded):
    tokenizer = default_loaded.tokenizer
    ids = set(control_ids(default_loaded))
    named = tokenizer.convert_tokens_to_ids(
        ["<start_of_image>", "<end_of_image>", "[multimodal]", "<unused0>", "<pad>", "<mask>"])
    assert set(named) <= ids
    text = tokenizer.convert_tokens_to_ids(["<h1>", "<table>", "\n", "▁the"])
    assert not set(text) & ids  # added tokens that are text stay
    assert tokenizer.eos_token_id not in ids  # the end of text still ends a passage


def test_the_pane_at_the_start_of_a_document_offers_no_control_token(default_session,
                                                                    default_loaded):
    """Gemma 3 270M's third likeliest start of a document is <start_of_image> (6%)."""
    image = default_loaded.tokenizer.convert_tokens_to_ids("<start_of_image>")
    allowed = default_session.next_tokens("", STEERED.with_changes(allow_control_tokens=True),
                                          n=12)
    assert image in [t.id for t in allowed.tokens]
    offered = default_session.next_tokens("", STEERED, n=50)
    assert not {t.id for t in offered.tokens} & set(control_ids(default_loaded))


def test_continue_at_the_start_of_a_document_writes_no_control_token(default_session,
                                                                    default_loaded):
    """Seed 18 draws a control token first when they are allowed; by default the same
    seed writes text, exactly as generate(suppress_tokens=...) does."""
    controls = set(control_ids(default_loaded))
    params = STEERED.with_changes(seed=18, max_new_tokens=12)
    allowed = list(default_session.generate("", params.with_changes(allow_control_tokens=True)))
    assert allowed[0].token_id in controls
    generation = default_session.generate("", params)
    steps = list(generation)
    assert steps and not {step.token_id for step in steps} & controls
    assert generation.text == generate_reference(default_loaded, "", params)
