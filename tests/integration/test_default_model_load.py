"""The real default model: converted from its GGUF once, then loaded from the cache.

This is the one test that pays for the ~50 s GGUF conversion (twice: once fresh, once
after damaging the cache), in a WRITER_HOME of its own so it never reuses a
conversion that other tests or the user's machine made.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from writer_app.engine.models import DEFAULT_DISPLAY_NAME, LoadedModel, load_model

pytestmark = pytest.mark.integration

PROMPT = "I went on a trip to"
# Gemma 3's tokenizer: <bos> (2) first, no dummy prefix space before the first word.
PROMPT_IDS = [2, 236777, 3939, 580, 496, 7946, 531]


@pytest.fixture(scope="module")
def own_writer_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("default-model-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WRITER_HOME", str(home))
        yield home


def load_default() -> tuple[LoadedModel, list[str]]:
    stages: list[str] = []
    loaded = load_model("default", device="cpu", progress=lambda p: stages.append(p.stage))
    return loaded, stages


def next_token_logits(loaded: LoadedModel) -> torch.Tensor:
    ids = loaded.tokenizer(PROMPT, return_tensors="pt").input_ids
    assert ids[0].tolist() == PROMPT_IDS
    with torch.no_grad():
        return loaded.model(ids, logits_to_keep=1).logits[0, -1]


@pytest.fixture(scope="module")
def reference_logits(own_writer_home: Path) -> torch.Tensor:
    """The first load converts the GGUF and fills the cache."""
    loaded, stages = load_default()
    assert stages[:2] == ["Preparing default model", "Reading GGUF tokenizer"]
    assert "Converting GGUF" in stages and "Caching converted model" in stages
    assert (own_writer_home / "cache" / "default" / "gemma-3-270m-q4_k_m.gguf").is_file()
    assert loaded.name == DEFAULT_DISPLAY_NAME
    assert loaded.context_window == 32768
    return next_token_logits(loaded)


def converted_folder(home: Path) -> Path:
    [folder] = [p for p in (home / "cache" / "converted").iterdir() if p.is_dir()]
    return folder


def test_second_load_comes_from_the_cache_and_is_identical(
    own_writer_home: Path, reference_logits: torch.Tensor
) -> None:
    loaded, stages = load_default()

    # From the cache: no conversion stage (a wall-clock bound would fail on a busy machine).
    assert "Converting GGUF" not in stages and "Preparing default model" not in stages
    assert torch.equal(next_token_logits(loaded), reference_logits)
    assert loaded.tokenizer.decode(int(reference_logits.argmax())) == " the"


def test_damaged_cache_is_rebuilt(own_writer_home: Path, reference_logits: torch.Tensor) -> None:
    (converted_folder(own_writer_home) / "model.safetensors").unlink()

    loaded, stages = load_default()

    assert "Converting GGUF" in stages
    assert (converted_folder(own_writer_home) / "model.safetensors").is_file()
    assert torch.equal(next_token_logits(loaded), reference_logits)
