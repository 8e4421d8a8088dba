"""Split text into the words a spell checker should judge, with UTF-16 offsets for Qt.

Left out on purpose: Han, kana and hangul (Chinese and Japanese have no spaces between
words and no Hunspell dictionary here: never flagged), URLs, e-mail addresses, `code in
backticks`, numbers and words holding digits (mp3, 1990s), words with an underscore
(identifiers), and words in capitals of two letters or more (GGUF, NASA: abbreviations,
as Word and LibreOffice skip them by default). Apostrophes inside a word keep it whole
(don't, it’s); a hyphenated word is checked part by part (well-known → well, known).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Han (with extensions and compatibility forms), kana, hangul, bopomofo, CJK punctuation.
CJK = ("\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3200-\u4dbf\u4e00-\u9fff"
       "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
       "\U00020000-\U0003134f")
CJK_RUN = re.compile(f"[{CJK}]+")
_SKIP = (r"`[^`\n]*`"  # code in backticks
         r"|(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)[^\s<>\"]*"  # URLs (and other schemes)
         r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # e-mail addresses
_WORD = r"\w+(?:['\u2019\u02bc]\w+)*"
TOKENS = re.compile(f"(?P<skip>{_SKIP})|(?P<word>{_WORD})")
WORD_TOKEN = re.compile(_WORD)  # the words alone, for text without anything to skip
SPECIAL = re.compile(r"[`@]|://|www\.")  # text that may hold something to skip


@dataclass(frozen=True)
class Word:
    """A word and where it is: `start`/`end` in UTF-16 units from the text's start."""

    text: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def utf16_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def is_checkable(word: str) -> bool:
    """Whether a run of word characters (no CJK in it) is one to look up."""
    if any(c.isdigit() or c == "_" for c in word):
        return False
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    return not (len(letters) > 1 and all(c.isupper() for c in letters))


def words(text: str) -> Iterator[Word]:
    """The words of `text` to check, in order, with their UTF-16 offsets."""
    ascii_only = text.isascii()
    cursor_cp = cursor_16 = 0  # the last converted position, code points and UTF-16

    def offset(position: int) -> int:
        nonlocal cursor_cp, cursor_16
        if ascii_only:
            return position
        cursor_16 += utf16_length(text[cursor_cp:position])
        cursor_cp = position
        return cursor_16

    for match in TOKENS.finditer(text):
        if match.lastgroup != "word":
            continue
        token = match.group()
        if token.isascii():
            if is_checkable(token):
                start = offset(match.start())
                yield Word(token, start, offset(match.end()))
            continue
        # Cut out CJK runs: the pieces between them are words of their own.
        begin = match.start()
        for piece_start, piece_end in _non_cjk_pieces(token):
            piece = token[piece_start:piece_end].strip("'\u2019\u02bc")
            if not piece or not is_checkable(piece):
                continue
            lead = token[piece_start:piece_end].find(piece)
            start = offset(begin + piece_start + lead)
            yield Word(piece, start, offset(begin + piece_start + lead + len(piece)))


def _non_cjk_pieces(token: str) -> Iterator[tuple[int, int]]:
    position = 0
    for run in CJK_RUN.finditer(token):
        if run.start() > position:
            yield position, run.start()
        position = run.end()
    if position < len(token):
        yield position, len(token)


def cjk_share(text: str) -> float:
    """The share of CJK characters among the letters of `text` (0 when it has none)."""
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    letters = sum(1 for c in text if c.isalpha())
    return cjk / letters if letters else 0.0
