"""Writing files so that a crash, a kill or a full disk never damages the old content.

The new content goes to a temporary file beside the file, is flushed to the disk, and
then replaces the original in one rename. Until that rename the original is untouched;
after it, the new content is complete.

Links are saved through, as Qt's QSaveFile does: a symbolic link is resolved and its
target replaced, so the link stays a link. A file with several hard links cannot be
replaced by a rename without cutting it off from its other names, so it is rewritten in
place instead; a copy of the old content is kept beside it until the new content is on
the disk (see `_rewrite_in_place` for what that guarantees and what it cannot).
The file's permission mode, and its owner where the process may set it, are kept.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

# New files get 0666 less the umask, as any editor's would (not mkstemp's private 0600).
_NEW_FILE_MODE = 0o666
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def write_bytes_atomically(path: Path, data: bytes, *, create_folder: bool = True,
                           new_file_mode: int = _NEW_FILE_MODE) -> None:
    """Replace the file at `path` with `data`; on any error the original is unchanged.

    `create_folder` False refuses to recreate a folder that is gone (a user's document:
    the error then says so) instead of silently making it. `new_file_mode` is the mode
    of a file that did not exist yet (before the umask); an existing file keeps its own.
    """
    target = resolve_links(Path(path))
    folder = target.parent
    if create_folder:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if existing is not None and existing.st_nlink > 1:
        _rewrite_in_place(target, data, existing)
        return
    descriptor, temporary = _create_beside(target, new_file_mode)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            if existing is not None:
                _copy_ownership(stream.fileno(), existing)
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def write_text_atomically(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Encode first (an unencodable character fails before anything is written), then save."""
    write_bytes_atomically(path, text.encode(encoding))


def resolve_links(path: Path) -> Path:
    """The file a save to `path` must replace: the final target of a chain of symbolic
    links (relative ones resolved from the link's own folder), or `path` itself.

    A dangling link resolves to its missing target, which the save then creates; a loop
    of links is an error (ELOOP) rather than a save that replaces one of the links.
    """
    if not path.is_symlink():
        return path
    resolved = Path(os.path.realpath(path))
    if resolved.is_symlink():  # realpath gives up on a loop and returns a link
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    return resolved


def _create_beside(target: Path, mode: int) -> tuple[int, str]:
    """A new, empty temporary file in `target`'s folder (so the rename stays on one disk)."""
    for _ in range(100):
        name = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, mode), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


def _copy_ownership(descriptor: int, existing: os.stat_result) -> None:
    """Give the new file the old one's mode and, where allowed, its owner and group."""
    if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != _owner(descriptor):
        # Only root may give a file away; anyone may keep their own group. Without the
        # right the file keeps ours: better saved with a new owner than not saved.
        with contextlib.suppress(OSError):
            os.fchown(descriptor, existing.st_uid, existing.st_gid)
        with contextlib.suppress(OSError):
            os.fchown(descriptor, -1, existing.st_gid)
    if hasattr(os, "fchmod"):  # Windows has only a read-only bit, which a new file lacks
        os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))


def _owner(descriptor: int) -> tuple[int, int]:
    status = os.fstat(descriptor)
    return status.st_uid, status.st_gid


def _rewrite_in_place(target: Path, data: bytes, existing: os.stat_result) -> None:
    """Overwrite a hard-linked file in place, so every name keeps seeing the same file.

    The trade-off, chosen because a rename would silently split the file in two: the
    old content is first copied to a hidden file beside it and flushed to the disk; the
    room for the new content is reserved before the first byte changes (so a full disk
    fails early, with the file untouched); then the file is overwritten and flushed, and
    only then is the copy deleted. A failure mid-write puts the old content back; a
    crash or power cut mid-write leaves the copy (`.name.XXXX.tmp`) to recover from.
    """
    with open(target, "rb") as stream:
        old = stream.read()
    descriptor, backup = _create_beside(target, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(old)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise
    _sync_folder(target.parent)
    try:
        handle = os.open(target, os.O_RDWR | _BINARY)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise
    try:
        _reserve(handle, len(data), existing.st_size)
        _overwrite(handle, data)
    except BaseException:
        with contextlib.suppress(OSError):  # the old content always fits its own blocks
            _overwrite(handle, old)
            os.unlink(backup)  # only once the old content is back
        raise
    finally:
        os.close(handle)
    os.unlink(backup)


def _reserve(handle: int, size: int, old_size: int) -> None:
    """Claim disk space for a longer content before overwriting anything (POSIX)."""
    if size <= old_size or not hasattr(os, "posix_fallocate"):
        return
    try:
        os.posix_fallocate(handle, 0, size)
    except OSError as error:
        if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise  # ENOSPC, EDQUOT, EIO: nothing has been changed yet


def _overwrite(handle: int, data: bytes) -> None:
    os.lseek(handle, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        written = os.write(handle, view)
        view = view[written:]
    os.ftruncate(handle, len(data))
    os.fsync(handle)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no directory handles for this."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
