"""The llama.cpp session on the real default GGUF: the pane's two columns and seeded
generation equal an independent computation — transformers' own logits processors and
torch.multinomial applied to the same llama.cpp logits — and live settings, cancel,
the full window, control tokens and samples behave as on the transformers backend."""

from __future__ import annotations

import torch
from transformers import (
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    SuppressTokensLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from tests.unit import test_llamacpp_fixtures as fixtures
from writer_app.boundary.params import SamplingParams
from writer_app.engine.boundaries import suggestion_end
from writer_app.engine.generation import StopReason

llama_session, session = fixtures.llama_session, fixtures.session
BALANCED = SamplingParams(temperature=0.8, top_k=50, top_p=0.95, repetition_penalty=1.1,
                          max_new_tokens=24, seed=1234)
TEXTS = ["I went on a trip to", "我们去北京旅行，看到了", "The cat sat on the mat. The cat"]


def processors(params: SamplingParams, control: frozenset[int]) -> LogitsProcessorList:
    """What generate() would apply, built from transformers' own classes."""
    chain: list = [SuppressTokensLogitsProcessor(sorted(control), device="cpu"),
                   RepetitionPenaltyLogitsProcessor(params.repetition_penalty)]
    if params.temperature != 1.0:
        chain.append(TemperatureLogitsWarper(params.temperature))
    if params.top_k > 0:
        chain.append(TopKLogitsWarper(params.top_k))
    if params.top_p < 1.0:
        chain.append(TopPLogitsWarper(params.top_p))
    return LogitsProcessorList(chain)


def reference_probabilities(logits: torch.Tensor, context: list[int], params: SamplingParams,
                            control: frozenset[int]) -> torch.Tensor:
    scores = processors(params, control)(torch.tensor([context]), logits.clone()[None])
    return scores.softmax(dim=-1)[0]


def test_the_pane_equals_transformers_processors_on_llama_cpp_logits(session):
    for text in TEXTS:
        for params in (BALANCED, SamplingParams(temperature=1.3, top_k=0, top_p=0.8,
                                                repetition_penalty=1.3)):
            pane = session.next_tokens(text, params, n=10)
            ids, _ = session.tokenize(text)
            logits = session.runner.logits_after(ids).clone()
            raw = logits.index_fill(0, torch.tensor(sorted(session.control_ids)),
                                    float("-inf")).softmax(dim=-1)
            expected_ids = torch.topk(raw, 10).indices.tolist()
            assert [t.id for t in pane.tokens] == expected_ids
            sampled = reference_probabilities(logits, ids, params, session.control_ids)
            exact = logits.double().index_fill(0, torch.tensor(sorted(session.control_ids)),
                                               float("-inf")).softmax(dim=-1)
            for token in pane.tokens:
                # float32 sums over 262k logits: softmax's is off the float64 truth by
                # up to ~6e-5 of the value here, the decode step's log-sum-exp by less
                assert abs(token.prob - float(exact[token.id])) < 1e-4 * token.prob
                assert abs(token.prob - float(raw[token.id])) < 1e-4 * token.prob
                assert abs(token.sampled_prob - float(sampled[token.id])) < 1e-5
            assert pane.context.used == len(ids)


def test_reweigh_is_the_pane_under_other_settings_without_the_model(session):
    session.next_tokens(TEXTS[0], BALANCED)
    evaluated = session.runner.evaluated
    greedy = session.reweigh(BALANCED.with_changes(temperature=0.0))
    assert session.runner.evaluated == evaluated
    assert greedy.tokens[0].sampled_prob == 1.0
    assert all(t.sampled_prob == 0.0 for t in greedy.tokens[1:])
    assert session.reweigh(BALANCED) == session.next_tokens(TEXTS[0], BALANCED)


def reference_generation(session, text: str, params: SamplingParams, steps: int) -> list[int]:
    """Token by token: llama.cpp's logits, transformers' processors, torch.multinomial
    drawing from a generator seeded as generate() would be."""
    context, _ = session.tokenize(text)
    generator = torch.Generator().manual_seed(params.seed)
    tokens = []
    session.reset_cache()
    for _ in range(steps):
        logits = session.runner.logits_after(context).clone()
        probs = reference_probabilities(logits, context, params, session.control_ids)
        token = int(torch.multinomial(probs, 1, generator=generator))
        if token in session.eos_ids:
            break
        tokens.append(token)
        context = [*context, token]
    return tokens


def test_seeded_generation_equals_the_step_by_step_reference_and_repeats(session):
    for text in TEXTS[:2]:
        first = [s.token_id for s in session.generate(text, BALANCED) if s.token_id >= 0]
        session.reset_cache()
        again = [s.token_id for s in session.generate(text, BALANCED) if s.token_id >= 0]
        assert first == again and len(first) >= 10
        assert first == reference_generation(session, text, BALANCED, len(first))
    other = [s.token_id for s in session.generate(TEXTS[0], BALANCED.with_changes(seed=99))]
    assert other[:len(first)] != first


def test_steps_carry_probabilities_alternatives_and_whole_characters(session):
    generation = session.generate("我们去北京旅行，", BALANCED.with_changes(max_new_tokens=30))
    steps = list(generation)
    assert generation.stats.stop_reason in (StopReason.LENGTH, StopReason.EOS)
    assert "\ufffd" not in "".join(step.text for step in steps)
    for step in steps:
        if step.token_id < 0:
            continue
        assert 0 < step.prob <= 1 and 0 < step.sampled_prob <= 1
        assert len(step.alternatives) == 10
        assert step.alternatives[0].prob >= step.alternatives[-1].prob
    text = generation.text
    assert text and session.vocab.decode_ids([s.token_id for s in steps if s.token_id >= 0]
                                             ).startswith(text)


def test_live_settings_apply_from_the_next_token(session):
    current = {"params": BALANCED.with_changes(max_new_tokens=40)}
    steps = []
    for step in session.generate(TEXTS[0], lambda: current["params"]):
        steps.append(step)
        if len(steps) == 3:
            current["params"] = current["params"].with_changes(temperature=0.0)
        if len(steps) == 6:
            current["params"] = current["params"].with_changes(max_new_tokens=8)
    assert len([s for s in steps if s.token_id >= 0]) == 8
    assert all(s.sampled_prob == 1.0 for s in steps[3:] if s.token_id >= 0)


def test_cancel_between_tokens_and_between_prompt_chunks(session):
    steps = []
    generation = session.generate(TEXTS[0], BALANCED, cancel=lambda: len(steps) >= 2)
    for step in generation:
        steps.append(step)
    assert generation.stats.stop_reason == StopReason.CANCELLED and len(steps) == 2

    session.reset_cache()
    long_text = "The harbour master kept a ledger of every arrival. " * 120  # > 1,024 tokens
    chunks = iter([False, True])
    generation = session.generate(long_text, BALANCED, cancel=lambda: next(chunks, True))
    assert list(generation) == []
    assert generation.stats.stop_reason == StopReason.CANCELLED
    assert len(session.runner) == 512  # the first chunk was read and kept


def test_a_full_window_stops_the_generation():
    small = fixtures.session_on(fixtures.open_default(64))
    try:
        text = "one two three four five six seven eight nine ten " * 5
        window = small.context_limit  # llama.cpp rounds a small window up (to 256)
        assert 64 <= window <= 512
        generation = small.generate(text * (window // 40), BALANCED.with_changes(
            max_new_tokens=2 * window))
        steps = [s for s in generation if s.token_id >= 0]
        assert generation.stats.stop_reason == StopReason.CONTEXT_FULL
        assert generation.stats.context.used + len(steps) == window
        assert generation.stats.context.dropped > 0
    finally:
        small.close()


def test_control_tokens_are_never_offered_or_written_unless_allowed(session):
    pane = session.next_tokens("", BALANCED, n=40)
    assert not {t.id for t in pane.tokens} & session.control_ids
    allowed = session.reweigh(BALANCED.with_changes(allow_control_tokens=True), n=40)
    assert {t.id for t in allowed.tokens} & session.control_ids  # <start_of_image> and co.
    for seed in (18, 5):
        generation = session.generate("", BALANCED.with_changes(seed=seed, max_new_tokens=16))
        tokens = [s.token_id for s in generation if s.token_id >= 0]
        assert not set(tokens) & session.control_ids
        assert "<start_of_image>" not in generation.text


def test_samples_are_cut_seeded_and_leave_the_prompt_cached(session):
    params = BALANCED.with_changes(max_new_tokens=24, seed=7)
    rows, _ = session.samples("Once upon a time", params, 3, cut=suggestion_end)
    again, _ = session.samples("Once upon a time", params, 3, cut=suggestion_end)
    assert rows == again and len(rows) == 3 and all(rows)
    assert len(set(rows)) > 1
    for row in rows:
        end = suggestion_end(row)
        assert end is None or end == len(row)
    whole, _ = session.samples("Once upon a time", params.with_changes(max_new_tokens=6), 2)
    assert all(row for row in whole)
    prompt, _ = session.tokenize("Once upon a time")
    evaluated = session.runner.evaluated
    session.next_tokens("Once upon a time", BALANCED)
    assert session.runner.evaluated - evaluated <= 1
    assert session.runner.ids[:len(prompt)] == tuple(prompt)
