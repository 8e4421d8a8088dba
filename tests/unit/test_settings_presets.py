"""Presets change in memory only once the file holds the change.

A failed write (a full disk, a read-only folder) must leave the presets in memory as
they are in the file, so the panel never lists a preset the next start will not have.
"""

from __future__ import annotations

import json

import pytest

import writer_app.presets as presets_module
from writer_app.presets import Presets
from writer_app.settings import Settings


@pytest.fixture
def presets(tmp_path):
    store = Presets(tmp_path / "presets.json")
    mine = Settings()
    mine.set("sampling.temperature", 0.5)
    store.save_preset("Mine", mine)
    store.save_preset("Other", mine)
    return store


def _in_memory_and_on_disk(store: Presets) -> tuple[list[str], list[str]]:
    on_disk = Presets(store.path).names()
    return store.names(), on_disk


@pytest.mark.parametrize("change", [
    lambda store, tmp_path: store.rename("Mine", "Poetry"),
    lambda store, tmp_path: store.delete("Mine"),
    lambda store, tmp_path: store.save_preset("New", Settings()),
    lambda store, tmp_path: store.import_file(tmp_path / "shared.json"),
], ids=["rename", "delete", "save", "import"])
def test_a_failed_write_leaves_memory_as_the_file_is(presets, tmp_path, change, monkeypatch):
    (tmp_path / "shared.json").write_text(json.dumps({"Shared": {"sampling.top_k": 7}}))
    before = presets.names()
    before_values = {name: presets.values(name) for name in before}

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(presets_module, "write_text_atomically", full_disk)
    with pytest.raises(OSError, match="No space left"):
        change(presets, tmp_path)
    monkeypatch.undo()
    memory, disk = _in_memory_and_on_disk(presets)
    assert memory == disk == before
    assert {name: presets.values(name) for name in memory} == before_values


def test_the_same_changes_succeed_when_the_write_does(presets, tmp_path):
    (tmp_path / "shared.json").write_text(json.dumps({"Shared": {"sampling.top_k": 7}}))
    presets.rename("Mine", "Poetry")
    presets.delete("Other")
    assert presets.import_file(tmp_path / "shared.json") == ["Shared"]
    memory, disk = _in_memory_and_on_disk(presets)
    assert memory == disk == ["Precise", "Balanced", "Creative", "Poetry", "Shared"]
    assert Presets(presets.path).values("Shared") == {"sampling.top_k": 7}
