"""Bad input at scale: an unchanged open -> save gives the very same bytes, or the open
says beforehand what a save would change (or refuses the file). Never a silent change."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from writer_app.documents.textfiles import (
    COMMON_ENCODINGS,
    UnreadableFileError,
    read_text_file,
    save_text_file,
)

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
# Bytes that look like text in some encoding: printable ASCII, high bytes, line breaks.
TEXT_LIKE_BYTES = st.lists(st.one_of(st.integers(0x20, 0x7E), st.integers(0x80, 0xFF),
                                     st.sampled_from([9, 10, 13])), max_size=120).map(bytes)
# Characters of every script the claimed encodings cover, and all three line breaks.
CHARACTERS = st.one_of(st.sampled_from(list("ab \r\n\t中文繁體日本語한국어éçß€—“”😀")),
                       st.characters(codec="utf-8"))
BOMS = {"utf-8-sig": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE}


def check_round_trip(data: bytes, encoding: str | None = None) -> str:
    """Open `data` and save it unchanged: same bytes, or a warning given at the open.
    Returns what happened, for the statistics hypothesis collects."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.txt"
        path.write_bytes(data)
        try:
            document = read_text_file(path, encoding)
        except UnreadableFileError as refused:
            assert refused.message and refused.hint  # refused clearly, file untouched
            assert path.read_bytes() == data
            return "refused"
        try:
            save_text_file(path, document.text, document.encoding, document.newline)
        except Exception:
            if getattr(document, "warning", None) is not None:
                return "warned"
            raise
        if getattr(document, "warning", None) is not None:
            return "warned"
        assert path.read_bytes() == data, (document.encoding, document.newline)
        return "same bytes"


@PROPERTY
@given(data=st.one_of(st.binary(max_size=200), TEXT_LIKE_BYTES))
@example(data=b"one\r\ntwo\nthree")  # mixed line endings
@example(data="繁體".encode("big5") + b"\xa2\xcc" * 3)  # big5: 十 has two byte pairs
@example(data=codecs.BOM_UTF16_BE + "BE 中文".encode("utf-16-be"))
@example(data=codecs.BOM_UTF16_LE + "\ufeffzero-width no-break space".encode("utf-16-le"))
def test_random_bytes_open_and_save_to_the_same_bytes_or_say_why_not(data):
    event(check_round_trip(data))


@PROPERTY
@given(text=st.text(CHARACTERS, max_size=60), encoding=st.sampled_from(
    [*COMMON_ENCODINGS, *BOMS, "utf-32"]), forced=st.booleans())
def test_text_in_every_claimed_encoding_round_trips(text, encoding, forced):
    base = encoding.removesuffix("-sig")
    try:
        data = BOMS.get(encoding, b"") + text.encode(base)
    except UnicodeEncodeError:
        return  # the encoding cannot hold this text: not a file anyone could have
    event(check_round_trip(data, encoding if forced else None))


@pytest.mark.parametrize("encoding", COMMON_ENCODINGS)
def test_each_claimed_encoding_round_trips_its_own_text(encoding):
    samples = {"gb18030": "简体中文，还有😀", "big5": "繁體中文", "shift_jis": "日本語のテキスト",
               "euc-kr": "한국어 텍스트", "cp1252": "Café “quoted” — €5",
               "latin-1": "Café naïve Straße"}
    text = samples.get(encoding, "Unicode: 中文 😀 café") + "\r\nsecond line\r\n"
    assert check_round_trip(text.encode(encoding)) == "same bytes"
    assert check_round_trip(text.encode(encoding), encoding) == "same bytes"


# ---- what the properties found, pinned ---------------------------------------------------


def test_a_big_endian_utf16_file_stays_big_endian():
    data = codecs.BOM_UTF16_BE + "BE 中文\n".encode("utf-16-be")
    assert check_round_trip(data) == "same bytes"
    assert check_round_trip(data, "utf-16") == "same bytes"  # forced, as Reopen does


def test_a_text_that_begins_with_a_zero_width_space_keeps_it():
    data = codecs.BOM_UTF16_LE + "\ufeffword".encode("utf-16-le")
    assert check_round_trip(data) == "same bytes"


def test_utf16_without_a_mark_saves_without_one():
    assert check_round_trip("no mark 中文".encode("utf-16-le"), "utf-16") == "same bytes"


def test_mixed_line_endings_are_announced_at_the_open(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"one\r\ntwo\nthree\r\n")
    document = read_text_file(path)
    assert document.warning is not None and "mixes CRLF and LF" in document.warning.message
    assert "CRLF" in document.warning.hint
    path.write_bytes(b"one\r\ntwo\r\n")
    assert read_text_file(path).warning is None


def test_a_big5_file_with_a_duplicate_character_is_announced(tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes("繁體中文".encode("big5") + b"\xa2\xcc")  # 十 by its second code
    document = read_text_file(path, "big5")
    assert document.text.endswith("十") and document.warning is not None
    assert "change some of its bytes" in document.warning.message
