"""The document editor: a calm reading column, and text the model streams in.

Generated text goes in through `begin_generation` / `append_generated` /
`end_generation`. It is highlighted until the user types or moves the cursor, and all of
it is one undo step: the first piece opens an edit block and every later piece joins it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QSignalBlocker, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
)
from PySide6.QtWidgets import QFrame, QMenu, QTextEdit, QWidget

from writer_app.ui.colours import ghost_colour, highlight_tint
from writer_app.ui.text_layout import LINE_WIDTH_EMS, ReadingColumn

__all__ = ["LINE_WIDTH_EMS", "WRITING_FONTS", "WriterEditor", "is_editing_key", "plain_text"]

# Adds entries to the editor's context menu for a click at a viewport point (e.g. spelling
# suggestions, a generated token's alternatives); the menu already holds Qt's own entries.
ContextMenuPart = Callable[[QMenu, QPoint], None]

# Serif faces that read well at length, with CJK fallbacks; the first installed one wins.
WRITING_FONTS = ("Source Serif 4", "Noto Serif", "Georgia", "Charter", "Cambria",
                 "Noto Serif CJK SC", "Songti SC", "DejaVu Serif", "SimSun", "serif")
# Keys that change the text even though their event's text is empty or a control character.
EDITING_KEYS = {Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_Return, Qt.Key.Key_Enter,
                Qt.Key.Key_Tab, Qt.Key.Key_Backtab}
EDITING_SEQUENCES = (QKeySequence.StandardKey.Paste, QKeySequence.StandardKey.Cut,
                     QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo,
                     QKeySequence.StandardKey.DeleteEndOfWord,
                     QKeySequence.StandardKey.DeleteStartOfWord,
                     QKeySequence.StandardKey.DeleteEndOfLine,
                     QKeySequence.StandardKey.DeleteCompleteLine)


def plain_text(raw: str) -> str:
    """A QTextDocument's raw text with Qt's paragraph and line separators as "\\n"."""
    return raw.replace("\u2029", "\n").replace("\u2028", "\n")


def is_editing_key(event: QKeyEvent) -> bool:
    """Whether a key press changes the text. Shortcuts such as Ctrl+C and Ctrl+A carry a
    control character as their text on X11 ("\\x03", "\\x01") and change nothing."""
    if event.key() in EDITING_KEYS or any(event.matches(s) for s in EDITING_SEQUENCES):
        return True
    text = event.text()
    return bool(text) and all(c.isprintable() or c in "\t\n\r" for c in text)


class WriterEditor(ReadingColumn):
    """The central editor. Ghost text (an inline suggestion) is shown with `show_ghost`."""

    generationInterrupted = Signal()  # the user edited the text while a generation ran
    # The theme changed: whoever paints over the text (tints, underlines) paints again.
    coloursChanged = Signal()

    def __init__(self, parent: QWidget | None = None, font_family: str = "",
                 font_size: int = 14) -> None:
        super().__init__(parent)  # the column: width, spacing, typewriter (text_layout)
        self.setObjectName("editor")
        self._matching_palette = False
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._match_margins_to_page()
        self.setAutoFillBackground(True)
        self.setPlaceholderText("Start writing, then press Ctrl+Enter to let the model "
                                "continue.")
        self.set_writing_font(font_family, font_size)
        self.document().setDocumentMargin(24)
        self.document().setModified(False)  # setting the margin counts as a change
        self._start: QTextCursor | None = None  # where the current/last generation begins
        self._end: QTextCursor | None = None  # where it ends; it inserts and so moves along
        self._generating = False
        self._model_reach: int | None = None  # see set_model_reach
        self._block_open = False  # the generation's undo step has been opened
        self._inserting = False  # our own edit, not the user's
        self._highlighted = False
        self._layers: dict[str, list[QTextEdit.ExtraSelection]] = {}  # see set_layer
        self._menu_parts: list[ContextMenuPart] = []  # see add_context_menu_part
        # A cursor in the ghost's block (it follows edits; a deleted block takes its
        # layout with it, so none is kept) and the ghost's text.
        self._ghost: tuple[QTextCursor, str] | None = None
        self._ghost_offset = 0  # where in its block the ghost stands
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

    # ---- colours ----------------------------------------------------------------------------

    def _match_margins_to_page(self) -> None:
        """The side margins in the page's colour, not the window's: set again whenever
        the palette changes, or a theme switch leaves them in the old theme's colour."""
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        if palette.color(QPalette.ColorRole.Window) != base:
            palette.setColor(QPalette.ColorRole.Window, base)
            self._matching_palette = True
            try:
                self.setPalette(palette)
            finally:
                self._matching_palette = False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange,
                            QEvent.Type.StyleChange) and not self._matching_palette:
            self._repaint_colours()

    def _repaint_colours(self) -> None:
        """After a theme switch: the page, the ghost text and the generation's tint."""
        self._match_margins_to_page()
        if self._ghost is not None:
            anchor, text = self._ghost
            if anchor.block().isValid():
                self.show_ghost(anchor.block().position() + self._ghost_offset, text)
        if self._highlighted:
            self._show_highlight()
        self.coloursChanged.emit()

    # ---- text -------------------------------------------------------------------------------

    def text(self) -> str:
        """The whole document, exactly (toPlainText would turn no-break spaces into spaces)."""
        return plain_text(self.document().toRawText())

    def setPlainText(self, text: str) -> None:
        """Replace the whole text. Qt clears the modified flag here without emitting
        modificationChanged: emit it, so the title and the journal learn of it."""
        super().setPlainText(text)
        self.document().modificationChanged.emit(self.document().isModified())

    def text_between(self, start: int, end: int) -> str:
        """The text between two Qt positions (Qt counts UTF-16 units, Python code points),
        read from the document's blocks: work in proportion to the span, not the document."""
        document = self.document()
        last = document.characterCount() - 1
        start, end = max(0, min(start, last)), max(0, min(end, last))
        if start >= end:
            return ""
        if 0xDC00 <= ord(document.characterAt(start) or "\0") <= 0xDFFF:
            start += 1  # never begin with the second half of a surrogate pair
        cursor = QTextCursor(document)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        return plain_text(cursor.selectedText())

    def text_before(self, position: int) -> str:
        """All the text before a Qt position."""
        return self.text_between(0, position)

    def text_before_cursor(self) -> str:
        return self.text_before(self.textCursor().selectionEnd())

    def set_model_reach(self, characters: int | None) -> None:
        """How much text before a position the model can read (None: all of it)."""
        self._model_reach = characters

    def text_for_model(self, position: int) -> str:
        """The text before `position` that the model can read: the tail that fits its
        context. The tail's start moves in steps of a quarter of the reach, so that
        typing keeps the same start (and the engine can reuse what it computed)."""
        reach = self._model_reach
        if reach is None or position <= reach:
            return self.text_before(position)
        step = max(1, reach // 4)
        start = (position - reach) // step * step
        return self.text_between(start, position)

    def recent_text(self, position: int, characters: int = 200) -> str:
        """The last `characters` (UTF-16 units) before `position`, e.g. for a heading."""
        return self.text_between(max(0, position - characters), position)

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
        grey.setForeground(ghost_colour(self.palette()))
        span = QTextLayout.FormatRange()
        span.start, span.length, span.format = offset, len(text.encode("utf-16-le")) // 2, grey
        layout.setFormats([span])
        self._ghost = (QTextCursor(block), text)
        self._ghost_offset = offset
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
        return self.text_for_model(position)

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
            self._close_undo_step()
            self._end.endEditBlock()
        finally:
            self._inserting = False
        self._show_highlight()
        if follow:
            self.ensureCursorVisible()
        return start, self._end.position()

    def _close_undo_step(self) -> None:
        """Qt merges typing into an adjacent insertion of the last undo step; a removal
        as the step's last command keeps the two apart. Done after every piece, so the
        step is closed however the generation ends (an edit may end it mid-signal, when
        the document must not be changed)."""
        assert self._end is not None
        self._end.insertText("\u200b")
        self._end.deletePreviousChar()

    def end_generation(self) -> None:
        """Stop taking pieces; typing afterwards is an undo step of its own."""
        if not self._generating:
            return
        self._generating = False
        if self._start is not None and self._end is not None \
                and self._start.position() == self._end.position() and not self._block_open:
            self._start = self._end = None  # nothing was generated: nothing to retry

    def generated_text(self) -> str:
        """The text of the current or last generation ("" when there is none)."""
        if self._start is None or self._end is None:
            return ""
        return self.text_between(self._start.position(), self._end.position())

    def clear_generation_highlight(self) -> None:
        if self._highlighted:
            self._highlighted = False
            self.set_layer("generation", [])

    def set_layer(self, name: str, selections: list[QTextEdit.ExtraSelection]) -> None:
        """Extra selections by owner, so that one owner's update keeps the others'."""
        self._layers[name] = selections
        self.setExtraSelections([s for layer in self._layers.values() for s in layer])

    # ---- context menu -----------------------------------------------------------------------

    def add_context_menu_part(self, part: ContextMenuPart) -> None:
        """Let a feature add entries to the context menu; parts run in the order added."""
        self._menu_parts.append(part)

    def remove_context_menu_part(self, part: ContextMenuPart) -> None:
        if part in self._menu_parts:
            self._menu_parts.remove(part)

    def context_menu_at(self, point: QPoint) -> QMenu:
        """The context menu for a click at viewport `point`: Qt's entries, then the parts'.
        The caller shows it and deletes it."""
        menu = self.createStandardContextMenu(point)
        for part in list(self._menu_parts):
            part(menu, point)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu_at(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def _show_highlight(self) -> None:
        assert self._start is not None and self._end is not None
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._start.position())
        cursor.setPosition(self._end.position(), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor  # type: ignore[attr-defined]
        selection.format.setBackground(highlight_tint(self.palette()))  # type: ignore[attr-defined]
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
        if self._generating and event.key() != Qt.Key.Key_Escape and is_editing_key(event):
            self.end_generation()
            self.generationInterrupted.emit()
        super().keyPressEvent(event)

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._inserting:
            return
        if self._generating:  # an edit that came another way (menu, input method)
            self.end_generation()  # its undo step is already closed: see append_generated
            self.generationInterrupted.emit()
        elif self._start is not None:
            self._start = self._end = None  # the user edited: no more retry
        self.clear_generation_highlight()

    def _on_cursor_moved(self) -> None:
        if not self._inserting and not self._generating:
            self.clear_generation_highlight()
