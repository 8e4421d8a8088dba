"""The bridge between the window and the engine: requests in, steps and results out.

The window's side only: Qt-free and torch-free, and it never imports the engine's side
(`writer_app.host`, which the engine's child process runs). See `engine_worker` for how
requests and replies travel and `engine_process` for the child process that owns the
model in the app. The values that cross are in `writer_app.boundary`.
"""

from writer_app.boundary.engine import CancelFlag, Engine, LoaderRef
from writer_app.boundary.failures import failure_from
from writer_app.boundary.messages import (
    SUPERSEDED,
    Failure,
    GenerationSummary,
    LiveParams,
    LoadRequest,
    ModelInfo,
    WorkerError,
)
from writer_app.worker.engine_worker import THREAD_NAME, EngineWorker, GenerationStream

__all__ = [
    "SUPERSEDED",
    "THREAD_NAME",
    "CancelFlag",
    "Engine",
    "EngineWorker",
    "Failure",
    "GenerationStream",
    "GenerationSummary",
    "LiveParams",
    "LoadRequest",
    "LoaderRef",
    "ModelInfo",
    "WorkerError",
    "failure_from",
]
