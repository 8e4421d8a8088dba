"""What a loaded model offers, whatever runs it: the contract every backend implements.

The engine's process serves the window's requests through this protocol only
(`writer_app.host.serving`), so a new backend — llama.cpp in-process, an
OpenAI-compatible server — is a new module that implements `Backend` and one line in the
registry (`writer_app.host.backends`), not edits across the tree. `Capabilities` tells
the window which features a backend lacks and why, so it can grey those controls with
the reason as their tooltip instead of silently doing less.

Plain values and protocols only: no torch, transformers or Qt.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from writer_app.boundary.messages import GenerationSummary, ModelInfo
    from writer_app.boundary.params import SamplingParams
    from writer_app.boundary.results import ContextUsage, NextTokens, Step

CancelCheck = Callable[[], bool]
ParamsSource = Callable[[], "SamplingParams"]
TextCut = Callable[[str], "int | None"]


class Feature(enum.StrEnum):
    """What the window may ask of a backend beyond plain text continuation."""

    NEXT_TOKENS = "next-tokens"  # the pane: the next token's distribution
    REWEIGH = "reweigh"  # the pane under other settings, without a model call
    EXACT_PROBABILITIES = "exact-probabilities"  # the whole vocabulary, not a top-k tail
    ALTERNATIVES = "alternatives"  # each generated token's rivals
    LIVE_PARAMS = "live-params"  # a slider moved mid-generation applies at the next token
    SUGGESTIONS = "suggestions"  # ghost text and Continue ×3 (several samples at once)
    SEED = "seed"  # a seed reproduces a generation
    TOP_K = "top-k"
    REPETITION_PENALTY = "repetition-penalty"
    BEAM_SEARCH = "beam-search"


@dataclass(frozen=True)
class Capabilities:
    """Which features a backend lacks, each with the reason the window shows.

    Everything not listed in `missing` is supported; the default supports everything.
    """

    missing: tuple[tuple[Feature, str], ...] = ()

    @classmethod
    def lacking(cls, **reasons: str) -> Capabilities:
        """Capabilities.lacking(seed="the server ignores seeds"): feature names with '_'
        for '-'."""
        return cls(tuple((Feature(name.replace("_", "-")), reason)
                         for name, reason in reasons.items()))

    def supports(self, feature: Feature) -> bool:
        return all(missing != feature for missing, _ in self.missing)

    def reason(self, feature: Feature) -> str:
        """Why `feature` is not available ("" when it is)."""
        return next((reason for missing, reason in self.missing if missing == feature), "")


class GenerationRun(Protocol):
    """One generation: iterate it for the steps, then ask how it ended."""

    def __iter__(self) -> Iterator[Step]: ...

    def summary(self) -> GenerationSummary:
        """How it ended (seed, speed, stop reason); valid once the steps are exhausted."""


class Backend(Protocol):
    """A loaded model, ready to serve. One thread uses it at a time; methods that take
    `cancel` read it between tokens (or between chunks of a long prompt)."""

    name: str  # the registry's name for it, e.g. "transformers"
    capabilities: Capabilities

    def info(self) -> ModelInfo:
        """What the window shows about the loaded model."""

    def context_usage(self, text: str, preamble: str = "", reserve: int = 0) -> ContextUsage:
        """How many tokens `text` takes once fitted to the window, `reserve` kept free."""

    def next_tokens(self, text: str, params: SamplingParams, n: int, preamble: str,
                    cancel: CancelCheck) -> NextTokens | None:
        """The `n` most likely next tokens, raw and under `params`; None if cancelled."""

    def reweigh(self, params: SamplingParams, n: int) -> NextTokens | None:
        """The last next-tokens answer under other settings; None when there is none."""

    def generate(self, text: str, params: ParamsSource, cancel: CancelCheck, preamble: str,
                 top_n: int) -> GenerationRun:
        """Continue `text`; `params` is read before every token."""

    def samples(self, text: str, params: SamplingParams, n: int, preamble: str,
                cancel: CancelCheck, cut: TextCut | None) -> list[str]:
        """`n` independent continuations (each ended early where `cut` says)."""

    def reset(self) -> None:
        """Forget cached state (the KV cache, the last pane answer)."""

    def close(self) -> None:
        """Free the model (on the thread that used it)."""
