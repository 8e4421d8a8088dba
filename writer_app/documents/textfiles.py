"""Reading and saving the user's documents: any common encoding in, nothing damaged out.

A file is read as UTF-8 when it is UTF-8 (most are), by its byte-order mark when it has
one, and otherwise by detection; a binary or undecodable file is refused with a clear
message and left untouched. The encoding and line endings found are kept for the save.
"""

from __future__ import annotations

import codecs
import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from writer_app.atomic import write_bytes_atomically
from writer_app.errors import WriterError

# Byte-order marks, longest first (UTF-32's mark begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 65_536
_PREFERRED = tuple(codecs.lookup(name).name for name in
                   ("gb18030", "big5", "shift_jis", "euc-kr", "cp1252", "latin-1"))
# Encodings offered when the user chooses one by hand.
COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gb18030", "big5", "shift_jis",
                    "euc-kr", "cp1252", "latin-1")


class UnreadableFileError(WriterError):
    """The file is binary, undecodable or cannot be read; it was not changed."""


class UnsavableTextError(WriterError):
    """The text cannot be written in the chosen encoding; the file was not changed."""


class SaveFailedError(WriterError):
    """The disk or the system refused the save (see `file_error`); the file is unchanged."""


@dataclass(frozen=True)
class TextFile:
    text: str  # with "\n" line endings, as the editor holds it
    encoding: str  # Python codec name to save with
    newline: str  # the file's line ending, restored on save


def read_text_file(path: Path, encoding: str | None = None) -> TextFile:
    """Read a text document; `encoding` forces one, else it is found from the bytes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise file_error(error, path, "read") from error
    chosen = encoding or _detect_encoding(data, path)
    try:
        text = data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as error:
        raise UnreadableFileError(f"{path.name} is not valid {chosen} text",
                                  "open it again and choose its encoding") from error
    if chosen == "utf-16" or chosen == "utf-32":
        text = text.removeprefix("\ufeff")
    newline = _dominant_newline(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return TextFile(text, chosen, newline)


def save_text_file(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Save atomically: a crash or full disk mid-save leaves the old file intact."""
    if newline != "\n":
        text = text.replace("\n", newline)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as error:
        character = text[error.start]
        raise UnsavableTextError(
            f"'{character}' cannot be written in {encoding}",
            "save the document as UTF-8, which can hold every character") from error
    try:
        # A document's folder that vanished is reported, not silently made again.
        write_bytes_atomically(Path(path), data, create_folder=False)
    except OSError as error:
        raise file_error(error, Path(path), "save") from error


_UNCHANGED = "the file on disk is unchanged; "
# errno -> (what went wrong, what to do when saving, what to do when reading).
# {name} is the file's name, {folder} its folder. One table, so each hint fits its cause.
_FILE_ERRORS: dict[int, tuple[str, str, str]] = {
    errno.ENOSPC: ("the disk is full",
                   _UNCHANGED + "free some space, or save elsewhere with Save As",
                   "free some space and open it again"),
    errno.EACCES: ("permission denied",
                   _UNCHANGED + "the file or its folder is read-only, or another program "
                   "has it locked: close that program, or save a copy with Save As",
                   "you may not read this file: ask its owner, or copy it somewhere else"),
    errno.EPERM: ("the system does not allow this",
                  _UNCHANGED + "the file may be locked, protected or marked immutable: "
                  "save a copy elsewhere with Save As",
                  "the file may be protected: copy it somewhere else and open the copy"),
    errno.EROFS: ("the disk is read-only",
                  _UNCHANGED + "save a copy on another disk with Save As",
                  "copy the file somewhere else and open the copy"),
    errno.ENAMETOOLONG: ("the file name is too long",
                         "choose a shorter name or a shorter folder path with Save As",
                         "move or rename the file to shorten its path, then open it"),
    errno.ENOENT: ("the folder {folder} no longer exists",
                   "it was moved or deleted: choose another folder with Save As",
                   "it was moved, renamed or deleted: open it from where it is now"),
    errno.ENOTDIR: ("part of the path {folder} is not a folder",
                    "choose another folder with Save As",
                    "check the path, then open the file from where it is"),
    errno.EISDIR: ("{name} is a folder, not a file",
                   "choose a file name with Save As",
                   "choose a text file inside that folder"),
    errno.ELOOP: ("the links to {name} form a loop",
                  _UNCHANGED + "fix the symbolic link, or save elsewhere with Save As",
                  "fix the symbolic link, then open the file again"),
    errno.EIO: ("the disk reported an input/output error",
                _UNCHANGED + "the disk may be failing or unplugged: save a copy on "
                "another disk with Save As, then check the disk",
                "the disk may be failing or unplugged: check it, then try again"),
    errno.EFBIG: ("the file is too large for this disk's file system",
                  _UNCHANGED + "save it on another disk with Save As",
                  "copy it to another disk and open it there"),
    errno.EBUSY: ("the file is in use by another program",
                  _UNCHANGED + "close the other program and save again, or use Save As",
                  "close the other program and open it again"),
}
if hasattr(errno, "EDQUOT"):  # POSIX: the user's share of the disk, not the disk, is full
    _FILE_ERRORS[errno.EDQUOT] = ("your disk quota is used up", *_FILE_ERRORS[errno.ENOSPC][1:])
if hasattr(errno, "ETXTBSY"):
    _FILE_ERRORS[errno.ETXTBSY] = _FILE_ERRORS[errno.EBUSY]


def file_error(error: OSError, path: Path, action: Literal["save", "read"]) -> WriterError:
    """The user-facing error for a failed save or read: a message naming the cause and a
    hint that fits it (a permission problem never advises freeing space).

    Saves raise `SaveFailedError`, reads `UnreadableFileError`; both are WriterErrors
    whose `message` and `hint` the window shows as they are.
    """
    path = Path(path)
    known = _FILE_ERRORS.get(error.errno) if error.errno is not None else None
    if known is None:
        cause = error.strerror or str(error) or type(error).__name__
        save_hint = _UNCHANGED + "try again, or save elsewhere with Save As"
        read_hint = "check that the file exists and you may read it, then try again"
    else:
        cause, save_hint, read_hint = known
    cause = cause.format(name=path.name, folder=str(path.parent))
    if action == "save":
        return SaveFailedError(f"Could not save {path.name}: {cause}", save_hint)
    return UnreadableFileError(f"Cannot read {path.name}: {cause}", read_hint)


def _detect_encoding(data: bytes, path: Path) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_binary(data):
        raise UnreadableFileError(f"{path.name} looks like a binary file, not text",
                                  "Writer opens plain text and Markdown files")
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:_SNIFF_BYTES * 4])
    best = matches.best()
    if best is None or best.encoding is None:
        raise UnreadableFileError(f"Cannot tell which encoding {path.name} uses",
                                  "open it again and choose its encoding")
    # Short texts fit several single-byte code pages about equally well: among the
    # near-best, prefer the encodings people actually use.
    near_best = {codecs.lookup(m.encoding).name for m in matches
                 if m.encoding and m.chaos <= best.chaos + 0.1}
    for name in _PREFERRED:
        if name in near_best:
            return name
    return codecs.lookup(best.encoding).name


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: executables, images, archives."""
    sample = data[:_SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r\f\v\x1b")
    return controls > len(sample) * 0.05


def _dominant_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lone_cr = text.count("\r") - crlf
    lone_lf = text.count("\n") - crlf
    best = max((lone_lf, "\n"), (crlf, "\r\n"), (lone_cr, "\r"))
    return best[1] if best[0] > 0 else "\n"
