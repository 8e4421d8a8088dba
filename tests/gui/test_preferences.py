"""Theme, text size, presets and encodings: remembered, and nothing lost on bad input."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QPalette

pytestmark = pytest.mark.gui


def test_dark_theme_applies_and_is_remembered(make_window, qapp):
    window = make_window(load=None)
    try:
        window.preferences.apply_theme("dark")
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 60
        assert window.settings.get("ui.theme") == "dark"
        assert json.loads(window.settings.path.read_text())["ui.theme"] == "dark"
    finally:
        window.preferences.apply_theme("system")


def test_text_size_zooms_within_bounds_and_resets(make_window):
    window = make_window(load=None)
    start = window.editor.font().pointSize()
    window.preferences.zoom(+2)
    assert window.editor.font().pointSize() == start + 2
    assert window.settings.get("editor.font_size") == start + 2
    for _ in range(100):
        window.preferences.zoom(+1)
    assert window.settings.get("editor.font_size") == 72
    window.preferences.zoom(0)
    assert window.editor.font().pointSize() == 14


def test_user_presets_save_export_import_and_reach_the_panel(make_window, tmp_path):
    window = make_window(load=None)
    window.sampling.set_params(window.sampling.params().with_changes(temperature=0.42),
                               emit=True)
    window.preferences.save_preset("Poetry 诗")
    names = [window.sampling.presets.itemData(i) for i in range(window.sampling.presets.count())]
    assert "Poetry 诗" in names
    window.preferences.export_presets(str(tmp_path / "mine.json"))
    window.preferences.presets.delete("Poetry 诗")
    window.preferences.import_presets(str(tmp_path / "mine.json"))
    assert "Poetry 诗" in window.preferences.presets.names()
    window.preferences.import_presets(str(tmp_path / "missing.json"))
    assert window.message_bar.isVisible()  # a clear message, nothing lost
    window.sampling.set_params(window.sampling.params().with_changes(temperature=1.0),
                               emit=True)
    index = window.sampling.presets.findData("Poetry 诗")
    window.sampling.presets.activated.emit(index)
    assert window.sampling.params().temperature == pytest.approx(0.42)


def test_reopen_with_another_encoding(make_window, tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("简体中文".encode("gb18030"))
    window = make_window(load=None)
    assert window.open_path(path)
    assert window.editor.text() == "简体中文"
    assert not window.preferences.reopen_with("utf-8")  # not valid UTF-8: refused
    assert window.message_bar.isVisible() and window.editor.text() == "简体中文"
    assert window.preferences.reopen_with("latin-1")  # any byte decodes in Latin-1
    assert window.editor.text() != "简体中文" and window.encoding == "latin-1"


def test_a_ten_megabyte_document_opens_and_the_pane_still_follows_typing(make_window, qtbot,
                                                                         tmp_path):
    path = tmp_path / "big.md"
    path.write_text(("A long manuscript line, 中文也在这里。\n" * 400_000)[:10_000_000],
                    encoding="utf-8")
    window = make_window()
    assert window.open_path(path)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    with qtbot.waitSignal(window.paneUpdated, timeout=30_000):
        window.editor.insertPlainText("The end")
    assert window.pane.heading().endswith("The end”")  # the pane follows the cursor
    assert len(window.pane.tokens) == window.pane_control.top_n
    assert window.editor.document().characterCount() > 10_000_000
