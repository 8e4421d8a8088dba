"""Our sampling equals transformers' logits processors and multinomial draw exactly."""

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
from writer_app.engine.noise import (
    FullNoise,
    StreamNoise,
    full_noise,
    noise_for,
    stream_matches_torch,
)
from writer_app.engine.sampling import (
    apply_repetition_penalty,
    draw_token,
    sampling_distribution,
    top_candidates,
)

SETTINGS = [
    SamplingParams(temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.3),
    SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.0),
    SamplingParams(temperature=1.5, top_k=0, top_p=0.5, repetition_penalty=1.0),
    SamplingParams(temperature=0.3, top_k=1, top_p=1.0, repetition_penalty=2.0),
    SamplingParams(temperature=2.0, top_k=500, top_p=0.99, repetition_penalty=0.8),
    SamplingParams(temperature=0.9, top_k=5, top_p=0.05, repetition_penalty=1.1),
]


def transformers_probs(logits: torch.Tensor, context: torch.Tensor,
                       params: SamplingParams) -> torch.Tensor:
    """What generate() would sample from: its own processors, in its own order."""
    processors = LogitsProcessorList()
    if params.repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(params.repetition_penalty))
    if params.temperature != 1.0:
        processors.append(TemperatureLogitsWarper(params.temperature))
    if params.top_k > 0:
        processors.append(TopKLogitsWarper(params.top_k))
    if params.top_p < 1.0:
        processors.append(TopPLogitsWarper(params.top_p))
    scores = processors(context.unsqueeze(0), logits.unsqueeze(0).clone())
    return scores.softmax(dim=-1)[0]


def dense(distribution) -> torch.Tensor:
    full = torch.zeros(distribution.vocab_size)
    full[distribution.ids] = distribution.probs
    return full


@pytest.mark.parametrize("params", SETTINGS, ids=repr)
@pytest.mark.parametrize("seed", range(5))
def test_distribution_equals_transformers_processors(params, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(3000, generator=generator) * 3
    context = torch.randint(0, 3000, (40,), generator=generator)
    ours = dense(sampling_distribution(logits, context, params))
    theirs = transformers_probs(logits, context, params)
    assert torch.equal(ours > 0, theirs > 0)  # the same tokens survive
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-7)


def test_ties_at_the_top_k_threshold_are_kept_as_transformers_keeps_them():
    logits = torch.tensor([5.0, 3.0, 3.0, 3.0, 1.0, 0.0])
    params = SamplingParams(temperature=1.0, top_k=2, top_p=1.0, repetition_penalty=1.0)
    ours = dense(sampling_distribution(logits, torch.tensor([], dtype=torch.long), params))
    theirs = transformers_probs(logits, torch.tensor([], dtype=torch.long), params)
    assert int((ours > 0).sum()) == 4
    torch.testing.assert_close(ours, theirs)


def test_repetition_penalty_matches_and_leaves_input_untouched():
    logits = torch.tensor([2.0, -2.0, 1.0, 0.5])
    before = logits.clone()
    context = torch.tensor([0, 1, 1])
    penalised = apply_repetition_penalty(logits, context, 2.0)
    assert torch.equal(logits, before)
    assert penalised.tolist() == [1.0, -4.0, 1.0, 0.5]
    reference = RepetitionPenaltyLogitsProcessor(2.0)(context.unsqueeze(0), before.unsqueeze(0))
    assert torch.equal(penalised, reference[0])


@pytest.mark.parametrize("params", SETTINGS, ids=repr)
def test_seeded_draws_equal_multinomial_over_transformers_probs(params):
    generator = torch.Generator().manual_seed(7)
    ours_rng = torch.Generator().manual_seed(1234)
    theirs_rng = torch.Generator().manual_seed(1234)
    for _ in range(30):
        logits = torch.randn(3000, generator=generator) * 4
        context = torch.randint(0, 3000, (10,), generator=generator)
        ours = draw_token(sampling_distribution(logits, context, params), ours_rng)
        theirs = int(torch.multinomial(transformers_probs(logits, context, params), 1,
                                       generator=theirs_rng))
        assert ours == theirs


NOISE_SOURCES = {
    "full-inline": lambda seed, vocab: FullNoise(vocab, torch.Generator().manual_seed(seed),
                                                 torch.device("cpu")),
    "full-ahead": lambda seed, vocab: FullNoise(vocab, torch.Generator().manual_seed(seed),
                                                torch.device("cpu"), ahead=True),
    "stream": StreamNoise,
}


@pytest.mark.parametrize("source", NOISE_SOURCES)
def test_every_noise_source_gives_multinomials_draws_in_order(source):
    """Each source consumes the stream as torch.multinomial does, also when greedy steps
    (which draw nothing) come in between and when top-k is off (all 3000 survive)."""
    generator = torch.Generator().manual_seed(11)
    seed = 2**40 + 99  # torch seeds its Mersenne Twister with the low 32 bits
    noise = NOISE_SOURCES[source](seed, 3000)
    theirs_rng = torch.Generator().manual_seed(seed)
    greedy = SamplingParams(temperature=0)
    try:
        for step in range(40):
            logits = torch.randn(3000, generator=generator) * 3
            context = torch.randint(0, 3000, (5,), generator=generator)
            step_params = greedy if step % 7 == 3 else SETTINGS[step % len(SETTINGS)]
            distribution = sampling_distribution(logits, context, step_params)
            ours = draw_token(distribution, noise=noise)
            if distribution.greedy:
                theirs = int(distribution.ids[0])
            else:
                theirs = int(torch.multinomial(transformers_probs(logits, context, step_params),
                                               1, generator=theirs_rng))
            assert ours == theirs, step
    finally:
        noise.close()


def test_this_torch_draws_the_stream_that_is_replayed():
    assert stream_matches_torch()
    assert noise_for(1, 10, torch.device("cpu"), spare_core=False).__class__ is StreamNoise


def test_a_single_surviving_token_still_consumes_randomness_like_generate():
    """top_p so small that one token survives: generate() still draws, so must we."""
    params = SamplingParams(temperature=1.0, top_k=0, top_p=0.01, repetition_penalty=1.0)
    logits = torch.tensor([10.0, 0.0, 0.0, 0.0])
    rng = torch.Generator().manual_seed(3)
    before = rng.get_state()
    assert draw_token(sampling_distribution(logits, torch.tensor([0]), params), rng) == 0
    assert not torch.equal(before, rng.get_state())


def test_greedy_is_argmax_after_repetition_penalty():
    logits = torch.tensor([3.0, 2.9, 1.0])
    greedy = SamplingParams(temperature=0, repetition_penalty=1.5)
    distribution = sampling_distribution(logits, torch.tensor([0]), greedy)
    assert distribution.greedy and distribution.ids.tolist() == [1]
    rng = torch.Generator().manual_seed(0)
    before = rng.get_state()
    assert draw_token(distribution, rng) == 1
    assert torch.equal(before, rng.get_state())


def test_top_candidates_give_raw_and_sampled_probabilities():
    logits = torch.tensor([4.0, 3.0, 2.0, 1.0, 0.0])
    params = SamplingParams(temperature=1.0, top_k=2, top_p=1.0, repetition_penalty=1.0)
    distribution = sampling_distribution(logits, torch.tensor([], dtype=torch.long), params)
    candidates = top_candidates(logits.softmax(-1), distribution, 3)
    assert [c.id for c in candidates] == [0, 1, 2]
    raw = logits.softmax(-1)
    assert candidates[0].prob == pytest.approx(float(raw[0]))
    kept = logits[:2].softmax(-1)
    assert candidates[0].sampled_prob == pytest.approx(float(kept[0]))
    assert candidates[1].sampled_prob == pytest.approx(float(kept[1]))
    assert candidates[2].sampled_prob == 0.0  # cut by top-k


def test_stream_noise_with_the_whole_vocabulary_surviving_equals_torch():
    """top-k off and top-p 1: every token survives; the replay draws the whole vector."""
    vocab = 5000
    ours = StreamNoise(7, vocab)
    generator = torch.Generator().manual_seed(7)
    ids = torch.randperm(vocab)
    for few in (False, True, False):  # mixing the two ways keeps the stream in step
        chosen = ids[:10] if few else ids
        assert torch.equal(ours.at(chosen), full_noise(vocab, generator)[chosen])
