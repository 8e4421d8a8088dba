"""The log file, and the facts a bug report needs (Help → About, Copy diagnostics)."""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from writer_app import __version__, paths

LOG_FILE_BYTES = 2_000_000
LOG_FILES_KEPT = 3
_PACKAGES = ("torch", "transformers", "llama-cpp-python", "PySide6-Essentials", "qasync",
             "tokenizers", "accelerate", "gguf", "keyring", "platformdirs")


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to a rotating file in the log dir; returns its path (None if it cannot be made)."""
    root = logging.getLogger()
    if any(getattr(h, "_writer_log", False) for h in root.handlers):
        return log_file()
    try:
        log_file().parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_file(), maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILES_KEPT, encoding="utf-8")
    except OSError:
        return None  # a read-only home must not stop the app
    handler._writer_log = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    return log_file()


def log_file() -> Path:
    return paths.log_dir() / "writer.log"


def package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def diagnostics_text(model: str = "", device: str = "", precision: str = "",
                     backend: str = "", backend_note: str = "",
                     backends: Mapping[str, str | None] | None = None) -> str:
    """Plain text for a bug report: versions, platform, model, what runs it and where,
    which backends can run here (and why not), file locations.

    `backend` is what runs the model ("llama.cpp", "server: host:port" — an address,
    never a key); `backend_note` why "auto" passed over a faster one; `backends` the
    engine's answer to "available_backends" ({name: None, or why it cannot run})."""
    lines = [
        f"Writer {__version__}",
        f"Python {sys.version.split()[0]} on {platform.platform()} ({platform.machine()})",
        *(f"{name} {version}" for name, version in package_versions().items()),
    ]
    if model:
        lines.append(f"Model: {model}")
    if backend:
        lines.append(f"Backend: {backend}")
    if backend_note:
        lines.append(f"Backend note: {backend_note}")
    if device:
        lines.append(f"Device: {device}" + (f", {precision}" if precision else ""))
    if backends is not None:
        lines.append("Backends here: " + "; ".join(
            f"{name} (available)" if why is None else f"{name} (not available: {why})"
            for name, why in backends.items()))
    lines += [f"Config: {paths.config_dir()}", f"Data: {paths.data_dir()}",
              f"Cache: {paths.cache_dir()}", f"Log: {log_file()}"]
    return "\n".join(lines)
