"""Which source a model spec names: "default", a model folder, a .gguf file or a Hub id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from writer_app.errors import ModelLoadError, ModelNotFoundError

DEFAULT_SPEC = "default"
DEFAULT_DISPLAY_NAME = "Gemma 3 270M (default)"

HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")
HINT_CHOOSE_MODEL = "choose a folder downloaded from the Hub (with config.json), or a .gguf file"


@dataclass(frozen=True)
class Source:
    kind: str  # "default" | "folder" | "gguf" | "hub"
    location: str  # path or Hub id
    name: str


def locate(spec: str) -> Source:
    """Decide which kind of source `spec` names, failing early on missing paths."""
    if not spec:
        raise ModelNotFoundError(
            "No model was named", f"use 'default', a Hub id, or {HINT_CHOOSE_MODEL}"
        )
    if spec == DEFAULT_SPEC:
        return Source("default", DEFAULT_SPEC, DEFAULT_DISPLAY_NAME)
    path = Path(spec).expanduser()
    if path.is_dir():
        return _locate_in_folder(path)
    if path.is_file():
        if path.suffix.lower() == ".gguf":
            return Source("gguf", str(path), path.name)
        raise ModelLoadError(f"'{spec}' is not a model folder or a .gguf file", HINT_CHOOSE_MODEL)
    if path.suffix.lower() == ".gguf" or not HUB_ID.fullmatch(spec):
        raise ModelNotFoundError(
            f"No such file or folder: {spec}", f"check the path, or {HINT_CHOOSE_MODEL}"
        )
    return Source("hub", spec, spec)


def _locate_in_folder(folder: Path) -> Source:
    if (folder / "config.json").is_file():
        return Source("folder", str(folder), _folder_display_name(folder))
    gguf_files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".gguf" and p.is_file())
    if len(gguf_files) == 1:
        return Source("gguf", str(gguf_files[0]), gguf_files[0].name)
    if gguf_files:
        raise ModelLoadError(
            f"Folder '{folder}' has no config.json but {len(gguf_files)} .gguf files",
            "choose one of the .gguf files",
        )
    raise ModelLoadError(f"Model folder '{folder}' has no config.json", HINT_CHOOSE_MODEL)


def _folder_display_name(folder: Path) -> str:
    """The folder's name, or "org/name" for a snapshot inside the Hugging Face cache."""
    repo_folder = folder.parent.parent.name
    if folder.parent.name == "snapshots" and repo_folder.startswith("models--"):
        return repo_folder.removeprefix("models--").replace("--", "/")
    return folder.name
