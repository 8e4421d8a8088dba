"""The backends the engine can load a model with, by name: one entry per backend module.

Adding a backend (llama.cpp in-process, an OpenAI-compatible server) is a new module with
an `open_backend(request, context)` that returns a `Backend`, plus one entry here. The
module is imported only when a model is loaded with it, so a backend whose library is
missing costs nothing until chosen, and then says what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from writer_app.boundary.backend import Backend
from writer_app.boundary.messages import LoadRequest
from writer_app.errors import WriterError
from writer_app.host.loading import Loader

AUTO = "auto"
SERVER = "server"  # an OpenAI-compatible server; chosen by LoadRequest.server, not by name


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

    def missing(self) -> str | None:
        """Why this backend cannot run here (a library is not installed), or None."""
        absent = [module for module in self.requires if importlib.util.find_spec(module) is None]
        return f"{', '.join(absent)} is not installed; {self.install_hint}" if absent else None

    def open(self, request: LoadRequest, context: OpenContext) -> Backend:
        module_name, _, function = self.opener.partition(":")
        opener = getattr(importlib.import_module(module_name), function)
        backend: Backend = opener(request, context)
        return backend


BACKENDS: dict[str, BackendEntry] = {
    entry.name: entry for entry in (
        BackendEntry("transformers", "writer_app.host.transformers_backend:open_backend",
                     ("torch", "transformers"),
                     "reinstall Writer (pip install writer-app) to get it"),
        BackendEntry("llama.cpp", "writer_app.host.llamacpp_backend:open_backend",
                     ("llama_cpp",),
                     "install it with: pip install llama-cpp-python (it compiles llama.cpp: "
                     "about 8 minutes, needs cmake and a C compiler)"),
        BackendEntry(SERVER, "writer_app.host.server_backend:open_backend", (),
                     "it needs nothing beyond Writer itself"),
    )
}


def choose_backend(request: LoadRequest) -> BackendEntry:
    """The entry that loads `request`: the one it names, or for "auto" the best one here."""
    name = SERVER if request.server is not None else request.backend
    if name == AUTO:
        return BACKENDS["transformers"]  # the only one so far
    entry = BACKENDS.get(name)
    if entry is None:
        raise WriterError(f"There is no backend named {name!r}",
                          f"choose one of: {', '.join([AUTO, *BACKENDS])}")
    reason = entry.missing()
    if reason is not None:
        raise WriterError(f"The {name} backend cannot run here", reason)
    return entry


def available_backends() -> dict[str, str | None]:
    """Each backend's name, with why it cannot run here (None when it can)."""
    return {name: entry.missing() for name, entry in BACKENDS.items()}
