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


@dataclass(frozen=True)
class Bounds:
    """Where a number is valid, and the narrower stretch its slider offers.

    The one table of sampling bounds: SamplingParams validates with it, the settings
    schema and the command line read it, and the sampling panel's spin boxes accept the
    whole valid range while its sliders cover only the comfortable part.
    """

    minimum: float
    maximum: float
    above_minimum: bool = False  # valid only strictly above `minimum` (top_p: 0 < p)
    slider_minimum: float | None = None  # None: the valid minimum
    slider_maximum: float | None = None  # None: the valid maximum

    def contains(self, value: float) -> bool:
        """True when `value` is a finite number inside these bounds."""
        # Compared as given: a huge int never passes through float (which would overflow).
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if not self.minimum <= value <= self.maximum:
            return False
        return not (self.above_minimum and value == self.minimum)

    @property
    def slider_range(self) -> tuple[float, float]:
        low = self.minimum if self.slider_minimum is None else self.slider_minimum
        high = self.maximum if self.slider_maximum is None else self.slider_maximum
        return low, high

    def describe(self) -> str:
        """The range in words, for messages and --help: "from 0 to 5", "above 0, up to 1"."""
        low, high = _number_text(self.minimum), _number_text(self.maximum)
        return f"above {low}, up to {high}" if self.above_minimum else f"from {low} to {high}"


def _number_text(value: float) -> str:
    """Whole numbers in full (a seed's 9223372036854775807), others briefly (0.05)."""
    return str(value) if isinstance(value, int) else f"{value:g}"


TEMPERATURE_BOUNDS = Bounds(0.0, 5.0, slider_maximum=2.0)
# A temperature below this is greedy choice: the distribution is all but a point mass on
# the argmax, and float32 logits divided by a far smaller one overflow to inf and NaN.
GREEDY_TEMPERATURE = 1e-4
TOP_K_BOUNDS = Bounds(0, 100_000, slider_maximum=200)
TOP_P_BOUNDS = Bounds(0.0, 1.0, above_minimum=True, slider_minimum=0.05)
REPETITION_PENALTY_BOUNDS = Bounds(0.0, 10.0, above_minimum=True, slider_minimum=1.0,
                                   slider_maximum=2.0)
MAX_NEW_TOKENS_BOUNDS = Bounds(1, 32_768, slider_maximum=4096)
NUM_BEAMS_BOUNDS = Bounds(2, 16)  # beam search keeps at least two hypotheses
SEED_BOUNDS = Bounds(0, 2**63 - 1)  # what the engine draws for a random seed
# SamplingParams' field → its bounds.
BOUNDS: dict[str, Bounds] = {
    "temperature": TEMPERATURE_BOUNDS, "top_k": TOP_K_BOUNDS, "top_p": TOP_P_BOUNDS,
    "repetition_penalty": REPETITION_PENALTY_BOUNDS, "max_new_tokens": MAX_NEW_TOKENS_BOUNDS,
    "num_beams": NUM_BEAMS_BOUNDS, "seed": SEED_BOUNDS,
}


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
        _check_number("temperature", self.temperature, TEMPERATURE_BOUNDS,
                      "use 0 for greedy, 0.7–1.0 for natural text")
        _check_int("top_k", self.top_k, TOP_K_BOUNDS, "use 0 to turn top-k off, or e.g. 50")
        _check_number("top_p", self.top_p, TOP_P_BOUNDS, "use 1.0 to turn top-p off, or e.g. 0.95")
        _check_number("repetition_penalty", self.repetition_penalty, REPETITION_PENALTY_BOUNDS,
                      "use 1.0 for no penalty, 1.1–1.3 to discourage repeats")
        _check_int("max_new_tokens", self.max_new_tokens, MAX_NEW_TOKENS_BOUNDS,
                   "e.g. 128 for a paragraph")
        if self.seed is not None:
            _check_int("seed", self.seed, SEED_BOUNDS, "leave it empty for a random seed")
        _check_int("num_beams", self.num_beams, NUM_BEAMS_BOUNDS, "e.g. 4")
        if not isinstance(self.allow_control_tokens, bool):
            raise InvalidSettingError(
                f"allow_control_tokens must be true or false, not {self.allow_control_tokens!r}",
                "use false to keep control tokens such as <start_of_image> out of the text")

    @property
    def is_greedy(self) -> bool:
        """True when the choice is the argmax: greedy mode or temperature (almost) 0."""
        return self.mode is Mode.GREEDY or (self.mode is Mode.SAMPLE
                                            and self.temperature < GREEDY_TEMPERATURE)

    def with_changes(self, **changes: Any) -> SamplingParams:
        """A validated copy with some fields changed (what a moved slider produces)."""
        return replace(self, **changes)


def _parse_mode(value: Any) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise InvalidSettingError(f"unknown mode {value!r}", f"choose one of: {choices}") from None


def _check_number(name: str, value: Any, bounds: Bounds, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidSettingError(f"{name} must be a number, not {value!r}", hint)
    if not bounds.contains(value):
        raise InvalidSettingError(f"{name} must be {bounds.describe()}, not {value!r}", hint)


def _check_int(name: str, value: Any, bounds: Bounds, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSettingError(f"{name} must be a whole number, not {value!r}", hint)
    if not bounds.contains(value):
        raise InvalidSettingError(f"{name} must be {bounds.describe()}, not {value}", hint)

