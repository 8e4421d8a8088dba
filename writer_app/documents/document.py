"""The open document: which file it is, how it is encoded, and whether the disk moved on.

`Document` is what the window's parts share instead of reaching into the window: the
path, encoding and line ending a save must keep, the text and its modified state (held
by whatever shows it, through `TextStore`), and a stamp of the file as last read or
written, so that a save never overwrites a newer file without asking. No Qt here.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from writer_app.documents.textfiles import read_text_file, save_text_file
from writer_app.errors import WriterError


class TextStore(Protocol):
    """Holds the text being edited (the editor) and knows whether it is saved."""

    def text(self) -> str: ...

    def set_text(self, text: str) -> None: ...

    def is_modified(self) -> bool: ...

    def set_modified(self, modified: bool) -> None: ...


@dataclass(frozen=True)
class DiskStamp:
    """What a file on disk looked like: cheap to compare (time, size), exact by digest."""

    mtime_ns: int
    size: int
    digest: str

    @classmethod
    def of(cls, path: Path) -> DiskStamp | None:
        """The file's stamp now; None when it is missing or cannot be read."""
        try:
            status = path.stat()
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        except OSError:
            return None
        return cls(status.st_mtime_ns, status.st_size, digest)


class FileChangedOnDiskError(WriterError):
    """The file changed since Writer read or wrote it; saving would lose the other change."""


class Document:
    """One document: path (None until saved), encoding, line ending and the disk's stamp."""

    def __init__(self, store: TextStore) -> None:
        self.store = store
        self.path: Path | None = None
        self.encoding = "utf-8"
        self.newline = "\n"
        self.stamp: DiskStamp | None = None  # the file as last read or written
        self._make_folder = False  # a new file asked for by name: its folder may be new too

    # ---- text -------------------------------------------------------------------------------

    def text(self) -> str:
        return self.store.text()

    @property
    def modified(self) -> bool:
        return self.store.is_modified()

    def set_modified(self, modified: bool) -> None:
        self.store.set_modified(modified)

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else ""

    # ---- opening ----------------------------------------------------------------------------

    def new(self, path: Path | None = None) -> None:
        """An empty document (to be saved at `path`, if given)."""
        self.store.set_text("")
        self.encoding, self.newline = "utf-8", "\n"
        self.path, self.stamp = path, None
        self._make_folder = path is not None
        self.store.set_modified(False)

    def open(self, path: Path, encoding: str | None = None) -> None:
        """Read `path` (`encoding` forces one); raises WriterError and changes nothing
        when it cannot be read as text."""
        path = Path(path)
        stamp = DiskStamp.of(path)
        read = read_text_file(path, encoding)
        self.store.set_text(read.text)
        self.encoding, self.newline = read.encoding, read.newline
        self.path, self.stamp = path, stamp
        self._make_folder = False
        self.store.set_modified(False)

    def adopt(self, path: Path | None, text: str, encoding: str, newline: str) -> None:
        """Text that is not what the disk holds (a crash's unsaved changes): modified."""
        self.store.set_text(text)
        self.path, self.encoding, self.newline = path, encoding, newline
        self.stamp = DiskStamp.of(path) if path is not None else None
        self.store.set_modified(True)

    # ---- the disk ---------------------------------------------------------------------------

    def disk_changed(self) -> bool:
        """The file differs from what this document last read or wrote (or is gone)."""
        if self.path is None:
            return False
        now = DiskStamp.of(self.path)
        if now is None or self.stamp is None:
            return now != self.stamp
        if (now.mtime_ns, now.size) == (self.stamp.mtime_ns, self.stamp.size):
            return False
        if now.digest == self.stamp.digest:  # touched, not changed
            self.stamp = now
            return False
        return True

    def exists_on_disk(self) -> bool:
        return self.path is not None and self.path.is_file()

    def accept_disk_version(self) -> None:
        """The user keeps this text over the file's newer one: saving will not ask again."""
        self.stamp = DiskStamp.of(self.path) if self.path is not None else None

    def forget_disk_version(self) -> None:
        """The file went away: the text is all there is, and it is not saved."""
        self.stamp = None
        self.store.set_modified(True)

    # ---- saving -----------------------------------------------------------------------------

    def save_to(self, path: Path, overwrite_newer: bool = False) -> None:
        """Save atomically. Raises FileChangedOnDiskError, writing nothing, when `path` is
        this document's file and it changed since it was read or written, unless
        `overwrite_newer`; WriterError when the save fails (the old file stays whole)."""
        path = Path(path)
        if not overwrite_newer and self._is_own_file(path) and self.disk_changed() \
                and path.exists():
            raise FileChangedOnDiskError(
                f"{path.name} was changed by another program since Writer read it",
                "reload it, or save to overwrite the other change")
        if self._make_folder and self._is_own_file(path):
            # Opened by the name of a file to create ("writer-app notes/new.md"). A folder
            # that vanished under a file once saved is reported by the save instead.
            with contextlib.suppress(OSError):  # if it fails, the save says what is wrong
                path.parent.mkdir(parents=True, exist_ok=True)
        save_text_file(path, self.store.text(), self.encoding, self.newline)
        self._make_folder = False
        self.path, self.stamp = path, DiskStamp.of(path)
        self.store.set_modified(False)

    def _is_own_file(self, path: Path) -> bool:
        if self.path is None:
            return False
        try:
            return path.resolve() == self.path.resolve()
        except OSError:
            return path.absolute() == self.path.absolute()
