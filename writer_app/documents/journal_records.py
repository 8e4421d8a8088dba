"""The journal file's format: a snapshot of the text, then batches of edits to replay.

A journal file is a sequence of records, each

    <kind> <payload length> <crc32 of payload, 8 hex digits>\\n<payload>\\n

`S` (snapshot, always first): a JSON line of metadata, a newline, then the whole text in
UTF-8. `E` (edits): JSON `{"edits": [[position, removed, inserted], ...], "cursor": ...}`
with positions and counts in UTF-16 code units, as Qt's QTextDocument counts them (an
emoji is two). A snapshot replaces the file atomically; edits are appended. A crash mid-
append leaves a torn last record, which the length and checksum reveal: reading stops
there, so at most that record is lost, never the snapshot or what came before.
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 2
SNAPSHOT, EDITS = b"S", b"E"
# Native-order UTF-16, so the text can live in an array of 16-bit code units.
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
_MAX_HEADER = 64
_ENCODE_SLICE = 256 * 1024  # characters encoded per interpreter-lock hold


@dataclass
class JournalState:
    """What replaying a journal file gives: the document as it was at the last record."""

    document_id: str
    owner: str
    path: str | None
    text: str
    cursor: int | None
    modified: bool
    saved_at: float
    extra: dict[str, Any] = field(default_factory=dict)


def encode_record(kind: bytes, payload: bytes) -> bytes:
    header = b"%s %d %08x\n" % (kind, len(payload), zlib.crc32(payload))
    return header + payload + b"\n"


def snapshot_record(meta: dict[str, Any], text: str) -> bytes:
    """A full record; `meta` holds everything but the text (JSON, one line).

    The text is encoded a slice at a time: one encode of 10 MB holds the interpreter
    lock for tens of milliseconds, a stall the window's keystrokes would feel.
    """
    parts = [json.dumps({"version": FORMAT_VERSION, **meta}, ensure_ascii=False).encode(),
             b"\n"]
    parts.extend(text[start:start + _ENCODE_SLICE].encode("utf-8", "surrogatepass")
                 for start in range(0, len(text), _ENCODE_SLICE))
    return encode_record(SNAPSHOT, b"".join(parts))


def edits_record(batch: dict[str, Any]) -> bytes:
    return encode_record(EDITS, json.dumps(batch, ensure_ascii=False)
                         .encode("utf-8", "surrogatepass"))


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: characters beyond U+FFFF count twice (lone
    surrogates once). The codec does it at C speed: a Python loop took 2.3 s on 10 MB."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def read_records(data: bytes) -> list[tuple[bytes, bytes]]:
    """The intact records at the start of `data`; reading stops at the first torn one."""
    records = []
    offset = 0
    while offset < len(data):
        end = data.find(b"\n", offset, offset + _MAX_HEADER)
        if end < 0:
            break
        parts = data[offset:end].split(b" ")
        if len(parts) != 3 or parts[0] not in (SNAPSHOT, EDITS) or not parts[1].isdigit():
            break
        length = int(parts[1])
        start = end + 1
        payload = data[start:start + length]
        if (len(payload) != length or data[start + length:start + length + 1] != b"\n"
                or b"%08x" % zlib.crc32(payload) != parts[2]):
            break
        records.append((parts[0], payload))
        offset = start + length + 1
    return records


def replay(data: bytes, *, exact: bool = False) -> JournalState | None:
    """The state at the last intact record, or None when even the snapshot is missing.

    Never raises on damaged input: a record that cannot be applied (bad JSON, an edit
    outside the text) ends the replay as a torn one does. The text is as PySide would
    give the editor's (a lone surrogate dropped); `exact` keeps every UTF-16 unit, for
    a new snapshot that later edits' positions must still fit.
    """
    records = read_records(data)
    if not records or records[0][0] != SNAPSHOT:
        return None
    try:
        state, text = _read_snapshot(records[0][1])
    except (ValueError, TypeError, KeyError):
        return None
    buffer = Utf16Buffer(text)
    for kind, payload in records[1:]:
        if kind != EDITS or not _apply_batch(state, buffer, payload):
            break
    state.text = buffer.text(exact=exact)
    return state


def _read_snapshot(payload: bytes) -> tuple[JournalState, str]:
    meta_bytes, _, text_bytes = payload.partition(b"\n")
    meta = json.loads(meta_bytes)
    if meta.get("version") != FORMAT_VERSION:
        raise ValueError("unknown journal version")
    cursor = meta.get("cursor")
    state = JournalState(str(meta["document_id"]), str(meta["owner"]), meta.get("path"), "",
                         int(cursor) if cursor is not None else None,
                         bool(meta.get("modified", True)), float(meta["saved_at"]),
                         dict(meta.get("extra") or {}))
    return state, text_bytes.decode("utf-8", "surrogatepass")


def _apply_batch(state: JournalState, buffer: Utf16Buffer, payload: bytes) -> bool:
    """Apply one batch whole, or not at all (False: the record is unusable)."""
    try:
        batch = json.loads(payload.decode("utf-8", "surrogatepass"))
        edits = [(int(p), int(r), str(i)) for p, r, i in batch["edits"]]
    except (ValueError, TypeError, KeyError):
        return False
    length = len(buffer)
    for position, removed, inserted in edits:  # check first: never half a batch
        if position < 0 or removed < 0 or position + removed > length:
            return False
        length += utf16_length(inserted) - removed
    for position, removed, inserted in edits:
        buffer.replace(position, removed, inserted)
    if "cursor" in batch:
        state.cursor = None if batch["cursor"] is None else int(batch["cursor"])
    state.modified = bool(batch.get("modified", state.modified))
    state.saved_at = float(batch.get("saved_at", state.saved_at))
    if "path" in batch:
        state.path = batch["path"]
    if isinstance(batch.get("extra"), dict):
        state.extra = batch["extra"]
    return True


class Utf16Buffer:
    """Text as UTF-16 code units with a gap at the last edit (a gap buffer).

    Edits near one another, as typing makes them, cost their own size plus the distance
    from the previous edit, not the size of the document: replaying a long log over a
    10 MB text stays fast. The units after the gap are kept reversed, so moving the gap
    is popping from one array and pushing onto the other.
    """

    def __init__(self, text: str) -> None:
        self._before = array("H", text.encode(_UTF16, "surrogatepass"))
        self._after_reversed = array("H")

    def __len__(self) -> int:
        return len(self._before) + len(self._after_reversed)

    def _move_gap(self, position: int) -> None:
        gap = len(self._before)
        if position < gap:
            moved = self._before[position:]
            del self._before[position:]
            moved.reverse()
            self._after_reversed.extend(moved)
        elif position > gap:
            count = position - gap
            moved = self._after_reversed[-count:]
            del self._after_reversed[-count:]
            moved.reverse()
            self._before.extend(moved)

    def replace(self, position: int, removed: int, inserted: str) -> None:
        self._move_gap(position)
        if removed:
            del self._after_reversed[len(self._after_reversed) - removed:]
        if inserted:
            self._before.frombytes(inserted.encode(_UTF16, "surrogatepass"))

    def text(self, exact: bool = False) -> str:
        """The text as PySide gives a QString: a surrogate left alone (an insertion
        between the two halves of a pair) is dropped, so a restore equals the editor.
        `exact` keeps such a surrogate as a lone code point."""
        after = array("H", self._after_reversed)
        after.reverse()
        data = self._before.tobytes() + after.tobytes()
        return data.decode(_UTF16, "surrogatepass" if exact else "ignore")
