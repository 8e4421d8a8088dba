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
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch
import transformers
from safetensors import SafetensorError
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app.atomic import write_text_atomically
from writer_app.engine.device import Precision
from writer_app.engine.models import builtin, converted_cache
from writer_app.engine.models.folder import load_folder, read_json
from writer_app.engine.models.gguf_header import check_gguf_file
from writer_app.engine.models.gguf_reader import one_gguf_reader
from writer_app.engine.models.progress import LoadedModel, LoadSteps
from writer_app.errors import LoadCancelledError, ModelLoadError, WriterError

log = logging.getLogger(__name__)

_GGUF_HASH_INDEX = "gguf-hashes.json"
# What loading a damaged converted folder raises (missing, truncated or garbled files),
# as opposed to device or memory failures, which rebuilding the cache would not cure.
_DAMAGED_FILE_ERRORS = (WriterError, OSError, ValueError, KeyError, SafetensorError)


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
    warm start needs neither the GGUF file nor hashing it.
    """
    if gguf_path is None:
        content_hash = builtin.default_package().EXPECTED_SHA256
    else:
        check_gguf_file(gguf_path)
        content_hash = _gguf_content_hash(gguf_path)
    converted = converted_cache.converted_root() / content_hash[:16]
    if converted_cache.is_complete_conversion(converted):
        try:
            return load_folder(converted, spec, name, device, precision, steps)
        except LoadCancelledError:
            raise
        except _DAMAGED_FILE_ERRORS as error:
            log.warning("Converted model in %s is broken (%s); converting again", converted, error)
    if converted.exists():
        shutil.rmtree(converted, ignore_errors=True)
    if gguf_path is None:
        steps.begin("Preparing default model")
        gguf_path = builtin.default_gguf_path()
    _convert_gguf(gguf_path, converted, name, steps)
    return load_folder(converted, spec, name, device, precision, steps)


def _convert_gguf(gguf_path: Path, target: Path, name: str, steps: LoadSteps) -> None:
    """Dequantize a GGUF to a float32 safetensors folder at `target`, atomically.

    Everything is written into a temporary folder beside `target` and renamed into
    place at the end, so an interrupted conversion never leaves a cache that a
    later start would trust. float32 keeps every dtype loadable from the copy.
    """
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    converted_cache.remove_stale_temp_folders(root)
    started = time.perf_counter()
    steps.begin("Reading GGUF tokenizer")
    try:
        with one_gguf_reader():
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
    temp = Path(tempfile.mkdtemp(prefix=f"{converted_cache.TEMP_PREFIX}{target.name}-", dir=root))
    try:
        model.save_pretrained(temp)
        tokenizer.save_pretrained(temp)
        converted_cache.record_added_tokens(temp, tokenizer)
        marker = {
            "source": gguf_path.name,
            "sha256_prefix": target.name,
            "transformers": transformers.__version__,
        }
        (temp / converted_cache.CONVERSION_MARKER).write_text(
            json.dumps(marker, indent=2), encoding="utf-8")
        del model
        gc.collect()
        try:
            os.replace(temp, target)
        except OSError:
            if not converted_cache.is_complete_conversion(target):  # not another process's
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    log.info("Converted %s into %s in %.1f s", gguf_path, target, time.perf_counter() - started)


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
