"""Several documents: tabs with their own undo, generation, journal and encoding; the
session that brings them back after a close or a crash; a folder as a project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.gui.crash import kill_once_journaled
from tests.gui.test_hot_exit import type_text
from writer_app.boundary.params import SamplingParams
from writer_app.documents.journal import Journal, journal_dir
from writer_app.documents.session import Session, SessionDocument, load_session, save_session

pytestmark = pytest.mark.gui

TIMEOUT = 20_000
LONG = SamplingParams(temperature=0.9, top_k=50, top_p=0.95, repetition_penalty=1.0, seed=3,
                      max_new_tokens=400)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.editor, key, modifier)


def answer(monkeypatch, button):
    """Answer every Save / Don't Save / Cancel question with `button`; the questions."""
    asked = []

    def question(_parent, _title, text, *_args):
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_each_tab_keeps_its_own_text_and_undo_history(qtbot, make_window, tmp_path):
    window = make_window(load=None)
    changes = []
    window.editorChanged.connect(changes.append)
    type_text(window.editor, "English draft.")
    first = window.editor
    window.new_document()
    assert window.open_tab_count() == 2 and window.editor is not first
    assert changes == [window.editor]
    type_text(window.editor, "中文草稿。")
    second = window.editor
    assert window.editors() == [first, second]
    window.switch_to(0)
    assert window.editor is first and changes[-1] is first
    first.undo()
    assert first.text() == "" and second.text() == "中文草稿。"  # only its own edits
    window.switch_to(1)
    second.undo()
    assert second.text() == ""
    second.redo()
    assert second.text() == "中文草稿。" and first.text() == ""
    assert [d.editor for d in window.documents] == [first, second]
    assert [d.path for d in window.documents] == [None, None]


def test_tab_titles_show_the_name_a_mark_and_tell_same_names_apart(qtbot, make_window,
                                                                  tmp_path):
    window = make_window(load=None)
    for folder in ("草稿", "final"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "第一章.txt").write_text("正文", encoding="utf-8")
    window.open_path(tmp_path / "草稿" / "第一章.txt")
    assert window.open_tab_count() == 1  # the empty untitled tab was replaced
    assert window.tabs.tabText(0) == "第一章.txt"
    window.open_path(tmp_path / "final" / "第一章.txt")
    assert [window.tabs.tabText(i) for i in range(2)] == ["第一章.txt — 草稿",
                                                          "第一章.txt — final"]
    assert window.tabs.tabToolTip(1) == str((tmp_path / "final" / "第一章.txt").resolve())
    type_text(window.editor, "改")
    assert window.tabs.tabText(1).endswith("•") and not window.tabs.tabText(0).endswith("•")
    assert window.windowTitle().startswith("第一章.txt[*]") and window.isWindowModified()
    window.open_path(tmp_path / "草稿" / "第一章.txt")  # already open: switches to it
    assert window.open_tab_count() == 2 and window.tabs.currentIndex() == 0
    assert not window.isWindowModified()


def test_a_file_that_cannot_be_opened_leaves_no_tab_behind(qtbot, make_window, tmp_path):
    window = make_window(load=None)
    type_text(window.editor, "草稿")
    (tmp_path / "folder.txt").mkdir()  # a name like a file's, but no file to read
    assert not window.open_path(tmp_path / "folder.txt")
    assert window.open_tab_count() == 1 and window.editor.text() == "草稿"
    assert window.message_bar.isVisible()  # said why
    window.message_bar.clear_topic("open")


def test_keys_switch_and_close_tabs(qtbot, make_window, monkeypatch):
    window = make_window(load=None)
    window.new_document()
    window.new_document()
    assert window.tabs.currentIndex() == 2
    press(qtbot, window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0  # round the end
    press(qtbot, window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    press(qtbot, window, Qt.Key.Key_Backtab,
          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentIndex() == 0
    press(qtbot, window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.open_tab_count() == 2
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    type_text(window.editor, "unsaved 未保存")
    press(qtbot, window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1 and window.open_tab_count() == 2  # cancelled: kept
    assert window.editor.text() == "unsaved 未保存"


def test_closing_a_modified_tab_asks_and_dont_save_forgets_its_journal(
        qtbot, make_window, monkeypatch, tmp_path, writer_home):
    window = make_window(load=None)
    story = tmp_path / "story.txt"
    story.write_text("Saved.", encoding="utf-8")
    window.open_path(story)
    type_text(window.editor, " Not saved 未存")
    window.hot_exit.write_now()
    assert window.hot_exit.journal.flush() and list(journal_dir().glob("*.journal"))
    window.new_document()
    asked = answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.document_list.close_tab(0)
    assert len(asked) == 1 and "story.txt" in asked[0]
    assert window.open_tab_count() == 1 and window.path is None
    assert story.read_text(encoding="utf-8") == "Saved."
    assert window.hot_exit.journal.flush()
    assert list(journal_dir().glob("*.journal")) == []  # nothing left to restore
    assert window.document_list.close_tab()  # the last tab: an empty one takes its place
    assert window.open_tab_count() == 1 and window.editor.text() == ""


def test_a_generation_in_one_tab_never_writes_into_another(qtbot, make_window, slow_model):
    window = make_window()
    window.sampling.set_params(LONG, emit=True)
    type_text(window.editor, "We went to the sea")
    first = window.editor
    press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(first.text()) > len("We went to the sea") + 3, timeout=TIMEOUT)
    window.new_document()
    second = window.editor
    type_text(second, "另一个文档")
    grown = len(first.text())
    qtbot.waitUntil(lambda: len(first.text()) > grown, timeout=TIMEOUT)  # A streams on
    assert second.text() == "另一个文档"
    assert window.is_generating and not window.continue_action.isEnabled()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.stop()
    assert second.text() == "另一个文档"
    assert first.text().startswith("We went to the sea") and len(first.text()) > grown
    assert window.documents[0].probabilities.passages.tokens  # A's tokens, A's passages
    assert not window.documents[1].probabilities.passages.tokens
    with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT):
        window.refresh_pane(delay=0)
    assert "另一个文档" in window.pane.heading()  # the pane reads the active tab
    window.switch_to(0)
    with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT):
        pass
    assert "另一个文档" not in window.pane.heading()
    first.undo()
    assert first.text() == "We went to the sea"  # the generation was A's one undo step


def test_closing_the_tab_a_generation_writes_into_stops_it_and_nothing_breaks(
        qtbot, make_window, slow_model, monkeypatch):
    window = make_window()
    window.sampling.set_params(LONG, emit=True)
    type_text(window.editor, "Once upon a time")
    first = window.editor
    press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(first.text()) > len("Once upon a time") + 3, timeout=TIMEOUT)
    window.new_document()
    type_text(window.editor, "第二个")
    closed = []
    window.editorClosed.connect(closed.append)
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        assert window.document_list.close_tab(0)
    assert finished.args[0] is None or finished.args[0].stop_reason == "cancelled"
    assert closed == [first] and window.open_tab_count() == 1
    assert window.editor.text() == "第二个" and not window.is_generating
    assert window.continue_action.isEnabled()
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.sampling.set_params(LONG.with_changes(max_new_tokens=4), emit=True)
        window.continue_text()  # the model carries on in the tab left
    assert window.editor.text().startswith("第二个") and len(window.editor.text()) > 3


def test_closing_the_window_keeps_every_tab_and_a_new_window_restores_them(
        qtbot, make_window, tmp_path, writer_home):
    chinese = tmp_path / "中文.txt"
    chinese.write_bytes("第一章\r\n".encode("gb18030"))
    english = tmp_path / "notes.md"
    english.write_text("Notes.\n", encoding="utf-8")
    window = make_window(load=None)
    window.open_path(chinese)
    assert window.encoding == "gb18030" and window.newline == "\r\n"
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    type_text(window.editor, "她推开了门。")
    window.open_path(english)
    type_text(window.editor, "More notes.")
    window.new_document()
    type_text(window.editor, "Untitled 无题")
    window.switch_to(1)
    window.close()
    assert not window.isVisible()
    assert chinese.read_bytes() == "第一章\r\n".encode("gb18030")  # nothing saved
    session = load_session()
    assert [d.path for d in session.documents] == [str(chinese.resolve()),
                                                   str(english.resolve()), None]
    assert session.active == 1

    again = make_window(load=None)
    again.restore_session()
    texts = [d.editor.text() for d in again.documents]
    assert texts == ["第一章\n她推开了门。", "Notes.\nMore notes.", "Untitled 无题"]
    assert [d.path for d in again.documents] == [chinese.resolve(), english.resolve(), None]
    assert again.documents[0].files.document.encoding == "gb18030"
    assert again.documents[0].files.document.newline == "\r\n"
    assert all(d.modified for d in again.documents)
    assert again.tabs.currentIndex() == 1 and again.path == english.resolve()
    again.switch_to(0)
    again.save()
    assert chinese.read_bytes() == "第一章\r\n她推开了门。".encode("gb18030")


def test_after_a_crash_every_document_comes_back_in_its_own_tab(qtbot, make_window,
                                                               tmp_path, writer_home):
    one, two = tmp_path / "one.txt", tmp_path / "二.txt"
    one.write_text("One.", encoding="utf-8")
    two.write_text("二。", encoding="utf-8")
    crashed = Journal(journal_dir())  # a process that died with three documents open
    for document_id, path, text in (("a", one, "One. And more."), ("b", None, "无题 draft"),
                                    ("c", two, "二。三。")):
        crashed.document(document_id).snapshot(text, 2, path=str(path) if path else None,
                                               modified=True, extra={"encoding": "utf-8"})
    assert crashed.flush()
    crashed.close()
    save_session(Session((SessionDocument(str(one), "a"), SessionDocument(None, "b"),
                          SessionDocument(str(two), "c")), active=2))

    window = make_window(load=None)
    window.restore_session()
    assert [d.editor.text() for d in window.documents] == ["One. And more.", "无题 draft",
                                                           "二。三。"]
    assert [d.path for d in window.documents] == [one.resolve(), None, two.resolve()]
    assert window.tabs.currentIndex() == 2 and all(d.modified for d in window.documents)
    assert Journal(journal_dir()).orphans() == []  # each now lives in the new journal


def test_a_journal_without_a_session_still_comes_back(qtbot, make_window, writer_home):
    crashed = Journal(journal_dir())
    crashed.document("x").snapshot("孤儿 text", 0, modified=True)
    assert crashed.flush()
    crashed.close()
    window = make_window(load=None)
    window.settings.set("session.reopen_documents", False)
    window.restore_session()
    assert [d.editor.text() for d in window.documents] == ["孤儿 text"]


CHILD = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from writer_app.app import run_gui
    from writer_app.ui.main_window import MainWindow
    from tests.gui.test_hot_exit import type_text

    app = QApplication(sys.argv[:1])

    def type_then_report():
        window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
        type_text(window.editor, " typed in one")
        window.open_path(sys.argv[2])
        type_text(window.editor, " 第二个")
        window.new_document()
        type_text(window.editor, "untitled 无题")
        print("TYPED", flush=True)

    QTimer.singleShot(300, type_then_report)
    run_gui(sys.argv[1], model=sys.argv[3])
""")


def test_kill_9_with_three_documents_restores_all_three(tmp_path, tiny_model_dir,
                                                        writer_home, make_window):
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("One.", encoding="utf-8")
    two.write_text("Two.", encoding="utf-8")
    env = {**os.environ, "WRITER_HOME": str(writer_home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(one), str(two),
                              str(tiny_model_dir)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    kill_once_journaled(child, writer_home / "data" / "journal",
                        lambda states: len(states) >= 3)
    window = make_window(load=None)
    window.restore_session()
    assert sorted(d.editor.text() for d in window.documents) == sorted(
        ["One. typed in one", "Two. 第二个", "untitled 无题"])
    assert one.read_text(encoding="utf-8") == "One."  # never saved behind the user's back


def test_the_session_reopens_files_in_order_and_skips_one_that_has_gone(
        qtbot, make_window, tmp_path, writer_home):
    files = [tmp_path / name for name in ("b.txt", "第一章.md", "a.txt")]
    for file in files:
        file.write_text(file.stem, encoding="utf-8")
    gone = tmp_path / "gone.txt"
    save_session(Session(tuple(SessionDocument(str(f)) for f in [files[0], gone, *files[1:]]),
                         active=2))
    window = make_window(load=None)
    window.restore_session()
    assert [d.path for d in window.documents] == [f.resolve() for f in files]
    assert window.path == files[1].resolve()  # the active one is active again
    assert "gone.txt" in window.statusBar().currentMessage()
    assert not window.message_bar.isVisible()  # no error at start
    other = make_window(load=None)
    other.settings.set("session.reopen_documents", False)
    other.restore_session()
    assert [d.path for d in other.documents] == [None]


def test_garbage_in_the_session_file_starts_empty(qtbot, make_window, writer_home):
    (writer_home / "data").mkdir(parents=True, exist_ok=True)
    (writer_home / "data" / "session.json").write_text(
        json.dumps({"version": 1, "documents": [{"path": 5}, "x", None], "active": "two",
                    "project": ["no"]}), encoding="utf-8")
    window = make_window(load=None)
    window.restore_session()
    assert window.open_tab_count() == 1 and window.path is None
    assert not window.message_bar.isVisible()


def test_a_folder_opens_as_a_project_and_follows_the_disk(qtbot, make_window, tmp_path,
                                                         writer_home):
    book = tmp_path / "书"
    (book / "part one").mkdir(parents=True)
    for name in ("chapter 10.txt", "chapter 2.txt", "第一章.txt"):
        (book / name).write_text(name, encoding="utf-8")
    (book / "part one" / "notes.md").write_text("# Notes", encoding="utf-8")
    (book / "README").write_text("plain text without an extension", encoding="utf-8")
    (book / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (book / "data.bin").write_bytes(b"\0\1\2")
    (book / ".hidden.txt").write_text("x", encoding="utf-8")
    window = make_window(load=None)
    window.document_list.open_project(book)
    panel = window.project
    assert panel.isVisible() and panel.folder == book.resolve()
    assert panel.files() == ["chapter 2.txt", "chapter 10.txt", "README", "第一章.txt",
                             "part one/notes.md"]
    assert "书" in window.windowTitle()
    item = panel.item_for("第一章.txt")
    panel.tree.setCurrentItem(item)
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)  # Enter opens it in a tab
    assert window.path == (book / "第一章.txt").resolve()
    assert window.editor.text() == "第一章.txt"
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        (book / "chapter 3.txt").write_text("new", encoding="utf-8")
    qtbot.waitUntil(lambda: "chapter 3.txt" in panel.files(), timeout=10_000)
    assert panel.files()[:3] == ["chapter 2.txt", "chapter 3.txt", "chapter 10.txt"]
    (book / "chapter 10.txt").rename(book / "chapter 11.txt")
    qtbot.waitUntil(lambda: "chapter 11.txt" in panel.files(), timeout=10_000)
    assert "chapter 10.txt" not in panel.files()
    (book / "part one" / "notes.md").unlink()
    qtbot.waitUntil(lambda: "part one/notes.md" not in panel.files(), timeout=10_000)
    window.close()
    assert load_session().project == str(book.resolve())
    again = make_window(load=None)
    again.restore_session()
    assert again.project.folder == book.resolve() and again.project.isVisible()
    assert again.path == (book / "第一章.txt").resolve()
    again.document_list.close_project()
    assert again.project.folder is None and not again.project.isVisible()
