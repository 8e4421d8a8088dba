"""Hot exit and crash recovery: kill -9 at any moment loses at most a second of typing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.gui.crash import journaled, kill_once_journaled
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
    kill_once_journaled(child, writer_home / "data" / "journal",
                        lambda states: any(typed in s.text for s in states))
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
    assert [*journal_dir().glob("*.json"), *journal_dir().glob("*.journal")] == []  # saved


def test_unsaved_changes_reach_the_journal_within_a_second(make_window, qtbot, writer_home):
    from writer_app.documents.journal import journal_dir

    window = make_window(load=None)
    timer = window.hot_exit.timer
    type_text(window.editor, "draft 草稿")
    # The promise, without a stopwatch: the write is scheduled within a second of the
    # first change, and typing on does not postpone it.
    assert timer.isActive() and timer.interval() <= 1000
    remaining = timer.remainingTime()
    type_text(window.editor, " more")
    assert timer.isActive() and timer.remainingTime() <= remaining
    with qtbot.waitSignal(timer.timeout, timeout=5000):
        pass
    assert window.hot_exit.journal.flush()
    assert [s.text for s in journaled(journal_dir())] == ["draft 草稿 more"]
    window.editor.undo()  # back to the empty, unmodified document
    qtbot.waitUntil(lambda: not window.editor.document().isModified())
    window.hot_exit.journal.flush()
    assert journaled(journal_dir()) == []


def test_typing_journals_each_edit_not_the_whole_text(make_window, qtbot, writer_home,
                                                     tmp_path):
    """Per keystroke (and per journal write) the window took the whole document."""
    from writer_app.documents.journal import journal_dir

    document = tmp_path / "long.txt"
    document.write_text("Long ago. " * 20_000, encoding="utf-8")
    window = make_window(load=None)
    window.open_path(document)
    type_text(window.editor, "A")
    window.hot_exit.write_now()  # the first change after an open: one snapshot
    whole_texts = []
    text = window.files.document.text
    window.files.document.text = lambda: whole_texts.append(1) or text()
    cursor = window.editor.textCursor()
    cursor.setPosition(5)
    window.editor.setTextCursor(cursor)
    type_text(window.editor, "中文 and more")
    window.editor.textCursor().deletePreviousChar()
    window.hot_exit.write_now()
    assert whole_texts == []
    del window.files.document.text
    assert window.hot_exit.journal.flush()
    [state] = journaled(journal_dir())
    assert state.text == window.editor.text()
    assert state.cursor == window.editor.textCursor().position()


def test_a_restore_puts_the_cursor_back_and_a_save_clears_the_restore_message(
        make_window, writer_home, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from writer_app.documents.journal import journal_dir
    from writer_app.documents.journal_records import replay

    document = tmp_path / "story.txt"
    document.write_text("The beginning. The end.", encoding="utf-8")
    window = make_window(load=None)
    window.open_path(document)
    cursor = window.editor.textCursor()
    cursor.setPosition(len("The beginning."))
    window.editor.setTextCursor(cursor)
    type_text(window.editor, " 中间")
    where = window.editor.textCursor().position()
    assert window.hot_exit.keep_for_next_start()
    kept = [replay(f.read_bytes()) for f in journal_dir().glob("*.journal")]
    assert [(state.text, state.cursor) for state in kept] == \
        [("The beginning. 中间 The end.", where)]  # the window journals its cursor

    # What a crash leaves: a journal whose writer is gone.
    crashed = Journal(journal_dir())
    crashed.document("crashed").snapshot("The beginning. 中间 The end.", where,
                                         path=str(document.resolve()), modified=True,
                                         extra={"encoding": "utf-8"})
    assert crashed.flush()
    crashed.close()
    again = make_window(load=None)
    again.open_path(document)
    assert again.hot_exit.restore_orphan(only_path=again.path) is not None
    assert again.editor.text() == "The beginning. 中间 The end."
    assert again.editor.textCursor().position() == where
    assert again.message_bar.isVisible() and "Restored" in again.message_bar.message()
    qtbot.keyClick(again.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert document.read_text(encoding="utf-8") == "The beginning. 中间 The end."
    assert not again.message_bar.isVisible()


def test_the_journal_follows_any_sequence_of_edits(make_window, writer_home):
    """Random inserts, deletions, replacements, undos and whole-text changes (Chinese and
    emoji included, which Qt counts as two units): the journal replays to the editor's
    text. 25 sequences of up to 25 edits, derandomized."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from PySide6.QtGui import QTextCursor

    from writer_app.documents.journal import journal_dir

    window = make_window(load=None)
    editor = window.editor
    pieces = st.text(alphabet=st.sampled_from(list("ab \n中文😀é")), max_size=6)
    edit = st.one_of(
        st.tuples(st.just("insert"), st.floats(0, 1), pieces),
        st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 4)),
        st.tuples(st.just("replace"), st.floats(0, 1), pieces),
        st.tuples(st.just("undo"), st.just(0.0), st.just("")),
        st.tuples(st.just("whole"), st.just(0.0), pieces))

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(start=pieces, edits=st.lists(edit, min_size=1, max_size=25))
    def run(start, edits):
        editor.setPlainText(start)
        editor.document().setModified(False)
        window.hot_exit.journal.flush()
        for kind, where, value in edits:
            length = editor.document().characterCount() - 1
            cursor = QTextCursor(editor.document())
            position = round(where * length)
            if 0xDC00 <= ord(editor.document().characterAt(position) or "\0") <= 0xDFFF:
                position -= 1  # never inside a surrogate pair, where no cursor can go
            cursor.setPosition(position)
            if kind == "insert":
                cursor.insertText(value)
            elif kind == "delete":
                for _ in range(value):
                    cursor.movePosition(QTextCursor.MoveOperation.NextCharacter,
                                        QTextCursor.MoveMode.KeepAnchor)
                cursor.removeSelectedText()
            elif kind == "replace":
                cursor.movePosition(QTextCursor.MoveOperation.EndOfWord,
                                    QTextCursor.MoveMode.KeepAnchor)
                cursor.insertText(value)
            elif kind == "undo":
                editor.undo()
            else:
                editor.setPlainText(value)
                editor.document().setModified(True)
            if kind in ("insert", "whole"):
                window.hot_exit.write_now()  # some writes in the middle of the sequence
        window.hot_exit.write_now()
        assert window.hot_exit.journal.flush()
        states = [s for s in journaled(journal_dir()) if s is not None]
        if editor.document().isModified():
            assert [s.text for s in states] == [editor.text()]
        else:
            assert states == []

    run()
