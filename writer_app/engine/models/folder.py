"""Loading a transformers model folder (config.json, tokenizer, safetensors) and checking
that what it holds is a text-generation model Writer can run without custom code."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
)
from transformers.models.auto.configuration_auto import CONFIG_MAPPING
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

from writer_app.engine.device import Precision
from writer_app.engine.models import converted_cache
from writer_app.engine.models.progress import LoadedModel, LoadSteps
from writer_app.engine.models.spec import HINT_CHOOSE_MODEL
from writer_app.engine.quantize import load_int8_model, quantize_int8_weights, save_int8_model
from writer_app.errors import ModelLoadError, first_line

log = logging.getLogger(__name__)

FALLBACK_CONTEXT_WINDOW = 2048

_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer.model",
    "tokenizer_config.json",
    "vocab.json",
    "vocab.txt",
    "spiece.model",
)
_GENERATION_HEAD_SUFFIXES = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration", "WithLMHead")
_CONTEXT_WINDOW_ATTRIBUTES = ("max_position_embeddings", "n_positions", "max_sequence_length")


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
    config = _causal_lm_config(folder, name)
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
    if not is_text_generation_model(
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


def is_text_generation_model(
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


def has_weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("pytorch_model*.bin"))


def read_json(path: Path) -> object:
    """The file's JSON value, or None when it is missing or damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
