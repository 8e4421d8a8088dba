"""Named sampling settings: Writer's built-in presets and the user's own, stored safely.

A preset is a style of writing (temperature, top-k, top-p, repetition penalty, mode);
the values are validated against the same schema as the settings file, and the user's
file is written atomically and kept aside before a rewrite when Writer could not read it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import write_text_atomically
from writer_app.errors import InvalidSettingError, first_line
from writer_app.settings import (
    BY_NAME,
    SAMPLING_KEYS,
    Settings,
    UnreadableFileError,
    brief,
    keep_aside,
    parse_json,
)

log = logging.getLogger(__name__)

BUILT_IN_PRESETS: dict[str, dict[str, Any]] = {
    "Precise": {"sampling.temperature": 0.3, "sampling.top_k": 20, "sampling.top_p": 0.9,
                "sampling.repetition_penalty": 1.15, "sampling.mode": "sample"},
    "Balanced": {"sampling.temperature": 0.8, "sampling.top_k": 50, "sampling.top_p": 0.95,
                 "sampling.repetition_penalty": 1.1, "sampling.mode": "sample"},
    "Creative": {"sampling.temperature": 1.1, "sampling.top_k": 100, "sampling.top_p": 0.98,
                 "sampling.repetition_penalty": 1.05, "sampling.mode": "sample"},
}
# A preset is a style of writing; whether control tokens show is the user's standing choice.
PRESET_KEYS = tuple(name for name in SAMPLING_KEYS if name != "sampling.allow_control_tokens")


def presets_path() -> Path:
    return paths.config_dir() / "presets.json"


class Presets:
    """Named sampling settings: built-in ones, plus the user's, stored beside the settings.

    Every change is written first and held in memory only once the file has it. A preset
    or value the file holds but Writer cannot use is left out with a logged warning, and
    the file as it was is kept aside before the next write.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or presets_path()
        self.warnings: list[str] = []
        self._user: dict[str, dict[str, Any]] = {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            self._warn(f"The presets file {self.path} cannot be read ({first_line(error)}); "
                       "user presets are empty")
            return
        lossy = False
        try:
            raw = parse_json(data)
        except UnreadableFileError as error:
            self._warn(f"The presets file {self.path} is unreadable ({error}); user presets "
                       "are empty")
            lossy = True
        else:
            if isinstance(raw, dict):
                self._user, lossy = self._usable(raw)
            else:
                self._warn(f"The presets file {self.path} holds no presets; user presets are "
                           "empty")
                lossy = True
        if lossy and (copy := keep_aside(self.path, data)) is not None:
            self._warn(f"The presets file as it was is kept in {copy}")

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("%s", message)

    def _usable(self, raw: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], bool]:
        """The user presets in `raw` that Writer can use, and whether any were left out."""
        user: dict[str, dict[str, Any]] = {}
        lossy = False
        for name, values in raw.items():
            if name in BUILT_IN_PRESETS or not name.strip():
                self._warn(f"Preset {name!r} left out: a built-in preset has this name"
                           if name.strip() else f"Preset {name!r} left out: it has no name")
                lossy = True
                continue
            checked = self._checked(name, values)
            if checked is None:
                lossy = True
                continue
            user[name] = checked
            lossy = lossy or len(checked) != len(values)
        return user, lossy

    def _checked(self, name: str, values: Any) -> dict[str, Any] | None:
        """The preset's valid sampling values; a bad or unknown one is left out (a warning)."""
        if not isinstance(values, dict):
            self._warn(f"Preset {name!r} left out: it holds {brief(values)}, not settings")
            return None
        result = {}
        for key, value in values.items():
            if key not in PRESET_KEYS:
                self._warn(f"Preset {name!r}: unknown setting {key!r} left out")
                continue
            try:
                result[key] = BY_NAME[key].coerce(value)
            except InvalidSettingError as error:
                self._warn(f"Preset {name!r}: {error.message}; left out")
        return result

    def names(self) -> list[str]:
        return [*BUILT_IN_PRESETS, *sorted(self._user)]

    def is_built_in(self, name: str) -> bool:
        return name in BUILT_IN_PRESETS

    def values(self, name: str) -> dict[str, Any]:
        return dict(BUILT_IN_PRESETS.get(name) or self._user[name])

    def save_preset(self, name: str, settings: Settings) -> None:
        name = self._valid_new_name(name, allow_existing_user=True)
        self._commit({**self._user, name: {key: settings.get(key) for key in PRESET_KEYS}})

    def rename(self, old: str, new: str) -> None:
        if old not in self._user:
            raise InvalidSettingError(f"There is no user preset {old!r}",
                                      "built-in presets cannot be renamed")
        new = self._valid_new_name(new)
        user = dict(self._user)
        user[new] = user.pop(old)
        self._commit(user)

    def delete(self, name: str) -> None:
        if name not in self._user:
            raise InvalidSettingError(f"There is no user preset {name!r}",
                                      "built-in presets cannot be deleted")
        self._commit({key: values for key, values in self._user.items() if key != name})

    def export(self, path: Path, names: Iterable[str]) -> None:
        data = {name: self.values(name) for name in names}
        write_text_atomically(Path(path), json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def import_file(self, path: Path) -> list[str]:
        """Add the presets in a file exported by Writer; returns the names added."""
        try:
            raw = parse_json(Path(path).read_bytes())
        except (OSError, UnreadableFileError) as error:
            raise InvalidSettingError(
                f"Cannot read presets from {Path(path).name}: {first_line(error)}",
                "choose a file exported by Writer") from error
        if not isinstance(raw, dict):
            raise InvalidSettingError(f"{Path(path).name} holds no presets",
                                      "choose a file exported by Writer")
        user = dict(self._user)
        added = []
        for name, values in raw.items():
            checked = self._checked(name, values)
            if checked is None or not name.strip():
                continue
            unique = name
            while unique in BUILT_IN_PRESETS or unique in user:
                unique += " (imported)"
            user[unique] = checked
            added.append(unique)
        self._commit(user)
        return added

    def _valid_new_name(self, name: str, allow_existing_user: bool = False) -> str:
        name = name.strip()
        if not name:
            raise InvalidSettingError("A preset needs a name", "type a name for the preset")
        if name in BUILT_IN_PRESETS or (name in self._user and not allow_existing_user):
            raise InvalidSettingError(f"A preset named {name!r} already exists",
                                      "choose another name")
        return name

    def _commit(self, user: dict[str, dict[str, Any]]) -> None:
        """Write `user` as the user's presets, atomically, and only then hold it in memory:
        a failed write raises and leaves memory as the file still is."""
        write_text_atomically(self.path, json.dumps(user, indent=2, sort_keys=True,
                                                    ensure_ascii=False) + "\n")
        self._user = user
