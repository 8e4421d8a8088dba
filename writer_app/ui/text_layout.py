"""How the text is laid out: a centred reading column (`ReadingColumn`, the editor's
base) with line spacing drawn by its own document layout and typewriter scrolling, and
View → Text Layout… to choose them.

Line spacing is not stored in the document. A QTextBlockFormat line height would be an
edit: it marks the document modified, adds an undo step, and must be set on each of
a 10 MB manuscript's hundred thousand blocks. QPlainTextEdit's layout ignores it anyway.
Instead `SpacedDocumentLayout` spaces a block's lines when the editor asks for the
block's rectangle — which it does only for the blocks it paints, scrolls through or
moves the cursor in — so the cost follows the screen, not the document.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QResizeEvent, QTextBlock, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPlainTextDocumentLayout,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from writer_app.settings import BY_NAME

# (line width in ems, line spacing, typewriter scrolling)
TextLayout = tuple[int, float, bool]
LINE_WIDTH_EMS = 40  # the widest text column by default, in ems: ~75 characters of English
SIDE_MARGIN = 28  # pixels between the window edge and the text when the window is narrow


class SpacedDocumentLayout(QPlainTextDocumentLayout):
    """QPlainTextEdit's layout with `line_spacing` times the font's line height.

    Each line keeps its own height (a taller CJK fallback face keeps its room) and gets
    the extra space half above, half below, so the cursor stays centred on the glyphs.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.line_spacing = 1.0

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:
        rect = super().blockBoundingRect(block)  # lays the block out if it is not yet
        if self.line_spacing == 1.0 or not block.isValid():
            return rect
        layout = block.layout()
        count = layout.lineCount()
        if not count:
            return rect
        first = layout.lineAt(0)
        if abs(first.y() - self._lead(first.height())) >= 0.01:  # (re)laid out from y = 0
            y = 0.0
            for index in range(count):
                line = layout.lineAt(index)
                height = line.height()
                line.setPosition(QPointF(line.x(), y + self._lead(height)))
                y += height * self.line_spacing
            rect = super().blockBoundingRect(block)
        # Qt's rectangle ends at the last line's glyphs: add the space below them.
        rect.setHeight(rect.height() + self._lead(layout.lineAt(count - 1).height()))
        return rect

    def _lead(self, height: float) -> float:
        return height * (self.line_spacing - 1.0) / 2


class ReadingColumn(QPlainTextEdit):
    """A plain-text editor that reads like a page: a centred column at most `line_width`
    ems wide, lines `line_spacing` apart, and (optionally) typewriter scrolling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        document = QTextDocument(self)
        self._spacing = SpacedDocumentLayout(document)
        document.setDocumentLayout(self._spacing)
        self.setDocument(document)
        self._line_width = LINE_WIDTH_EMS
        self._typewriter = False
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cursorPositionChanged.connect(self._keep_cursor_centred)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._update_margins()  # first: the text is laid out for the viewport's new width
        super().resizeEvent(event)

    def _update_margins(self) -> None:
        """Keep lines short enough to read: centre a column of at most `line_width` ems."""
        column = self.fontMetrics().horizontalAdvance("M") * self._line_width
        side = max(SIDE_MARGIN, (self.width() - self.verticalScrollBar().sizeHint().width()
                                 - column) // 2)
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)

    @property
    def line_width(self) -> int:
        return self._line_width

    def set_line_width(self, ems: int) -> None:
        """The widest text column, in ems of the writing font (the side margins grow)."""
        ems = max(1, int(ems))
        if ems != self._line_width:
            self._line_width = ems
            self._update_margins()

    @property
    def line_spacing(self) -> float:
        return self._spacing.line_spacing

    def set_line_spacing(self, factor: float) -> None:
        """Space between lines as a multiple of the font's line height. Drawn by the
        document's layout: no edit, no undo step, the document stays unmodified."""
        factor = max(1.0, float(factor))
        if abs(factor - self._spacing.line_spacing) < 1e-6:
            return
        self._spacing.line_spacing = factor
        self._spacing.requestUpdate()
        self.viewport().update()
        self._keep_cursor_centred()

    @property
    def typewriter_scrolling(self) -> bool:
        return self._typewriter

    def set_typewriter_scrolling(self, on: bool) -> None:
        """Keep the cursor's line in the middle of the window as the text grows; the end
        of the document can then scroll up to the middle too."""
        self._typewriter = bool(on)
        self.setCenterOnScroll(self._typewriter)
        self._keep_cursor_centred()

    def _keep_cursor_centred(self) -> None:
        # Not while a mouse button is down: the text must not jump away from a click.
        if self._typewriter and not QApplication.mouseButtons():
            self.centerCursor()


class TextLayoutDialog(QDialog):
    """Line width, line spacing and typewriter scrolling, shown on the text as they change.

    `preview` shows a layout without keeping it; `keep` stores it (OK); Cancel shows the
    layout the dialog opened with again.
    """

    def __init__(self, current: TextLayout, preview: Callable[[TextLayout], None],
                 keep: Callable[[TextLayout], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Text Layout"))
        self.setObjectName("textLayoutDialog")
        self._original = current
        self._preview = preview
        self._keep = keep
        width_setting = BY_NAME["editor.line_width"]
        self.width = QSpinBox()
        self.width.setRange(int(width_setting.minimum or 20), int(width_setting.maximum or 160))
        self.width.setSuffix(self.tr(" em"))
        self.width.setToolTip(self.tr("The widest text column; 40 em is about 75 "
                                      "characters of English"))
        spacing_setting = BY_NAME["editor.line_spacing"]
        self.spacing = QDoubleSpinBox()
        self.spacing.setRange(float(spacing_setting.minimum or 1.0),
                              float(spacing_setting.maximum or 3.0))
        self.spacing.setSingleStep(0.05)
        self.spacing.setDecimals(2)
        self.spacing.setSuffix("×")
        self.typewriter = QCheckBox(self.tr("Keep the line being written in the middle"))
        form = QFormLayout()
        form.addRow(self.tr("Line &width:"), self.width)
        form.addRow(self.tr("Line &spacing:"), self.spacing)
        form.addRow(self.tr("Typewriter scrolling:"), self.typewriter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.set_layout(current)
        self.width.valueChanged.connect(self._changed)
        self.spacing.valueChanged.connect(self._changed)
        self.typewriter.toggled.connect(self._changed)

    def set_layout(self, layout: TextLayout) -> None:
        width, spacing, typewriter = layout
        self.width.setValue(width)
        self.spacing.setValue(spacing)
        self.typewriter.setChecked(typewriter)

    def chosen(self) -> TextLayout:
        return self.width.value(), round(self.spacing.value(), 2), self.typewriter.isChecked()

    def _changed(self, *_args: object) -> None:
        self._preview(self.chosen())

    def accept(self) -> None:
        self._keep(self.chosen())
        super().accept()

    def reject(self) -> None:
        self._preview(self._original)
        super().reject()


def open_dialog(window: QWidget) -> TextLayoutDialog:
    """Show the dialog for `window` (a MainWindow: its `preferences` keep the choice)."""
    preferences = window.preferences  # type: ignore[attr-defined]
    dialog = TextLayoutDialog(preferences.text_layout(), preferences.preview_text_layout,
                              preferences.set_text_layout, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
