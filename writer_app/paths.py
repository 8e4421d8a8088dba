"""The one place that asks platformdirs where Writer keeps its files.

Every directory can be redirected with WRITER_HOME (tests, portable installs):
then config, data, cache and logs all live below that folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "writer-app"
APP_AUTHOR = "Writer"


def _base(kind: str) -> Path:
    home = os.environ.get("WRITER_HOME")
    if home:
        return Path(home) / kind
    getter = {
        "config": platformdirs.user_config_dir,
        "data": platformdirs.user_data_dir,
        "cache": platformdirs.user_cache_dir,
        "log": platformdirs.user_log_dir,
    }[kind]
    return Path(getter(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    """Settings and presets."""
    return _base("config")


def data_dir() -> Path:
    """Hot-exit journals, recent files and models."""
    return _base("data")


def cache_dir() -> Path:
    """Converted models and other things that can be rebuilt."""
    return _base("cache")


def log_dir() -> Path:
    """Rotating log files."""
    return _base("log")


def resources_dir() -> Path:
    """Icons and translations: inside the bundle when frozen, else the source tree's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
