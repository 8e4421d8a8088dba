"""The bridge between the window and the engine: requests in, steps and results out.

Qt-free and torch-free at import time; see `engine_worker` for how requests and replies
travel, `engine_process` for the child process that owns the model in the app, and
`serving` for how a request is served.
"""

from writer_app.boundary.messages import (
    SUPERSEDED,
    Failure,
    GenerationSummary,
    LiveParams,
    ModelInfo,
    WorkerError,
)
from writer_app.worker.engine_worker import (
    THREAD_NAME,
    CancelFlag,
    EngineWorker,
    GenerationStream,
)
from writer_app.worker.serving import EngineHost, Loader, failure_from, load_with_engine

__all__ = [
    "SUPERSEDED",
    "THREAD_NAME",
    "CancelFlag",
    "EngineHost",
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
