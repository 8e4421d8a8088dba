"""The bridge between the window and the engine: one thread owns the model.

Qt-free and torch-free at import time; see `engine_worker` for how requests and replies
travel.
"""

from writer_app.worker.engine_worker import (
    SUPERSEDED,
    THREAD_NAME,
    EngineWorker,
    GenerationStream,
    Loader,
    failure_from,
    load_with_engine,
)
from writer_app.worker.messages import (
    Failure,
    GenerationSummary,
    LiveParams,
    ModelInfo,
    WorkerError,
)

__all__ = [
    "SUPERSEDED",
    "THREAD_NAME",
    "EngineWorker",
    "Failure",
    "GenerationStream",
    "GenerationSummary",
    "LiveParams",
    "Loader",
    "ModelInfo",
    "WorkerError",
    "failure_from",
    "load_with_engine",
]
