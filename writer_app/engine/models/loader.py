"""load_model: one entry point that finds the source, picks the precision and maps errors."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch

from writer_app.engine.device import Precision, resolve_device, resolve_precision
from writer_app.engine.memory import release_free_heap
from writer_app.engine.models import folder, gguf_convert, hub
from writer_app.engine.models.progress import (
    CancelledCallback,
    LoadedModel,
    LoadSteps,
    ProgressCallback,
)
from writer_app.engine.models.spec import DEFAULT_SPEC, Source, locate
from writer_app.errors import ModelLoadError, WriterError, first_line, is_out_of_memory

log = logging.getLogger(__name__)

_HINT_OUT_OF_MEMORY = "choose a smaller model or --dtype bfloat16/float16, or --device cpu"


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
    steps = LoadSteps(progress, cancelled)
    spec = spec.strip()
    started = time.perf_counter()
    try:
        source = locate(spec)
        precision = automatic_precision(dtype, torch_device, source, precision)
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


def automatic_precision(
    dtype: str, device: torch.device, source: Source, chosen: Precision
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
    source: Source, spec: str, device: torch.device, precision: Precision, steps: LoadSteps
) -> LoadedModel:
    if source.kind == "default":
        return gguf_convert.load_gguf(None, spec, source.name, device, precision, steps)
    if source.kind == "gguf":
        return gguf_convert.load_gguf(
            Path(source.location), spec, source.name, device, precision, steps
        )
    if source.kind == "hub":
        snapshot = hub.fetch_from_hub(source.location, steps)
        return folder.load_folder(snapshot, spec, source.name, device, precision, steps)
    return folder.load_folder(Path(source.location), spec, source.name, device, precision, steps)


def _as_load_error(error: Exception, spec: str) -> ModelLoadError:
    """Turn an unexpected failure into a one-line ModelLoadError."""
    if is_out_of_memory(error):
        return ModelLoadError(f"Not enough memory to load '{spec}'", _HINT_OUT_OF_MEMORY)
    return ModelLoadError(
        f"Could not load '{spec}': {first_line(error)}",
        "check that the model files are complete, or choose another model",
    )
