"""The find bar's highlight layer: the matches in and near the visible part of the
active editor, the current one stronger than the others.

Only what is near the view is highlighted (recomputed on scroll), so 100,000 matches
cost what a screenful does. The tints are derived from the editor's palette and rebuilt
when its colours change, so the text on them stays readable (4.5:1, as drawn over the
page) on light and dark themes alike.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtGui import QColor, QPalette, QTextCursor, QTextFormat
from PySide6.QtWidgets import QTextEdit

from writer_app.ui.colours import composite, contrast_ratio, is_dark
from writer_app.ui.editor import WriterEditor
from writer_app.ui.find_search import Results

LAYER = "find"
HIGHLIGHT_LIMIT = 1000  # highlighted matches at most (those nearest the visible part)
TEXT_CONTRAST = 4.5  # WCAG's floor for body text: the text on a tint must keep it
# Amber for the matches, orange for the current one: not the selection colour, which
# already tints generated text (colours.highlight_tint), so a match never reads as that.
MATCH_HUE, CURRENT_HUE = QColor(255, 196, 0), QColor(255, 140, 0)
# The strength of each tint (alpha), on a light page and on a dark one. On a dark page
# the same tint is much brighter behind light text: the matches are fainter there, and
# the current match is lowered to what its text's contrast allows (readable_tint).
MATCH_ALPHA = {False: 90 / 255, True: 0.22}
CURRENT_ALPHA = {False: 150 / 255, True: 150 / 255}


def readable_tint(hue: QColor, alpha: float, palette: QPalette) -> QColor:
    """`hue` at the strongest alpha up to `alpha` at which the palette's text, on the
    tint painted over the page, keeps TEXT_CONTRAST."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    tint = QColor(hue)
    for candidate in [alpha, *(step / 100 for step in range(int(alpha * 100), 4, -1))]:
        tint.setAlphaF(candidate)
        if contrast_ratio(text, composite(tint, base)) >= TEXT_CONTRAST:
            break
    return tint  # at its faintest if the theme's own text barely reads on its page


def find_tints(palette: QPalette) -> tuple[QColor, QColor]:
    """The tints of (the other matches, the current match) on this palette's page."""
    dark = is_dark(palette)
    return (readable_tint(MATCH_HUE, MATCH_ALPHA[dark], palette),
            readable_tint(CURRENT_HUE, CURRENT_ALPHA[dark], palette))


class FindHighlight(QObject):
    """Paints `results()` on the followed editor: again after a scroll (a turn of the
    event loop later, so a burst of scroll events paints once) and a theme switch."""

    def __init__(self, parent: QObject, results: Callable[[], Results | None]) -> None:
        super().__init__(parent)
        self._results = results
        self.editor: WriterEditor | None = None
        self.match_tint, self.current_tint = find_tints(QPalette())
        self._later = QTimer(self, singleShot=True, interval=0)
        self._later.timeout.connect(self.paint)

    def follow(self, editor: WriterEditor) -> None:
        """Leave the previous editor without highlights; watch `editor` from now on."""
        old = self.editor
        if old is not None:
            try:
                old.set_layer(LAYER, [])
                old.verticalScrollBar().valueChanged.disconnect(self._scrolled)
                old.verticalScrollBar().rangeChanged.disconnect(self._scrolled)
                old.coloursChanged.disconnect(self.recolour)
            except (RuntimeError, TypeError):  # a closed document's editor is gone
                pass
        self.editor = editor
        editor.verticalScrollBar().valueChanged.connect(self._scrolled)
        editor.verticalScrollBar().rangeChanged.connect(self._scrolled)
        editor.coloursChanged.connect(self.recolour)
        self.match_tint, self.current_tint = find_tints(editor.palette())

    def recolour(self) -> None:
        """The theme changed: new tints, and the highlights painted in them."""
        if self.editor is None:
            return
        self.match_tint, self.current_tint = find_tints(self.editor.palette())
        if self._results() is not None:
            self.paint()

    def later(self) -> None:
        self._later.start()

    def stop(self) -> None:
        self._later.stop()

    def clear(self) -> None:
        if self.editor is not None:
            self.editor.set_layer(LAYER, [])

    def _scrolled(self, *_args: int) -> None:
        if self._results() is not None:
            self.later()

    def paint(self) -> None:
        """Highlight the matches in and near the visible part (at most HIGHLIGHT_LIMIT)."""
        results, editor = self._results(), self.editor
        if results is None or editor is None:
            return
        viewport = editor.viewport()
        top = editor.cursorForPosition(QPoint(0, 0)).position()
        bottom = editor.cursorForPosition(QPoint(viewport.width(), viewport.height())).position()
        reach = max(bottom - top, 2000)  # a screen above and below: small scrolls are covered
        first = bisect.bisect_left(results.ends, top - reach)
        last = min(bisect.bisect_right(results.starts, bottom + reach),
                   first + HIGHLIGHT_LIMIT)
        selected = editor.textCursor()
        current = results.index_of(selected.selectionStart(), selected.selectionEnd())
        document, selections = editor.document(), []
        for index in range(first, last):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(document)
            cursor.setPosition(results.starts[index])
            cursor.setPosition(results.ends[index], QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor  # type: ignore[attr-defined]
            selection.format.setBackground(  # type: ignore[attr-defined]
                self.current_tint if index == current else self.match_tint)
            selection.format.setProperty(  # type: ignore[attr-defined]
                QTextFormat.Property.FullWidthSelection, False)
            selections.append(selection)
        editor.set_layer(LAYER, selections)
