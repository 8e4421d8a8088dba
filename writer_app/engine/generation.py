"""What a running generation hands back: its steps, and at the end why and how fast it stopped.

Kept apart from the decode loops so that each loop (sampled, beam, batched) fills in the
same `GenerationStats` and the callers see one `Generation` type whichever ran.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, Step

ParamsSource = SamplingParams | Callable[[], SamplingParams]
CancelSource = threading.Event | Callable[[], bool] | None


class StopReason(enum.StrEnum):
    EOS = "eos"  # the model ended the text
    LENGTH = "length"  # max_new_tokens reached
    CANCELLED = "cancelled"  # the caller asked to stop
    CONTEXT_FULL = "context-full"  # the model's window is full


class GenerationCancelled(Exception):
    """Raised inside the engine when a long prefill is cancelled."""


@dataclass
class GenerationStats:
    """Filled in while a generation runs; final once its iterator is exhausted."""

    seed: int | None = None
    context: ContextUsage | None = None
    tokens: int = 0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0
    stop_reason: StopReason | None = None
    text: list[str] = field(default_factory=list)  # the pieces of a single generation
    rows: list[str] = field(default_factory=list)  # each sample's text (generate_many)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.decode_seconds if self.decode_seconds > 0 else 0.0


class Generation:
    """An iterator of `Step`s whose `stats` tell, at the end, why and how fast it stopped."""

    def __init__(self, steps: Callable[[GenerationStats], Iterator[Step]]) -> None:
        self.stats = GenerationStats()
        self._steps = steps(self.stats)

    def __iter__(self) -> Iterator[Step]:
        return self

    def __next__(self) -> Step:
        return next(self._steps)

    @property
    def text(self) -> str:
        return "".join(self.stats.text)


def as_cancel_check(cancel: CancelSource) -> Callable[[], bool]:
    """One shape for the ways a caller may say stop: nothing, an Event or a callable."""
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def as_params_source(params: ParamsSource) -> Callable[[], SamplingParams]:
    """Fixed settings, or a callable read afresh before every token (live sliders)."""
    if isinstance(params, SamplingParams):
        return lambda: params
    return params
