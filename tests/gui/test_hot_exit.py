"""Hot exit and crash recovery: kill -9 at any moment loses at most a second of typing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from writer_app.documents.journal import Journal

pytestmark = pytest.mark.gui

CHILD = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEvent, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication
    from writer_app.app import run_gui
    from writer_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    text = sys.argv[2]

    def type_then_report():
        window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
        window.editor.setFocus()
        for character in text:  # real key events, Chinese included
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(window.editor, QKeyEvent(
                    kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character))
        print("TYPED", flush=True)

    QTimer.singleShot(300, type_then_report)
    run_gui(sys.argv[1], model=sys.argv[3])
""")


def type_text(widget, text: str) -> None:
    """Key events carrying each character (QTest.keyClicks handles ASCII only)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for character in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, character))


def start_child(path, text, model_dir, env):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), text, str(model_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_kill_9_after_typing_restores_the_text_on_the_next_start(
        tmp_path, tiny_model_dir, writer_home, make_window):
    env = {**os.environ, "WRITER_HOME": str(writer_home), "QT_QPA_PLATFORM": "offscreen"}
    document = tmp_path / "novel.md"
    document.write_text("Chapter one.\n", encoding="utf-8")
    typed = "She opened the door. 她推开了门。"
    child = start_child(document, typed, tiny_model_dir, env)
    try:
        line = child.stdout.readline()
        assert line.strip() == "TYPED", child.stderr.read()
        time.sleep(1.0)  # the promise: at most one second of typing is lost
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert document.read_text(encoding="utf-8") == "Chapter one.\n"  # never auto-saved

    orphans = Journal(writer_home / "data" / "journal").orphans()
    assert len(orphans) == 1 and orphans[0].path == str(document.resolve())
    assert typed in orphans[0].text

    # The next start, as run_gui does it: open the file, then restore what was lost.
    window = make_window(load=None)
    window.open_path(document)
    window.hot_exit.restore_orphan(only_path=window.path)
    assert window.editor.text() == "Chapter one.\n" + typed
    assert window.isWindowModified()


def test_the_window_restores_an_orphan_into_its_document(make_window, writer_home, qtbot,
                                                          tmp_path):
    from writer_app.documents.journal import journal_dir

    document = tmp_path / "story.txt"
    document.write_text("saved text", encoding="utf-8")
    journal = Journal(journal_dir())
    journal.record("crashed", str(document), "saved text and unsaved 中文", {"encoding": "utf-8"})
    journal.flush()
    journal.close()
    # Pretend the writer of that journal died: give it a pid that cannot exist.
    entry = journal_dir() / "crashed.json"
    entry.write_text(entry.read_text().replace(f'"pid": {os.getpid()}', '"pid": 999999999'))

    window = make_window(load=None)
    window.open_path(document)
    assert window.hot_exit.restore_orphan(only_path=window.path) is not None
    assert window.editor.text() == "saved text and unsaved 中文"
    assert window.editor.document().isModified() and window.isWindowModified()
    assert window.message_bar.isVisible() and "Restored" in window.message_bar.message()
    window.save()
    assert document.read_text(encoding="utf-8") == "saved text and unsaved 中文"
    assert window.hot_exit.journal.flush()
    assert Journal(journal_dir()).orphans() == []
    assert list(journal_dir().glob("*.json")) == []  # saved: nothing left to restore


def test_unsaved_changes_reach_the_journal_within_a_second(make_window, qtbot, writer_home):
    from writer_app.documents.journal import journal_dir

    window = make_window(load=None)
    type_text(window.editor, "draft 草稿")
    started = time.monotonic()
    qtbot.waitUntil(lambda: any(journal_dir().glob("*.json")), timeout=2000)
    assert time.monotonic() - started < 1.0
    window.editor.undo()  # back to the empty, unmodified document
    qtbot.waitUntil(lambda: not window.editor.document().isModified())
    window.hot_exit.journal.flush()
    assert list(journal_dir().glob("*.json")) == []
