"""Two Writer processes sharing one converted-model cache.

A second process holds a folder the way a loading Writer does (a shared lock on it) while
this one finds the folder broken, rebuilds it, or cleans up leftovers: nothing another
process is reading may be deleted or replaced under it.

Module-level imports stay light: the holder process imports this module (spawn), and
torch would cost it many seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from writer_app import file_lock

WAIT_S = 120.0  # only a broken run waits this long; the holder's start imports little
DAY_S = 24 * 3600


def hold_shared_lock(lock_path: str, held, release) -> None:  # runs in the other process
    lock = file_lock.lock_shared(Path(lock_path))
    held.set()
    release.wait(WAIT_S)
    lock.release()


@contextmanager
def another_process_holding(lock_path: Path) -> Iterator[multiprocessing.Process]:
    """A second process holding a shared lock on `lock_path` until the block ends."""
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=hold_shared_lock, args=(str(lock_path), held, release))
    holder.start()
    try:
        assert held.wait(WAIT_S), "the holding process never took its lock"
        yield holder
    finally:
        # A holder killed inside release.wait() may die holding the Event's internal lock;
        # set() would then block forever, so a dead holder is only reaped.
        if holder.is_alive():
            release.set()
        holder.join(WAIT_S)
        if holder.is_alive():
            holder.kill()
            holder.join()


@pytest.fixture(autouse=True)
def isolated_dirs(writer_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return writer_home


@pytest.fixture
def tiny_gguf(tmp_path: Path) -> Path:
    from tests.unit.test_models import write_tiny_llama_gguf

    return write_tiny_llama_gguf(tmp_path / "tiny.gguf")


def converted_root() -> Path:
    return Path(os.environ["WRITER_HOME"]) / "cache" / "converted"


def folders_in(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def lock_file_of(folder: Path) -> Path:
    from writer_app.engine.models import converted_cache

    return converted_cache.lock_path_of(folder)


def next_token_logits(loaded):
    import torch

    ids = loaded.tokenizer("hello world", return_tensors="pt").input_ids
    with torch.no_grad():
        return loaded.model(ids, logits_to_keep=1).logits[0, -1]


# --- the lock itself ----------------------------------------------------------


def test_a_shared_lock_in_another_process_keeps_exclusive_out_until_it_ends(
    tmp_path: Path,
) -> None:
    lock_path = tmp_path / "folder.lock"
    with another_process_holding(lock_path):
        assert file_lock.try_lock_exclusive(lock_path) is None
        mine = file_lock.lock_shared(lock_path)  # readers share: this does not wait
        mine.release()
    exclusive = file_lock.try_lock_exclusive(lock_path)
    assert exclusive is not None
    exclusive.release()


def test_a_killed_holder_frees_its_lock(tmp_path: Path) -> None:
    lock_path = tmp_path / "folder.lock"
    with another_process_holding(lock_path) as holder:
        holder.kill()
        holder.join(WAIT_S)
        exclusive = file_lock.try_lock_exclusive(lock_path)
        assert exclusive is not None
        exclusive.release()


def test_an_exclusive_holder_is_alone(tmp_path: Path) -> None:
    lock_path = tmp_path / "folder.lock"
    first = file_lock.try_lock_exclusive(lock_path)
    assert first is not None
    assert file_lock.try_lock_exclusive(lock_path) is None  # flock: per open file
    first.release()


# --- the converted cache --------------------------------------------------------


@pytest.mark.parametrize("damage", ["delete-marker", "garbage-weights"])
def test_a_broken_cache_that_another_process_reads_is_left_alone(
    tiny_gguf: Path, damage: str
) -> None:
    import torch

    from writer_app.engine.models import LoadProgress, load_model

    reference = next_token_logits(load_model(str(tiny_gguf), dtype="float32"))
    root = converted_root()
    [name] = folders_in(root)
    converted = root / name
    if damage == "delete-marker":
        (converted / "writer-conversion.json").unlink()
    else:
        (converted / "model.safetensors").write_bytes(os.urandom(1000))
    before = contents(converted)

    with another_process_holding(lock_file_of(converted)):
        loaded = load_model(str(tiny_gguf), dtype="float32")
        assert contents(converted) == before  # not deleted, not replaced, not half-written
        assert folders_in(root) == [name]  # and this process's copy is gone again

    assert torch.equal(next_token_logits(loaded), reference)
    stages: list[LoadProgress] = []
    rebuilt = load_model(str(tiny_gguf), dtype="float32", progress=stages.append)
    assert "Converting GGUF" in [step.stage for step in stages]  # free now: rebuilt
    assert (converted / "writer-conversion.json").is_file()
    assert torch.equal(next_token_logits(rebuilt), reference)


def test_a_good_cache_is_shared_by_two_processes(tiny_gguf: Path) -> None:
    from writer_app.engine.models import LoadProgress, load_model

    load_model(str(tiny_gguf), dtype="float32")
    root = converted_root()
    [name] = folders_in(root)
    before = contents(root / name)

    with another_process_holding(lock_file_of(root / name)):
        stages: list[LoadProgress] = []
        load_model(str(tiny_gguf), dtype="float32", progress=stages.append)

    assert "Converting GGUF" not in [step.stage for step in stages]
    assert contents(root / name) == before


def test_cleanup_skips_leftovers_another_process_is_still_building(tiny_gguf: Path) -> None:
    """Temporary folders go when their builder has ended (its lock is free), however
    young; one whose builder runs stays, however old; one without a lock file (an older
    Writer's) still waits a day."""
    from writer_app.engine.models import load_model

    root = converted_root()
    root.mkdir(parents=True)
    long_ago = time.time() - 2 * DAY_S
    for leftover in (".tmp-busy-1", ".tmp-ended-2", ".tmp-old-3", ".tmp-young-4"):
        (root / leftover).mkdir()
        (root / leftover / "model.safetensors").write_bytes(b"partial")
    for leftover in (".tmp-busy-1", ".tmp-ended-2"):
        (root / f"{leftover}.lock").touch()
    for leftover in (".tmp-busy-1", ".tmp-old-3"):
        os.utime(root / leftover, (long_ago, long_ago))
    (root / ".tmp-abandoned-5.lock").touch()  # a lock file whose folder is gone

    with another_process_holding(root / ".tmp-busy-1.lock"):
        load_model(str(tiny_gguf), dtype="float32")  # converts, and cleans up first
        assert (root / ".tmp-busy-1" / "model.safetensors").read_bytes() == b"partial"

    leftovers = sorted(p.name for p in root.iterdir() if p.name.startswith(".tmp-"))
    assert leftovers == [".tmp-busy-1", ".tmp-busy-1.lock", ".tmp-young-4"]
