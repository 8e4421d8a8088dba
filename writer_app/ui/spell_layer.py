"""The spelling layer of one document: answers cached per paragraph, unknown paragraphs
handed to the spelling thread, the red wavy underline (see ui/spell_check.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QTextCharFormat

from writer_app.spelling.background import Misspelt, Results
from writer_app.ui.highlighter import FormatRange, highlighter_for

if TYPE_CHECKING:
    from writer_app.ui.editor import WriterEditor
    from writer_app.ui.spell_check import SpellController


LAYER_NAME = "spelling"
UNDERLINE = QColor("#e5484d")  # a red that reads on white and on a dark page alike
CACHE_LIMIT = 400_000  # paragraphs remembered per document before starting over
MAX_VISIBLE_BLOCKS = 400  # blocks looked at on screen, at most (a tiny font, a tall screen)
RECHOOSE_AFTER = 2_000  # characters added at once (a paste, a load) that re-run "auto"


def misspelt_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
    fmt.setUnderlineColor(UNDERLINE)
    return fmt


class SpellLayer:
    """The spelling layer of one document: cached answers per paragraph text.

    Asking is batched (one hand-over to the thread per event-loop turn, so loading a
    10 MB file does not compete with the thread for the GIL), and answers for paragraphs
    off screen are applied when they scroll into view: highlighting again every block
    of a long document as its answer arrives would keep the GUI thread busy for seconds.
    """

    name = LAYER_NAME
    order = 100  # merged after Markdown's formats: the underline always shows

    def __init__(self, controller: SpellController, editor: WriterEditor) -> None:
        self.controller = controller
        self.editor = editor
        self.highlighter = highlighter_for(editor.document())
        self.tag: str | None = None  # the dictionary; None: nothing to check
        self.answers: dict[str, Misspelt] = {}
        self.asked: set[str] = set()  # sent to the thread (or about to be), no answer yet
        self.waiting: dict[str, int] = {}  # paragraph text → blocks highlighted without it
        self.stale: dict[str, int] = {}  # answered while its blocks were off screen
        self.outbox: list[str] = []
        self.typing_at: int | None = None  # the end of the last edit, while in that word
        self.format = misspelt_format()
        self._applying = False
        self._scheduled = False

    # ---- HighlightLayer ---------------------------------------------------------------------

    def highlight_block(self, text: str, previous_state: int) -> tuple[list[FormatRange], int]:
        if self.tag is None or not text:
            return [], -1
        found = self.answers.get(text)
        if found is None:
            self.waiting[text] = self.waiting.get(text, 0) + 1
            if text not in self.asked:
                self.asked.add(text)
                if not self.outbox:
                    QTimer.singleShot(0, self.controller, self.send)
                self.outbox.append(text)
            return [], -1
        if not found:
            return [], -1
        skip = self._typed_word_span()
        ranges = []
        for start, length, _word in found:
            if skip is not None and start <= skip <= start + length:
                continue
            ranges.append((start, length, self.format))
        return ranges, -1

    def send(self) -> None:
        texts, self.outbox = self.outbox, []
        if texts and self.tag is not None:
            self.controller.service.check(self.tag, texts)

    def _typed_word_span(self) -> int | None:
        """The cursor's offset in the block being highlighted when the user is typing
        there (the word at it is not finished), else None."""
        if self.typing_at is None:
            return None
        block = self.highlighter.currentBlock()
        offset = self.typing_at - block.position()
        return offset if 0 <= offset <= block.length() else None

    # ---- answers ----------------------------------------------------------------------------

    def take(self, results: Results) -> None:
        """Answers from the thread: keep them; paragraphs with a misspelt word that were
        highlighted without their answer are highlighted again once on screen."""
        if len(self.answers) > CACHE_LIMIT:
            self.answers.clear()
        for text, found in results:
            self.answers[text] = found
            self.asked.discard(text)
            count = self.waiting.pop(text, 0)
            if found and count:
                self.stale[text] = self.stale.get(text, 0) + count
        self.apply_visible()

    def apply_visible(self, *_args: object) -> None:
        """Soon (once per event-loop turn, however many repaints ask), highlight again the
        blocks on screen whose answer came while they were off it."""
        if self.stale and not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self.controller, self._apply_visible)

    def _apply_visible(self) -> None:
        self._scheduled = False
        if not self.stale or self._applying:
            return
        self._applying = True
        try:
            # Every block takes a line at least: as many blocks as lines fit cover the
            # screen (asking Qt for each block's geometry cost ~5 ms a call on 10 MB).
            editor = self.editor
            lines = editor.viewport().height() // max(1, editor.fontMetrics().lineSpacing())
            block = editor.firstVisibleBlock()
            for _ in range(min(MAX_VISIBLE_BLOCKS, lines + 2)):
                if not block.isValid():
                    break
                text = block.text()
                count = self.stale.get(text)
                if count is not None:
                    if count <= 1:
                        del self.stale[text]
                    else:
                        self.stale[text] = count - 1
                    self.highlighter.rehighlight_block(block)
                block = block.next()
        finally:
            self._applying = False

    def reset(self, tag: str | None) -> None:
        """Check with another dictionary (or none): forget every answer."""
        self.tag = tag
        self.answers.clear()
        self.asked.clear()
        self.waiting.clear()
        self.stale.clear()
        self.outbox.clear()

    def drop_word(self, word: str) -> None:
        """A word became correct (added, ignored): strip it from the cached answers."""
        for text, found in list(self.answers.items()):
            if any(w == word for _s, _l, w in found):
                self.answers[text] = tuple(f for f in found if f[2] != word)

    # ---- typing -----------------------------------------------------------------------------

    def on_contents_change(self, position: int, removed: int, added: int) -> None:
        if added >= RECHOOSE_AFTER:
            self.typing_at = None
            self.controller.choose_language(self)
            return
        self.typing_at = position + added
        self.controller.service.user_active()

    def on_cursor_moved(self) -> None:
        if self.typing_at is None:
            return
        cursor = self.editor.textCursor()
        if cursor.position() == self.typing_at and not cursor.hasSelection():
            return
        block = self.editor.document().findBlock(self.typing_at)
        self.typing_at = None
        self.highlighter.rehighlight_block(block)


