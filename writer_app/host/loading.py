"""Turning a model spec into loaded weights, where the model will live.

`load_with_engine` is the real loader; tests hand in others (a tiny model, a gated one),
by reference (`LoaderRef`, resolved here) or, on the engine's own thread, as a function.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from writer_app.boundary.engine import LoaderRef

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel


class Loader(Protocol):
    """Turns a model spec into a LoadedModel; runs where the model will live."""

    def __call__(self, spec: str, device: str, dtype: str,
                 progress: Callable[[Any], None],
                 cancelled: Callable[[], bool]) -> LoadedModel: ...


def resolve_loader(loader: LoaderRef | Loader) -> Loader:
    """The function a `LoaderRef` names (imported now), or `loader` itself."""
    if not isinstance(loader, LoaderRef):
        return loader
    module_name, _, name = loader.target.partition(":")
    function = getattr(importlib.import_module(module_name), name)
    return functools.partial(function, **loader.options) if loader.options else function


def load_with_engine(spec: str, device: str, dtype: str, progress: Callable[[Any], None],
                     cancelled: Callable[[], bool], remember: bool = True) -> LoadedModel:
    """The real loader: torch and transformers are imported here, where the model lives.

    `remember` adds the model to the user's recent list (benchmarks and tests opt out).
    """
    leave_a_core_for_the_window()
    from writer_app.engine.models import load_model, remember_recent
    from writer_app.engine.quiet import quiet_libraries

    quiet_libraries()
    loaded = load_model(spec, device=device, dtype=dtype, progress=progress, cancelled=cancelled)
    if remember:
        remember_recent(spec)
    return loaded


def leave_a_core_for_the_window() -> int:
    """Give torch one thread fewer than the engine's default, so that the GUI thread has a
    core of its own: torch's threads wait for each other at every operation, and one of
    them losing its core to the window (or to another program) slows decoding ~3x on a
    2-core machine. Returns the thread count."""
    import torch

    from writer_app.engine.device import configure_cpu_threads

    threads = max(1, configure_cpu_threads() - 1)
    torch.set_num_threads(threads)
    return threads
