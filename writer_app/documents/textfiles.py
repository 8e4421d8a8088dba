"""Reading and saving the user's documents: any common encoding in, nothing damaged out.

A file is read as UTF-8 when it is UTF-8 (most are), by its byte-order mark when it has
one, and otherwise by detection; a binary or undecodable file is refused with a clear
message and left untouched. The encoding, byte order, byte-order mark and line endings
found are kept for the save, so an unchanged document saves to the very same bytes; where
it cannot (mixed line endings, an encoding with two byte sequences for one character),
the open says so beforehand in `TextFile.warning`.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from writer_app.atomic import resolve_links, write_bytes_atomically
from writer_app.errors import WriterError

# UTF-16/32 with a byte-order mark, in a given byte order: Python's "utf-16" reads either
# order but writes the machine's, so a big-endian file would come back little-endian.
# These codecs (registered below) keep both the mark and the order.
_WITH_BOM = {
    "utf_16_le_bom": ("utf-16-le", codecs.BOM_UTF16_LE),
    "utf_16_be_bom": ("utf-16-be", codecs.BOM_UTF16_BE),
    "utf_32_le_bom": ("utf-32-le", codecs.BOM_UTF32_LE),
    "utf_32_be_bom": ("utf-32-be", codecs.BOM_UTF32_BE),
}


def _find_bom_codec(name: str) -> codecs.CodecInfo | None:
    known = _WITH_BOM.get(name.replace("-", "_"))
    if known is None:
        return None
    base, bom = known

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return bom + codecs.encode(text, base, errors), len(text)

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        view = bytes(data)
        body = view[len(bom):] if view.startswith(bom) else view
        return codecs.decode(body, base, errors), len(view)

    return codecs.CodecInfo(encode, decode, name=name.replace("_", "-"))


codecs.register(_find_bom_codec)

# Byte-order marks, longest first (UTF-32's mark begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le-bom"),
    (codecs.BOM_UTF32_BE, "utf-32-be-bom"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le-bom"),
    (codecs.BOM_UTF16_BE, "utf-16-be-bom"),
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
    encoding: str  # Python codec name to save with (see _WITH_BOM for the "-bom" ones)
    newline: str  # the file's line ending, restored on save
    # Set when saving this text unchanged would not give back the file's bytes: show it
    # at the open (message + hint), before the user saves.
    warning: WriterError | None = None


def read_text_file(path: Path, encoding: str | None = None) -> TextFile:
    """Read a text document; `encoding` forces one, else it is found from the bytes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise file_error(error, path, "read") from error
    if encoding:
        chosen = _with_byte_order(encoding, data)
        text = _decode(data, chosen, path)
    else:
        chosen, text = _detect_encoding(data, path)
    newline = _dominant_newline(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return TextFile(text, chosen, newline, _round_trip_warning(data, text, chosen, newline,
                                                               path))


def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise UnreadableFileError(f"{path.name} is not valid {encoding} text",
                                  "open it again and choose its encoding") from error


def _with_byte_order(encoding: str, data: bytes) -> str:
    """A forced "utf-16"/"utf-32" in the order the file's mark gives (little-endian,
    without a mark, when it has none), so the save writes what was read."""
    try:
        family = codecs.lookup(encoding).name  # "utf-16", "utf-32", ...
    except LookupError:
        return encoding  # _decode says it is unknown
    if family not in ("utf-16", "utf-32"):
        return encoding
    for order in ("le", "be"):
        name = f"{family}-{order}-bom"
        if data.startswith(_WITH_BOM[name.replace("-", "_")][1]):
            return name
    return f"{family}-le"


def _round_trip_warning(data: bytes, text: str, encoding: str, newline: str,
                        path: Path) -> WriterError | None:
    """None when saving `text` unchanged gives back `data`; else what would change."""
    try:
        if _encode_for_save(text, encoding, newline) == data:
            return None
    except UnicodeError:
        pass
    decoded = data.decode(encoding, errors="replace")
    kinds = [kind for kind, count in (("CRLF", decoded.count("\r\n")),
                                      ("LF", decoded.count("\n") - decoded.count("\r\n")),
                                      ("CR", decoded.count("\r") - decoded.count("\r\n")))
             if count]
    if len(kinds) > 1:
        chosen = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[newline]
        return WriterError(f"{path.name} mixes {' and '.join(kinds)} line endings",
                           f"saving will end every line with {chosen}; the text itself "
                           "is unchanged")
    return WriterError(f"Saving {path.name} will change some of its bytes",
                       f"its text reads correctly, but some characters have more than one "
                       f"form in {encoding} and will be written in the usual one; use Save "
                       "As to keep the original file as it is")


def _encode_for_save(text: str, encoding: str, newline: str) -> bytes:
    if newline != "\n":
        text = text.replace("\n", newline)
    return text.encode(encoding)


def save_text_file(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Save atomically: a crash or full disk mid-save leaves the old file intact."""
    try:
        data = _encode_for_save(text, encoding, newline)
    except UnicodeEncodeError as error:
        character = error.object[error.start]
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
    folder = path.parent
    with contextlib.suppress(OSError):  # through a link, the folder that failed is the target's
        folder = resolve_links(path).parent
    known = _FILE_ERRORS.get(error.errno) if error.errno is not None else None
    if known is None:
        cause = error.strerror or str(error) or type(error).__name__
        save_hint = _UNCHANGED + "try again, or save elsewhere with Save As"
        read_hint = "check that the file exists and you may read it, then try again"
    else:
        cause, save_hint, read_hint = known
    cause = cause.format(name=path.name, folder=str(folder))
    if action == "save":
        return SaveFailedError(f"Could not save {path.name}: {cause}", save_hint)
    return UnreadableFileError(f"Cannot read {path.name}: {cause}", read_hint)


def _detect_encoding(data: bytes, path: Path) -> tuple[str, str]:
    """The encoding `data` is in, and its text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:  # UTF-16 LE text that begins with U+0000 carries UTF-32 LE's mark
                return name, data.decode(name)
            except UnicodeDecodeError:
                continue
    try:
        return "utf-8", data.decode("utf-8")
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
    chosen = next((name for name in _PREFERRED if name in near_best),
                  codecs.lookup(best.encoding).name)
    return chosen, _decode(data, chosen, path)


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
