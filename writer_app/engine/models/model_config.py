"""A model folder's config.json: whether it is a text-generation model Writer can run
without custom code, what is wrong with it when it is not, and its context window."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from huggingface_hub.errors import StrictDataclassError, StrictDataclassFieldValidationError
from transformers import AutoConfig, PretrainedConfig
from transformers.models.auto.configuration_auto import CONFIG_MAPPING
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

from writer_app.errors import ModelLoadError, first_line

FALLBACK_CONTEXT_WINDOW = 2048

_GENERATION_HEAD_SUFFIXES = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration", "WithLMHead")
_CONTEXT_WINDOW_ATTRIBUTES = ("max_position_embeddings", "n_positions", "max_sequence_length")
# huggingface_hub's strict dataclasses word a field of the wrong type like this.
_WRONG_TYPE = re.compile(
    r"Field '(?P<field>[^']+)' expected (?P<expected>.+?), got (?P<got>[\w.]+)"
    r"(?: \(value: (?P<value>.*)\))?$"
)
# Python's type names as a person editing a JSON file would say them.
_JSON_KINDS = {
    "int": "a whole number (int)",
    "float": "a number (float)",
    "str": "text (str)",
    "bool": "true or false (bool)",
    "list": "a list",
    "dict": "an object (dict)",
    "NoneType": "null",
}


def context_window_of(config: PretrainedConfig) -> int:
    """The longest sequence the model was built for, with 2048 when the config does not say."""
    text_config = config.get_text_config()
    for attribute in _CONTEXT_WINDOW_ATTRIBUTES:
        value = getattr(text_config, attribute, None)
        if isinstance(value, int) and value > 0:
            return value
    return FALLBACK_CONTEXT_WINDOW


def causal_lm_config(folder: Path, name: str) -> PretrainedConfig:
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
    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    except StrictDataclassError as error:
        raise _invalid_config_error(error, name) from error
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


def _invalid_config_error(error: Exception, name: str) -> ModelLoadError:
    """Say which field of config.json is wrong, what it needs and what it holds.

    transformers' own text puts the detail on a second line, so a one-line message
    showed "Validation error for field 'hidden_size':" and nothing after the colon.
    """
    cause = error.__cause__ if error.__cause__ is not None else error
    wrong_type = _WRONG_TYPE.search(str(cause).strip())
    if isinstance(error, StrictDataclassFieldValidationError) and wrong_type:
        field = wrong_type["field"]
        return ModelLoadError(
            f"config.json of '{name}' has a wrong value for '{field}': it needs "
            f"{_kind(wrong_type['expected'])}, got {_got(wrong_type['got'], wrong_type['value'])}",
            f"correct '{field}' in config.json, or download the model again",
        )
    detail = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return ModelLoadError(
        f"config.json of '{name}' is not valid: {detail or first_line(error)}"[:300],
        "correct config.json, or download the model again",
    )


def _kind(type_name: str) -> str:
    return _JSON_KINDS.get(type_name, type_name)


def _got(type_name: str, value: str | None) -> str:
    if type_name == "NoneType" or value is None:
        return _kind(type_name)
    if type_name == "float":  # a float where an int belongs is the likely slip
        return f"a number with a fraction (float) {value}"
    return f"{_kind(type_name)} {value[:60]}"
