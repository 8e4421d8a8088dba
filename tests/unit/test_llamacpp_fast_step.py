"""FastStep (the llama.cpp decode loop's step) makes exactly DecodeStep.choose's choice:
the same token from the same noise, the same raw and sampled probabilities, the same
alternatives — on random logits with ties, control tokens, repeated context and every
kind of setting. No model: the step is pure arithmetic on logits."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.boundary.results import TokenInfo
from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.llamacpp.fast_step import FastStep, SeenTokens
from writer_app.engine.noise import StreamNoise
from writer_app.engine.sampling import draw_token

VOCAB = 600
CONTROL = frozenset(range(3, 40))


def describe(candidates):
    return tuple(TokenInfo(c.id, str(c.id), str(c.id), c.prob, c.sampled_prob)
                 for c in candidates)


def steps():
    reference = DecodeStep(CONTROL, torch.device("cpu"), describe)
    return reference, FastStep(reference, VOCAB, describe)


def assert_same_choice(expected, actual):
    assert actual.token == expected.token
    assert actual.prob == pytest.approx(expected.prob, rel=1e-5, abs=1e-9)
    assert actual.sampled_prob == pytest.approx(expected.sampled_prob, rel=1e-5, abs=1e-9)
    assert len(actual.alternatives) == len(expected.alternatives)
    probs_expected = [a.prob for a in expected.alternatives]
    probs_actual = [a.prob for a in actual.alternatives]
    assert probs_actual == pytest.approx(probs_expected, rel=1e-5, abs=1e-9)
    # equal probabilities may come in either order; the set at each value is the same
    by_prob = {}
    for alternative in expected.alternatives:
        by_prob.setdefault(round(alternative.prob, 7), set()).add(alternative.id)
    for alternative in actual.alternatives:
        key = round(alternative.prob, 7)
        if key in by_prob and alternative.id not in by_prob[key]:
            # a tie with the next token outside the list may swap it in: same probability
            assert any(abs(key - other) < 1e-6 for other in by_prob)
        expected_sampled = next((a.sampled_prob for a in expected.alternatives
                                 if a.id == alternative.id), None)
        if expected_sampled is not None:
            assert alternative.sampled_prob == pytest.approx(expected_sampled, rel=1e-5,
                                                             abs=1e-9)


settings_strategy = st.builds(
    SamplingParams,
    temperature=st.sampled_from([0.0, 0.3, 0.8, 1.0, 1.7]),
    top_k=st.sampled_from([0, 1, 5, 10, 50, 200]),
    top_p=st.sampled_from([0.1, 0.5, 0.9, 0.95, 1.0]),
    repetition_penalty=st.sampled_from([1.0, 1.1, 1.5, 0.8]),
    allow_control_tokens=st.booleans(),
    mode=st.sampled_from([Mode.SAMPLE, Mode.GREEDY]),
)


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(params=settings_strategy, seed=st.integers(0, 2**31),
       context=st.lists(st.integers(0, VOCAB - 1), min_size=1, max_size=80),
       ties=st.booleans(), top_n=st.sampled_from([1, 5, 10]))
def test_the_fast_step_chooses_what_the_reference_step_chooses(params, seed, context, ties,
                                                                top_n):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(VOCAB, generator=generator) * 4
    if ties:  # coarse values: many exact ties, also at the top-k threshold
        logits = (logits * 2).round() / 2
    reference, fast = steps()
    original = logits.clone()
    expected = reference.choose(logits, context, params, top_n,
                                lambda d: draw_token(d, noise=StreamNoise(seed, VOCAB)))
    actual = fast.choose(logits, SeenTokens(VOCAB, context), params, top_n,
                         lambda d: draw_token(d, noise=StreamNoise(seed, VOCAB)))
    assert torch.equal(logits, original)  # the logits (llama.cpp's buffer) are untouched
    assert_same_choice(expected, actual)
    if not params.allow_control_tokens:
        assert actual.token not in CONTROL
        assert not CONTROL & {a.id for a in actual.alternatives}


def test_a_long_generation_keeps_choosing_the_same_tokens():
    """Step after step with a growing context (the penalty's seen set kept incrementally),
    the same tokens as the reference fed the same logits."""
    generator = torch.Generator().manual_seed(7)
    params = SamplingParams(temperature=0.8, top_k=50, top_p=0.95, repetition_penalty=1.1)
    reference, fast = steps()
    noise_a, noise_b = StreamNoise(3, VOCAB), StreamNoise(3, VOCAB)
    context = [1, 50, 60]
    seen = SeenTokens(VOCAB, context)
    for _ in range(60):
        logits = torch.randn(VOCAB, generator=generator) * 3
        logits[context[-1]] += 6  # the model likes to repeat: the penalty matters
        expected = reference.choose(logits, context, params, 10,
                                    lambda d: draw_token(d, noise=noise_a))
        actual = fast.choose(logits, seen, params, 10, lambda d: draw_token(d, noise=noise_b))
        assert_same_choice(expected, actual)
        context.append(expected.token)
        seen.append(actual.token)
    assert seen.context == context
    assert sorted(seen.ids.tolist()) == sorted(set(context))
