"""Server-sent events: the `data:` payloads of a stream, however its bytes were split.

Servers stream completions as `data: {json}` events separated by blank lines and end with
`data: [DONE]`; comment lines (`: ping`) keep idle connections open. Bytes arrive in
arbitrary pieces, so the parser keeps the unfinished line and event between feeds.
"""

from __future__ import annotations

DONE = "[DONE]"
MAX_EVENT_BYTES = 16 * 1024 * 1024


class EventParser:
    """Feed it bytes; it returns each complete event's data (its `data:` lines joined)."""

    def __init__(self) -> None:
        self._partial = b""
        self._data: list[str] = []
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        """The events completed by `chunk`. Raises ValueError on bytes that are not UTF-8
        or an event too large to be a completion."""
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across two feeds
        self._pending_cr = chunk.endswith(b"\r")
        buffer = self._partial + chunk
        events: list[str] = []
        lines = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_EVENT_BYTES:
            raise ValueError("an event line is too long")
        for raw in lines:
            line = raw.decode("utf-8")  # strict: a complete line is whole characters
            if not line:
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            if field == "data":
                self._data.append(value[1:] if value.startswith(" ") else value)
        return events

    def finish(self) -> list[str]:
        """The last event when the stream ended without its blank line."""
        events = self.feed(b"\n\n") if self._partial or self._data else []
        return events
