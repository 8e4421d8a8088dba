"""Where models come from, and turning one into a loaded model and tokenizer.

A model spec names one of four sources: "default" (Gemma 3 270M, shipped as a GGUF
inside a Python package), a local model folder, a .gguf file, or a Hugging Face Hub
id. One module per source or job:

- loader: load_model, the one entry point (precision, error mapping)
- spec: which source a spec names
- folder: loading a transformers folder and checking its config
- gguf_convert / converted_cache: a GGUF converted once into a cached safetensors folder
- gguf_header / gguf_reader: the quick structural check and the faster gguf reader
- builtin, hub: the shipped default model, Hugging Face downloads
- catalogue: the model list and the recent models
"""

from writer_app.boundary.results import ModelEntry
from writer_app.engine.models.builtin import default_gguf_path
from writer_app.engine.models.catalogue import (
    RECENT_LIMIT,
    list_models,
    recent_models,
    remember_recent,
)
from writer_app.engine.models.converted_cache import record_added_tokens
from writer_app.engine.models.gguf_header import check_gguf_file
from writer_app.engine.models.loader import load_model
from writer_app.engine.models.model_config import FALLBACK_CONTEXT_WINDOW, context_window_of
from writer_app.engine.models.progress import (
    CancelledCallback,
    LoadedModel,
    LoadProgress,
    ProgressCallback,
)
from writer_app.engine.models.spec import DEFAULT_DISPLAY_NAME, DEFAULT_SPEC

__all__ = [
    "DEFAULT_DISPLAY_NAME",
    "DEFAULT_SPEC",
    "FALLBACK_CONTEXT_WINDOW",
    "RECENT_LIMIT",
    "CancelledCallback",
    "LoadProgress",
    "LoadedModel",
    "ModelEntry",
    "ProgressCallback",
    "check_gguf_file",
    "context_window_of",
    "default_gguf_path",
    "list_models",
    "load_model",
    "recent_models",
    "record_added_tokens",
    "remember_recent",
]
