"""The incremental journal: a snapshot plus edits in UTF-16 positions replays to the
editor's text; a torn or damaged file gives the state at its last intact record."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import writer_app.documents.journal as journal_module
from writer_app.documents.journal import Journal
from writer_app.documents.journal_records import (
    Utf16Buffer,
    edits_record,
    read_records,
    replay,
    snapshot_record,
    utf16_length,
)

# Text as a writer of Chinese and English with emoji types it: surrogate pairs included.
CHARACTERS = st.one_of(st.sampled_from(list("ab \n中文字句，。😀🚀👍🏽é")),
                       st.characters(codec="utf-8"))
TEXTS = st.text(CHARACTERS, max_size=40)
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


class Utf16Model:
    """What Qt's document holds, as a list of UTF-16 code units: the reference."""

    def __init__(self, text: str) -> None:
        data = text.encode("utf-16-le", "surrogatepass")
        self.units = [data[i:i + 2] for i in range(0, len(data), 2)]

    def replace(self, position: int, removed: int, inserted: str) -> None:
        self.units[position:position + removed] = Utf16Model(inserted).units

    def text(self) -> str:
        """As PySide converts a QString: lone surrogates are dropped."""
        return b"".join(self.units).decode("utf-16-le", "ignore")


@contextlib.contextmanager
def quick_journal():
    """A journal that compacts early and skips fsync (durability is not what the
    properties test), closed at the end of each example."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module, "COMPACT_MIN_BYTES", 300)
        patch.setattr(os, "fsync", lambda descriptor: None)
        journal = Journal(Path(folder))
        try:
            yield journal
        finally:
            journal.close()


def draw_edit(data, length: int) -> tuple[int, int, str]:
    position = data.draw(st.integers(0, length))
    removed = data.draw(st.integers(0, min(length - position, 6)))
    return position, removed, data.draw(TEXTS)


# ---- examples ---------------------------------------------------------------------------


def test_edits_replay_in_utf16_units(tmp_path):
    journal = Journal(tmp_path)
    document = journal.document("doc")
    assert document.needs_snapshot
    document.edit(0, 0, "ignored: nothing to replay it on yet")
    document.snapshot("a😀b中", 0, path="/tmp/x.txt", extra={"encoding": "utf-8"})
    assert not document.needs_snapshot
    document.edit(1, 2, "")  # the emoji is two units
    document.edit(2, 0, "文")
    document.edit(3, 0, "字😀")  # typing on: one edit in the log
    document.move_cursor(5)
    assert journal.flush()
    state = replay(document.file.read_bytes())
    assert state.text == "ab文字😀中" and state.cursor == 5 and state.modified
    assert state.path == "/tmp/x.txt" and state.extra == {"encoding": "utf-8"}
    assert len(read_records(document.file.read_bytes())) == 2
    journal.close()


def test_a_crashed_document_comes_back_with_its_cursor(tmp_path):
    first = Journal(tmp_path)
    document = first.document("doc")
    document.snapshot("The beginning. The end.", 0, path="/tmp/story.txt", modified=False)
    document.edit(14, 0, " 中间")
    document.move_cursor(17)
    document.set_extra({"instructions": "be brief"})
    first.close()  # as if it had crashed: its lock is free
    second = Journal(tmp_path)
    [entry] = second.orphans()
    assert entry.text == "The beginning. 中间 The end." and entry.cursor == 17
    assert entry.extra == {"instructions": "be brief"} and entry.path == "/tmp/story.txt"
    # The window takes it over: a snapshot of its own, then the orphan goes.
    mine = second.document("mine")
    mine.snapshot(entry.text, entry.cursor, path=entry.path, extra=entry.extra)
    assert second.remove(entry) and not entry.file.exists()
    second.close()


def test_a_saved_document_is_not_restored_and_its_journal_is_cleaned_up(tmp_path):
    first = Journal(tmp_path)
    document = first.document("doc")
    document.snapshot("text", modified=False)
    document.edit(4, 0, " more")
    document.set_modified(False)  # saved
    first.close()
    second = Journal(tmp_path)
    assert second.orphans() == [] and not document.file.exists()
    second.close()


def test_discard_deletes_the_journal(tmp_path):
    journal = Journal(tmp_path)
    document = journal.document("doc")
    document.snapshot("text")
    assert journal.flush() and document.file.exists()
    journal.discard("doc")
    assert journal.flush() and not document.file.exists()
    journal.close()


def test_a_long_edit_log_is_compacted_into_a_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 200)
    journal = Journal(tmp_path)
    document = journal.document("doc")
    document.snapshot("start", 5)
    expected = "start"
    for index in range(60):
        piece = f" {index}中😀"
        document.edit(0, 0, piece)  # at the start: never merged with the previous edit
        expected = piece + expected
        document.flush()
    assert journal.flush()
    data = document.file.read_bytes()
    assert len(data) < 1500 and read_records(data)[0][0] == b"S"
    assert replay(data).text == expected
    journal.close()


def test_a_failed_append_is_cut_off_and_retried(tmp_path, monkeypatch):
    journal = Journal(tmp_path)
    document = journal.document("doc")
    document.snapshot("base")
    assert journal.flush()
    real_write = journal_module.os.write

    def torn(handle, data):
        real_write(handle, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "write", torn)
    document.edit(4, 0, " one")
    assert journal.flush() is False  # said: not safe on disk
    monkeypatch.undo()
    document.edit(8, 0, " two")
    assert journal.flush() is True
    assert replay(document.file.read_bytes()).text == "base one two"
    journal.close()


def test_a_journal_file_removed_behind_our_back_asks_for_a_snapshot(tmp_path):
    journal = Journal(tmp_path)
    document = journal.document("doc")
    document.snapshot("base")
    assert journal.flush()
    document.file.unlink()
    document.edit(4, 0, "!")
    assert journal.flush() is False and document.needs_snapshot
    document.snapshot("base!")
    assert journal.flush() and replay(document.file.read_bytes()).text == "base!"
    journal.close()


def test_the_gap_buffer_handles_moves_both_ways():
    buffer = Utf16Buffer("0123456789")
    buffer.replace(8, 1, "x")
    buffer.replace(2, 3, "")
    buffer.replace(5, 0, "😀")
    buffer.replace(len(buffer), 0, "end")
    assert buffer.text() == "01567😀x9end" and len(buffer) == 12


# ---- properties ---------------------------------------------------------------------------


@PROPERTY
@given(start=TEXTS, data=st.data())
def test_random_edits_replay_to_the_final_text(start, data):
    """Edits at any UTF-16 position (even inside a surrogate pair), flushed at random
    moments, with compaction now and then: the journal replays to the editor's text."""
    model = Utf16Model(start)
    with quick_journal() as journal:
        document = journal.document("doc")
        document.snapshot(start, 0)
        cursor = 0
        for _ in range(data.draw(st.integers(0, 25))):
            position, removed, inserted = draw_edit(data, len(model.units))
            document.edit(position, removed, inserted)
            model.replace(position, removed, inserted)
            cursor = position + len(Utf16Model(inserted).units)
            document.move_cursor(cursor)
            if data.draw(st.booleans()):
                document.flush()
        assert journal.flush()
        state = replay(document.file.read_bytes())
    assert state.text == model.text() and state.cursor == cursor


def build_journal(data) -> tuple[bytes, list[tuple[int, str, int | None]]]:
    """A journal file and, after each record, (its end offset, text, cursor)."""
    text = data.draw(TEXTS)
    model = Utf16Model(text)
    meta = {"owner": "o", "document_id": "d", "path": None, "cursor": 0,
            "modified": True, "saved_at": 1.0, "extra": {}}
    content = snapshot_record(meta, text)
    states = [(len(content), text, 0)]
    for batch_number in range(data.draw(st.integers(0, 8))):
        edits = []
        for _ in range(data.draw(st.integers(0, 3))):
            position, removed, inserted = draw_edit(data, len(model.units))
            model.replace(position, removed, inserted)
            edits.append([position, removed, inserted])
        content += edits_record({"edits": edits, "cursor": batch_number})
        states.append((len(content), model.text(), batch_number))
    return content, states


@PROPERTY
@given(data=st.data())
def test_a_journal_cut_at_any_byte_gives_the_state_of_its_last_whole_record(data):
    content, states = build_journal(data)
    cut = data.draw(st.integers(0, len(content)))
    state = replay(content[:cut])
    whole = [s for s in states if s[0] <= cut]
    if not whole:
        assert state is None  # only a damaged snapshot: nothing to restore, no exception
    else:
        assert (state.text, state.cursor) == whole[-1][1:]


@PROPERTY
@given(data=st.data())
def test_a_journal_damaged_at_any_byte_gives_a_consistent_earlier_state(data):
    content, states = build_journal(data)
    if not content:
        return
    where = data.draw(st.integers(0, len(content) - 1))
    damaged = bytearray(content)
    damaged[where] ^= data.draw(st.integers(1, 255))
    state = replay(bytes(damaged))
    intact = [s for s in states if s[0] <= where]  # records wholly before the damage
    if not intact:
        assert state is None
    else:
        assert (state.text, state.cursor) == intact[-1][1:]


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_utf16_length_counts_what_qt_counts(text):
    """Characters beyond U+FFFF take two units; lone surrogates (which Qt can hold) one."""
    assert utf16_length(text) == sum(2 if ord(c) > 0xFFFF else 1 for c in text)
