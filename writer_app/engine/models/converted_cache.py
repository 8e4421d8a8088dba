"""Where converted GGUF models are kept (cache_dir()/"converted"/<content hash>), when such a
folder counts as complete, and how several Writer processes share the folders safely.

Readers hold a shared OS file lock on a folder while loading it; replacing a folder and
removing leftovers take the exclusive lock without waiting and skip what is in use;
conversions are built in a locked temporary folder and renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from writer_app import file_lock, paths
from writer_app.atomic import write_text_atomically
from writer_app.engine.quantize import INT8_FILE

log = logging.getLogger(__name__)

CONVERSION_MARKER = "writer-conversion.json"  # written last: its presence means complete
TEMP_PREFIX = ".tmp-"
_CONVERTED_DIR = "converted"
_STALE_TEMP_AGE_S = 24 * 3600
_LOCK_SUFFIX = ".lock"
_LOCK_ATTEMPTS = 100


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


def lock_path_of(folder: Path) -> Path:
    """The lock file of a converted or temporary folder: beside it, never inside, so that
    renaming or deleting the folder leaves the lock where every process finds it."""
    return folder.with_name(folder.name + _LOCK_SUFFIX)


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Hold a shared lock on `folder` while loading from it: another Writer process then
    neither deletes nor replaces it meanwhile (it takes the exclusive lock, or skips)."""
    try:
        lock = file_lock.lock_shared(lock_path_of(folder))
    except OSError as error:  # a lock that cannot be made must not stop a load
        log.warning("Reading %s without a lock: %s", folder, error)
        yield
        return
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def temporary_folder(root: Path, target_name: str) -> Iterator[Path]:
    """A private folder in `root` to build a conversion in, locked for as long as it
    exists so that no cleanup (here or in another process) removes it; removed on
    leaving unless it was moved into place."""
    root.mkdir(parents=True, exist_ok=True)
    lock, folder = _locked_temporary_name(root, target_name)
    try:
        folder.mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.release(remove_file=True)


def _locked_temporary_name(root: Path, target_name: str) -> tuple[file_lock.FileLock, Path]:
    """A fresh temporary folder name in `root` whose lock file this process holds."""
    for _ in range(_LOCK_ATTEMPTS):  # a cleanup may remove a lock file before it is taken
        descriptor, lock_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{target_name}-", suffix=_LOCK_SUFFIX, dir=root)
        os.close(descriptor)
        lock = file_lock.try_lock_exclusive(Path(lock_name))
        if lock is not None and lock.is_on_file_at_path():
            return lock, Path(lock_name.removesuffix(_LOCK_SUFFIX))
        if lock is not None:
            lock.release()
    raise OSError(f"cannot lock a temporary folder in {root}")


def install(built: Path, target: Path, *, replace: bool) -> Path:
    """Move the finished conversion `built` to `target`; return the folder to load from.

    Done under the target's exclusive lock, taken without waiting. When another process
    is reading the target, it is left alone: a complete one is used (unless `replace`,
    i.e. this process found it broken), else `built` is returned and loaded where it is.
    A complete target that another process installed first is kept, unless `replace`.
    """
    lock = file_lock.try_lock_exclusive(lock_path_of(target))
    if lock is None:
        log.info("%s is in use by another Writer; leaving it as it is", target)
        return target if not replace and is_complete_conversion(target) else built
    aside = target.with_name(f"{TEMP_PREFIX}{target.name}-old-{os.getpid()}-{time.time_ns()}")
    try:
        if is_complete_conversion(target) and not replace:
            return target
        if target.exists():
            os.replace(target, aside)
        try:
            os.replace(built, target)
        except OSError:
            with contextlib.suppress(OSError):
                if aside.exists():
                    os.replace(aside, target)  # put the old one back rather than none
            raise
    finally:
        lock.release()
    shutil.rmtree(aside, ignore_errors=True)
    return target


def remove_stale_temp_folders(root: Path) -> None:
    """Delete what crashed or interrupted conversions left behind.

    A temporary folder with a lock file goes as soon as no process holds its lock (its
    builder has ended); one without (a set-aside old copy, or from an older Writer) only
    after a day. Folders in use are skipped, never waited for.
    """
    now = time.time()
    for entry in root.glob(f"{TEMP_PREFIX}*"):
        if entry.name.endswith(_LOCK_SUFFIX):
            if not entry.with_name(entry.name.removesuffix(_LOCK_SUFFIX)).exists():
                _remove_if_unlocked(entry, None)  # an abandoned lock file
            continue
        lock_path = lock_path_of(entry)
        if lock_path.exists():
            _remove_if_unlocked(lock_path, entry)
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > _STALE_TEMP_AGE_S:
                shutil.rmtree(entry, ignore_errors=True)


def _remove_if_unlocked(lock_path: Path, folder: Path | None) -> None:
    try:
        lock = file_lock.try_lock_exclusive(lock_path)
    except OSError:
        return
    if lock is None:
        return  # its builder is still at work
    try:
        if folder is not None and lock.is_on_file_at_path():
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.release(remove_file=lock.is_on_file_at_path())


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
