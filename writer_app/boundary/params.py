"""Sampling settings: one frozen, validated value that the GUI swaps as sliders move.

The worker reads the current `SamplingParams` at every generated token, so a value must
never change once made: a new one replaces it. Validation happens here, once, with
messages that say how to fix the value.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace
from typing import Any

from writer_app.errors import InvalidSettingError


class Mode(enum.StrEnum):
    """How the next token is chosen."""

    SAMPLE = "sample"  # draw from the distribution shaped by temperature, top-k, top-p
    GREEDY = "greedy"  # always the most likely token (after the repetition penalty)
    BEAM = "beam"  # beam search over num_beams hypotheses: the most likely whole passage


# Offered to users (argparse choices, combo boxes); resolve_device also takes "cuda:N".
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
# "int8": weight-only int8 with bfloat16 compute, the fast CPU precision.
DTYPE_CHOICES: tuple[str, ...] = ("auto", "float32", "bfloat16", "float16", "int8")

# Bounds shared by the command line, the settings schema and the sampling panel.
TEMPERATURE_RANGE = (0.0, 5.0)
TOP_K_RANGE = (0, 100_000)
TOP_P_RANGE = (0.0, 1.0)  # exclusive of 0
REPETITION_PENALTY_RANGE = (0.0, 10.0)  # exclusive of 0
MAX_NEW_TOKENS_RANGE = (1, 32_768)
NUM_BEAMS_RANGE = (1, 16)
SEED_RANGE = (0, 2**63 - 1)


@dataclass(frozen=True)
class SamplingParams:
    """Everything that decides which token comes next.

    temperature 0 means greedy, top_k 0 and top_p 1.0 mean "off", repetition_penalty 1.0
    means none — the same conventions as transformers' `generate()`.

    allow_control_tokens False (the default): control tokens that are not text (image,
    pad, mask, unused…) are never drawn or offered — transformers'
    `SuppressTokensLogitsProcessor` semantics, so a seeded run still equals `generate()`
    given the same suppressed set. EOS is never suppressed: it still ends a generation.
    """

    temperature: float = 0.8
    top_k: int = 50
    top_p: float = 0.95
    repetition_penalty: float = 1.1
    max_new_tokens: int = 128
    seed: int | None = None
    mode: Mode = Mode.SAMPLE
    num_beams: int = 4
    allow_control_tokens: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", _parse_mode(self.mode))
        _check_number("temperature", self.temperature, *TEMPERATURE_RANGE,
                      "use 0 for greedy, 0.7–1.0 for natural text")
        _check_int("top_k", self.top_k, *TOP_K_RANGE, "use 0 to turn top-k off, or e.g. 50")
        _check_number("top_p", self.top_p, *TOP_P_RANGE, "use 1.0 to turn top-p off, or e.g. 0.95")
        if self.top_p == 0:
            raise InvalidSettingError("top_p must be greater than 0",
                                      "use 1.0 to turn top-p off, or e.g. 0.95")
        _check_number("repetition_penalty", self.repetition_penalty, *REPETITION_PENALTY_RANGE,
                      "use 1.0 for no penalty, 1.1–1.3 to discourage repeats")
        if self.repetition_penalty == 0:
            raise InvalidSettingError("repetition_penalty must be greater than 0",
                                      "use 1.0 for no penalty")
        _check_int("max_new_tokens", self.max_new_tokens, *MAX_NEW_TOKENS_RANGE,
                   "e.g. 128 for a paragraph")
        if self.seed is not None:
            _check_int("seed", self.seed, *SEED_RANGE, "leave it empty for a random seed")
        _check_int("num_beams", self.num_beams, *NUM_BEAMS_RANGE, "e.g. 4")
        if not isinstance(self.allow_control_tokens, bool):
            raise InvalidSettingError(
                f"allow_control_tokens must be true or false, not {self.allow_control_tokens!r}",
                "use false to keep control tokens such as <start_of_image> out of the text")
        if self.mode is Mode.BEAM and self.num_beams < 2:
            raise InvalidSettingError("beam search needs at least 2 beams",
                                      "set num_beams to 2 or more, or choose greedy")

    @property
    def is_greedy(self) -> bool:
        """True when the choice is the argmax: greedy mode or temperature 0."""
        return self.mode is Mode.GREEDY or (self.mode is Mode.SAMPLE and self.temperature == 0)

    def with_changes(self, **changes: Any) -> SamplingParams:
        """A validated copy with some fields changed (what a moved slider produces)."""
        return replace(self, **changes)


def _parse_mode(value: Any) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise InvalidSettingError(f"unknown mode {value!r}", f"choose one of: {choices}") from None


def _check_number(name: str, value: Any, low: float, high: float, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidSettingError(f"{name} must be a number, not {value!r}", hint)
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidSettingError(f"{name} must be between {low:g} and {high:g}, not {value!r}",
                                  hint)


def _check_int(name: str, value: Any, low: int, high: int, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSettingError(f"{name} must be a whole number, not {value!r}", hint)
    if not low <= value <= high:
        raise InvalidSettingError(f"{name} must be between {low} and {high}, not {value}", hint)
