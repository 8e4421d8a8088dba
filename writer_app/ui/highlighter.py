"""One syntax highlighter per document, shared by every feature that colours text.

Qt allows a QTextDocument several QSyntaxHighlighters, but each one replaces the block's
formats the others set: the last to run wins, so a misspelt word in a Markdown heading
would lose either its bold or its underline. Here one highlighter owns the document and
asks each *layer* (Markdown, spelling, ...) for its ranges, merging later layers' formats
onto earlier ones (QTextCharFormat.merge), so the word is bold AND underlined.

A layer is any object with a `name` and `highlight_block(text, previous_state)`; only one
layer per document may keep block state (e.g. Markdown's "inside a fenced code block"),
the others return -1. A layer may have an `order` (default 0): layers run by order, then
in the order added, so spelling (order 100) is merged last and its underline survives a
Markdown link's.
"""

from __future__ import annotations

import itertools
from typing import Protocol, runtime_checkable

from PySide6.QtGui import QSyntaxHighlighter, QTextBlock, QTextCharFormat, QTextDocument

# (start, length, format): start and length in UTF-16 units inside the block's text.
FormatRange = tuple[int, int, QTextCharFormat]


@runtime_checkable
class HighlightLayer(Protocol):
    """What a highlighting feature gives the document's highlighter."""

    name: str

    def highlight_block(self, text: str, previous_state: int
                        ) -> tuple[list[FormatRange], int]:
        """The ranges to format in one block and the block's state (-1: none).

        `text` is the block's text (no paragraph separator); `previous_state` is the
        state of the block before (-1 for the first block or when no layer keeps
        state). Runs on the GUI thread once per changed block: keep it per-block cheap.
        """
        ...


class DocumentHighlighter(QSyntaxHighlighter):
    """The document's one highlighter: the layers' ranges, merged in layer order."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.setObjectName("documentHighlighter")
        self._layers: list[HighlightLayer] = []

    # ---- layers -----------------------------------------------------------------------------

    def layers(self) -> list[HighlightLayer]:
        return list(self._layers)

    def layer(self, name: str) -> HighlightLayer | None:
        return next((layer for layer in self._layers if layer.name == name), None)

    def add_layer(self, layer: HighlightLayer) -> None:
        """Add (or move to the end of its order) a layer; the whole document is highlighted
        again."""
        if layer in self._layers:
            self._layers.remove(layer)
        self._layers.append(layer)
        self._layers.sort(key=lambda each: getattr(each, "order", 0))  # stable: keeps adds
        self.rehighlight()

    def remove_layer(self, layer: HighlightLayer) -> None:
        if layer in self._layers:
            self._layers.remove(layer)
            self.rehighlight()

    # ---- highlighting -----------------------------------------------------------------------

    def highlightBlock(self, text: str) -> None:
        if not self._layers:
            self.setCurrentBlockState(-1)
            return
        previous = self.previousBlockState()
        state = -1
        ranges: list[FormatRange] = []
        for layer in self._layers:
            layer_ranges, layer_state = layer.highlight_block(text, previous)
            if layer_state != -1:
                state = layer_state
            ranges.extend(r for r in layer_ranges if r[1] > 0)
        for start, length, fmt in merge_ranges(ranges):
            self.setFormat(start, length, fmt)
        self.setCurrentBlockState(state)

    def rehighlight_block(self, block: QTextBlock) -> None:
        """Highlight one block again (after a layer learnt something about it)."""
        if block.isValid():
            self.rehighlightBlock(block)


def merge_ranges(ranges: list[FormatRange]) -> list[FormatRange]:
    """Cut overlapping ranges into disjoint pieces whose format is every covering range's
    format merged in list order (later ranges win where they set the same property).

    Work in proportion to the number of ranges, not the block's length: a 100,000-character
    paragraph with three words misspelt costs three pieces.
    """
    ranges = [r for r in ranges if r[1] > 0]
    if len(ranges) <= 1:
        return ranges
    # A sweep over the cut points: `active` holds the indexes of the ranges covering the
    # current piece, kept in list order so that the merge order is the layers' order.
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for index, (start, length, _fmt) in enumerate(ranges):
        starts.setdefault(start, []).append(index)
        ends.setdefault(start + length, []).append(index)
    cuts = sorted(starts.keys() | ends.keys())
    active: set[int] = set()
    pieces: list[FormatRange] = []
    for left, right in itertools.pairwise(cuts):
        active.difference_update(ends.get(left, ()))
        active.update(starts.get(left, ()))
        if not active:
            continue
        order = sorted(active)
        merged = QTextCharFormat(ranges[order[0]][2])
        for index in order[1:]:
            merged.merge(ranges[index][2])
        pieces.append((left, right - left, merged))
    return pieces


def highlighter_for(document: QTextDocument) -> DocumentHighlighter:
    """The document's highlighter, created on first use (a child of the document)."""
    existing = document.findChild(DocumentHighlighter, "documentHighlighter")
    if isinstance(existing, DocumentHighlighter):
        return existing
    return DocumentHighlighter(document)
