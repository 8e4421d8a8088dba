"""The open document's file: never overwrite a newer file without being told to."""

from __future__ import annotations

import os

import pytest

from writer_app.documents.document import Document, FileChangedOnDiskError


class Store:
    """A TextStore without an editor."""

    def __init__(self) -> None:
        self.value, self.modified = "", False

    def text(self) -> str:
        return self.value

    def set_text(self, text: str) -> None:
        self.value = text

    def is_modified(self) -> bool:
        return self.modified

    def set_modified(self, modified: bool) -> None:
        self.modified = modified


def opened(path, text="first\r\nsecond\r\n", encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    document = Document(Store())
    document.open(path)
    return document


def test_open_then_save_keeps_encoding_line_endings_and_bytes(tmp_path):
    path = tmp_path / "notes.txt"
    document = opened(path, "一\r\n二\r\n", "gb18030")
    assert document.text() == "一\n二\n" and document.newline == "\r\n"
    assert document.encoding == "gb18030" and not document.modified
    document.save_to(path)
    assert path.read_bytes() == "一\r\n二\r\n".encode("gb18030")


def test_a_save_refuses_a_file_changed_since_it_was_read(tmp_path):
    path = tmp_path / "notes.txt"
    document = opened(path)
    with open(path, "a", encoding="utf-8") as file:
        file.write("theirs\n")
    assert document.disk_changed()
    document.store.set_text("mine")
    document.store.set_modified(True)
    with pytest.raises(FileChangedOnDiskError, match="another program"):
        document.save_to(path)
    assert path.read_text(encoding="utf-8").endswith("theirs\n")
    assert document.modified
    document.save_to(path, overwrite_newer=True)
    assert path.read_text(encoding="utf-8") == "mine" and not document.modified
    assert not document.disk_changed()


def test_a_file_touched_but_not_changed_is_not_a_change(tmp_path):
    path = tmp_path / "notes.txt"
    document = opened(path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert not document.disk_changed()
    document.save_to(path)  # no question asked


def test_keeping_mine_lets_the_next_save_through(tmp_path):
    path = tmp_path / "notes.txt"
    document = opened(path)
    path.write_text("theirs", encoding="utf-8")
    document.accept_disk_version()
    assert not document.disk_changed()
    document.save_to(path)
    assert path.read_bytes() == b"first\r\nsecond\r\n"


def test_a_deleted_file_is_a_change_and_is_written_again(tmp_path):
    path = tmp_path / "notes.txt"
    document = opened(path)
    path.unlink()
    assert document.disk_changed() and not document.exists_on_disk()
    document.forget_disk_version()
    assert document.modified
    document.save_to(path)
    assert path.read_bytes() == b"first\r\nsecond\r\n"


def test_a_new_file_by_name_creates_its_folder_but_a_vanished_one_is_reported(tmp_path):
    path = tmp_path / "new" / "chapter.md"
    document = Document(Store())
    document.new(path)
    document.store.set_text("Chapter one")
    document.save_to(path)
    assert path.read_text(encoding="utf-8") == "Chapter one"
    path.unlink()
    path.parent.rmdir()
    from writer_app.errors import WriterError

    with pytest.raises(WriterError):
        document.save_to(path)  # the folder went away under a saved file: say so
    assert not path.parent.exists()


def test_a_save_elsewhere_never_asks(tmp_path):
    path = tmp_path / "notes.txt"
    document = opened(path)
    path.write_text("theirs", encoding="utf-8")
    other = tmp_path / "copy.txt"
    document.save_to(other)
    assert document.path == other and other.read_bytes() == b"first\r\nsecond\r\n"
