"""Loading a transformers model folder (config.json, tokenizer, safetensors), with the int8
copy that a converted folder keeps beside its float32 weights."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PretrainedConfig, PreTrainedModel

from writer_app.engine.device import Precision
from writer_app.engine.models import converted_cache
from writer_app.engine.models.model_config import causal_lm_config, context_window_of
from writer_app.engine.models.progress import LoadedModel, LoadSteps
from writer_app.engine.models.spec import HINT_CHOOSE_MODEL
from writer_app.engine.quantize import load_int8_model, quantize_int8_weights, save_int8_model
from writer_app.errors import ModelLoadError

log = logging.getLogger(__name__)

_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer.model",
    "tokenizer_config.json",
    "vocab.json",
    "vocab.txt",
    "spiece.model",
)


def load_folder(
    folder: Path,
    spec: str,
    name: str,
    device: torch.device,
    precision: Precision,
    steps: LoadSteps,
) -> LoadedModel:
    """Load a transformers model folder (config.json, tokenizer, safetensors).

    For int8 precision, a converted (cached) folder keeps its int8 tensors beside the
    float32 ones after the first quantization: later loads read 0.3 GB instead of 1.1 GB
    and skip quantizing.
    """
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"Model folder '{folder}' has no config.json", HINT_CHOOSE_MODEL)
    config = causal_lm_config(folder, name)
    if not has_weights(folder):
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
    is_cache = converted_cache.is_converted_folder(folder)  # ours, never a user's folder
    if is_cache:
        converted_cache.record_added_tokens(folder, tokenizer)
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
            if folder.is_relative_to(converted_cache.converted_root()):
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


def has_weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("pytorch_model*.bin"))


def read_json(path: Path) -> object:
    """The file's JSON value, or None when it is missing or damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
