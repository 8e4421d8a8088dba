"""What differs between servers: their names for things, where their tokenizer lives,
how they say their context window. Guessed from `/v1/models`, used as hints only: every
path degrades to what the OpenAI API itself defines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from writer_app.boundary.params import Mode, SamplingParams

DEFAULT_CONTEXT = 2048  # llama.cpp's and llama-cpp-python's default n_ctx
OWNERS = {"vllm": "vLLM", "llamacpp": "llama.cpp", "me": "llama-cpp-python",
          "library": "Ollama", "organization_owner": "LM Studio", "sglang": "SGLang"}
CONTEXT_IN_ERROR = re.compile(r"(?:context (?:length|window)|n_ctx)\D{0,24}?(\d{2,9})",
                              re.IGNORECASE)
LOGPROBS_IN_ERROR = re.compile(r"(?:max(?:imum)? allowed|at most|<=|not exceed)\D{0,12}(\d{1,4})",
                               re.IGNORECASE)


def guess_kind(entries: list[dict[str, Any]]) -> str:
    """"vLLM", "llama.cpp", … from how `/v1/models` describes its models ("" unknown)."""
    for entry in entries:
        owner = str(entry.get("owned_by", "")).lower()
        if owner in OWNERS:
            return OWNERS[owner]
    return ""


def context_from_models(entry: dict[str, Any]) -> int | None:
    """vLLM's max_model_len (llama.cpp's n_ctx_train is the model's, not the server's)."""
    value = entry.get("max_model_len")
    return value if isinstance(value, int) and value > 0 else None


def context_from_props(document: Any) -> int | None:
    """llama.cpp server's /props: default_generation_settings.n_ctx (or n_ctx)."""
    if not isinstance(document, dict):
        return None
    settings = document.get("default_generation_settings")
    for source in (settings if isinstance(settings, dict) else {}, document):
        value = source.get("n_ctx")
        if isinstance(value, int) and value > 0:
            return value
    return None


def number_in(pattern: re.Pattern[str], message: str) -> int | None:
    match = pattern.search(message)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Tokenizer:
    """A server's tokenizer endpoint: path (from the root, or under /v1) and body shape."""

    path: str
    under_v1: bool
    field: str  # the text's field name

    def body(self, model: str, text: str) -> dict[str, Any]:
        return {"model": model, self.field: text}


# llama-cpp-python, llama.cpp's server, vLLM (and SGLang), in the order tried
TOKENIZERS = (Tokenizer("/extras/tokenize", False, "input"),
              Tokenizer("/tokenize", False, "content"),
              Tokenizer("/tokenize", False, "prompt"))


def tokens_in(document: Any) -> int | None:
    if isinstance(document, dict):
        tokens = document.get("tokens")
        if isinstance(tokens, list):
            return len(tokens)
        count = document.get("count")
        if isinstance(count, int) and count >= 0:
            return count
    return None


def sampling_fields(params: SamplingParams, kind: str) -> dict[str, Any]:
    """The request's sampling fields, under the names each server reads.

    Unknown fields are ignored by these servers, so both spellings of the repetition
    penalty are sent. min_p 0: llama.cpp's default of 0.05 would cut what our settings
    keep.
    """
    greedy = params.is_greedy or params.mode is Mode.BEAM
    fields: dict[str, Any] = {
        "temperature": 0.0 if greedy else params.temperature,
        "top_p": params.top_p,
        "top_k": params.top_k if params.top_k > 0 else top_k_off(kind),
        "min_p": 0.0,
        "repetition_penalty": params.repetition_penalty,
        "repeat_penalty": params.repetition_penalty,
    }
    if kind == "vLLM":
        fields.pop("repeat_penalty")
    if params.seed is not None:
        fields["seed"] = params.seed % 2**31  # servers take 32-bit seeds
    return fields


def top_k_off(kind: str) -> int:
    """top_k "off": vLLM says -1; llama.cpp's servers say 0 (and refuse -1)."""
    return -1 if kind == "vLLM" else 0
