"""Every setting declared once — type, default, bounds, description — and stored safely.

The sampling panel's ranges and tooltips, the settings file's validation and the
defaults all come from `SCHEMA`; the sampling bounds and defaults in it are
SamplingParams' own (boundary/params.py), so the command line, the file, the engine and
the panel cannot disagree. The file is human-readable JSON under the config dir, written
atomically; a corrupt file or a bad value falls back to the default for that key with a
logged warning, is kept aside before Writer rewrites it, and never stops the app.
"""

from __future__ import annotations

import json
import logging
import math
import reprlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import write_bytes_atomically, write_text_atomically
from writer_app.boundary.params import (
    BOUNDS,
    DEVICE_CHOICES,
    DTYPE_CHOICES,
    Bounds,
    Mode,
    SamplingParams,
)
from writer_app.errors import InvalidSettingError, first_line

log = logging.getLogger(__name__)

# What may run a local model (the engine's registry knows them all; "server" is chosen by
# connecting to one, never by this setting).
BACKEND_CHOICES: tuple[str, ...] = ("auto", "transformers", "llama.cpp")


@dataclass(frozen=True)
class Setting:
    """One setting: what it is, what values it takes, and one sentence on what it does."""

    name: str
    kind: type  # float, int, bool or str
    default: Any
    label: str
    description: str
    bounds: Bounds | None = None  # for numbers; the sampling ones are SamplingParams' own
    step: float | None = None  # for sliders and spin boxes
    choices: tuple[str, ...] = ()
    optional: bool = False  # None is allowed (e.g. seed: None = random)

    @property
    def minimum(self) -> float | None:
        return None if self.bounds is None else self.bounds.minimum

    @property
    def maximum(self) -> float | None:
        return None if self.bounds is None else self.bounds.maximum

    def coerce(self, value: Any) -> Any:
        """The value as this setting's type, or InvalidSettingError saying what is wrong."""
        if value is None and self.optional:
            return None
        hint = self._hint()
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise InvalidSettingError(
                f"{self.name} must be true or false, not {brief(value)}", hint)
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InvalidSettingError(f"{self.name} must be a number, not {brief(value)}", hint)
            if self.kind is int and isinstance(value, float) and not value.is_integer():
                raise InvalidSettingError(f"{self.name} must be a whole number", hint)
            # Bounds compare a huge int exactly; float() of one would overflow.
            if (isinstance(value, float) and not math.isfinite(value)) \
                    or (self.bounds is not None and not self.bounds.contains(value)) \
                    or (self.kind is float and abs(value) > sys.float_info.max):
                raise InvalidSettingError(f"{self.name} is out of range: {brief(value)}", hint)
            return float(value) if self.kind is float else int(value)
        if not isinstance(value, str):
            raise InvalidSettingError(f"{self.name} must be text, not {brief(value)}", hint)
        if self.choices and value not in self.choices:
            raise InvalidSettingError(f"{self.name} cannot be {brief(value)}", hint)
        return value

    def _hint(self) -> str:
        if self.choices:
            return "choose one of: " + ", ".join(self.choices)
        if self.bounds is not None:
            return f"use a value {self.bounds.describe()}"
        return self.description


_SAMPLING = SamplingParams()  # the sampling defaults, as the engine and command line take them

SCHEMA: tuple[Setting, ...] = (
    # Sampling: the panel. Defaults and bounds are SamplingParams' own (boundary/params.py).
    Setting("sampling.temperature", float, _SAMPLING.temperature, "Temperature",
            "Higher is more surprising, lower more predictable; 0 always picks the likeliest "
            "token.", BOUNDS["temperature"], 0.01),
    Setting("sampling.top_k", int, _SAMPLING.top_k, "Top-k",
            "Sample only from this many of the likeliest tokens; 0 turns the limit off.",
            BOUNDS["top_k"], 1),
    Setting("sampling.top_p", float, _SAMPLING.top_p, "Top-p",
            "Sample only from the likeliest tokens that together hold this much probability.",
            BOUNDS["top_p"], 0.01),
    Setting("sampling.repetition_penalty", float, _SAMPLING.repetition_penalty,
            "Repetition penalty",
            "Makes tokens already in the text less likely; 1.0 means no penalty.",
            BOUNDS["repetition_penalty"], 0.01),
    Setting("sampling.max_new_tokens", int, _SAMPLING.max_new_tokens, "Max new tokens",
            "The longest continuation one request may write.", BOUNDS["max_new_tokens"], 1),
    Setting("sampling.seed", int, _SAMPLING.seed, "Seed",
            "A fixed seed makes the same settings write the same text; empty means random.",
            BOUNDS["seed"], 1, optional=True),
    Setting("sampling.mode", str, _SAMPLING.mode.value, "Mode",
            "Sample draws at random, greedy takes the likeliest token, beam searches for the "
            "likeliest passage.", choices=tuple(m.value for m in Mode)),
    Setting("sampling.num_beams", int, _SAMPLING.num_beams, "Beams",
            "How many candidate passages beam search keeps at each step.",
            BOUNDS["num_beams"], 1),
    Setting("sampling.allow_control_tokens", bool, _SAMPLING.allow_control_tokens,
            "Allow control tokens",
            "Let the model write control tokens that are not text, such as <start_of_image>; "
            "the end of text still ends a passage."),
    # The model.
    Setting("model.spec", str, "default", "Model",
            "The model to load: default, a Hugging Face Hub id, a folder or a .gguf file."),
    Setting("model.device", str, "auto", "Device",
            "Where the model runs; auto picks a GPU when there is one.", choices=DEVICE_CHOICES),
    Setting("model.dtype", str, "auto", "Precision",
            "Number format of the weights; auto: int8 for GGUF models on a CPU (about 3x "
            "faster than float32), bfloat16 on a GPU.",
            choices=DTYPE_CHOICES),
    Setting("model.backend", str, "auto", "Engine",
            "What runs a local model; auto: llama.cpp for GGUF models on a CPU when it is "
            "installed, else transformers.", choices=BACKEND_CHOICES),
    # The OpenAI-compatible server of the last session (never its key: that is in the
    # system keyring); "" when the model ran on this computer. Offered again at start.
    Setting("model.server", str, "", "Server",
            "The server the last session wrote with; empty: the model on this computer."),
    Setting("model.server_model", str, "", "Server model",
            "The model on that server; empty lets the server choose."),
    Setting("model.context_limit", int, 4096, "Context limit",
            "The most tokens of text before the cursor given to the model.",
            Bounds(128, 131072), 128),
    # The next-token pane.
    Setting("pane.top_n", int, 12, "Candidates shown",
            "How many likely next tokens the pane lists.", Bounds(3, 50), 1),
    Setting("pane.delay_ms", int, 150, "Pane delay",
            "How long the pane waits after typing stops before it updates.", Bounds(0, 2000), 10),
    # Inline completion.
    Setting("completion.auto_suggest", bool, False, "Suggest while idle",
            "Show a grey suggestion on its own after a pause in typing."),
    Setting("completion.delay_ms", int, 800, "Suggestion delay",
            "The pause before an automatic suggestion appears.", Bounds(200, 5000), 50),
    Setting("completion.max_tokens", int, 32, "Suggestion length",
            "The most tokens a suggestion may have; it also ends at a sentence end.",
            Bounds(4, 256), 1),
    Setting("completion.alternatives", int, 3, "Alternatives",
            "How many suggestions to offer to cycle through.", Bounds(1, 8), 1),
    # Documents.
    Setting("files.hot_exit", bool, True, "Hot exit",
            "Closing with unsaved changes keeps them for the next start instead of asking."),
    # Appearance.
    Setting("ui.theme", str, "system", "Theme", "Light, dark, or as the system is.",
            choices=("system", "light", "dark")),
    Setting("ui.language", str, "system", "Language",
            "The language of menus and messages.", choices=("system", "en", "zh_CN")),
    Setting("editor.font_family", str, "", "Editor font",
            "The typeface of the document; empty uses a comfortable serif."),
    Setting("editor.font_size", int, 14, "Font size", "Size of the document text in points.",
            Bounds(6, 72), 1),
    Setting("editor.line_width", int, 40, "Line width",
            "The widest text column, in ems (40 is about 75 characters of English).",
            Bounds(20, 160), 1),
    Setting("editor.line_spacing", float, 1.2, "Line spacing",
            "Space between lines, as a multiple of the font's own line height.",
            Bounds(1.0, 3.0), 0.05),
    Setting("editor.typewriter_scrolling", bool, False, "Typewriter scrolling",
            "Keep the line being written in the middle of the window."),
    Setting("editor.markdown", bool, True, "Markdown highlighting",
            "Show the headings, emphasis and code of Markdown files as they will look."),
    # Spelling.
    Setting("spelling.enabled", bool, True, "Check spelling",
            "Underline misspelt words as you type; Chinese text is never flagged."),
    Setting("spelling.language", str, "auto", "Spelling language",
            "The dictionary to check with, such as en_US; auto picks it from the "
            "document's text and the system's language."),
    # Counts and goals.
    Setting("counts.enabled", bool, True, "Word count",
            "Show words, characters and reading time in the status bar."),
    Setting("counts.words_per_minute", int, 230, "Reading speed",
            "Words read a minute, for the reading time of English and similar text.",
            Bounds(50, 2000), 10),
    Setting("counts.cjk_characters_per_minute", int, 400, "Reading speed (Chinese)",
            "Chinese, Japanese and Korean characters read a minute, for the reading time.",
            Bounds(50, 3000), 10),
    # The session.
    Setting("session.reopen_documents", bool, True, "Reopen documents",
            "Start with the documents (and project folder) that were open at the last close."),
)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SCHEMA}

SAMPLING_KEYS = tuple(s.name for s in SCHEMA if s.name.startswith("sampling."))


def settings_path() -> Path:
    return paths.config_dir() / "settings.json"


class UnreadableFileError(ValueError):
    """A settings or presets file that is not UTF-8 JSON (or nests too deep to read)."""


def parse_json(data: bytes) -> Any:
    """The JSON value of a file's bytes, or UnreadableFileError saying why there is none."""
    try:
        return json.loads(data.decode("utf-8-sig"))  # a BOM from an editor is fine
    except RecursionError:
        raise UnreadableFileError("it nests too deeply to read") from None
    except ValueError as error:  # not UTF-8, not JSON, or a number of thousands of digits
        raise UnreadableFileError(first_line(error)) from error


def keep_aside(path: Path, data: bytes) -> Path | None:
    """Copy a file Writer could not take whole next to it (`settings.json.bad`), before
    Writer rewrites it: the user's hand edits are never lost. None if that fails."""
    for number in range(1, 100):
        copy = path.with_name(path.name + (".bad" if number == 1 else f".bad-{number}"))
        try:
            if copy.read_bytes() == data:
                return copy  # kept already, at an earlier start
            continue
        except FileNotFoundError:
            pass
        except OSError:
            continue
        try:
            write_bytes_atomically(copy, data)
        except OSError as error:
            log.warning("Could not keep a copy of %s as %s: %s", path, copy, first_line(error))
            return None
        return copy
    return None


def brief(value: Any) -> str:
    """A value as a message may show it: a huge list or string is cut short."""
    shorten = reprlib.Repr()
    shorten.maxlevel, shorten.maxlist, shorten.maxdict, shorten.maxstring = 2, 4, 4, 40
    shorten.maxlong = shorten.maxother = 40
    try:
        return shorten.repr(value)
    except ValueError:  # an int of more digits than Python will print
        return "a number too long to show"


class Settings:
    """The current values of every setting in SCHEMA.

    A bad value falls back to its default with a logged warning naming the key; keys
    this version does not know are kept and written back, for the version that does.
    """

    def __init__(self, values: Mapping[str, Any] | None = None, path: Path | None = None):
        self.path = path or settings_path()
        self._values = {s.name: s.default for s in SCHEMA}
        self._unknown: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.lossy = False  # True when a save would lose something the file held
        for name, value in (values or {}).items():
            self._accept(name, value)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("%s", message)

    def _accept(self, name: str, value: Any) -> None:
        setting = BY_NAME.get(name)
        if setting is None:
            self._unknown[name] = value
            self._warn(f"Unknown setting {name!r} ignored (kept in the file)")
            return
        try:
            self._values[name] = setting.coerce(value)
        except InvalidSettingError as error:
            self.lossy = True
            self._warn(f"{error.message}; using the default {setting.default!r}")

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read the settings file; anything unreadable becomes a warning, never a failure.

        The file itself is only read: when some of it cannot be used, a copy is kept
        aside before a later save rewrites it.
        """
        path = path or settings_path()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path=path)
        except OSError as error:
            settings = cls(path=path)
            settings._warn(f"The settings file {path} cannot be read ({first_line(error)}); "
                           "using the defaults")
            return settings
        try:
            raw = parse_json(data)
        except UnreadableFileError as error:
            settings, raw = cls(path=path), None
            settings._warn(f"The settings file {path} is unreadable ({error}); "
                           "using the defaults")
        else:
            if isinstance(raw, dict):
                settings = cls(raw, path=path)
            else:
                settings = cls(path=path)
                settings._warn(f"The settings file {path} holds no settings; "
                               "using the defaults")
        settings.lossy = settings.lossy or not isinstance(raw, dict)
        if settings.lossy and (copy := keep_aside(path, data)) is not None:
            settings._warn(f"The settings file as it was is kept in {copy}")
        return settings

    def save(self) -> None:
        """Write only what differs from the defaults (and unknown keys), atomically."""
        changed = {name: value for name, value in self._values.items()
                   if value != BY_NAME[name].default}
        write_text_atomically(self.path, json.dumps({**self._unknown, **changed}, indent=2,
                                                    sort_keys=True, ensure_ascii=False) + "\n")

    def get(self, name: str) -> Any:
        return self._values[name]

    def set(self, name: str, value: Any) -> None:
        """Set a value; InvalidSettingError (with a hint) if it is not allowed."""
        self._values[name] = BY_NAME[name].coerce(value)

    def update(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            self.set(name, value)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def set_sampling(self, params: SamplingParams) -> None:
        """Store what the sampling panel shows (it always fits: the bounds are shared)."""
        for name in SAMPLING_KEYS:
            value = getattr(params, name.removeprefix("sampling."))
            self.set(name, value.value if isinstance(value, Mode) else value)

    def sampling_params(self) -> SamplingParams:
        """The sampling settings as the engine takes them."""
        return SamplingParams(**{name.removeprefix("sampling."): self.get(name)
                                 for name in SAMPLING_KEYS})
