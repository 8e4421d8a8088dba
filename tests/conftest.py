"""Shared fixtures: tiny models built from a config, so unit tests need no download."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CORPUS = [
    "I went on a trip to the sea and the mountains.",
    "The quick brown fox jumps over the lazy dog.",
    "Writing with a model at your side is a pleasure.",
    "我们去北京旅行，看到了长城和故宫。",
    "今天天气很好，我们在公园里散步。",
    "Emoji too: 😀 🚀 ✨ and accents: café, naïve, Straße.",
]


def build_tiny_tokenizer():
    """A byte-level BPE tokenizer trained on a few sentences: multi-byte text splits into
    several tokens, as Chinese and emoji do in real vocabularies."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "<bos>", "<eos>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(CORPUS * 5, trainer)
    bos = tokenizer.token_to_id("<bos>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", bos)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<bos>",
                                   eos_token="<eos>", pad_token="<pad>")


def build_tiny_model(tokenizer, kind: str = "llama"):
    """A randomly initialised causal LM small enough to run in milliseconds."""
    import torch
    from transformers import (
        Gemma3ForCausalLM,
        Gemma3TextConfig,
        LlamaConfig,
        LlamaForCausalLM,
    )

    torch.manual_seed(0)
    common = dict(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                  pad_token_id=tokenizer.pad_token_id)
    if kind == "gemma3":  # sliding-window layers, as in the default model
        config = Gemma3TextConfig(**common, num_hidden_layers=3, head_dim=16, sliding_window=8,
                                  layer_types=["sliding_attention", "sliding_attention",
                                               "full_attention"])
        model = Gemma3ForCausalLM(config)
    else:
        model = LlamaForCausalLM(LlamaConfig(**common, num_hidden_layers=2))
    # Sharpen the random model so sampling has clear favourites, like a trained one.
    with torch.no_grad():
        model.lm_head.weight.mul_(8.0)
    return model.eval()


def make_loaded(model, tokenizer, name: str = "tiny"):
    import torch

    from writer_app.engine.models import LoadedModel

    return LoadedModel(model=model, tokenizer=tokenizer, name=name, spec=name,
                       device=torch.device("cpu"), dtype=torch.float32,
                       context_window=model.config.max_position_embeddings)


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return build_tiny_tokenizer()


@pytest.fixture(scope="session")
def tiny_loaded(tiny_tokenizer):
    """A tiny Llama-architecture model (full attention only)."""
    return make_loaded(build_tiny_model(tiny_tokenizer, "llama"), tiny_tokenizer, "tiny-llama")


@pytest.fixture(scope="session")
def tiny_gemma_loaded(tiny_tokenizer):
    """A tiny Gemma 3 model with an 8-token sliding window, to exercise cache rollback."""
    return make_loaded(build_tiny_model(tiny_tokenizer, "gemma3"), tiny_tokenizer, "tiny-gemma3")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_loaded) -> Path:
    """The tiny Llama model saved as a Hub-style folder (config.json, safetensors, tokenizer)."""
    folder = tmp_path_factory.mktemp("tiny-model")
    tiny_loaded.model.save_pretrained(folder)
    tiny_loaded.tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def writer_home(tmp_path, monkeypatch) -> Path:
    """Redirect all of Writer's config, data, cache and log dirs into a temp folder."""
    monkeypatch.setenv("WRITER_HOME", str(tmp_path / "writer-home"))
    return tmp_path / "writer-home"
