"""What a load hands back (LoadedModel) and how it reports its stages while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from writer_app.errors import LoadCancelledError


@dataclass(frozen=True)
class LoadProgress:
    """One step of a model load, for a status line or progress bar."""

    stage: str  # short and user-facing, e.g. "Converting GGUF"
    fraction: float | None  # 0..1 when known, None = indeterminate


@dataclass
class LoadedModel:
    """A model ready to run: eval mode, on its device, gradients off."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    name: str  # display name
    spec: str  # what the user asked for
    device: torch.device
    dtype: torch.dtype  # what the model computes in
    context_window: int  # longest sequence (prompt + output) the model was built for
    precision: str = ""  # for people: "float32", "int8 weights, bfloat16 compute", ...


ProgressCallback = Callable[[LoadProgress], None]
CancelledCallback = Callable[[], bool]


class LoadSteps:
    """Reports the stages of one load and stops it between them when cancelled."""

    def __init__(self, progress: ProgressCallback | None, cancelled: CancelledCallback | None):
        self._progress = progress
        self._cancelled = cancelled

    def begin(self, stage: str, fraction: float | None = None) -> None:
        """Check for cancellation, then announce `stage`."""
        self.check_cancelled()
        self.report(stage, fraction)

    def report(self, stage: str, fraction: float | None = None) -> None:
        if self._progress is not None:
            self._progress(LoadProgress(stage, fraction))

    def check_cancelled(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise LoadCancelledError("Model loading was cancelled")
