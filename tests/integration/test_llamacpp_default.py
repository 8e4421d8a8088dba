"""The default model on both backends: llama.cpp's GGUF vocabulary gives the transformers
tokenizer's ids (English, Chinese, mixed text, emoji, whitespace runs), the same control
tokens, and a next-token distribution that agrees with float32 transformers."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("llama_cpp")

from benchmarks.texts import CHINESE, ENGLISH
from writer_app.boundary.params import SamplingParams
from writer_app.engine.llamacpp.model import open_gguf
from writer_app.engine.llamacpp.session import LlamaSession
from writer_app.engine.models.builtin import default_gguf_path
from writer_app.engine.models.progress import LoadSteps

TEXTS = [
    "I went on a trip to",
    ENGLISH[:400],
    CHINESE[:200],
    "我们去北京旅行, and then we flew to 東京 — café naïve Straße.",
    "Emoji: 😀 🚀 ✨ 👩‍👩‍👧 and rare characters 龘 𪚥",
    "Whitespace   runs\t\ttabs\n\n\nnew lines    and trailing spaces   ",
    "  leading spaces, <h1>markup</h1> and <start_of_image> a control token's name",
    "",
]


@pytest.fixture(scope="module")
def llama():
    opened = open_gguf(default_gguf_path(), 2048, "cpu", LoadSteps(None, None))
    session = LlamaSession(opened.llm, opened.context_window, opened.threads, 1)
    yield session
    session.close()


def test_llama_cpp_tokenizes_as_the_transformers_tokenizer(llama, default_loaded):
    tokenizer = default_loaded.tokenizer
    for text in TEXTS:
        expected = tokenizer(text)["input_ids"]
        assert llama.vocab(text)["input_ids"] == expected, text
        without = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert llama.vocab(text, add_special_tokens=False)["input_ids"] == without, text
        assert llama.vocab.decode(expected, skip_special_tokens=True) == \
            tokenizer.decode(expected, skip_special_tokens=True), text
    assert llama.vocab.bos_token_id == tokenizer.bos_token_id
    assert llama.vocab.size == default_loaded.model.config.vocab_size


def test_both_backends_suppress_the_same_control_tokens(llama, default_session):
    assert llama.control_ids == default_session.control_ids
    assert llama.eos_ids == default_session.eos_ids
    ids = list(range(0, 262_144, 997))
    assert [llama.token_text(i) for i in ids] == [default_session.token_text(i) for i in ids]


def test_the_next_token_distribution_agrees_with_float32_transformers(llama,
                                                                      default_session):
    params = SamplingParams(temperature=0.8, top_k=50, top_p=0.95, repetition_penalty=1.1)
    for text in TEXTS[:5]:
        ours = llama.next_tokens(text, params, n=10)
        reference = default_session.next_tokens(text, params, n=10)
        assert ours.tokens[0].id == reference.tokens[0].id, text
        assert len({t.id for t in ours.tokens[:5]} & {t.id for t in reference.tokens[:5]}) >= 3
        assert abs(ours.tokens[0].prob - reference.tokens[0].prob) < 0.08, text
        assert ours.context.used == reference.context.used
        ids, _ = llama.tokenize(text)
        q = llama.runner.logits_after(ids).float().log_softmax(-1)
        p = default_session.prefix_cache.logits_after(ids).float().log_softmax(-1)
        kl = float((p.exp() * (p - q)).sum())
        assert 0 <= kl < 0.1, (text, kl)
        assert not torch.equal(p, q)  # two engines: close, never bit-identical
