"""The engine boundary's own types: how a request is stopped, what serves it, what loads.

The window's side (`writer_app.worker`) and the engine's side (`writer_app.host`) both
speak these; neither imports the other. Nothing here imports torch, transformers or Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from writer_app.boundary.messages import Failure, Request

EventSink = Callable[[Any], None]

DEFAULT_LOADER = "writer_app.host.loading:load_with_engine"


class CancelSignal(Protocol):
    """What serving code reads to know it should stop: a threading.Event, a flag in shared
    memory, or a `CancelFlag`. Read between tokens and between the stages of a load."""

    def is_set(self) -> bool: ...


class CancelFlag:
    """A request's stop flag: set from the GUI thread, read by the engine between tokens.

    It can mirror itself onto a flag that the engine's child process reads. A mirror
    removed with `unmirror` is never set afterwards (both happen under one lock), so a
    late stop of a finished request cannot stop the next one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._mirrors: list[Any] = []

    def set(self) -> None:
        with self._lock:
            self._set = True
            for mirror in self._mirrors:
                mirror.set()

    def is_set(self) -> bool:
        return self._set

    def mirror(self, other: Any) -> None:
        """Set `other` now if this flag is set, and whenever it is set until `unmirror`."""
        with self._lock:
            self._mirrors.append(other)
            if self._set:
                other.set()

    def unmirror(self, other: Any) -> None:
        with self._lock:
            self._mirrors.remove(other)


class Engine(Protocol):
    """Where the worker's requests are served: in its thread (`writer_app.host.EngineHost`)
    or in a child process (`writer_app.worker.engine_process.ChildProcessEngine`).

    The worker's engine thread calls `prepare`, `execute` and `close` (`close` may also
    come from `shutdown` when that thread never ran); `abort` and `query` may come from
    any thread.
    """

    def execute(self, request: Request, event: EventSink, cancel: CancelFlag) -> object:
        """Serve one request: its events go to `event`; the outcome is returned as a value
        (a result, SUPERSEDED, or a Failure — never raised)."""

    def query(self, name: str) -> Any:
        """Answer a quick look-up by name (see `writer_app.host.queries`), at once."""

    def prepare(self) -> None:
        """Get ready for the first request ahead of it (start a process); may be a no-op."""

    def revive(self) -> Failure | None:
        """If the engine died while idle, forget it and return the loss (engine_lost), so
        that the next request starts afresh; None while it is alive, or if none runs."""

    def abort(self) -> None:
        """Stop at once, from any thread (a child process is killed); may be a no-op."""

    def close(self) -> None:
        """Let the model go; nothing is served afterwards."""


@dataclass(frozen=True)
class LoaderRef:
    """Names, by import path, the function that loads a model where the model will live.

    The window's process never imports the engine: it hands this plain value to the
    engine's process, which imports `target` ("package.module:function") there and calls
    it with `options` as keyword arguments (tests name a slow or gated loader this way).
    """

    target: str = DEFAULT_LOADER
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        module, _, name = self.target.partition(":")
        if not module or not name:
            raise ValueError(f"a loader is named 'package.module:function', not {self.target!r}")
