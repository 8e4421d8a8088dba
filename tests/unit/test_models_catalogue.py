"""The model list (default, Hugging Face cache, recent) and the recent-models file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from transformers import BertConfig

from tests.unit.test_models import cached_hub_repo
from writer_app.engine.models import (
    DEFAULT_DISPLAY_NAME,
    ModelEntry,
    list_models,
    recent_models,
    remember_recent,
)

pytestmark = pytest.mark.usefixtures("isolated_dirs")


# --- recent models and the model list ----------------------------------------


def test_recent_models_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert recent_models() == []

    for spec in ["org/a", "org/b", "org/a"]:
        remember_recent(spec)
    remember_recent(str(folder / ".." / "my-model"))

    assert recent_models() == [str(folder.resolve()), "org/a", "org/b"]


def test_recent_models_keep_the_newest_ten() -> None:
    for index in range(15):
        remember_recent(f"org/model-{index}")

    assert recent_models() == [f"org/model-{index}" for index in range(14, 4, -1)]


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}', '[1, null, "org/ok"]', ""])
def test_damaged_recent_file_counts_as_empty(isolated_dirs: Path, content: str) -> None:
    recent_file = isolated_dirs / "data" / "recent_models.json"
    recent_file.parent.mkdir(parents=True)
    recent_file.write_text(content)

    expected = ["org/ok"] if "org/ok" in content else []
    assert recent_models() == expected
    remember_recent("org/new")
    assert recent_models() == ["org/new", *expected]
    assert [p.name for p in recent_file.parent.iterdir()] == ["recent_models.json"]


def test_list_models_default_then_cache_then_recent(
    tiny_model_dir: Path, hub_cache: Path, tmp_path: Path
) -> None:
    cached_hub_repo(hub_cache, "org/tiny", tiny_model_dir)
    bert = tmp_path / "bert"
    BertConfig(architectures=["BertForMaskedLM"]).save_pretrained(bert)
    shutil.copy(tiny_model_dir / "model.safetensors", bert)
    cached_hub_repo(hub_cache, "google/bert-like", bert)
    only_config = tmp_path / "only-config"
    only_config.mkdir()
    shutil.copy(tiny_model_dir / "config.json", only_config)
    cached_hub_repo(hub_cache, "org/no-weights", only_config)
    gone = tmp_path / "gone"
    gone.mkdir()
    for spec in ["org/tiny", "org/online-only", str(gone), str(tiny_model_dir), "default"]:
        remember_recent(spec)
    gone.rmdir()

    entries = list_models()

    assert entries[0] == ModelEntry("default", DEFAULT_DISPLAY_NAME, "default", entries[0].detail)
    assert [(e.spec, e.kind) for e in entries[1:]] == [
        ("org/tiny", "hub-cache"),
        (str(tiny_model_dir.resolve()), "recent"),
        ("org/online-only", "recent"),
    ]
    assert entries[1].detail.startswith("Hugging Face cache")
    assert entries[2].name == tiny_model_dir.name


def test_list_models_without_a_hub_cache() -> None:
    assert [entry.spec for entry in list_models()] == ["default"]
