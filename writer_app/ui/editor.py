"""The document editor: a calm reading column, and text the model streams in.

Generated text goes in through `begin_generation` / `append_generated` /
`end_generation`. It is highlighted until the user types or moves the cursor, and all of
it is one undo step: the first piece opens an edit block and every later piece joins it.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPalette,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
)
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QTextEdit, QWidget

# Serif faces that read well at length, with CJK fallbacks; the first installed one wins.
WRITING_FONTS = ("Source Serif 4", "Noto Serif", "Georgia", "Charter", "Cambria",
                 "Noto Serif CJK SC", "Songti SC", "DejaVu Serif", "SimSun", "serif")
COLUMN_EMS = 40  # the widest text column, in ems: about 75 characters of English
SIDE_MARGIN = 28  # pixels between the window edge and the text when the window is narrow


def plain_text(raw: str) -> str:
    """A QTextDocument's raw text with Qt's paragraph and line separators as "\\n"."""
    return raw.replace("\u2029", "\n").replace("\u2028", "\n")


class WriterEditor(QPlainTextEdit):
    """The central editor. Ghost text (an inline suggestion) is shown with `show_ghost`."""

    generationInterrupted = Signal()  # the user edited the text while a generation ran

    def __init__(self, parent: QWidget | None = None, font_family: str = "",
                 font_size: int = 14) -> None:
        super().__init__(parent)
        self.setObjectName("editor")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        palette = self.palette()  # the side margins in the page's colour, not the window's
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Base))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.setPlaceholderText("Start writing, then press Ctrl+Enter to let the model "
                                "continue.")
        self.set_writing_font(font_family, font_size)
        self.document().setDocumentMargin(24)
        self.document().setModified(False)  # setting the margin counts as a change
        self._start: QTextCursor | None = None  # where the current/last generation begins
        self._end: QTextCursor | None = None  # where it ends; it inserts and so moves along
        self._generating = False
        self._block_open = False  # the generation's undo step has been opened
        self._inserting = False  # our own edit, not the user's
        self._highlighted = False
        self._layers: dict[str, list[QTextEdit.ExtraSelection]] = {}  # see set_layer
        # A cursor in the ghost's block (it follows edits; a deleted block takes its
        # layout with it, so none is kept) and the ghost's text.
        self._ghost: tuple[QTextCursor, str] | None = None
        self.document().contentsChange.connect(self._on_contents_change)
        self.cursorPositionChanged.connect(self._on_cursor_moved)

    # ---- look -------------------------------------------------------------------------------

    def set_writing_font(self, family: str = "", size: int = 14) -> None:
        font = QFont()
        font.setFamilies([family] if family else list(WRITING_FONTS))
        font.setPointSize(size)
        font.setStyleHint(QFont.StyleHint.Serif)
        self.setFont(font)
        self._update_margins()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._update_margins()  # first: the text is laid out for the viewport's new width
        super().resizeEvent(event)

    def _update_margins(self) -> None:
        """Keep lines short enough to read: centre a column of at most COLUMN_EMS ems."""
        column = self.fontMetrics().horizontalAdvance("M") * COLUMN_EMS
        side = max(SIDE_MARGIN, (self.width() - self.verticalScrollBar().sizeHint().width()
                                 - column) // 2)
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)

    # ---- text -------------------------------------------------------------------------------

    def text(self) -> str:
        """The whole document, exactly (toPlainText would turn no-break spaces into spaces)."""
        return plain_text(self.document().toRawText())

    def text_before(self, position: int) -> str:
        """The text before a Qt position (Qt counts UTF-16 units, Python code points)."""
        raw = self.document().toRawText().encode("utf-16-le")[:2 * position]
        return plain_text(raw.decode("utf-16-le"))

    def text_before_cursor(self) -> str:
        return self.text_before(self.textCursor().selectionEnd())

    def insert_at_cursor(self, text: str) -> None:
        """Insert as if typed (one undo step), replacing any selection."""
        self.textCursor().insertText(text)
        self.ensureCursorVisible()

    # ---- ghost text -------------------------------------------------------------------------

    def show_ghost(self, position: int, text: str) -> None:
        """Show `text` in grey at Qt `position`, laid out (and wrapped) as if it were there.

        It lives in the block's layout as a pre-edit area, the way input methods show text
        being composed: never in the document, its undo history or a saved file.
        """
        self.clear_ghost()
        if not text:
            return
        block = self.document().findBlock(position)
        layout = block.layout()
        offset = position - block.position()
        layout.setPreeditArea(offset, text)
        grey = QTextCharFormat()
        grey.setForeground(self.palette().placeholderText())
        span = QTextLayout.FormatRange()
        span.start, span.length, span.format = offset, len(text.encode("utf-16-le")) // 2, grey
        layout.setFormats([span])
        self._ghost = (QTextCursor(block), text)
        self.document().markContentsDirty(block.position(), block.length())
        self.viewport().update()

    def clear_ghost(self) -> None:
        if self._ghost is None:
            return
        anchor, _text = self._ghost
        self._ghost = None
        block = anchor.block()
        if block.isValid():
            block.layout().setPreeditArea(-1, "")
            block.layout().setFormats([])
            self.document().markContentsDirty(block.position(), block.length())
        self.viewport().update()

    def ghost_text(self) -> str:
        """The suggestion on show ("" when none)."""
        return self._ghost[1] if self._ghost is not None else ""

    # ---- generated text ---------------------------------------------------------------------

    @property
    def is_generating(self) -> bool:
        return self._generating

    @property
    def can_retry(self) -> bool:
        """A finished generation is still there, untouched by the user."""
        return self._start is not None and not self._generating

    def begin_generation(self, replace_last: bool = False) -> str:
        """Start streaming at the cursor (or in place of the last generation).

        Returns the text before the insertion point: what the model should continue.
        """
        self.clear_generation_highlight()
        self._block_open = False
        if replace_last and self.can_retry:
            assert self._start is not None and self._end is not None
            position = self._start.position()
            remover = QTextCursor(self.document())
            remover.setPosition(position)
            remover.setPosition(self._end.position(), QTextCursor.MoveMode.KeepAnchor)
            self._inserting = True
            try:
                remover.beginEditBlock()  # the retry's undo step: removal and new text
                remover.removeSelectedText()
                remover.endEditBlock()
            finally:
                self._inserting = False
            self._block_open = True
            self._move_cursor_to(position)
        else:
            cursor = self.textCursor()
            position = cursor.selectionEnd()
            if cursor.hasSelection():
                self._move_cursor_to(position)
        self._start = QTextCursor(self.document())
        self._start.setPosition(position)
        self._start.setKeepPositionOnInsert(True)  # stays before the text streamed in
        self._end = QTextCursor(self.document())
        self._end.setPosition(position)
        self._generating = True
        return self.text_before(position)

    def append_generated(self, text: str) -> tuple[int, int] | None:
        """Insert the next piece; it joins the generation's single undo step.

        Returns the Qt range the piece now takes, or None when nothing was inserted.
        """
        if not text or not self._generating or self._end is None:
            return None
        start = self._end.position()
        follow = self.textCursor().position() == self._end.position() \
            and not self.textCursor().hasSelection()
        self._inserting = True
        try:
            if self._block_open:
                self._end.joinPreviousEditBlock()
            else:
                self._end.beginEditBlock()
                self._block_open = True
            self._end.insertText(text)
            self._end.endEditBlock()
        finally:
            self._inserting = False
        self._show_highlight()
        if follow:
            self.ensureCursorVisible()
        return start, self._end.position()

    def end_generation(self) -> None:
        """Close the undo step so that typing afterwards is an undo step of its own."""
        if not self._generating:
            return
        self._generating = False
        if self._block_open and self._end is not None:
            # Qt merges typing into an adjacent insertion of the last undo step; a removal
            # inside the step, as its last command, keeps the two apart.
            self._inserting = True
            try:
                self._end.joinPreviousEditBlock()
                self._end.insertText("\u200b")
                self._end.deletePreviousChar()
                self._end.endEditBlock()
            finally:
                self._inserting = False
        if self._start is not None and self._end is not None \
                and self._start.position() == self._end.position() and not self._block_open:
            self._start = self._end = None  # nothing was generated: nothing to retry

    def generated_text(self) -> str:
        """The text of the current or last generation ("" when there is none)."""
        if self._start is None or self._end is None:
            return ""
        full = self.text_before(self._end.position())
        return full[len(self.text_before(self._start.position())):]

    def clear_generation_highlight(self) -> None:
        if self._highlighted:
            self._highlighted = False
            self.set_layer("generation", [])

    def set_layer(self, name: str, selections: list[QTextEdit.ExtraSelection]) -> None:
        """Extra selections by owner, so that one owner's update keeps the others'."""
        self._layers[name] = selections
        self.setExtraSelections([s for layer in self._layers.values() for s in layer])

    def _show_highlight(self) -> None:
        assert self._start is not None and self._end is not None
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._start.position())
        cursor.setPosition(self._end.position(), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor  # type: ignore[attr-defined]
        tint = QColor(self.palette().highlight().color())
        tint.setAlpha(48)
        selection.format.setBackground(tint)  # type: ignore[attr-defined]
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, False)  # type: ignore[attr-defined]
        self.set_layer("generation", [selection])
        self._highlighted = True

    def _move_cursor_to(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(position)
        with QSignalBlocker(self):
            self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A key that edits stops a running generation first, so its undo step stays whole."""
        if self._generating and event.text() and event.key() != Qt.Key.Key_Escape:
            self.end_generation()
            self.generationInterrupted.emit()
        super().keyPressEvent(event)

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._inserting:
            return
        if self._generating:  # an edit that came another way (menu, input method)
            self._generating = False
            self.generationInterrupted.emit()
        elif self._start is not None:
            self._start = self._end = None  # the user edited: no more retry
        self.clear_generation_highlight()

    def _on_cursor_moved(self) -> None:
        if not self._inserting and not self._generating:
            self.clear_generation_highlight()
