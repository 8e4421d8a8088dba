"""Light Markdown highlighting: headings larger and bold, emphasis in italic and bold,
code in a monospace face on a faint ground, the syntax (#, *, `, >) dimmed.

Only Markdown files (.md, .markdown, .mdown, .mkd) get it, and only while View →
Markdown Highlighting (editor.markdown) is on. The text itself never changes: this is a
layer on the document's shared highlighter (ui/highlighter.py), so the file saves byte
for byte as typed. Colours come from the editor's palette, so light and dark themes both
read; the formats are rebuilt when the editor's font or palette changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QColor, QFont, QPalette, QTextCharFormat

from writer_app.export.source import is_markdown_path
from writer_app.text.markdown_spans import NORMAL, Kind, Span, line_spans, to_utf16
from writer_app.ui.highlighter import FormatRange, highlighter_for
from writer_app.ui.menus import make_action

if TYPE_CHECKING:
    from writer_app.ui.editor import WriterEditor
    from writer_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

LAYER_NAME = "markdown"
MONOSPACE = ["DejaVu Sans Mono", "Consolas", "Menlo", "Noto Sans Mono CJK SC", "monospace"]
HEADING_SCALE = {1: 1.5, 2: 1.3, 3: 1.15, 4: 1.05, 5: 1.0, 6: 1.0}  # × the editor's size


def _dimmed(palette: QPalette) -> QColor:
    """The placeholder text's colour: readable, but clearly not the text."""
    return palette.color(QPalette.ColorRole.PlaceholderText)


class MarkdownFormats:
    """The character formats for each kind of span, from one editor's font and palette."""

    def __init__(self, font: QFont, palette: QPalette) -> None:
        size = font.pointSizeF() if font.pointSizeF() > 0 else 12.0
        text = palette.color(QPalette.ColorRole.Text)
        dim = QTextCharFormat()
        dim.setForeground(_dimmed(palette))
        self.kinds: dict[Kind, QTextCharFormat] = {Kind.MARKER: dim}
        for kind in (Kind.LINK_URL, Kind.RULE, Kind.LIST_MARKER):
            self.kinds[kind] = QTextCharFormat(dim)
        self.kinds[Kind.LIST_MARKER].setFontWeight(QFont.Weight.Bold)
        self.kinds[Kind.EMPHASIS] = italic = QTextCharFormat()
        italic.setFontItalic(True)
        self.kinds[Kind.STRONG] = bold = QTextCharFormat()
        bold.setFontWeight(QFont.Weight.Bold)
        self.kinds[Kind.QUOTE] = QTextCharFormat(italic)
        ground = QColor(text)
        ground.setAlphaF(0.09)  # a faint wash of the text colour: on light and dark pages
        code = QTextCharFormat()
        code.setFontFamilies(MONOSPACE)
        code.setFontFixedPitch(True)
        code.setFontPointSize(size * 0.9)
        code.setBackground(ground)
        self.kinds[Kind.CODE] = code
        self.kinds[Kind.CODE_BLOCK] = QTextCharFormat(code)
        fence = QTextCharFormat(code)
        fence.setForeground(_dimmed(palette))
        self.kinds[Kind.FENCE] = fence
        link = QTextCharFormat()
        link.setForeground(palette.color(QPalette.ColorRole.Link))
        self.kinds[Kind.LINK_TEXT] = link
        self.headings: dict[int, QTextCharFormat] = {}
        for level, scale in HEADING_SCALE.items():
            heading = QTextCharFormat()
            heading.setFontWeight(QFont.Weight.Bold)
            heading.setFontPointSize(size * scale)
            self.headings[level] = heading
        self.setext = {level: QTextCharFormat(dim) for level in (1, 2)}
        for setext in self.setext.values():
            setext.setFontWeight(QFont.Weight.Bold)

    def format_for(self, span: Span) -> QTextCharFormat:
        if span.kind is Kind.HEADING:
            return self.headings.get(span.level, self.headings[6])
        if span.kind is Kind.SETEXT:
            return self.setext.get(span.level, self.setext[2])
        return self.kinds[span.kind]


class MarkdownLayer:
    """One document's Markdown layer (the highlighter's HighlightLayer protocol)."""

    name = LAYER_NAME

    def __init__(self, editor: WriterEditor) -> None:
        self.editor = editor
        self.highlighter = highlighter_for(editor.document())
        self.formats = MarkdownFormats(editor.font(), editor.palette())

    def highlight_block(self, text: str, previous_state: int) -> tuple[list[FormatRange], int]:
        spans, state = line_spans(text, previous_state if previous_state > 0 else NORMAL)
        formats = self.formats
        return [(span.start, span.length, formats.format_for(span))
                for span in to_utf16(text, spans)], state

    def restyle(self) -> None:
        """New formats from the editor's font and palette; the document highlighted again."""
        self.formats = MarkdownFormats(self.editor.font(), self.editor.palette())
        if self in self.highlighter.layers():
            self.highlighter.rehighlight()

    @property
    def active(self) -> bool:
        return self in self.highlighter.layers()


class MarkdownHighlighting(QObject):
    """Puts the Markdown layer on Markdown documents while editor.markdown is on."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.layers: dict[WriterEditor, MarkdownLayer] = {}
        self.markdown: dict[WriterEditor, bool] = {}  # each document's kind, as last seen
        self.action: QAction = make_action(
            window, self.tr("&Markdown Highlighting"),
            lambda: self.set_enabled(self.action.isChecked()),
            tip=self.tr("Show the headings, emphasis and code of Markdown files as they will look"))
        self.action.setObjectName("markdownHighlightingAction")
        self.action.setCheckable(True)
        self.action.setChecked(self.enabled)
        window.actions_.menus["view"].addAction(self.action)
        window.editorChanged.connect(self._follow)
        # A save under a new name (notes.txt → notes.md) changes the title: look again.
        window.windowTitleChanged.connect(self._follow)

    @property
    def enabled(self) -> bool:
        return bool(self.window.settings.get("editor.markdown"))

    def set_enabled(self, on: bool) -> None:
        self.window.settings.set("editor.markdown", bool(on))
        try:
            self.window.settings.save()
        except OSError as error:
            log.warning("Could not save the settings: %s", error)
        self.action.setChecked(bool(on))
        for editor in list(self.markdown):
            self._apply(editor)

    def layer_for(self, editor: WriterEditor) -> MarkdownLayer | None:
        """The editor's layer while it is highlighting, else None."""
        layer = self.layers.get(editor)
        return layer if layer is not None and layer.active else None

    def _follow(self, *_args: object) -> None:
        editor = self.window.editor
        if editor is None:
            return
        if editor not in self.markdown:
            editor.destroyed.connect(lambda *_: self._forget(editor))
            editor.installEventFilter(self)
        self.markdown[editor] = is_markdown_path(self.window.path)
        self._apply(editor)

    def _forget(self, editor: WriterEditor) -> None:
        self.markdown.pop(editor, None)
        self.layers.pop(editor, None)

    def _apply(self, editor: WriterEditor) -> None:
        want = self.enabled and self.markdown.get(editor, False)
        layer = self.layers.get(editor)
        if want and (layer is None or not layer.active):
            if layer is None:
                layer = self.layers[editor] = MarkdownLayer(editor)
            else:
                layer.restyle()
            layer.highlighter.add_layer(layer)
        elif not want and layer is not None and layer.active:
            layer.highlighter.remove_layer(layer)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            layer = self.layers.get(watched)  # type: ignore[call-overload]
            if layer is not None:
                layer.restyle()
        return False


def install(window: MainWindow) -> MarkdownHighlighting:
    controller = MarkdownHighlighting(window)
    controller._follow()
    return controller


__all__ = ["LAYER_NAME", "MarkdownFormats", "MarkdownHighlighting", "MarkdownLayer", "install"]
