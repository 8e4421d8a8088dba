"""Every sampler equals transformers' processor (or a slow reference definition) exactly.

Random logits — ties, -inf entries, huge and tiny magnitudes — and random settings; the
samplers transformers has are compared with torch.equal (tolerance 0), alone and combined in
the list generate() itself builds; DRY, XTC and presence/frequency against plain-Python
loops written here from their published definitions. Then the real default model, on an
English and a Chinese prompt.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from transformers import (
    EpsilonLogitsWarper,
    EtaLogitsWarper,
    GenerationConfig,
    LogitsProcessorList,
    MinPLogitsWarper,
    NoBadWordsLogitsProcessor,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    SequenceBiasLogitsProcessor,
    TopKLogitsWarper,
    TopPLogitsWarper,
    TypicalLogitsWarper,
)
from transformers.generation.logits_process import TopHLogitsWarper

from writer_app.engine.samplers import dry, ngrams, penalties, truncation, xtc
from writer_app.engine.samplers.chain import SamplerSettings, process
from writer_app.engine.samplers.order import (
    DEFAULT_TRUNCATION_ORDER,
    full_order,
    parse_sampler_order,
)
from writer_app.errors import InvalidSettingError

EXAMPLES = 300
INF = float("-inf")


@st.composite
def logit_vectors(draw: st.DrawFn, min_vocab: int = 2, max_vocab: int = 300) -> torch.Tensor:
    """[V] float32 logits: random scale, often coarse (ties), sometimes with -inf entries."""
    vocab = draw(st.integers(min_vocab, max_vocab))
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1e-3, 0.1, 1.0, 4.0, 30.0, 300.0]))
    logits = torch.randn(vocab, generator=generator) * scale
    if draw(st.booleans()):
        logits = (logits * 2 / scale).round() * scale / 2
    if draw(st.booleans()):
        cut = torch.rand(vocab, generator=generator) < draw(st.sampled_from([0.1, 0.5, 0.9]))
        cut[int(torch.randint(vocab, (1,), generator=generator))] = False  # one stays finite
        logits = logits.masked_fill(cut, INF)
    if draw(st.booleans()):
        logits = logits + draw(st.sampled_from([-1e4, 1e4, 50.0]))  # large offsets
    return logits


def batch_of_one(processor, context: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    return processor(context.unsqueeze(0), logits.unsqueeze(0).clone())[0]


NO_CONTEXT = torch.zeros(0, dtype=torch.long)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(logit_vectors(), st.one_of(st.just(1.0), st.floats(1e-4, 1.0)), st.integers(1, 3))
def test_min_p_equals_min_p_warper(logits, p, keep):
    expected = batch_of_one(MinPLogitsWarper(p, min_tokens_to_keep=keep), NO_CONTEXT, logits)
    assert torch.equal(truncation.min_p(logits, p, keep), expected)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(logit_vectors(), st.floats(1e-3, 0.999), st.integers(1, 3))
def test_typical_p_equals_typical_warper(logits, mass, keep):
    expected = batch_of_one(TypicalLogitsWarper(mass, min_tokens_to_keep=keep), NO_CONTEXT, logits)
    assert torch.equal(truncation.typical_p(logits, mass, keep), expected)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(logit_vectors(), st.floats(1e-6, 0.5), st.integers(1, 3))
def test_epsilon_and_eta_equal_their_warpers(logits, epsilon, keep):
    expected = batch_of_one(EpsilonLogitsWarper(epsilon, min_tokens_to_keep=keep), NO_CONTEXT,
                            logits)
    assert torch.equal(truncation.epsilon_cutoff(logits, epsilon, keep), expected)
    expected = batch_of_one(EtaLogitsWarper(epsilon, min_tokens_to_keep=keep), NO_CONTEXT, logits)
    assert torch.equal(truncation.eta_cutoff(logits, epsilon, keep), expected)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(logit_vectors(), st.floats(1e-3, 1.0))
def test_top_h_equals_top_h_warper(logits, h):
    expected = batch_of_one(TopHLogitsWarper(h), NO_CONTEXT, logits)
    assert torch.equal(truncation.top_h(logits, h), expected)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(logit_vectors(), st.integers(1, 320), st.floats(0.0, 1.0, exclude_max=True))
def test_top_k_and_top_p_equal_their_warpers(logits, k, p):
    assert torch.equal(truncation.top_k(logits, k),
                       batch_of_one(TopKLogitsWarper(k), NO_CONTEXT, logits))
    assert torch.equal(truncation.top_p(logits, p),
                       batch_of_one(TopPLogitsWarper(p), NO_CONTEXT, logits))


def test_off_values_return_the_input_itself():
    logits = torch.randn(50)
    context = torch.tensor([1, 2, 1, 2, 1])
    assert truncation.min_p(logits, 0.0) is logits
    assert truncation.typical_p(logits, 1.0) is logits
    assert truncation.epsilon_cutoff(logits, 0.0) is logits
    assert truncation.eta_cutoff(logits, 0.0) is logits
    assert truncation.top_h(logits, 0.0) is logits
    assert truncation.top_k(logits, 0) is logits
    assert truncation.top_p(logits, 1.0) is logits
    assert ngrams.no_repeat_ngram(logits, context, 0) is logits
    assert ngrams.ban_sequences(logits, context, []) is logits
    assert ngrams.sequence_bias(logits, context, []) is logits
    assert penalties.repetition_penalty(logits, context, 1.0, 3) is logits
    assert penalties.presence_frequency_penalty(logits, context, 0.0, 0.0) is logits
    assert dry.dry(logits, context, 0.0, 1.75, 2) is logits
    generator = torch.Generator().manual_seed(1)
    state = generator.get_state()
    assert xtc.xtc(logits, 0.1, 0.0, generator) is logits
    assert xtc.xtc(logits, 0.6, 1.0, generator) is logits
    assert torch.equal(generator.get_state(), state)  # off: nothing drawn


# ---------------------------------------------------------------- sequences and penalties

@st.composite
def contexts(draw: st.DrawFn, vocab: int, max_size: int = 60) -> torch.Tensor:
    """Context ids from a few tokens only, half of them copies of earlier stretches, so
    n-grams, repeats and sequence breakers inside repeats are common."""
    alphabet = draw(st.integers(1, min(vocab, 6)))
    length = draw(st.integers(0, max_size))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    ids: list[int] = []
    while len(ids) < length:
        if ids and rng.random() < 0.5:
            start = rng.randrange(len(ids))
            ids += ids[start:start + rng.randint(1, 8)]
        else:
            ids.append(rng.randrange(alphabet))
    return torch.tensor(ids[:length], dtype=torch.long)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.data(), logit_vectors(min_vocab=6, max_vocab=40), st.integers(1, 5))
def test_no_repeat_ngram_equals_its_processor(data, logits, size):
    context = data.draw(contexts(logits.shape[-1]))
    expected = batch_of_one(NoRepeatNGramLogitsProcessor(size), context, logits)
    assert torch.equal(ngrams.no_repeat_ngram(logits, context, size), expected)


@st.composite
def sequences(draw: st.DrawFn, vocab: int) -> list[list[int]]:
    alphabet = min(vocab, 6)
    return draw(st.lists(st.lists(st.integers(0, alphabet - 1), min_size=1, max_size=4),
                         min_size=1, max_size=6))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.data(), logit_vectors(min_vocab=6, max_vocab=40), st.sampled_from([None, 0, 5]))
def test_bans_and_biases_equal_their_processors(data, logits, eos):
    vocab = logits.shape[-1]
    context = data.draw(contexts(vocab))
    banned = data.draw(sequences(vocab))
    assume(any(s != [eos] for s in banned))  # transformers refuses a list left empty
    expected = batch_of_one(NoBadWordsLogitsProcessor(banned, eos), context, logits)
    eos_ids = () if eos is None else (eos,)
    assert torch.equal(ngrams.ban_sequences(logits, context, banned, eos_ids), expected)
    values = data.draw(st.lists(st.floats(-20, 20), min_size=len(banned), max_size=len(banned)))
    biases = [[s, v] for s, v in zip(banned, values, strict=True)]
    expected = batch_of_one(SequenceBiasLogitsProcessor(biases), context, logits)
    ours = ngrams.sequence_bias(logits, context, [(s, v) for s, v in biases])
    assert torch.equal(ours, expected)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.data(), logit_vectors(min_vocab=6, max_vocab=40), st.floats(0.1, 10.0),
       st.integers(0, 80))
def test_repetition_penalty_range_counts_the_last_tokens(data, logits, penalty, last_n):
    context = data.draw(contexts(logits.shape[-1]))
    counted = context[-last_n:] if last_n else context
    expected = batch_of_one(RepetitionPenaltyLogitsProcessor(penalty), counted, logits) \
        if counted.numel() else logits
    assert torch.equal(penalties.repetition_penalty(logits, context, penalty, last_n), expected)
    if last_n == 0 or last_n >= context.numel():  # the whole context: transformers exactly
        whole = batch_of_one(RepetitionPenaltyLogitsProcessor(penalty), context, logits) \
            if context.numel() else logits
        assert torch.equal(penalties.repetition_penalty(logits, context, penalty, last_n), whole)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.data(), logit_vectors(min_vocab=6, max_vocab=40), st.floats(-2, 2), st.floats(-2, 2),
       st.integers(0, 80))
def test_presence_and_frequency_follow_openai(data, logits, presence, frequency, last_n):
    context = data.draw(contexts(logits.shape[-1]))
    counted = (context[-last_n:] if last_n else context).tolist()
    expected = logits.numpy().copy()
    for token in set(counted):  # OpenAI: logit - count*frequency - (count>0)*presence
        amount = np.float32(counted.count(token)) * np.float32(frequency) + np.float32(presence)
        expected[token] = np.float32(expected[token] - np.float32(amount))
    ours = penalties.presence_frequency_penalty(logits, context, presence, frequency, last_n)
    assert torch.equal(ours, torch.from_numpy(expected))


# ---------------------------------------------------------------- DRY

def slow_dry(logits: torch.Tensor, context: list[int], multiplier: float, base: float,
             allowed: int, breakers: set[int]) -> torch.Tensor:
    """DRY by brute force: for each earlier occurrence i of the last token, the longest m
    (≤ 50) with context[i-m+1..i] == the last m tokens, none of those a breaker; the token
    after i is penalised for the largest such m."""
    best: dict[int, int] = {}
    n = len(context)
    if n and context[-1] not in breakers:
        for i in range(n - 1):
            after = context[i + 1]
            if after in breakers:
                continue
            longest = 0
            for m in range(1, 51):
                if i - m + 1 < 0:
                    break
                suffix = context[n - m:]
                if any(t in breakers for t in suffix) or context[i - m + 1:i + 1] != suffix:
                    break
                longest = m
            if longest:
                best[after] = max(best.get(after, 0), longest)
    out = logits.clone()
    for token, m in best.items():
        if m >= allowed:
            out[token] = out[token] - multiplier * base ** (m - allowed)
    return out


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.data(), logit_vectors(min_vocab=6, max_vocab=40), st.floats(0.01, 5.0),
       st.floats(1.01, 4.0), st.integers(1, 6))
def test_dry_equals_its_definition(data, logits, multiplier, base, allowed):
    vocab = logits.shape[-1]
    context = data.draw(contexts(vocab, max_size=120))
    breakers = data.draw(st.sets(st.integers(0, 5), max_size=2))
    expected = slow_dry(logits, context.tolist(), multiplier, base, allowed, breakers)
    assert torch.equal(dry.dry(logits, context, multiplier, base, allowed, breakers), expected)


def test_dry_penalises_the_token_that_extends_a_repeat():
    # "a b c d ... a b c" → d would repeat "a b c d": length 3, allowed 2 → 0.8 * 1.75
    context = torch.tensor([1, 2, 3, 4, 5, 1, 2, 3])
    out = dry.dry(torch.zeros(8), context, 0.8, 1.75, 2)
    assert out[4] == pytest.approx(-0.8 * 1.75) and int((out != 0).sum()) == 1
    assert torch.equal(dry.dry(torch.zeros(8), context, 0.8, 1.75, 2, breakers={2}),
                       torch.zeros(8))  # the match would cross a breaker: length 1 < 2


# ---------------------------------------------------------------- XTC

def slow_xtc(logits: torch.Tensor, threshold: float, probability: float, draw: float,
             protected: set[int]) -> torch.Tensor:
    """XTC as text-generation-webui defines it, with plain Python over the probabilities."""
    if draw >= probability:
        return logits
    probs = logits.softmax(dim=-1).tolist()
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    reaching = [i for i in order if probs[i] >= threshold]
    removed = set(reaching[:-1])  # all but the least likely of them
    if removed & protected:
        return logits
    return torch.tensor([INF if i in removed else v for i, v in enumerate(logits.tolist())])


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(logit_vectors(max_vocab=60), st.floats(0.0, 0.5), st.floats(0.0, 1.0, exclude_min=True),
       st.integers(0, 2**32 - 1), st.sets(st.integers(0, 5), max_size=2))
def test_xtc_equals_its_definition_and_draws_once(logits, threshold, probability, seed,
                                                  protected):
    probs = logits.softmax(dim=-1)
    assume(bool(((probs - threshold).abs() > 1e-6).all()))  # the softmax's last bit aside
    generator = torch.Generator().manual_seed(seed)
    ours = xtc.xtc(logits, threshold, probability, generator, protected)
    after = float(torch.rand(1, generator=generator))
    reference = torch.Generator().manual_seed(seed)
    draw = float(torch.rand(1, generator=reference))
    assert after == float(torch.rand(1, generator=reference))  # exactly one draw consumed
    assert torch.equal(ours, slow_xtc(logits, threshold, probability, draw, protected))


def test_xtc_removes_tokens_exactly_at_the_threshold_but_the_last():
    logits = torch.tensor([0.0, 0.0, 0.0, 0.0, INF])  # four at exactly 0.25
    cut = xtc.xtc(logits, 0.25, 1.0, torch.Generator().manual_seed(0))
    assert torch.equal(cut, torch.tensor([INF, INF, INF, 0.0, INF]))  # stable: the last id kept
    assert torch.equal(xtc.xtc(logits, 0.25, 1.0, None, protected={1}), logits)


# ---------------------------------------------------------------- order and the chain

def test_sampler_order_is_validated_and_completed():
    assert parse_sampler_order("") == DEFAULT_TRUNCATION_ORDER
    order = parse_sampler_order("min_p, top-k")
    assert order[:2] == ("min_p", "top_k") and sorted(order) == sorted(DEFAULT_TRUNCATION_ORDER)
    with pytest.raises(InvalidSettingError, match=r"unknown sampler.*tfs") as info:
        parse_sampler_order("top_k,tfs")
    assert "min_p" in info.value.hint
    with pytest.raises(InvalidSettingError, match="more than once"):
        parse_sampler_order(["top_k", "min_p", "top_k"])
    stages = full_order(order)
    assert stages.index("repetition_penalty") < stages.index("temperature") < stages.index("min_p")


def test_checks_refuse_absurd_values_with_a_hint():
    for check, bad in [(truncation.check_min_p, 1.5), (truncation.check_typical_p, 0.0),
                       (truncation.check_epsilon_cutoff, 1.0), (truncation.check_eta_cutoff, -1),
                       (truncation.check_top_h, float("nan")),
                       (penalties.check_presence_penalty, 3.0),
                       (penalties.check_frequency_penalty, "x"),
                       (penalties.check_repetition_penalty_range, -1),
                       (lambda v: dry.check_dry(0.8, v, 2), 1.0),
                       (lambda v: dry.check_dry(0.8, 1.75, v), 0),
                       (lambda v: xtc.check_xtc(v, 0.5), 2.0),
                       (lambda v: xtc.check_xtc(v, 0.5), 0.0),
                       (ngrams.check_bias, float("inf")), (ngrams.check_no_repeat_ngram_size, -2)]:
        with pytest.raises(InvalidSettingError) as info:
            check(bad)
        assert info.value.hint and "\n" not in info.value.message
    truncation.check_min_p(0.0)
    dry.check_dry(0.0, 1.75, 2)
    xtc.check_xtc(0.1, 0.5)


@pytest.fixture(scope="module")
def generate_processors(tiny_loaded):
    """Builds the LogitsProcessorList generate() itself builds for a GenerationConfig."""
    model = tiny_loaded.model

    def build(config: GenerationConfig, prompt_length: int) -> LogitsProcessorList:
        model._prepare_special_tokens(config, False, device="cpu")
        return model._get_logits_processor(
            generation_config=config, input_ids_seq_length=prompt_length,
            encoder_input_ids=None, prefix_allowed_tokens_fn=None,
            logits_processor=LogitsProcessorList(), device="cpu", model_kwargs={})
    return build


@st.composite
def chain_cases(draw: st.DrawFn, vocab: int):
    context = draw(contexts(vocab, max_size=40))
    assume(context.numel() > 0)
    banned = draw(st.one_of(st.just([]), sequences(vocab)))
    bias = draw(st.one_of(st.just([]), sequences(vocab)))
    values = [draw(st.floats(-5, 5)) for _ in bias]
    s = SamplerSettings(
        temperature=draw(st.sampled_from([1.0, 0.7, 1.5])),
        top_k=draw(st.sampled_from([0, 5, 50])),
        top_p=draw(st.sampled_from([1.0, 0.9, 0.5])),
        min_p=draw(st.sampled_from([0.0, 0.05, 0.2])),
        typical_p=draw(st.sampled_from([1.0, 0.9])),
        epsilon_cutoff=draw(st.sampled_from([0.0, 1e-3])),
        eta_cutoff=draw(st.sampled_from([0.0, 1e-3])),
        top_h=draw(st.sampled_from([0.0, 0.5])),
        repetition_penalty=draw(st.sampled_from([1.0, 1.3])),
        no_repeat_ngram_size=draw(st.sampled_from([0, 2, 3])),
        banned=tuple(tuple(b) for b in banned),
        bias=tuple((tuple(b), v) for b, v in zip(bias, values, strict=True)),
        eos_ids=(2,))
    suppressed = draw(st.sets(st.integers(3, vocab - 1), max_size=5))
    return context, s, sorted(suppressed)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.data(), st.integers(0, 2**32 - 1))
def test_chain_in_default_order_equals_generates_processor_list(generate_processors, data,
                                                                seed):
    vocab = 400  # the tiny model's
    logits = torch.randn(vocab, generator=torch.Generator().manual_seed(seed)) * 3
    context, s, suppressed = data.draw(chain_cases(vocab))
    config = GenerationConfig(
        do_sample=True, temperature=s.temperature, top_k=s.top_k, top_p=s.top_p,
        min_p=s.min_p or None, typical_p=s.typical_p, epsilon_cutoff=s.epsilon_cutoff,
        eta_cutoff=s.eta_cutoff, top_h=s.top_h or None, repetition_penalty=s.repetition_penalty,
        no_repeat_ngram_size=s.no_repeat_ngram_size,
        bad_words_ids=[list(b) for b in s.banned] or None,
        sequence_bias=[[list(b), v] for b, v in s.bias] or None,
        suppress_tokens=suppressed or None, eos_token_id=2)
    assume(not s.banned or any(list(b) != [2] for b in s.banned))
    processors = generate_processors(config, context.numel())
    expected = batch_of_one(processors, context, logits)
    ours = process(logits, context, s, suppressed=torch.tensor(suppressed, dtype=torch.long))
    assert torch.equal(ours.scores, expected)
    finite = ~torch.isneginf(ours.scores)
    assert bool((ours.cut_by[finite] == -1).all())
    assert bool((ours.cut_by[~finite] >= 0).all())  # every cut token names its sampler


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.data(), logit_vectors(min_vocab=8, max_vocab=60), st.integers(0, 2**32 - 1),
       st.booleans())
def test_chain_places_the_samplers_transformers_lacks_as_documented(data, logits, seed,
                                                                    min_p_first):
    context = data.draw(contexts(logits.shape[-1], max_size=80))
    s = SamplerSettings(temperature=0.9, top_p=0.6, min_p=0.1, repetition_penalty=1.2,
                        presence_penalty=0.4, frequency_penalty=0.1, dry_multiplier=0.8,
                        dry_breakers=frozenset({0}), no_repeat_ngram_size=4,
                        banned=((1, 2),), xtc_threshold=0.1, xtc_probability=0.7,
                        order=("min_p", "top_p") if min_p_first else DEFAULT_TRUNCATION_ORDER)
    ids = context.tolist()
    expected = batch_of_one(RepetitionPenaltyLogitsProcessor(1.2), context, logits) \
        if ids else logits
    expected = expected.numpy().copy()
    for token in set(ids):
        amount = np.float32(ids.count(token)) * np.float32(0.1) + np.float32(0.4)
        expected[token] = np.float32(expected[token] - amount)
    expected = slow_dry(torch.from_numpy(expected), ids, 0.8, 1.75, 2, {0})
    expected = batch_of_one(NoRepeatNGramLogitsProcessor(4), context, expected)
    expected = batch_of_one(NoBadWordsLogitsProcessor([[1, 2]]), context, expected) / 0.9
    untruncated = replace(s, top_p=1.0, min_p=0.0, xtc_probability=0.0)
    assert torch.equal(process(logits, context, untruncated).scores, expected)  # penalties
    truncations = [TopPLogitsWarper(0.6), MinPLogitsWarper(0.1)]  # they do not commute
    for warper in (truncations[::-1] if min_p_first else truncations):
        expected = batch_of_one(warper, context, expected)
    probs = expected.softmax(dim=-1)
    assume(bool(((probs - 0.1).abs() > 1e-6).all()))
    draw = float(torch.rand(1, generator=torch.Generator().manual_seed(seed)))
    expected = slow_xtc(expected, 0.1, 0.7, draw, set())
    ours = process(logits, context, s, torch.Generator().manual_seed(seed))
    assert torch.equal(ours.scores, expected)


# ---------------------------------------------------------------- the real default model

PROMPTS = {
    "english": "Once upon a time there was a mountain, and on the mountain there was a temple. "
               "Once upon a time there was a",
    "chinese": "从前有座山，山里有座庙，庙里有个老和尚在给小和尚讲故事。他说：从前有座山，",
}


@pytest.fixture(scope="module")
def default_model():
    from writer_app.engine.models import load_model

    return load_model("default", device="cpu", dtype="float32")


@pytest.fixture(scope="module")
def last_logits(default_model):
    """prompt name → (context ids [L], the last position's logits [V])."""
    out = {}
    for name, text in PROMPTS.items():
        ids = default_model.tokenizer(text, return_tensors="pt").input_ids
        with torch.no_grad():
            logits = default_model.model(ids, logits_to_keep=1).logits[0, -1].float()
        out[name] = (ids[0], logits)
    return out


TRUNCATION_CASES = [
    ("min_p", lambda x: truncation.min_p(x, 0.05), MinPLogitsWarper(0.05)),
    ("typical_p", lambda x: truncation.typical_p(x, 0.9), TypicalLogitsWarper(0.9)),
    ("epsilon", lambda x: truncation.epsilon_cutoff(x, 3e-4), EpsilonLogitsWarper(3e-4)),
    ("eta", lambda x: truncation.eta_cutoff(x, 2e-3), EtaLogitsWarper(2e-3)),
    ("top_h", lambda x: truncation.top_h(x, 0.4), TopHLogitsWarper(0.4)),
    ("top_k", lambda x: truncation.top_k(x, 40), TopKLogitsWarper(40)),
    ("top_p", lambda x: truncation.top_p(x, 0.9), TopPLogitsWarper(0.9)),
]


@pytest.mark.integration
@pytest.mark.parametrize("prompt", list(PROMPTS))
def test_each_sampler_equals_its_processor_on_the_default_model(last_logits, prompt):
    context, logits = last_logits[prompt]
    scaled = logits / 0.8  # truncation runs after temperature, as in generate()
    for name, ours, warper in TRUNCATION_CASES:
        result = ours(scaled)
        assert torch.equal(result, batch_of_one(warper, context, scaled)), name
        assert 0 < int((~torch.isneginf(result)).sum()) < logits.numel(), name  # it did cut
    follows = [int(context[-1]), int(context[5])]  # completed by the next token
    cases = [
        (ngrams.no_repeat_ngram(logits, context, 2), NoRepeatNGramLogitsProcessor(2)),
        (penalties.repetition_penalty(logits, context, 1.3), RepetitionPenaltyLogitsProcessor(1.3)),
        (ngrams.ban_sequences(logits, context, [follows]), NoBadWordsLogitsProcessor([follows])),
        (ngrams.ban_sequences(logits, context, [[int(context[3])]]),
         NoBadWordsLogitsProcessor([[int(context[3])]])),
        (ngrams.sequence_bias(logits, context, [(follows, -3.0)]),
         SequenceBiasLogitsProcessor([[follows, -3.0]])),
    ]
    for ours, processor in cases:
        assert torch.equal(ours, batch_of_one(processor, context, logits)), type(processor)
        assert not torch.equal(ours, logits), type(processor)  # each one acted here
    ids = context.tolist()
    assert torch.equal(dry.dry(logits, context, 0.8, 1.75, 2),
                       slow_dry(logits, ids, 0.8, 1.75, 2, set()))
    assert not torch.equal(dry.dry(logits, context, 0.8, 1.75, 2), logits)  # the prompt repeats
    penalised = penalties.presence_frequency_penalty(logits, context, 0.5, 0.3)
    for token in set(ids):
        amount = np.float32(ids.count(token)) * np.float32(0.3) + np.float32(0.5)
        assert penalised[token] == torch.tensor(np.float32(logits[token].numpy() - amount))
    generator = torch.Generator().manual_seed(7)
    draw = float(torch.rand(1, generator=torch.Generator().manual_seed(7)))
    threshold = float(logits.softmax(-1).sort(descending=True).values[2]) * 0.99  # 3 reach it
    cut = xtc.xtc(logits, threshold, 1.0, generator)
    assert torch.equal(cut, slow_xtc(logits, threshold, 1.0, draw, set()))
    assert int(torch.isneginf(cut).sum()) == 2


@pytest.mark.integration
@pytest.mark.parametrize("prompt", list(PROMPTS))
def test_the_chain_equals_generates_list_on_the_default_model(default_model, last_logits, prompt):
    context, logits = last_logits[prompt]
    phrase = "mountain" if prompt == "english" else "山"
    variants = ngrams.phrase_variants(default_model.tokenizer, phrase)
    s = SamplerSettings(temperature=0.8, top_k=50, top_p=0.95, min_p=0.05, typical_p=0.95,
                        epsilon_cutoff=3e-4, eta_cutoff=2e-3, repetition_penalty=1.1,
                        no_repeat_ngram_size=3, banned=tuple(tuple(v) for v in variants),
                        bias=((tuple(context[-1:].tolist()), 2.0),), eos_ids=(1,))
    config = GenerationConfig(
        do_sample=True, temperature=0.8, top_k=50, top_p=0.95, min_p=0.05, typical_p=0.95,
        epsilon_cutoff=3e-4, eta_cutoff=2e-3, repetition_penalty=1.1, no_repeat_ngram_size=3,
        bad_words_ids=variants, sequence_bias=[[context[-1:].tolist(), 2.0]], eos_token_id=1)
    model = default_model.model
    model._prepare_special_tokens(config, False, device="cpu")
    processors = model._get_logits_processor(
        generation_config=config, input_ids_seq_length=context.numel(), encoder_input_ids=None,
        prefix_allowed_tokens_fn=None, logits_processor=LogitsProcessorList(), device="cpu",
        model_kwargs={})
    ours = process(logits, context, s)
    assert torch.equal(ours.scores, batch_of_one(processors, context, logits))
    banned_alone = process(logits, context, SamplerSettings(banned=s.banned))
    singles = [v[0] for v in variants if len(v) == 1]
    assert singles
    for token in singles:  # the pane can name the sampler that cut a token
        assert banned_alone.stages[int(banned_alone.cut_by[token])] == "ban"
        assert ours.stages[int(ours.cut_by[token])] in {"no_repeat_ngram", "ban"}


PHRASE_TEXTS = {
    "hello there": ["She said hello there.", "hello there, friend", "“hello there”",
                    "Well,\nhello there"],
    "suddenly": ["And suddenly it rained.", "suddenly, it rained", "(suddenly)"],
    "我们": ["他说：“我们在这里。”", "我们在这里", "。我们走吧"],
    "一阵风": ["突然一阵风吹来。", "。一阵风", "“一阵风”"],
}


@pytest.mark.integration
@pytest.mark.parametrize("phrase", list(PHRASE_TEXTS))
def test_phrase_variants_cover_the_phrase_at_a_word_start(default_model, phrase):
    tokenizer = default_model.tokenizer
    variants = ngrams.phrase_variants(tokenizer, phrase)
    assert all(tokenizer.decode(v).strip() == phrase for v in variants)
    for text in PHRASE_TEXTS[phrase]:
        ids = tokenizer.encode(text, add_special_tokens=False)
        found = any(ids[i:i + len(v)] == v for v in variants for i in range(len(ids)))
        assert found, (text, tokenizer.convert_ids_to_tokens(ids), variants)


def test_phrase_variants_refuse_an_empty_phrase(tiny_tokenizer):
    with pytest.raises(InvalidSettingError, match="empty"):
        ngrams.phrase_variants(tiny_tokenizer, "  ")
