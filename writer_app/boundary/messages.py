"""The plain values that cross between the GUI and the engine.

Requests go in as frozen values; results, progress, steps and failures come back as
frozen values. Nothing here holds a tensor or a Qt object, every value pickles (the
engine runs in a child process), and importing this module imports neither torch nor
Qt, so the window can start before torch is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from writer_app.boundary.backend import Capabilities
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.server import ServerConnection
from writer_app.errors import WriterError

if TYPE_CHECKING:
    from writer_app.boundary.results import ContextUsage


# ---- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRequest:
    """Load a model; on success it replaces the current one, on failure the old one stays.

    `backend` names what runs it (see `writer_app.host.backends`); "auto" picks one.
    With `server` set, the model runs on that OpenAI-compatible server (backend
    "server") and `spec` is only a label for it.
    """

    spec: str
    device: str = "auto"
    dtype: str = "auto"
    backend: str = "auto"
    server: ServerConnection | None = None


@dataclass(frozen=True)
class NextTokensRequest:
    """The most likely next tokens after `text` (the pane)."""

    text: str
    params: SamplingParams
    n: int = 10
    preamble: str = ""


@dataclass(frozen=True)
class ReweighRequest:
    """The last next-tokens result under other settings, from cached logits."""

    params: SamplingParams
    n: int = 10


@dataclass(frozen=True)
class GenerateRequest:
    """Continue `text`; `params` is read before every token, so sliders apply at once."""

    text: str
    params: Callable[[], SamplingParams]
    preamble: str = ""
    top_n: int = 10


@dataclass(frozen=True)
class SuggestRequest:
    """`n` short continuations of `text` for inline completion, sampled in one batch.

    Each ends at a sentence or line end (`suggestion_end`) or after `max_tokens` tokens.
    """

    text: str
    params: SamplingParams
    n: int = 3
    preamble: str = ""
    max_tokens: int = 32
    at_sentence_end: bool = True  # False: whole samples of max_tokens (Continue ×3)


@dataclass(frozen=True)
class ServerProbeRequest:
    """Ask an OpenAI-compatible server whether it answers and which models it serves.

    The Connect to Server dialog's Test button and model list; served in the engine's
    process, which makes every network call, without changing the loaded model.
    """

    server: ServerConnection


Request = (LoadRequest | NextTokensRequest | ReweighRequest | GenerateRequest | SuggestRequest
           | ServerProbeRequest)


# ---- replies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """What the window shows about the loaded model."""

    name: str
    spec: str
    device: str  # e.g. "cpu", "cuda:0"
    dtype: str  # what it computes in, e.g. "float32"
    precision: str  # for people, e.g. "int8 weights, bfloat16 compute"
    context_window: int  # the most tokens one request gives the model
    backend: str = "transformers"  # what runs it
    capabilities: Capabilities = field(default_factory=Capabilities)  # what it cannot do
    # Why "auto" chose this backend over a faster one, e.g. "llama.cpp is not installed:
    # …" — shown in About and Copy Diagnostics; "" when nothing was passed over.
    backend_note: str = ""

    @property
    def short_precision(self) -> str:
        """For the status bar: "int8" for int8 weights (what the user chose), else the
        dtype it computes in."""
        return "int8" if self.precision.startswith("int8") else self.dtype


@dataclass(frozen=True)
class ServerProbe:
    """What a server said to a probe: it answered, with these models."""

    url: str  # the normalised base URL that answered
    models: tuple[str, ...]  # as /v1/models lists them, in its order
    server: str  # what it says it is ("llama.cpp", "vLLM", …), "" when it does not say
    seconds: float  # how long the round trip took
    warning: str = ""  # e.g. plain http to another machine: the text crosses unencrypted


@dataclass(frozen=True)
class GenerationSummary:
    """How a generation ended: for the status bar and for reproducing it (the seed)."""

    seed: int | None
    tokens: int
    tokens_per_second: float
    prefill_seconds: float
    stop_reason: str  # "eos" | "length" | "cancelled" | "context-full"
    context: ContextUsage | None


@dataclass(frozen=True)
class Failure:
    """An exception caught at the worker boundary, as a value the GUI can show."""

    message: str
    hint: str
    cancelled: bool = False  # the user (or a newer request) stopped it: nothing to show
    details: str = ""  # a traceback, for errors that are bugs rather than user errors
    engine_lost: bool = False  # the engine's process died: the model must be loaded again
    # With engine_lost: what to load again to recover — the model the lost engine was
    # loading, else the one it held; None when there is none, or a load already under
    # way replaces it (see EngineWorker.on_engine_lost).
    model: LoadRequest | None = None


class Superseded:
    """The outcome of a pane request that a newer one made pointless.

    One instance, compared by identity; it pickles by name, so it stays that instance
    after crossing from the engine's process."""

    def __repr__(self) -> str:
        return "SUPERSEDED"

    def __reduce__(self) -> str:
        return "SUPERSEDED"


SUPERSEDED = Superseded()


class WorkerError(WriterError):
    """A request failed in the engine thread; raised on the GUI side from a `Failure`."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message, failure.hint)
        self.cancelled = failure.cancelled
        self.details = failure.details
        self.engine_lost = failure.engine_lost
        self.failure = failure


class LiveParams:
    """The current sampling settings: the GUI swaps the frozen value, the worker reads it.

    Swapping a reference is atomic in Python, so no lock is needed; the worker reads it
    before every token, which is how a slider moved mid-generation takes effect.
    """

    def __init__(self, params: SamplingParams | None = None) -> None:
        self._params = params or SamplingParams()

    def get(self) -> SamplingParams:
        return self._params

    def set(self, params: SamplingParams) -> None:
        self._params = params

    __call__ = get
