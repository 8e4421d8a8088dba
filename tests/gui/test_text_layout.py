"""Line width, line spacing, typewriter scrolling and the dark theme in the real window's
editor, in English and Chinese."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.gui.keyboard import type_text
from writer_app.ui.colours import (
    composite,
    contrast_ratio,
    is_dark,
    opaque,
    probability_colour,
)
from writer_app.ui.editor import WriterEditor

pytestmark = pytest.mark.gui

TEXT = ("第一章　海边\n我们走到海边的时候，天已经黑了。The sea was calm, and the lights of the "
        "town shone on the water. 🌊 " * 3 + "\n") * 4


def stored(window) -> dict:
    return json.loads(window.settings.path.read_text())


def test_line_width_sets_the_side_margins_and_reaches_every_editor(make_window):
    window = make_window(load=None)
    editor = window.editor
    window.editor.setPlainText(TEXT)
    margins = {}
    for ems in (20, 40, 60):
        window.preferences.set_text_layout((ems, 1.2, False))
        assert editor.line_width == ems
        margins[ems] = editor.viewportMargins().left()
    assert margins[20] > margins[40] >= margins[60] > 0
    column = editor.viewport().width()
    assert column <= editor.fontMetrics().horizontalAdvance("M") * 60 + 1
    assert stored(window)["editor.line_width"] == 60
    later = WriterEditor()  # a document opened later gets the layout when it is shown
    try:
        window.editorChanged.emit(later)
        assert later.line_width == 60 and later.line_spacing == pytest.approx(1.2)
    finally:
        later.deleteLater()


def block_height(editor, number: int) -> float:
    return editor.blockBoundingRect(editor.document().findBlockByNumber(number)).height()


def test_line_spacing_is_not_an_edit(qtbot, make_window):
    window = make_window(load=None)
    editor = window.editor
    editor.setPlainText(TEXT)
    window.preferences.set_text_layout((40, 1.0, False))
    single = block_height(editor, 1)
    lines = editor.document().findBlockByNumber(1).layout().lineCount()
    assert lines > 1  # the paragraph wraps: spacing between its own lines counts too
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor, "ok")  # one undo step of the user's
    steps = editor.document().availableUndoSteps()
    editor.document().setModified(False)
    window.preferences.set_text_layout((40, 2.0, False))
    assert editor.line_spacing == 2.0
    assert block_height(editor, 1) == pytest.approx(single * 2, rel=0.05)
    assert not editor.document().isModified()
    assert editor.document().availableUndoSteps() == steps
    layout = editor.document().findBlockByNumber(1).layout()
    assert layout.lineAt(1).y() - layout.lineAt(0).y() == pytest.approx(
        2 * layout.lineAt(0).height(), abs=1)
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.text() == TEXT  # Ctrl+Z undid the typing, not the spacing
    assert editor.line_spacing == 2.0
    # Clicks land where the text is drawn: hit-testing follows the spaced lines.
    for position in (3, 40, 95, len(TEXT) // 2):
        cursor = QTextCursor(editor.document())
        cursor.setPosition(position)
        editor.setTextCursor(cursor)  # on screen
        rect = editor.cursorRect()
        assert editor.viewport().rect().contains(rect.center())
        assert abs(editor.cursorForPosition(rect.center()).position() - position) <= 1
    assert stored(window)["editor.line_spacing"] == 2.0


def test_spacing_a_long_document_lays_out_only_what_is_shown(qtbot, make_window):
    window = make_window(load=None)
    editor = window.editor
    editor.setPlainText("A line of a long manuscript, 中文也在这里。\n" * 100_000)
    window.preferences.set_text_layout((40, 1.8, False))
    editor.repaint()
    middle = editor.document().findBlockByNumber(50_000)
    assert middle.layout().lineCount() == 0  # never laid out: the cost follows the screen
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor, "The end")
    assert block_height(editor, 99_999) > 1.7 * editor.fontMetrics().height()
    assert not editor.text().endswith("\n") and editor.text().endswith("The end")


def test_typewriter_scrolling_keeps_the_line_in_the_middle(qtbot, make_window):
    window = make_window(load=None)
    editor = window.editor
    editor.setFocus()

    def cursor_from_middle() -> float:
        return abs(editor.cursorRect().center().y() - editor.viewport().height() / 2)

    window.preferences.set_text_layout((40, 1.2, False))
    for _ in range(60):
        type_text(qtbot, editor, "Line 行\n")
    assert cursor_from_middle() > editor.viewport().height() / 4  # near the bottom
    window.preferences.set_text_layout((40, 1.2, True))
    line = editor.cursorRect().height()
    assert cursor_from_middle() <= line
    for _ in range(5):
        type_text(qtbot, editor, "海边 sea\n")
        assert cursor_from_middle() <= line  # at the very end of the document too
    assert stored(window)["editor.typewriter_scrolling"] is True


def test_the_dialog_previews_keeps_and_cancels(qtbot, make_window):
    window = make_window(load=None)
    editor = window.editor
    dialog = window.features["focus"].open_layout()
    assert dialog.isVisible()
    dialog.width.setValue(30)
    dialog.spacing.setValue(1.5)
    assert editor.line_width == 30 and editor.line_spacing == 1.5  # shown at once
    assert window.settings.get("editor.line_width") == 40  # not kept yet
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()
    assert editor.line_width == 40 and editor.line_spacing == pytest.approx(1.2)
    dialog = window.features["focus"].open_layout()
    dialog.width.setValue(50)
    dialog.typewriter.setChecked(True)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert editor.line_width == 50 and editor.typewriter_scrolling
    assert stored(window)["editor.line_width"] == 50


def ghost_colour_on_show(editor):
    block = editor.document().findBlock(editor.textCursor().position())
    ranges = block.layout().formats()
    offset = editor.textCursor().position() - block.position()
    found = [r for r in ranges if r.start == offset]
    assert found, "the ghost's format is on its block"
    return QColor(found[0].format.foreground().color())


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_theme_reaches_the_text_and_everything_reads(qtbot, make_window, theme):
    window = make_window(load=None)
    editor = window.editor
    editor.setPlainText("我们走到海边的时候，The sea was calm")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.show_ghost(editor.textCursor().position(), "，天已经黑了 and dark")
    light_ghost = ghost_colour_on_show(editor)
    try:
        window.preferences.apply_theme(theme)
        app_base = QApplication.palette().color(QPalette.ColorRole.Base)
        qtbot.waitUntil(lambda: editor.palette().color(QPalette.ColorRole.Base) == app_base)
        palette = editor.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        assert is_dark(palette) == (theme == "dark")
        if theme == "dark":
            assert base.lightness() < 60
            assert ghost_colour_on_show(editor) != light_ghost  # repainted on the switch
        assert palette.color(QPalette.ColorRole.Window) == base  # the margins too
        assert contrast_ratio(text, base) >= 7
        assert contrast_ratio(ghost_colour_on_show(editor), base) >= 3
        assert editor.ghost_text() == "，天已经黑了 and dark"
        for prob in (0.0, 0.01, 0.2, 0.5, 0.9, 1.0):
            tint = probability_colour(prob, is_dark(palette))
            assert contrast_ratio(opaque(tint), base) >= 3
            assert contrast_ratio(text, composite(tint, base)) >= 4.5
        editor.begin_generation()
        editor.append_generated("，远处有船 a boat")
        editor.end_generation()
        selections = editor.extraSelections()
        tinted = [s for s in selections if s.cursor.selectedText() == "，远处有船 a boat"]
        assert len(tinted) == 1
        chosen = tinted[0].format
        generated = QColor(chosen.background().color())
        assert contrast_ratio(text, composite(generated, base)) >= 4.5
        assert composite(generated, base) != base  # and it shows
    finally:
        window.preferences.apply_theme("system")
