"""Opening a GGUF file with llama.cpp: checked first, quiet, sized to the context limit,
on the threads the transformers backend would use.

llama.cpp aborts the whole process on some malformed files, so the header and tensor
table are checked with Writer's own reader (`gguf_header`) before llama.cpp sees them;
what llama.cpp still refuses (an architecture it does not know) becomes a WriterError.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from writer_app.engine.device import MAX_CPU_THREADS, usable_cpu_count
from writer_app.engine.models.gguf_header import check_gguf_file
from writer_app.engine.models.progress import LoadSteps
from writer_app.errors import InvalidSettingError, ModelLoadError, first_line

BATCH = 512  # tokens per llama_decode while reading a prompt
FALLBACK_CONTEXT = 2048  # a GGUF that does not say its context length
FILE_TYPE_FLAG_GUESSED = 1024  # llama.cpp's LLAMA_FTYPE_GUESSED bit


@dataclass
class OpenedModel:
    """A loaded llama.cpp model and what was chosen for it."""

    llm: Any  # llama_cpp.Llama
    path: Path
    context_window: int  # n_ctx: the most tokens one request gives the model
    threads: int  # for prompts, and where decoding starts
    device: str  # "cpu", or "cuda" / "mps" when every layer is offloaded
    file_type: str  # "Q4_K_M", "F16", ...


def cpu_threads() -> int:
    """One thread fewer than the usable cores (at most 8), as the transformers backend
    leaves a core for the window (host.loading.leave_a_core_for_the_window)."""
    return max(1, min(usable_cpu_count(), MAX_CPU_THREADS) - 1)


def sample_on_one_thread() -> None:
    """Writer's sampling runs between llama.cpp's decodes on torch's own threads: a few
    small operations over the vocabulary that gain nothing from more threads, while
    threads that wait for each other collapse (several-fold) when llama.cpp or another
    program holds a core. So the llama.cpp backend's process samples on one."""
    import torch

    torch.set_num_threads(1)


def offload_device(device: str) -> str:
    """"cpu", or the GPU llama.cpp offloads every layer to; the request's device name in."""
    import llama_cpp

    name = device.strip().lower()
    if name in ("cpu", "auto"):
        if name == "auto" and llama_cpp.llama_supports_gpu_offload():
            from writer_app.engine.device import resolve_device

            return resolve_device("auto").type
        return "cpu"
    if name.startswith("cuda") or name == "mps":
        if not llama_cpp.llama_supports_gpu_offload():
            raise InvalidSettingError(
                f"This llama.cpp build cannot run on {name}: it was built for the CPU only",
                "use --device cpu, or --backend transformers for the GPU")
        return "cuda" if name.startswith("cuda") else "mps"
    raise InvalidSettingError(f"Unknown device '{device}'", "use auto, cpu, cuda or mps")


def open_gguf(path: Path, context_limit: int | None, device: str, steps: LoadSteps) -> OpenedModel:
    """Load `path` with llama.cpp; every failure is a WriterError with a hint."""
    from llama_cpp import Llama

    steps.begin("Checking the GGUF file")
    check_gguf_file(path)
    target = offload_device(device)
    threads = cpu_threads()
    steps.begin("Loading with llama.cpp")
    quiet_llama_cpp()
    # The vocabulary-only open reads the header and the architecture; the full open the
    # weights. Which one failed tells the user what is wrong with the file.
    hint = ("its architecture may be one this llama.cpp does not know: update "
            "llama-cpp-python, or open it with --backend transformers")
    try:
        probe = Llama(model_path=str(path), vocab_only=True, verbose=False)
        trained = trained_context(probe.metadata)
        probe.close()
        window = min(context_limit or trained, trained)
        hint = ("it lacks weights its model needs or they are damaged (a missing or "
                "misnamed tensor): download the file again")
        llm = Llama(model_path=str(path), n_ctx=window, n_batch=BATCH, n_ubatch=BATCH,
                    n_threads=threads, n_threads_batch=threads, verbose=False,
                    n_gpu_layers=-1 if target != "cpu" else 0)
    except (ValueError, RuntimeError, OSError) as error:
        raise ModelLoadError(
            f"llama.cpp could not load '{path.name}': {first_line(error)}", hint) from error
    steps.check_cancelled()
    # llama.cpp may round its window up; Llama sizes its own bookkeeping by ours
    return OpenedModel(llm, path, min(window, int(llm.n_ctx())), threads, target,
                       file_type_name(llm))


def trained_context(metadata: dict[str, str]) -> int:
    """The context length the model was trained with, from its GGUF metadata."""
    architecture = metadata.get("general.architecture", "")
    try:
        return max(1, int(metadata.get(f"{architecture}.context_length", FALLBACK_CONTEXT)))
    except ValueError:
        return FALLBACK_CONTEXT


def file_type_name(llm: Any) -> str:
    """The GGUF's quantization as people name it: "Q4_K_M", "Q8_0", "F16"."""
    import llama_cpp

    value = int(llama_cpp.llama_model_ftype(llm._model.model)) & ~FILE_TYPE_FLAG_GUESSED
    for prefix in ("LLAMA_FTYPE_MOSTLY_", "LLAMA_FTYPE_ALL_"):
        for name in dir(llama_cpp):
            if name.startswith(prefix) and getattr(llama_cpp, name) == value:
                return name.removeprefix(prefix)
    return f"file type {value}"


def quiet_llama_cpp() -> None:
    """llama.cpp's own log lines (cache sizes, warnings) never reach the terminal."""
    import llama_cpp

    logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL)
    llama_cpp.llama_log_set(_SILENT, ctypes.c_void_p(0))


def _silent(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    """A log callback that drops everything (kept alive by the module)."""


def _make_silent() -> Any:
    import llama_cpp

    return llama_cpp.llama_log_callback(_silent)


_SILENT = _make_silent()
