"""Documents, atomic saves, settings, presets and the hot-exit journal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import pytest

from writer_app import atomic
from writer_app.boundary.params import SamplingParams
from writer_app.documents.journal import Journal
from writer_app.documents.textfiles import (
    UnreadableFileError,
    UnsavableTextError,
    read_text_file,
    save_text_file,
)
from writer_app.errors import InvalidSettingError, WriterError
from writer_app.presets import Presets
from writer_app.settings import SCHEMA, Settings

# ---- files ------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "text"), [
    ("utf-8", "Plain English and 中文 and emoji 😀"),
    ("utf-8-sig", "With a BOM: 中文"),
    ("utf-16", "UTF-16 text: 我们去北京"),
    ("gb18030", "今天天气很好，我们在公园里散步。孩子们在草地上玩耍，老人们坐在长椅上聊天。"),
    ("cp1252", "Café déjà vu, naïve façade — “quoted” and ‘single’ text in Windows-1252."),
])
def test_encodings_are_found_and_kept(tmp_path, encoding, text):
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))
    document = read_text_file(path)
    assert document.text == text
    save_text_file(path, document.text + "!", document.encoding, document.newline)
    assert path.read_bytes() == (text + "!").encode(encoding)


def test_line_endings_are_normalised_for_the_editor_and_restored_on_save(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"one\r\ntwo\r\nthree")
    document = read_text_file(path)
    assert document.text == "one\ntwo\nthree" and document.newline == "\r\n"
    save_text_file(path, document.text, document.encoding, document.newline)
    assert path.read_bytes() == b"one\r\ntwo\r\nthree"


def test_binary_files_are_refused_and_untouched(tmp_path):
    path = tmp_path / "image.png"
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    path.write_bytes(data)
    with pytest.raises(UnreadableFileError, match="binary"):
        read_text_file(path)
    assert path.read_bytes() == data


def test_a_wrong_forced_encoding_is_refused(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes("中文".encode("gb18030"))
    with pytest.raises(UnreadableFileError, match="not valid utf-8"):
        read_text_file(path, encoding="utf-8")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(UnreadableFileError, match="Cannot read"):
        read_text_file(tmp_path / "absent.txt")


def test_unencodable_text_fails_before_writing(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"old")
    with pytest.raises(UnsavableTextError, match="UTF-8"):
        save_text_file(path, "中文", "latin-1")
    assert path.read_bytes() == b"old"


def test_a_save_that_fails_mid_write_leaves_the_original_intact(tmp_path, monkeypatch):
    path = tmp_path / "novel.txt"
    path.write_text("chapter one", encoding="utf-8")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(WriterError, match="disk is full") as caught:
        save_text_file(path, "chapter one and two")
    assert "free some space" in caught.value.hint
    assert path.read_text(encoding="utf-8") == "chapter one"
    assert [p.name for p in tmp_path.iterdir()] == ["novel.txt"]  # no temp file left


def test_a_process_killed_mid_save_leaves_the_original_intact(tmp_path):
    """SIGKILL while the new content is being written: the old file survives whole."""
    path = tmp_path / "novel.txt"
    path.write_text("the original text", encoding="utf-8")
    script = textwrap.dedent(f"""
        import os, signal
        from writer_app import atomic
        real_write = os.fdopen
        class Dying:
            def __init__(self, stream): self.stream = stream
            def __enter__(self): return self
            def __exit__(self, *a): return False
            def write(self, data):
                self.stream.write(data[: len(data) // 2]); self.stream.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            def flush(self): pass
            def fileno(self): return self.stream.fileno()
        atomic.os.fdopen = lambda fd, mode: Dying(real_write(fd, mode))
        atomic.write_bytes_atomically({str(path)!r}, b"x" * 1_000_000)
    """)
    result = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert path.read_text(encoding="utf-8") == "the original text"


def test_a_ten_megabyte_document_reads_and_saves(tmp_path):
    path = tmp_path / "big.md"
    text = ("Lorem ipsum dolor sit amet, 中文段落。\n" * 300_000)[:10_000_000]
    save_text_file(path, text)
    assert path.stat().st_size > 10_000_000
    assert read_text_file(path).text == text


def test_saving_keeps_file_permissions(tmp_path):
    path = tmp_path / "private.txt"
    path.write_text("x")
    path.chmod(0o600)
    save_text_file(path, "y")
    assert path.stat().st_mode & 0o777 == 0o600


# ---- settings ---------------------------------------------------------------------------


def test_defaults_satisfy_their_own_schema():
    for setting in SCHEMA:
        assert setting.coerce(setting.default) == setting.default
        assert setting.description.endswith(".")  # one sentence, used as a tooltip


def test_settings_round_trip_in_a_readable_file(tmp_path):
    settings = Settings(path=tmp_path / "settings.json")
    settings.set("sampling.temperature", 1.3)
    settings.set("ui.theme", "dark")
    settings.save()
    stored = json.loads((tmp_path / "settings.json").read_text())
    assert stored == {"sampling.temperature": 1.3, "ui.theme": "dark"}
    again = Settings.load(tmp_path / "settings.json")
    assert again.get("sampling.temperature") == 1.3 and not again.warnings
    assert again.sampling_params().temperature == 1.3


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b""])
def test_a_corrupt_settings_file_falls_back_to_defaults(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    settings = Settings.load(path)
    assert settings.get("sampling.top_k") == 50
    assert settings.warnings


def test_bad_values_fall_back_per_key(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"sampling.temperature": 99, "sampling.top_k": "many",
                                "ui.theme": "purple", "editor.font_size": 20,
                                "no.such.key": 1}))
    settings = Settings.load(path)
    assert settings.get("sampling.temperature") == 0.8
    assert settings.get("sampling.top_k") == 50
    assert settings.get("ui.theme") == "system"
    assert settings.get("editor.font_size") == 20  # the good key survives
    assert len(settings.warnings) == 5  # one per bad key, and where the original is kept
    assert (tmp_path / "settings.json.bad").read_bytes() == path.read_bytes()


def test_setting_an_absurd_value_says_what_to_do():
    with pytest.raises(InvalidSettingError) as caught:
        Settings().set("sampling.top_p", 0)
    assert "above 0, up to 1" in caught.value.hint


def test_presets_save_rename_delete_export_import(tmp_path):
    presets = Presets(tmp_path / "presets.json")
    assert presets.names()[:3] == ["Precise", "Balanced", "Creative"]
    settings = Settings()
    settings.set("sampling.temperature", 0.5)
    presets.save_preset("Mine", settings)
    presets.rename("Mine", "Poetry")
    assert Presets(tmp_path / "presets.json").values("Poetry")["sampling.temperature"] == 0.5
    with pytest.raises(InvalidSettingError):
        presets.delete("Creative")
    with pytest.raises(InvalidSettingError):
        presets.save_preset("Balanced", settings)
    presets.export(tmp_path / "shared.json", ["Poetry", "Creative"])
    presets.delete("Poetry")
    assert "Poetry" not in presets.names()
    added = presets.import_file(tmp_path / "shared.json")
    assert added == ["Poetry", "Creative (imported)"]
    (tmp_path / "bad.json").write_text("nonsense")
    with pytest.raises(InvalidSettingError, match="Cannot read"):
        presets.import_file(tmp_path / "bad.json")


def test_a_corrupt_presets_file_keeps_the_built_ins(tmp_path):
    (tmp_path / "presets.json").write_text("{broken")
    presets = Presets(tmp_path / "presets.json")
    assert presets.names() == ["Precise", "Balanced", "Creative"] and presets.warnings


# ---- the journal ------------------------------------------------------------------------


def test_journal_records_and_discards(tmp_path):
    journal = Journal(tmp_path)
    journal.record("doc1", None, "unsaved 中文")
    assert journal.flush()
    assert json.loads((tmp_path / "doc1.json").read_text())["text"] == "unsaved 中文"
    assert journal.orphans() == []  # our own process is alive: not a crash
    journal.discard("doc1")
    journal.close()
    assert not (tmp_path / "doc1.json").exists()


def test_a_killed_process_leaves_an_orphan_that_can_be_adopted(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from writer_app.documents.journal import Journal
        journal = Journal(Path({str(tmp_path)!r}))
        journal.record("doc", "/tmp/novel.txt", "typed before the crash 我们", {{"k": 1}})
        journal.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert result.returncode == -signal.SIGKILL
    journal = Journal(tmp_path)
    orphans = journal.orphans()
    assert len(orphans) == 1
    entry = orphans[0]
    assert entry.text == "typed before the crash 我们" and entry.path == "/tmp/novel.txt"
    assert entry.extra == {"k": 1}
    journal.adopt(entry, "new-id")
    assert journal.orphans() == []
    assert (tmp_path / "new-id.json").exists() and not (tmp_path / "doc.json").exists()
    journal.close()
    # Adopted means ours: once we are gone too, the next start finds the same unsaved
    # text under the new id, and only that.
    after_us = Journal(tmp_path)
    again = after_us.orphans()
    after_us.close()
    assert [(e.document_id, e.text, e.path, e.extra) for e in again] == [
        ("new-id", "typed before the crash 我们", "/tmp/novel.txt", {"k": 1})]


def test_sampling_params_round_trip_through_settings():
    settings = Settings()
    params = settings.sampling_params().with_changes(temperature=0.3, seed=7, mode="greedy")
    settings.set_sampling(params)
    assert settings.sampling_params() == params
    # Beyond the slider's stretch but valid (as the command line allows): stored as it is.
    beyond_the_slider = params.with_changes(temperature=4.0, seed=2**63 - 1)
    settings.set_sampling(beyond_the_slider)
    assert settings.sampling_params() == beyond_the_slider


def test_a_journal_that_cannot_be_written_says_so(tmp_path, monkeypatch):
    """Hot exit must not close without asking when the unsaved text did not reach disk."""
    import writer_app.documents.journal as journal_module

    journal = Journal(tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module, "write_bytes_atomically", full_disk)
    journal.record("doc", None, "precious")
    assert journal.flush() is False
    monkeypatch.undo()
    journal.record("doc", None, "precious")
    assert journal.flush() is True
    journal.close()


def test_the_control_token_setting_reaches_the_sampling_params(tmp_path):
    settings = Settings(path=tmp_path / "settings.json")
    assert settings.sampling_params().allow_control_tokens is False
    settings.set("sampling.allow_control_tokens", True)
    settings.save()
    assert Settings.load(tmp_path / "settings.json").sampling_params().allow_control_tokens
    settings.set_sampling(SamplingParams())
    assert settings.get("sampling.allow_control_tokens") is False
