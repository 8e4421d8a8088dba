"""Prefix reuse in llama.cpp: an edit at the end evaluates only the changed tokens (counted,
not timed), a rollback gives the very logits a fresh read gives, also across Gemma 3's
512-token sliding window and for Chinese edits that split a character's tokens."""

from __future__ import annotations

import pytest
import torch

from benchmarks.texts import CHINESE, ENGLISH
from tests.unit import test_llamacpp_fixtures as fixtures
from writer_app.boundary.params import SamplingParams
from writer_app.engine.generation import GenerationCancelled

llama_session, session = fixtures.llama_session, fixtures.session
PARAMS = SamplingParams()
DOCUMENT = ENGLISH + "\n\n" + CHINESE + "\n\n" + ENGLISH  # ~900 tokens: past the window


def fresh_logits(session, text: str) -> torch.Tensor:
    session.reset_cache()
    ids, _ = session.tokenize(text)
    return session.runner.logits_after(ids).clone()


def test_a_one_character_edit_at_the_end_evaluates_only_the_changed_tokens(session):
    session.next_tokens(DOCUMENT + " a", PARAMS)
    assert len(session.runner) > 600
    for ending in (" e", " ea", " e", " a", "!"):
        before = session.runner.evaluated
        session.next_tokens(DOCUMENT + ending, PARAMS)
        assert session.runner.evaluated - before <= 3, ending
    before = session.runner.evaluated
    session.next_tokens(DOCUMENT + "!", PARAMS)  # the same text again: nothing evaluated
    assert session.runner.evaluated == before


def test_a_rollback_gives_the_logits_of_a_fresh_read(session):
    """Rolling back (past the 512-token sliding window too) and reading on gives exactly
    the logits of a fresh read in the same pieces. (Pieces of other sizes round
    differently in llama.cpp's quantized kernels: by up to ~1 logit on unlikely tokens.)"""
    ids, _ = session.tokenize(DOCUMENT)
    runner = session.runner
    for back in (1, 40, 300, 700):
        runner.reset()
        runner.feed(ids[:-back])
        fresh = runner.feed(ids[-back:]).clone()
        runner.logits_after([*ids[:-back], 236743, 1018])  # an edit `back` tokens back
        assert runner.ids == (*ids[:-back], 236743, 1018)
        assert torch.equal(runner.logits_after(ids), fresh), back


def test_edits_at_the_end_read_the_new_tokens_and_agree_with_a_fresh_read(session):
    session.next_tokens(DOCUMENT, PARAMS)
    for text in (DOCUMENT + "我们", DOCUMENT + "我", DOCUMENT + "我们去", DOCUMENT + " the"):
        edited = session.next_tokens(text, PARAMS)
        ids, _ = session.tokenize(text)
        assert session.runner.ids == tuple(ids)
        reached = session.runner.logits_after(ids).clone()
        expected = fresh_logits(session, text)
        assert (reached - expected).abs().max() < 1.5
        probs = expected.softmax(dim=-1)  # near-ties may swap: the top is as likely
        assert float(probs[edited.tokens[0].id]) > float(probs.max()) - 0.01
        session.reset_cache()
        session.next_tokens(DOCUMENT, PARAMS)


def test_chinese_characters_split_across_tokens_are_edited_cleanly(session):
    """'我们' and '我' share their first bytes; each edit leaves the cache holding exactly
    the new text's tokens, and asking again evaluates nothing and answers the same."""
    for ending in ("我们", "我", "我们去", "我"):
        text = "今天天气很好，" + ending
        pane = session.next_tokens(text, PARAMS)
        assert session.runner.ids == tuple(session.tokenize(text)[0])
        evaluated = session.runner.evaluated
        assert session.next_tokens(text, PARAMS) == pane
        assert session.runner.evaluated == evaluated
    assert session.vocab.decode(session.runner.ids, skip_special_tokens=True) == "今天天气很好，我"


def test_a_cancelled_read_keeps_what_it_read_and_the_next_read_is_right(session):
    ids, _ = session.tokenize(DOCUMENT)
    calls = iter([False, True])
    with pytest.raises(GenerationCancelled):
        session.runner.logits_after(ids, lambda: next(calls, True))
    assert len(session.runner) == 512 and session.runner.ids == tuple(ids[:512])
    resumed = session.runner.logits_after(ids).clone()
    assert session.runner.evaluated > 0
    session.reset_cache()
    session.runner.feed(ids[:512])
    assert torch.equal(resumed, session.runner.feed(ids[512:]))
