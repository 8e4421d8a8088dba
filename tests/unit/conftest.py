"""Fixtures shared by the model-loading tests: Writer's dirs and the Hub cache in tmp."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def isolated_dirs(writer_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Writer's dirs and the Hugging Face cache both in tmp; the Hub never contacted.

    Modules that load models use it for every test: `pytestmark =
    pytest.mark.usefixtures("isolated_dirs")`.
    """
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return writer_home


@pytest.fixture
def hub_cache(tmp_path: Path) -> Path:
    return tmp_path / "hf-home" / "hub"
