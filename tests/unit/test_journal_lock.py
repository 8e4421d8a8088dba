"""A journal belongs to a dead writer exactly when the writer's OS file lock is free:
no process ids, so neither Windows (where signal 0 is CTRL_C_EVENT) nor a reused pid
can keep a crashed document from coming back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import writer_app.documents.journal as journal_module
from writer_app.documents import lifelock
from writer_app.documents.journal import Journal

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from writer_app.documents.journal import Journal
    journal = Journal(Path(sys.argv[1]))
    journal.record("doc", "/tmp/story.txt", "typed, then killed 😀")
    if sys.argv[2] == "both":
        journal.record("doc", "/tmp/story.txt", "typed, then killed 😀", cursor=7)
        document = journal.document("incremental")
        document.snapshot("abc", 3, path="/tmp/other.txt")
        document.edit(3, 0, "def")
    assert journal.flush()
    print("READY", flush=True)
    sys.stdin.read()  # hold the lock until killed
""")


@pytest.fixture
def holder(tmp_path, request):
    """A child process that wrote journals and holds their lock until killed: one
    whole-text journal, or ("both") an incremental one too."""
    which = getattr(request, "param", "whole")
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), which],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "READY"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        child.stdin.close()
        child.stdout.close()


@pytest.mark.parametrize("holder", ["both"], indirect=True)
def test_a_live_writer_blocks_the_restore_and_a_killed_one_releases_it(tmp_path, holder):
    journal = Journal(tmp_path)
    try:
        assert journal.orphans() == []  # alive: its journals are not ours to take
        holder.send_signal(signal.SIGKILL)
        assert holder.wait(timeout=30) == -signal.SIGKILL
        orphans = {entry.document_id: entry for entry in journal.orphans()}
        assert set(orphans) == {"doc", "incremental"}
        assert orphans["doc"].text == "typed, then killed 😀" and orphans["doc"].cursor == 7
        assert orphans["incremental"].text == "abcdef"
        assert orphans["incremental"].path == "/tmp/other.txt"
        assert len(list(tmp_path.glob("*.lock"))) == 1  # the dead writer's
        for entry in orphans.values():
            assert journal.remove(entry)
        assert journal.orphans() == [] and list(tmp_path.iterdir()) == []  # cleaned up
    finally:
        journal.close()


def test_a_reused_pid_does_not_block_the_restore(tmp_path, holder):
    """The crashed writer's pid now names a live process (ours): still restorable."""
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    file = tmp_path / "doc.json"
    raw = json.loads(file.read_text(encoding="utf-8"))
    raw["pid"] = os.getpid()
    file.write_text(json.dumps(raw), encoding="utf-8")
    journal = Journal(tmp_path)
    try:
        assert "doc" in {entry.document_id for entry in journal.orphans()}
    finally:
        journal.close()


def test_liveness_never_sends_a_signal(tmp_path, holder, monkeypatch):
    """os.kill(pid, 0) on Windows sends CTRL_C_EVENT: it must not be the check."""
    def no_signals(*args):
        raise AssertionError(f"os.kill{args} called to test liveness")

    monkeypatch.setattr(journal_module.os, "kill", no_signals)
    journal = Journal(tmp_path)
    try:
        assert journal.orphans() == []
    finally:
        journal.close()


def test_a_closed_journal_leaves_its_unsaved_text_for_the_next_start(tmp_path):
    first = Journal(tmp_path)
    first.record("kept", None, "hot exit")
    first.record("saved", None, "saved later")
    first.discard("saved")
    second = Journal(tmp_path)
    try:
        assert second.orphans() == []  # another live Journal, even in this process
        first.close()
        assert [entry.text for entry in second.orphans()] == ["hot exit"]
    finally:
        second.close()
    third = Journal(tmp_path)  # only looking: no thread, no lock, no file of its own
    assert third.remove(third.orphans()[0])
    assert list(tmp_path.iterdir()) == [] and third._thread is None
    third.close()


def test_the_lock_is_held_only_while_its_owner_lives(tmp_path):
    lock = lifelock.LifeLock(tmp_path / "me.lock")
    assert lifelock.is_held(tmp_path / "me.lock")
    assert not lifelock.remove_if_free(tmp_path / "me.lock")
    lock.release()
    assert not lifelock.is_held(tmp_path / "me.lock")
    assert not (tmp_path / "me.lock").exists()
    assert not lifelock.is_held(tmp_path / "never.lock")


def test_a_journal_folder_that_cannot_be_made_does_not_stop_the_window(tmp_path):
    (tmp_path / "file").write_text("in the way")
    journal = Journal(tmp_path / "file" / "journal")
    journal.record("doc", None, "text")
    assert journal.flush(timeout=5) is False  # said, not raised
    journal.close()
