"""Searching off the GUI thread: the worker that runs one search at a time, the results
it hands back (in Qt's UTF-16 positions) and the jobs it runs.

The search itself (writer_app/text/find.py) runs on a snapshot of the text in a daemon
thread, so a 10 MB document or a catastrophic regular expression never freezes the
window; a newer search supersedes an older one.
"""

from __future__ import annotations

import bisect
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from writer_app.text.find import (
    FindError,
    Matches,
    Query,
    ReplacePlan,
    Utf16Map,
    find_all,
    plan_replace_all,
)
from writer_app.ui.editor import WriterEditor

Job = Callable[[Callable[[], bool]], Any]  # given "am I cancelled?", returns a result


def within(starts: Any, ends: Any, scope: tuple[int, int] | None) -> tuple[int, int]:
    """The slice of sorted, non-overlapping matches that lie inside `scope` (all of them
    when there is none)."""
    if scope is None:
        return 0, len(starts)
    first = bisect.bisect_left(starts, scope[0])
    return first, max(first, bisect.bisect_right(ends, scope[1]))


@dataclass
class Results:
    """One search's matches in Qt positions, for the editor at one revision."""

    editor: WriterEditor
    revision: int
    query: Query
    starts: Any  # sorted UTF-16 positions (array or list)
    ends: Any
    truncated: bool

    def index_of(self, start: int, end: int) -> int | None:
        """The index of the match that spans exactly `start`…`end`, if one does."""
        index = bisect.bisect_left(self.starts, start)
        if index < len(self.starts) and self.starts[index] == start \
                and self.ends[index] == end:
            return index
        return None


def search_job(editor: WriterEditor, revision: int, query: Query, text: str,
               scope: tuple[int, int] | None, timeout: float) -> Job:
    """Find every match of `query` in `text` (the editor's text at `revision`)."""

    def job(cancelled: Callable[[], bool]) -> Results | FindError | None:
        found = find_all(query, text, cancelled=cancelled, timeout=timeout)
        if not isinstance(found, Matches):
            return found
        mapping = Utf16Map(text)
        starts, ends = mapping.to_utf16_many(found.starts), mapping.to_utf16_many(found.ends)
        first, last = within(starts, ends, scope)
        return Results(editor, revision, query, starts[first:last], ends[first:last],
                       found.truncated)

    return job


def plan_job(query: Query, text: str, template: str, scope: tuple[int, int] | None,
             timeout: float) -> Job:
    """Plan Replace All: (starts, ends, replacements) in Qt positions, or a FindError."""

    def job(cancelled: Callable[[], bool]) -> tuple[Any, ...] | FindError | None:
        plan = plan_replace_all(query, text, template, cancelled=cancelled, timeout=timeout)
        if not isinstance(plan, ReplacePlan):
            return plan
        mapping = Utf16Map(text)
        starts, ends = mapping.to_utf16_many(plan.starts), mapping.to_utf16_many(plan.ends)
        first, last = within(starts, ends, scope)
        return starts[first:last], ends[first:last], plan.replacements[first:last]

    return job


class SearchRunner(QObject):
    """One job at a time in a daemon thread; `start` supersedes the running one (it stops
    at its next check, or its timeout). The newest job's result reaches its handler in
    the GUI thread; superseded results are dropped."""

    _done = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._serial = 0
        self._cancel = threading.Event()
        self._handler: Callable[[Any], None] | None = None
        self._threads: list[threading.Thread] = []
        self._done.connect(self._deliver)

    def start(self, job: Job, handler: Callable[[Any], None]) -> None:
        self.cancel()
        self._serial += 1
        serial, cancel = self._serial, threading.Event()
        self._cancel, self._handler = cancel, handler

        def run() -> None:
            try:
                result = job(cancel.is_set)
            except Exception as error:  # a bug must reach the bar, not end a thread silently
                result = FindError("pattern", f"{type(error).__name__}: {error}")
            if not cancel.is_set():
                with contextlib.suppress(RuntimeError):  # the window is gone
                    self._done.emit((serial, result))

        thread = threading.Thread(target=run, name="writer-find", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    @Slot(object)
    def _deliver(self, reply: tuple[int, Any]) -> None:
        serial, result = reply
        if serial == self._serial and self._handler is not None and result is not None:
            handler, self._handler = self._handler, None
            handler(result)

    def cancel(self) -> None:
        self._cancel.set()
        self._handler = None

    def shut_down(self, wait: float) -> None:
        self.cancel()
        for thread in self._threads:
            thread.join(wait)
        self._threads = []
