"""Files changed, deleted or unreadable behind Writer's back, and messages that must stay."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui

TIMEOUT = 20_000


def type_text(qtbot, window, text: str) -> None:
    window.editor.setFocus()
    qtbot.keyClicks(window.editor, text)


def append_from_outside(path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as file:
        file.write(line)


def test_an_unmodified_document_follows_its_file_when_another_program_changes_it(
        qtbot, make_window, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("first line\n", encoding="utf-8")
    window = make_window(load=None)
    assert window.open_path(path)
    append_from_outside(path, "appended by a shell\n")
    qtbot.waitUntil(lambda: window.editor.text() == "first line\nappended by a shell\n",
                    timeout=TIMEOUT)
    assert not window.isWindowModified()


def test_a_file_replaced_by_rename_is_still_watched(qtbot, make_window, tmp_path):
    """Editors that save by writing a new file and renaming it replace the inode."""
    path = tmp_path / "notes.txt"
    path.write_text("one\n", encoding="utf-8")
    window = make_window(load=None)
    assert window.open_path(path)
    for text in ("two\n", "three\n"):
        replacement = tmp_path / "notes.txt.new"
        replacement.write_text(text, encoding="utf-8")
        os.replace(replacement, path)
        qtbot.waitUntil(lambda text=text: window.editor.text() == text, timeout=TIMEOUT)


def test_a_save_never_overwrites_a_newer_file_without_asking(qtbot, make_window, tmp_path):
    """Reproduced: append a line from a shell, type in Writer, Ctrl+S: the line was gone."""
    path = tmp_path / "notes.txt"
    path.write_text("first line\n", encoding="utf-8")
    window = make_window(load=None)
    assert window.open_path(path)
    type_text(qtbot, window, "mine")
    asked = []
    window.files.confirm_overwrite = lambda name: asked.append(name) or False
    append_from_outside(path, "theirs\n")
    qtbot.keyClick(window.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["notes.txt"]
    assert path.read_text(encoding="utf-8") == "first line\ntheirs\n"
    assert window.isWindowModified() and window.editor.text() == "first line\nmine"
    window.files.confirm_overwrite = lambda name: True  # now the user says: overwrite
    assert window.save()
    assert path.read_text(encoding="utf-8") == "first line\nmine"


def test_a_change_behind_unsaved_edits_offers_reload_keep_or_compare(qtbot, make_window,
                                                                     tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("first line\n", encoding="utf-8")
    window = make_window(load=None)
    assert window.open_path(path)
    type_text(qtbot, window, "mine")
    append_from_outside(path, "theirs\n")
    bar = window.message_bar
    qtbot.waitUntil(lambda: bar.isVisible() and bar.button("Reload") is not None,
                    timeout=TIMEOUT)
    assert "notes.txt" in bar.message() and "another program" in bar.message()
    assert window.editor.text() == "first line\nmine"  # nothing replaced behind the user
    assert bar.button("Keep mine") is not None and bar.button("Compare…") is not None
    qtbot.mouseClick(bar.button("Keep mine"), Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    assert window.save()  # the user chose theirs over the file: no more questions
    assert path.read_text(encoding="utf-8") == "first line\nmine"

    append_from_outside(path, "\nagain\n")
    qtbot.waitUntil(lambda: window.editor.text() == "first line\nmine\nagain\n",
                    timeout=TIMEOUT)  # no unsaved changes this time: reloaded quietly
    type_text(qtbot, window, "x")
    append_from_outside(path, "more\n")
    qtbot.waitUntil(lambda: bar.button("Reload") is not None, timeout=TIMEOUT)
    qtbot.mouseClick(bar.button("Reload"), Qt.MouseButton.LeftButton)
    assert window.editor.text() == "first line\nmine\nagain\nmore\n"
    assert not window.isWindowModified()


def test_a_deleted_file_keeps_the_text_and_says_it_is_unsaved(qtbot, make_window, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("precious\n", encoding="utf-8")
    window = make_window(load=None)
    assert window.open_path(path)
    path.unlink()
    qtbot.waitUntil(window.isWindowModified, timeout=TIMEOUT)
    assert window.editor.text() == "precious\n"
    assert window.message_bar.isVisible()
    assert "notes.txt" in window.message_bar.message()
    assert "deleted or moved" in window.message_bar.message()
    assert window.save()
    assert path.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("kind", ["binary", "directory"])
def test_an_unreadable_file_error_stays_after_the_model_loads(qtbot, make_window, tmp_path,
                                                              kind):
    """The error vanished when the model finished loading, leaving no explanation."""
    target = tmp_path / "picture.png"
    if kind == "binary":
        target.write_bytes(b"\x89PNG\x00\x00\x01\x02" * 100)
    else:
        target.mkdir()
    gate = threading.Event()
    window = make_window(gate=gate)
    assert not window.open_path(target)
    assert window.message_bar.isVisible() and "picture.png" in window.message_bar.message()
    shown = window.message_bar.message()
    with qtbot.waitSignal(window.modelLoaded, timeout=TIMEOUT):
        gate.set()
    assert window.message_bar.isVisible() and window.message_bar.message() == shown
    window.message_bar.show_message("Something pleasant", level="info")
    assert window.message_bar.message() == shown  # an info line never hides an error
    window.message_bar.dismiss()
    assert "Something pleasant" in window.message_bar.message()  # shown once it is read


def test_compare_shows_both_texts_and_can_keep_mine(qtbot, make_window, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    from writer_app.ui.file_watch import CompareDialog

    path = tmp_path / "notes.txt"
    path.write_text("first line\n", encoding="utf-8")
    window = make_window(load=None)
    assert window.open_path(path)
    type_text(qtbot, window, "mine")
    append_from_outside(path, "theirs\n")
    bar = window.message_bar
    qtbot.waitUntil(lambda: bar.button("Compare…") is not None, timeout=TIMEOUT)
    shown: list[str] = []
    poll = QTimer()

    def keep_mine_once_shown() -> None:  # runs inside the dialog's own event loop
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, CompareDialog) and w.isVisible()]
        if dialogs:
            poll.stop()
            shown.append(dialogs[0].findChild(QPlainTextEdit).toPlainText())
            dialogs[0].keep_button.click()

    poll.timeout.connect(keep_mine_once_shown)
    poll.start(10)
    qtbot.mouseClick(bar.button("Compare…"), Qt.MouseButton.LeftButton)
    poll.stop()
    assert shown and "-theirs" in shown[0].splitlines() and "+mine" in shown[0].splitlines()
    assert window.editor.text() == "first line\nmine" and window.isWindowModified()
    assert window.save()  # kept: saved without a question
    assert path.read_text(encoding="utf-8") == "first line\nmine"
