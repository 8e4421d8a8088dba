"""The log file, and the facts a bug report needs (Help → About, Copy diagnostics)."""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
from importlib import metadata
from pathlib import Path

from writer_app import __version__, paths

LOG_FILE_BYTES = 2_000_000
LOG_FILES_KEPT = 3
_PACKAGES = ("torch", "transformers", "PySide6-Essentials", "qasync", "tokenizers",
             "accelerate", "gguf", "platformdirs")


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


def diagnostics_text(model: str = "", device: str = "", precision: str = "") -> str:
    """Plain text for a bug report: versions, platform, model and device, file locations."""
    lines = [
        f"Writer {__version__}",
        f"Python {sys.version.split()[0]} on {platform.platform()} ({platform.machine()})",
        *(f"{name} {version}" for name, version in package_versions().items()),
    ]
    if model:
        lines.append(f"Model: {model}")
    if device:
        lines.append(f"Device: {device}" + (f", {precision}" if precision else ""))
    lines += [f"Config: {paths.config_dir()}", f"Data: {paths.data_dir()}",
              f"Cache: {paths.cache_dir()}", f"Log: {log_file()}"]
    return "\n".join(lines)
