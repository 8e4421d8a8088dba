"""Replace All: planned in the find worker thread, then made as one undo step, from the
end backwards, in slices between which the window keeps drawing; the editor is
read-only meanwhile, so no typing slips in between the slices.

Its messages are translated in the FindController context (the bar's other messages'),
so moving the code here left the translations as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QTextCursor

from writer_app.text.find import FindError
from writer_app.ui.editor import WriterEditor
from writer_app.ui.find_search import plan_job

if TYPE_CHECKING:
    from writer_app.ui.find_controller import FindController

REPLACE_SLICE = 5000  # Replace All edits per turn of the event loop


@dataclass
class ReplaceJob:
    """A Replace All being applied, from the last match backwards."""

    editor: WriterEditor
    starts: Any
    ends: Any
    replacements: list[str]
    next: int  # the index of the next match to replace
    revision: int  # the document's revision after the last slice
    read_only: bool  # the editor's own setting, given back at the end


class ReplaceAll(QObject):
    """The find controller's Replace All: at most one at a time (`job`)."""

    def __init__(self, find: FindController) -> None:
        super().__init__(find)
        self.find = find
        self.job: ReplaceJob | None = None
        self._slice = QTimer(self, singleShot=True, interval=0)
        self._slice.timeout.connect(self._replace_slice)

    def start(self) -> None:
        """Plan every replacement in the worker thread, then make them as one undo step."""
        find = self.find
        editor = find.editor
        if editor is None or self.job is not None or find.generating_here(editor):
            return
        query = find.query()
        if query is None:
            return
        text, revision = find.text_of(editor), editor.document().revision()
        job = plan_job(query, text, find.bar.replace_field.text(), find.scope_range(),
                       find.timeout)
        find.bar.set_count(QCoreApplication.translate("FindController", "Replacing…"), "stale")
        find.runner.start(job, lambda result: self._start_replacing(editor, revision, result))

    def finish_now(self) -> None:
        """At the window's close: make the rest at once (a half-made step is worse)."""
        while self.job is not None:
            self._replace_slice()
        self._slice.stop()

    def _start_replacing(self, editor: WriterEditor, revision: int,
                         result: tuple[Any, ...] | FindError) -> None:
        bar = self.find.bar
        if isinstance(result, FindError):
            bar.set_count(self.find.describe(result), "error")
            return
        if editor.document().revision() != revision:
            if editor is self.find.editor:
                self.start()  # the text changed while planning: plan again
            return
        starts, ends, replacements = result
        if not starts:
            bar.set_count(QCoreApplication.translate("FindController", "No results"), "none")
            return
        self.job = ReplaceJob(editor, starts, ends, replacements, len(starts) - 1,
                              revision, editor.isReadOnly())
        editor.setReadOnly(True)  # no typing between the slices of the one undo step
        self._replace_slice()

    def _replace_slice(self) -> None:
        """Make the next REPLACE_SLICE replacements, from the end backwards (so the
        positions still to do stay valid), joined to the same undo step."""
        job = self.job
        if job is None:
            return
        try:
            document = job.editor.document()
        except RuntimeError:  # its document was closed meanwhile
            self.job = None
            return
        if document.revision() != job.revision:  # something else edited: stop here
            self._finish(interrupted=True)
            return
        cursor = QTextCursor(document)
        if job.next == len(job.starts) - 1:
            cursor.beginEditBlock()
        else:
            cursor.joinPreviousEditBlock()
        stop = max(job.next - REPLACE_SLICE, -1)
        for index in range(job.next, stop, -1):
            cursor.setPosition(job.starts[index])
            cursor.setPosition(job.ends[index], QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(job.replacements[index])
        if stop < 0:  # end on a removal, so Qt does not merge later typing into this step
            cursor.insertText("\u200b")
            cursor.deletePreviousChar()
        cursor.endEditBlock()
        job.next, job.revision = stop, document.revision()
        if stop < 0:
            self._finish()
            return
        done = len(job.starts) - 1 - stop
        self.find.bar.set_count(QCoreApplication.translate(
            "FindController", "Replacing… {percent}%").format(
            percent=done * 100 // len(job.starts)), "stale")
        self._slice.start()

    def _finish(self, interrupted: bool = False) -> None:
        job, self.job = self.job, None
        assert job is not None
        job.editor.setReadOnly(job.read_only)
        done, total = len(job.starts) - 1 - job.next, len(job.starts)
        if interrupted:
            message = QCoreApplication.translate(
                "FindController", "Replace All stopped because the document changed: "
                "{done} of {total} replaced").format(done=f"{done:,}", total=f"{total:,}")
        else:
            message = QCoreApplication.translate(
                "FindController", "Replaced {count} matches").format(count=f"{total:,}")
        find = self.find
        find.bar.set_hint(message)
        find.window.show_status(message, 5000)
        if job.editor is find.editor:
            find.results = None
            find.search(move=False)
