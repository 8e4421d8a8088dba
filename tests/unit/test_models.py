"""Model sources (folders, Hub ids, paths), config checks, precision and error mapping;
and the helpers the other model tests share (test_models_gguf, test_models_catalogue,
test_gguf_*): isolated dirs, a tiny Llama GGUF writer, stage recording.

Everything runs on tiny models built offline (the shared `tiny_model_dir` folder and
a tiny Llama GGUF written here), so the whole file takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch
from huggingface_hub.errors import IncompleteSnapshotError
from transformers import BertConfig, GPT2Config, PretrainedConfig
from transformers.convert_slow_tokenizer import bytes_to_unicode

from writer_app.engine.device import Precision, resolve_precision
from writer_app.engine.models import (
    FALLBACK_CONTEXT_WINDOW,
    LoadedModel,
    LoadProgress,
    context_window_of,
    folder,
    hub,
    load_model,
    loader,
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


pytestmark = pytest.mark.usefixtures("isolated_dirs")


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


# --- failures while loading --------------------------------------------------


class FailingAutoModel:
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
    monkeypatch.setattr(folder, "AutoModelForCausalLM", FailingAutoModel(error))

    with pytest.raises(ModelLoadError, match="Not enough memory") as caught:
        load_model(str(tiny_model_dir))
    assert "smaller model" in caught.value.hint and "--device cpu" in caught.value.hint


def test_unexpected_error_becomes_a_short_load_error(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = ValueError("tensor shape mismatch\n" + "traceback noise\n" * 50)
    monkeypatch.setattr(folder, "AutoModelForCausalLM", FailingAutoModel(error))

    with pytest.raises(ModelLoadError) as caught:
        load_model(str(tiny_model_dir))
    assert caught.value.message.endswith("tensor shape mismatch")
    assert isinstance(caught.value.__cause__, ValueError)


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
