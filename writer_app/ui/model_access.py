"""What a writing feature needs from the window to ask the model for text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from writer_app.boundary.params import SamplingParams
from writer_app.worker import EngineWorker


@dataclass(frozen=True)
class ModelAccess:
    """The worker, the live settings and instructions, a way to run a flow on the window's
    loop, and whether a generation is under way (features wait their turn)."""

    worker: EngineWorker
    params: Callable[[], SamplingParams]
    preamble: Callable[[], str]
    spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
    busy: Callable[[], bool]
