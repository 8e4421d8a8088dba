"""Atomic saves through links: a link stays a link, a hard link stays one file, modes stay."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from writer_app import atomic
from writer_app.atomic import write_bytes_atomically

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX links and modes")


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@posix_only
def test_saving_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real" / "novel.txt"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_bytes_atomically(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


@posix_only
def test_a_relative_symlink_is_resolved_from_its_own_folder(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "links").mkdir()
    real = tmp_path / "docs" / "story.md"
    real.write_bytes(b"old")
    link = tmp_path / "links" / "story.md"
    link.symlink_to("../docs/story.md")
    (tmp_path / "chain.md").symlink_to("links/story.md")  # a link to a link
    monkeypatch.chdir(tmp_path / "docs")  # the working folder must not matter
    write_bytes_atomically(tmp_path / "chain.md", b"through two links")
    assert os.readlink(link) == "../docs/story.md"
    assert (tmp_path / "chain.md").is_symlink()
    assert real.read_bytes() == b"through two links"


@posix_only
def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "missing.txt")
    write_bytes_atomically(link, b"hello")
    assert link.is_symlink() and (tmp_path / "missing.txt").read_bytes() == b"hello"


@posix_only
def test_a_loop_of_links_is_an_error_not_a_replaced_link(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError) as caught:
        write_bytes_atomically(tmp_path / "a", b"x")
    assert caught.value.errno == errno.ELOOP
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


@posix_only
def test_a_hard_linked_file_is_rewritten_in_place(tmp_path):
    first = tmp_path / "first.txt"
    first.write_bytes(b"shared content that is rather long")
    second = tmp_path / "second.txt"
    os.link(first, second)
    inode = first.stat().st_ino
    write_bytes_atomically(first, b"short")
    assert first.stat().st_ino == inode and second.read_bytes() == b"short"
    assert first.stat().st_nlink == 2
    write_bytes_atomically(second, b"now a good deal longer than before " * 100)
    assert first.read_bytes() == b"now a good deal longer than before " * 100
    assert leftovers(tmp_path) == []


@posix_only
def test_a_failed_in_place_write_puts_the_old_content_back(tmp_path, monkeypatch):
    first = tmp_path / "first.txt"
    first.write_bytes(b"the original")
    os.link(first, tmp_path / "second.txt")
    real_write = os.write
    calls = []

    def failing_write(handle, data):
        calls.append(len(data))
        if len(calls) == 1:  # half of the new content lands, then the disk fails
            real_write(handle, bytes(data[: len(data) // 2]))
            raise OSError(errno.EIO, "Input/output error")
        return real_write(handle, data)

    monkeypatch.setattr(atomic.os, "write", failing_write)
    with pytest.raises(OSError, match="Input/output"):
        write_bytes_atomically(first, b"a new and longer content")
    assert (tmp_path / "second.txt").read_bytes() == b"the original"
    assert leftovers(tmp_path) == []


@posix_only
def test_no_room_for_a_hard_linked_file_fails_before_changing_it(tmp_path, monkeypatch):
    first = tmp_path / "first.txt"
    first.write_bytes(b"small")
    os.link(first, tmp_path / "second.txt")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "posix_fallocate", full, raising=False)
    with pytest.raises(OSError, match="No space"):
        write_bytes_atomically(first, b"much bigger content" * 100)
    assert first.read_bytes() == b"small" and leftovers(tmp_path) == []


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o755, 0o640, 0o444])
def test_the_mode_is_kept(tmp_path, mode):
    path = tmp_path / "file.txt"
    path.write_bytes(b"old")
    path.chmod(mode)
    write_bytes_atomically(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_bytes() == b"new"


@posix_only
def test_the_mode_of_a_symlinks_target_is_kept(tmp_path):
    real = tmp_path / "script.sh"
    real.write_bytes(b"#!/bin/sh\n")
    real.chmod(0o750)
    (tmp_path / "link").symlink_to(real)
    write_bytes_atomically(tmp_path / "link", b"#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(real.stat().st_mode) == 0o750


@posix_only
def test_a_new_file_follows_the_umask_not_a_private_mode(tmp_path):
    old = os.umask(0o022)
    try:
        write_bytes_atomically(tmp_path / "new.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_the_owner_is_kept_where_the_process_may_set_it(tmp_path):
    path = tmp_path / "theirs.txt"
    path.write_bytes(b"old")
    os.chown(path, 1234, 5678)
    write_bytes_atomically(path, b"new")
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 5678)


def test_a_folder_is_refused_and_left_alone(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        write_bytes_atomically(tmp_path / "folder", b"x")
    assert (tmp_path / "folder").is_dir() and leftovers(tmp_path) == []


def test_a_missing_folder_is_not_recreated_when_asked_not_to(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_bytes_atomically(tmp_path / "gone" / "doc.txt", b"x", create_folder=False)
    assert not (tmp_path / "gone").exists()
    write_bytes_atomically(tmp_path / "made" / "settings.json", b"{}")  # the default
    assert (tmp_path / "made" / "settings.json").read_bytes() == b"{}"
