"""Control tokens (image, pad, mask, unused…) are never drawn, offered or inserted.

A tiny model is rigged to prefer its control tokens, as Gemma 3 prefers
`<start_of_image>` at the start of a document: with `allow_control_tokens` they come out
(so these tests can fail), without it no path lets one through, and seeded runs equal
`generate(..., suppress_tokens=...)` with the same set.
"""

from __future__ import annotations

import pytest
import torch

from tests.conftest import CORPUS, build_tiny_model, build_tiny_tokenizer, make_loaded
from writer_app.boundary.params import Mode, SamplingParams
from writer_app.engine.control_tokens import control_token_ids
from writer_app.engine.session import ModelSession

CONTROL_ADDED = ["<start_of_image>", "<unused0>", "[multimodal]"]  # added, not flagged special
TEXT_ADDED = ["<h1>"]  # an added token that is text: must stay
PROMPT = "I went on a trip to"


@pytest.fixture(scope="module")
def rigged():
    """A tiny model whose control tokens lead almost everywhere."""
    tokenizer = build_tiny_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": ["<mask>"]})
    tokenizer.add_tokens(CONTROL_ADDED + TEXT_ADDED)
    model = build_tiny_model(tokenizer, "llama")
    favourites = tokenizer.convert_tokens_to_ids([*CONTROL_ADDED, "<mask>", "<pad>", "<bos>"])
    with torch.no_grad():
        hidden = torch.cat([model.model(tokenizer(text, return_tensors="pt").input_ids)
                            .last_hidden_state[0] for text in CORPUS])
        direction = hidden.mean(0) / hidden.mean(0).norm()
        weights = model.lm_head.weight
        scale = weights.norm(dim=1).mean()
        for rank, token_id in enumerate(favourites):
            weights[token_id] = direction * scale * (1.2 - 0.05 * rank)
    return make_loaded(model, tokenizer, "tiny-rigged")


@pytest.fixture
def session(rigged):
    return ModelSession(rigged)


def control_set(rigged) -> set[int]:
    tokenizer = rigged.tokenizer
    return {*tokenizer.convert_tokens_to_ids([*CONTROL_ADDED, "<mask>", "<pad>", "<bos>"])}


def test_the_set_holds_special_and_control_shaped_tokens_but_not_eos_or_text(rigged):
    tokenizer = rigged.tokenizer
    ids = control_token_ids(tokenizer, {tokenizer.eos_token_id})
    assert ids == control_set(rigged)
    assert tokenizer.eos_token_id not in ids
    assert tokenizer.convert_tokens_to_ids("<h1>") not in ids


PATHS = {
    "sampled": SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.0,
                              seed=3, max_new_tokens=20),
    "steered": SamplingParams(temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.3,
                              seed=5, max_new_tokens=20),
    "greedy": SamplingParams(temperature=0, max_new_tokens=20),
    "beam": SamplingParams(mode="beam", num_beams=3, max_new_tokens=12),
}


@pytest.mark.parametrize("path", PATHS)
def test_no_generation_path_draws_or_offers_a_control_token(session, rigged, path):
    controls = control_set(rigged)
    allowed = PATHS[path].with_changes(allow_control_tokens=True)
    steps = list(session.generate(PROMPT, allowed))
    assert any(step.token_id in controls for step in steps)  # the rig works: they lead
    for step in session.generate(PROMPT, PATHS[path]):
        assert step.token_id not in controls
        assert not {t.id for t in step.alternatives} & controls


def test_batched_rows_never_draw_or_offer_a_control_token(session, rigged):
    controls = control_set(rigged)
    params = PATHS["sampled"]
    allowed = list(session.generate_many(PROMPT, params.with_changes(allow_control_tokens=True),
                                         3))
    assert any(step.token_id in controls for step in allowed)
    for step in session.generate_many(PROMPT, params, 3, top_n=8):
        assert step.token_id not in controls
        assert not {t.id for t in step.alternatives} & controls


@pytest.mark.parametrize("text", ["", PROMPT])
def test_the_pane_never_offers_a_control_token(session, rigged, text):
    controls = control_set(rigged)
    vocabulary = len(rigged.tokenizer)
    params = PATHS["steered"]
    offered = session.next_tokens(text, params.with_changes(allow_control_tokens=True), n=5)
    assert {t.id for t in offered.tokens} & controls  # at the start of a document, too
    everything = session.next_tokens(text, params, n=vocabulary)
    ids = {t.id for t in everything.tokens}
    assert not ids & controls
    assert len(ids) == vocabulary - len(controls)  # every other token is still offered
    assert sum(t.prob for t in everything.tokens) == pytest.approx(1.0, abs=1e-5)
    reweighed = session.reweigh(params.with_changes(temperature=1.7, top_k=0), n=vocabulary)
    assert not {t.id for t in reweighed.tokens} & controls


def generate_suppressed(rigged, params: SamplingParams, suppressed: list[int]) -> list[int]:
    ids = rigged.tokenizer(PROMPT, return_tensors="pt").input_ids
    kwargs = dict(max_new_tokens=params.max_new_tokens, pad_token_id=0,
                  repetition_penalty=params.repetition_penalty, suppress_tokens=suppressed)
    if params.mode is Mode.BEAM:
        kwargs.update(do_sample=False, num_beams=params.num_beams)
    elif params.is_greedy:
        kwargs.update(do_sample=False)
    else:
        kwargs.update(do_sample=True, temperature=params.temperature, top_k=params.top_k,
                      top_p=params.top_p)
        torch.manual_seed(params.seed)
    output = rigged.model.generate(ids, attention_mask=torch.ones_like(ids), **kwargs)
    return [t for t in output[0, ids.shape[1]:].tolist() if t != rigged.tokenizer.eos_token_id]


@pytest.mark.parametrize("path", PATHS)
def test_seeded_runs_equal_generate_with_the_same_suppressed_set(session, rigged, path):
    params = PATHS[path]
    ours = [step.token_id for step in session.generate(PROMPT, params) if step.token_id >= 0]
    assert ours == generate_suppressed(rigged, params, sorted(session.control_ids))


def test_a_batch_of_one_equals_generate_with_the_same_suppressed_set(session, rigged):
    params = PATHS["steered"]
    ours = [step.token_id for step in session.generate_many(PROMPT, params, 1)
            if step.token_id >= 0]
    assert ours == generate_suppressed(rigged, params, sorted(session.control_ids))
