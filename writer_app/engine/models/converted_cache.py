"""Where converted GGUF models are kept (cache_dir()/"converted"/<content hash>), when such a
folder counts as complete, and the upkeep of the folders in it."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import write_text_atomically
from writer_app.engine.quantize import INT8_FILE

log = logging.getLogger(__name__)

CONVERSION_MARKER = "writer-conversion.json"  # written last: its presence means complete
TEMP_PREFIX = ".tmp-"
_CONVERTED_DIR = "converted"
_STALE_TEMP_AGE_S = 24 * 3600


def converted_root() -> Path:
    return paths.cache_dir() / _CONVERTED_DIR


def is_converted_folder(folder: Path) -> bool:
    """Whether `folder` is one of Writer's conversions (never a user's own folder)."""
    return (folder / CONVERSION_MARKER).is_file()


def is_complete_conversion(folder: Path) -> bool:
    """Marker, config and the float32 weights: the int8 copy beside them is derived from
    those and cannot stand in for them (a float load would find nothing)."""
    return (
        is_converted_folder(folder)
        and (folder / "config.json").is_file()
        and any(path.name != INT8_FILE for path in folder.glob("*.safetensors"))
    )


def remove_stale_temp_folders(root: Path) -> None:
    """Delete temporary folders that a crashed conversion left behind long ago."""
    now = time.time()
    for entry in root.glob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > _STALE_TEMP_AGE_S:
                shutil.rmtree(entry, ignore_errors=True)


def record_added_tokens(folder: Path, tokenizer: Any) -> bool:
    """Write the added tokens into the folder's tokenizer_config.json if it lacks them.

    Without them transformers parses the whole tokenizer.json a second time just to read
    its added tokens: 0.6 s of every load of the default model (33 MB, 6,384 added
    tokens). Returns whether the file was changed; a failure only logs (it is a cache).
    """
    path = folder / "tokenizer_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(config, dict) or "added_tokens_decoder" in config:
            return False
        config["added_tokens_decoder"] = {
            str(index): {"content": token.content, "single_word": token.single_word,
                         "lstrip": token.lstrip, "rstrip": token.rstrip,
                         "normalized": token.normalized, "special": token.special}
            for index, token in sorted(tokenizer.added_tokens_decoder.items())
        }
        write_text_atomically(path, json.dumps(config, indent=2, ensure_ascii=False))
    except (OSError, ValueError, AttributeError) as error:
        log.warning("Could not record the added tokens in %s: %s", path, error)
        return False
    return True
