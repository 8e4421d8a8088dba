"""GGUF files through the converted cache: each GGUF is dequantized once into a safetensors
folder named by its content hash, and loaded from there ever after.

transformers needs about 50 s to read the default GGUF (it walks the whole vocabulary in
Python); the converted folder loads in ~4 s.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import torch
import transformers
from safetensors import SafetensorError
from tqdm.auto import tqdm
from transformers import AutoModelForCausalLM, AutoTokenizer, modeling_gguf_pytorch_utils
from transformers.utils import logging as hf_logging

from writer_app.atomic import write_text_atomically
from writer_app.engine.device import Precision
from writer_app.engine.models import builtin, converted_cache
from writer_app.engine.models.folder import load_folder, read_json
from writer_app.engine.models.gguf_header import check_gguf_file
from writer_app.engine.models.gguf_reader import one_gguf_reader
from writer_app.engine.models.progress import LoadedModel, LoadSteps
from writer_app.errors import (
    LoadCancelledError,
    ModelLoadError,
    WriterError,
    first_line,
    is_out_of_memory,
)

log = logging.getLogger(__name__)

_GGUF_HASH_INDEX = "gguf-hashes.json"
_HINT_DAMAGED_FILE = ("the file is damaged or was made for another program: download it again, "
                      "or choose another model")
# What loading a damaged converted folder raises (missing, truncated or garbled files),
# as opposed to device or memory failures, which rebuilding the cache would not cure.
_DAMAGED_FILE_ERRORS = (WriterError, OSError, ValueError, KeyError, SafetensorError)


def _progress_bar_obeying_transformers(*args: Any, **kwargs: Any) -> tqdm:
    """transformers' GGUF conversion draws its progress bar with tqdm itself, ignoring its
    own switch (disable_progress_bar): the CLI printed it above its one-line errors."""
    kwargs.setdefault("disable", not hf_logging.is_progress_bar_enabled())
    return tqdm(*args, **kwargs)


# Set once at import, never swapped back and forth: no window for another thread to see.
modeling_gguf_pytorch_utils.tqdm = _progress_bar_obeying_transformers


def load_gguf(
    gguf_path: Path | None,
    spec: str,
    name: str,
    device: torch.device,
    precision: Precision,
    steps: LoadSteps,
) -> LoadedModel:
    """Load a GGUF through its converted folder, converting first when there is none.

    `gguf_path` None means the default model, whose hash the package states, so a
    warm start needs neither the GGUF file nor hashing it. Several Writer processes may
    share the cache at once (see converted_cache).
    """
    if gguf_path is None:
        content_hash = builtin.default_package().EXPECTED_SHA256
    else:
        check_gguf_file(gguf_path)
        content_hash = _gguf_content_hash(gguf_path)
    converted = converted_cache.converted_root() / content_hash[:16]
    broken = converted.exists()  # but incomplete, unless the load below succeeds
    if converted_cache.is_complete_conversion(converted):
        try:
            with converted_cache.reading(converted):
                return load_folder(converted, spec, name, device, precision, steps)
        except LoadCancelledError:
            raise
        except _DAMAGED_FILE_ERRORS as error:
            log.warning("Converted model in %s is broken (%s); converting again", converted, error)
    if gguf_path is None:
        steps.begin("Preparing default model")
        gguf_path = builtin.default_gguf_path()
    root = converted.parent
    root.mkdir(parents=True, exist_ok=True)
    converted_cache.remove_stale_temp_folders(root)
    with converted_cache.temporary_folder(root, converted.name) as temp:
        _convert_gguf(gguf_path, temp, converted.name, name, steps)
        folder = converted_cache.install(temp, converted, replace=broken)
        if folder == temp:  # the cache is in another process's hands: load ours from here
            return load_folder(temp, spec, name, device, precision, steps)
    with converted_cache.reading(converted):
        return load_folder(converted, spec, name, device, precision, steps)


def _convert_gguf(gguf_path: Path, into: Path, cache_name: str, name: str,
                  steps: LoadSteps) -> None:
    """Dequantize a GGUF into a float32 safetensors folder `into` (an empty folder).

    The marker is written last, so a copy that was cut short is never trusted. float32
    keeps every dtype loadable from the copy.
    """
    started = time.perf_counter()
    steps.begin("Reading GGUF tokenizer")
    try:
        with one_gguf_reader():
            tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
            steps.begin("Converting GGUF")
            model, loading = AutoModelForCausalLM.from_pretrained(
                gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32,
                trust_remote_code=False, output_loading_info=True
            )
    except (WriterError, MemoryError):
        raise
    except Exception as error:  # transformers reading a damaged or foreign file
        if is_out_of_memory(error):
            raise  # load_model says what to do about memory
        raise _conversion_error(name, error) from error
    _require_every_weight(loading, name)
    steps.begin("Caching converted model")
    # A GGUF-loaded model refuses save_pretrained while it still looks quantized;
    # its weights are already dequantized, so dropping these marks is safe.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(into)
    tokenizer.save_pretrained(into)
    del model
    gc.collect()
    converted_cache.record_added_tokens(into, tokenizer)
    marker = {
        "source": gguf_path.name,
        "sha256_prefix": cache_name,
        "transformers": transformers.__version__,
    }
    (into / converted_cache.CONVERSION_MARKER).write_text(
        json.dumps(marker, indent=2), encoding="utf-8")
    log.info("Converted %s in %.1f s", gguf_path, time.perf_counter() - started)


def _require_every_weight(loading: dict[str, Any], name: str) -> None:
    """transformers fills a weight the file lacks with random values and only logs it: a
    model that writes nonsense. A damaged tensor table (a name garbled) does exactly that."""
    missing = sorted(loading.get("missing_keys") or ())
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise ModelLoadError(
            f"'{name}' lacks weights its model needs ({missing[0]}{more})",
            _HINT_DAMAGED_FILE,
        )


def _weights_do_not_fit(name: str) -> ModelLoadError:
    return ModelLoadError(
        f"'{name}' holds weights that do not fit its own settings (shapes or types)",
        _HINT_DAMAGED_FILE,
    )


def _conversion_error(name: str, error: Exception) -> ModelLoadError:
    """What a failed conversion means for the user, in one line."""
    text = str(error)
    if isinstance(error, ValueError) and "Unrecognized configuration class" in text:
        return ModelLoadError(
            f"'{name}' is not a text-generation (causal LM) model",
            "choose a model made to continue text, such as a Llama, Qwen or Gemma GGUF",
        )
    if isinstance(error, RuntimeError) and "above report" in text:  # a report no one sees
        return _weights_do_not_fit(name)
    return ModelLoadError(f"'{name}' could not be converted: {first_line(error)}",
                          _HINT_DAMAGED_FILE)


def _gguf_content_hash(gguf_path: Path) -> str:
    """sha256 of the file, remembered by (path, size, mtime) to skip re-reading it."""
    stat = gguf_path.stat()
    key = str(gguf_path.resolve())
    index_path = converted_cache.converted_root() / _GGUF_HASH_INDEX
    index = read_json(index_path)
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
    try:  # the index only saves time; never fail a load on it
        write_text_atomically(index_path, json.dumps(index, indent=2))
    except OSError as error:
        log.debug("GGUF hash index not written: %s", error)
    return digest


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
