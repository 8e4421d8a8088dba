"""One document's word counts kept in step with its edits, a paragraph at a time.

Each paragraph (block) has its counts in a BlockCounts (writer_app.text.counting); Qt's
contentsChange says which paragraphs an edit touched, and only those are counted again,
so a keystroke in a 10 MB document costs one paragraph. Text too long to count between
two keystrokes (a file opened, a big paste) is counted in slices of a few milliseconds
on a zero-interval timer: the window keeps drawing and taking keys meanwhile.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QTextCursor, QTextDocument

from writer_app.text.counting import BlockCounts, Counts, count_block, count_paragraph
from writer_app.ui.editor import plain_text

log = logging.getLogger(__name__)

SLICE_S = 0.004  # the longest the GUI thread counts before it looks at events again
SYNC_BLOCKS = 64  # an edit touching more paragraphs than this is counted in slices...
SYNC_CHARACTERS = 50_000  # ...and one touching more text than this


class DocumentCounter(QObject):
    """Keeps one QTextDocument's per-paragraph counts in step with its edits."""

    changed = Signal()  # the counts changed (or were all counted at last)

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.document = document
        self.blocks = BlockCounts(document.blockCount())
        self.replacements = 0  # how often the whole text was set (a file opened into it)
        self.paused = False
        self._next = 0  # where the slices look for uncounted paragraphs first
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._count_slice)
        document.contentsChange.connect(self._on_change)
        if document.characterCount() <= SYNC_CHARACTERS:
            self.count_now()
        self._schedule()

    @property
    def ready(self) -> bool:
        return self.blocks.ready

    @property
    def total(self) -> Counts:
        return self.blocks.total

    def detach(self) -> None:
        """Stop following the document (counts off)."""
        self._timer.stop()
        self.document.contentsChange.disconnect(self._on_change)

    def pause(self) -> None:
        self.paused = True
        self._timer.stop()

    def resume(self) -> None:
        self.paused = False
        self._schedule()

    def recount(self) -> None:
        """Count everything again, in slices."""
        self.blocks.reset(self.document.blockCount())
        self._next = 0
        self._schedule()

    def check(self) -> None:
        """Recount if the paragraphs no longer match (a change was missed: signals blocked)."""
        if len(self.blocks) != self.document.blockCount():
            log.warning("Word counts lost step with the document; counting again")
            self.recount()

    def count_now(self) -> None:
        """Count what is left at once (tests; a window about to report)."""
        block = self.document.firstBlock()
        for index in range(len(self.blocks)):
            if self.blocks.entries[index] is None:
                self.blocks.set(index, count_block(block.text()))
            block = block.next()
        self._timer.stop()
        self.changed.emit()

    # ---- edits ------------------------------------------------------------------------------

    def _on_change(self, position: int, removed: int, added: int) -> None:
        """Recount the paragraphs the change touched. Qt reports one merged range per edit
        block; the paragraphs after it are the old ones, shifted by the change in count."""
        document = self.document
        first_block = document.findBlock(position)
        if not first_block.isValid():
            first_block = document.lastBlock()
        end = max(position, min(position + added, document.characterCount() - 1))
        last_block = document.findBlock(end)
        if not last_block.isValid():
            last_block = document.lastBlock()
        first, last = first_block.blockNumber(), last_block.blockNumber()
        old_length = last - first + 1 - (document.blockCount() - len(self.blocks))
        if first < 0 or old_length < 0 or first + old_length > len(self.blocks):
            self.recount()
            return
        new: list[Counts | None] = []
        if last - first < SYNC_BLOCKS:
            budget = SYNC_CHARACTERS
            block = first_block
            for _ in range(first, last + 1):
                text = block.text()
                budget -= len(text)
                new.append(count_block(text) if budget >= 0 else None)
                block = block.next()
        else:
            new = [None] * (last - first + 1)
        self.blocks.replace(first, old_length, new)
        if position == 0 and added >= document.characterCount() - 1 \
                and document.availableUndoSteps() == 0:
            self.replacements += 1  # setPlainText: a file opened, reloaded or a new one
        if self.blocks.pending:
            self._next = min(self._next, first)
            self.paused = False  # an edit: the window is alive
            self._schedule()
        self.changed.emit()

    # ---- counting in slices -----------------------------------------------------------------

    def _schedule(self) -> None:
        if self.blocks.pending and not self.paused and not self._timer.isActive():
            self._timer.start()

    def _count_slice(self) -> None:
        deadline = time.perf_counter() + SLICE_S
        blocks = self.blocks
        index = blocks.next_pending(self._next)
        if index is not None:
            block = self.document.findBlockByNumber(index)
            while block.isValid() and index < len(blocks):
                if blocks.entries[index] is None:
                    blocks.set(index, count_block(block.text()))
                    if not blocks.pending:
                        break
                index += 1
                block = block.next()
                if time.perf_counter() > deadline:
                    break
            self._next = index if block.isValid() else 0
        if not blocks.pending:
            self._timer.stop()
            self.changed.emit()

    # ---- the selection ----------------------------------------------------------------------

    def selection(self, cursor: QTextCursor) -> Counts | None:
        """The counts of a selection (None while its paragraphs are being counted): the
        paragraphs wholly inside it from the cache, the two at its ends from their text."""
        document = self.document
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        first, last = document.findBlock(start), document.findBlock(end)
        if first.blockNumber() == last.blockNumber():
            return count_paragraph(_text(document, start, end))
        middle = self.blocks.between(first.blockNumber() + 1, last.blockNumber() - 1)
        if middle is None:
            return None
        head = _text(document, start, first.position() + first.length() - 1)
        tail = _text(document, last.position(), end)
        return middle.plus(count_paragraph(head)).plus(count_paragraph(tail))


def _text(document: QTextDocument, start: int, end: int) -> str:
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return plain_text(cursor.selectedText())
