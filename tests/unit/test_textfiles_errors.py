"""Each refused save or read says its own cause and a hint that fits it."""

from __future__ import annotations

import errno
import os

import pytest

from writer_app import atomic
from writer_app.documents.textfiles import (
    SaveFailedError,
    UnreadableFileError,
    file_error,
    read_text_file,
    save_text_file,
)
from writer_app.errors import WriterError

SPACE = "free some space"

# errno -> (words the message must hold, words the hint must hold)
EXPECTED = {
    errno.ENOSPC: ("disk is full", SPACE),
    errno.EACCES: ("permission denied", "read-only"),
    errno.EPERM: ("does not allow", "locked"),
    errno.EROFS: ("read-only", "another disk"),
    errno.ENAMETOOLONG: ("name is too long", "shorter name"),
    errno.ENOENT: ("no longer exists", "another folder"),
    errno.EISDIR: ("is a folder", "file name"),
    errno.EIO: ("input/output error", "another disk"),
    errno.ELOOP: ("loop", "link"),
    errno.EFBIG: ("too large", "another disk"),
    errno.EBUSY: ("in use", "close the other program"),
}
if hasattr(errno, "EDQUOT"):
    EXPECTED[errno.EDQUOT] = ("quota", SPACE)


def refuse_with(monkeypatch, code: int) -> None:
    """Make the final rename fail as the system would with `code`."""
    def refused(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "replace", refused)


@pytest.mark.parametrize("code", sorted(EXPECTED), ids=lambda c: errno.errorcode[c])
def test_a_refused_save_names_its_cause_and_a_fitting_hint(tmp_path, monkeypatch, code):
    path = tmp_path / "novel.txt"
    path.write_text("old", encoding="utf-8")
    refuse_with(monkeypatch, code)
    with pytest.raises(SaveFailedError) as caught:
        save_text_file(path, "new")
    in_message, in_hint = EXPECTED[code]
    assert caught.value.message.startswith("Could not save novel.txt: ")
    assert in_message in caught.value.message and in_hint in caught.value.hint
    if code not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        assert "space" not in caught.value.hint  # the reported bug: EPERM said "free space"
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["novel.txt"]  # no temporary file left


def test_operation_not_permitted_does_not_advise_freeing_space(tmp_path, monkeypatch):
    """The bug as reported: EPERM on save advised 'free some space'."""
    path = tmp_path / "novel.txt"
    path.write_text("old", encoding="utf-8")
    refuse_with(monkeypatch, errno.EPERM)
    with pytest.raises(WriterError) as caught:
        save_text_file(path, "new")
    assert "space" not in str(caught.value)


def test_saving_into_a_folder_that_was_deleted_says_so(tmp_path):
    folder = tmp_path / "drafts"
    with pytest.raises(SaveFailedError) as caught:
        save_text_file(folder / "chapter.txt", "text")
    assert str(folder) in caught.value.message and "no longer exists" in caught.value.message
    assert not folder.exists()  # not silently made again


def test_saving_over_a_folder_says_it_is_a_folder(tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(SaveFailedError, match="is a folder"):
        save_text_file(tmp_path / "notes", "text")


def test_a_name_too_long_for_the_system_says_so(tmp_path):
    with pytest.raises(SaveFailedError, match="name is too long"):
        save_text_file(tmp_path / ("x" * 300 + ".txt"), "text")


def test_reading_errors_have_reading_hints(tmp_path):
    with pytest.raises(UnreadableFileError) as caught:
        read_text_file(tmp_path / "absent.txt")
    assert "absent.txt" in caught.value.message and "Save As" not in caught.value.hint
    (tmp_path / "folder").mkdir()
    with pytest.raises(UnreadableFileError, match="is a folder"):
        read_text_file(tmp_path / "folder")


def test_an_unknown_error_keeps_the_systems_words_and_never_ends_in_a_colon(tmp_path):
    error = file_error(OSError(errno.EXDEV, "Invalid cross-device link"), tmp_path / "a.txt",
                       "save")
    assert error.message == "Could not save a.txt: Invalid cross-device link"
    assert "space" not in error.hint and "unchanged" in error.hint
    bare = file_error(OSError(), tmp_path / "a.txt", "read")
    assert not bare.message.rstrip().endswith(":")


@pytest.mark.skipif(os.name != "posix", reason="POSIX symbolic links")
def test_a_link_whose_target_folder_is_gone_names_that_folder(tmp_path):
    (tmp_path / "story.txt").symlink_to(tmp_path / "moved" / "story.txt")
    with pytest.raises(SaveFailedError) as caught:
        save_text_file(tmp_path / "story.txt", "text")
    assert f"{tmp_path / 'moved'} no longer exists" in caught.value.message
    assert (tmp_path / "story.txt").is_symlink()
