"""The backends the engine can load a model with, by name: one entry per backend module.

Adding a backend (llama.cpp in-process, an OpenAI-compatible server) is a new module with
an `open_backend(request, context)` that returns a `Backend`, plus one entry here. The
module is imported only when a model is loaded with it, so a backend whose library is
missing costs nothing until chosen, and then says what to install.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from writer_app.boundary.backend import Backend
from writer_app.boundary.messages import LoadRequest, ModelInfo
from writer_app.errors import WriterError
from writer_app.host.cpu_features import bundled_llama_cpp_gap
from writer_app.host.loading import Loader

AUTO = "auto"
SERVER = "server"  # an OpenAI-compatible server; chosen by LoadRequest.server, not by name
LLAMA_CPP = "llama.cpp"
TRANSFORMERS = "transformers"


@dataclass(frozen=True)
class OpenContext:
    """What opening a backend may use besides the request."""

    progress: Callable[[Any], None]  # takes an object with .stage and .fraction
    cancelled: Callable[[], bool]
    loader: Loader  # how the transformers backend turns a spec into weights
    context_limit: int | None  # the user's cap on the context window


@dataclass(frozen=True)
class BackendEntry:
    """One backend: where its opener lives and which libraries it needs."""

    name: str
    opener: str  # "package.module:function" taking (LoadRequest, OpenContext)
    requires: tuple[str, ...]  # importable top-level modules it needs
    install_hint: str
    # Why the processor cannot run it although it is installed, or None (checked after
    # the libraries: the bundled llama.cpp needs AVX2).
    cpu_gap: Callable[[], str | None] | None = None
    # Why "auto" passed over a faster backend for this one ("" when it did not): the
    # opened backend's ModelInfo carries it as backend_note, for About and Diagnostics.
    note: str = ""

    def missing(self) -> str | None:
        """Why this backend cannot run here (a library is not installed), or None."""
        absent = [module for module in self.requires if importlib.util.find_spec(module) is None]
        if absent:
            return f"{', '.join(absent)} is not installed; {self.install_hint}"
        return self.cpu_gap() if self.cpu_gap is not None else None

    def open(self, request: LoadRequest, context: OpenContext) -> Backend:
        module_name, _, function = self.opener.partition(":")
        opener = getattr(importlib.import_module(module_name), function)
        backend: Backend = opener(request, context)
        return _Noted(backend, self.note) if self.note else backend


class _Noted:
    """A backend whose ModelInfo says why "auto" chose it; everything else passes through."""

    def __init__(self, backend: Backend, note: str) -> None:
        self._backend = backend
        self._note = note

    def info(self) -> ModelInfo:
        return dataclasses.replace(self._backend.info(), backend_note=self._note)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


BACKENDS: dict[str, BackendEntry] = {
    entry.name: entry for entry in (
        BackendEntry("transformers", "writer_app.host.transformers_backend:open_backend",
                     ("torch", "transformers"),
                     "reinstall Writer (pip install writer-app) to get it"),
        BackendEntry("llama.cpp", "writer_app.host.llamacpp_backend:open_backend",
                     ("llama_cpp",),
                     "install it with: pip install llama-cpp-python (it compiles llama.cpp: "
                     "about 8 minutes, needs cmake and a C compiler)",
                     cpu_gap=bundled_llama_cpp_gap),
        BackendEntry(SERVER, "writer_app.host.server_backend:open_backend", (),
                     "it needs nothing beyond Writer itself"),
    )
}


def choose_backend(request: LoadRequest) -> BackendEntry:
    """The entry that loads `request`: the one it names, or for "auto" the best one here."""
    name = SERVER if request.server is not None else request.backend
    if name == AUTO:
        return _automatic(request)
    entry = BACKENDS.get(name)
    if entry is None:
        raise WriterError(f"There is no backend named {name!r}",
                          f"choose one of: {', '.join([AUTO, *BACKENDS])}")
    reason = entry.missing()
    if reason is not None:
        raise WriterError(f"The {name} backend cannot run here", reason)
    return entry


def _automatic(request: LoadRequest) -> BackendEntry:
    """llama.cpp for a GGUF model on the CPU when it can run (decoding ~2x faster there),
    else transformers; the entry notes why llama.cpp was passed over where it was
    missing or broken, since the user would otherwise get the slower path silently."""
    transformers = BACKENDS[TRANSFORMERS]
    if not _wants_llama_cpp(request):
        return transformers
    llama = BACKENDS[LLAMA_CPP]
    reason = llama.missing() or _import_failure(llama)
    if reason is None:
        return llama
    return dataclasses.replace(
        transformers, note=f"llama.cpp would run this GGUF model faster, but {reason}")


def _wants_llama_cpp(request: LoadRequest) -> bool:
    """A GGUF model (the built-in one included), on the CPU, in its own quantization."""
    if request.dtype.strip().lower() != AUTO or not _on_cpu(request.device):
        return False
    from writer_app.engine.models.spec import locate

    try:
        return locate(request.spec.strip()).kind in ("default", "gguf")
    except WriterError:
        return False  # the transformers backend says what is wrong with the spec


def _on_cpu(device: str) -> bool:
    """Whether `device` means the CPU here: "cpu", or "auto" on a machine without a GPU
    (asked of torch only for "auto"; the engine's process imports it anyway)."""
    name = device.strip().lower()
    if name == "cpu":
        return True
    if name != AUTO:
        return False
    from writer_app.engine.device import resolve_device

    return resolve_device(AUTO).type == "cpu"


def _import_failure(entry: BackendEntry) -> str | None:
    """Why an installed library fails to import (a broken build), or None."""
    for module in entry.requires:
        try:
            importlib.import_module(module)
        except Exception as error:  # a broken native library raises all sorts
            return f"{module} failed to load ({type(error).__name__}: {error}); " \
                   f"{entry.install_hint}"
    return None


def available_backends() -> dict[str, str | None]:
    """Each backend's name, with why it cannot run here (None when it can)."""
    return {name: entry.missing() for name, entry in BACKENDS.items()}
