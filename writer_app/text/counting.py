"""Words, characters and reading time, counted as writers expect — no Qt.

Words are counted the way Word does for mixed Western and East Asian text:
- a run of letters and digits is one word; apostrophes, hyphens, underscores, dots and
  middle dots inside it keep it one word (don't, well-known, e.g, l·l), and between
  digits so do commas, colons and slashes (3.14, 1,000, 10:30, 2/12/2026);
- each Han, Hiragana or Katakana character is one word by itself (我爱Python编程 is 5
  words: 我 爱 Python 编 程), as Chinese and Japanese have no spaces to count by;
- Hangul, like every other script that writes spaces, is counted by its spaces;
- emoji, punctuation and symbols are never words.

Characters are what a reader sees as one (approximately Unicode's extended grapheme
clusters, never UTF-16 units): a combining accent, an emoji's skin tone or variation
selector, the parts joined into one emoji by ZERO WIDTH JOINER and the second half of a
flag do not count again; line breaks are not characters. This follows Unicode's extended
grapheme clusters (UAX #29, with 15.1's Indic conjuncts: स्ते is one) except in corners: a
lone accent or Hangul jamo joins whatever is before it, emoji are known by their blocks.

`BlockCounts` keeps one count per paragraph so that an edit recounts only the paragraphs
it touched, whatever the document's size.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple


def _ranges(code_points: Iterable[int]) -> str:
    """A regular-expression class body for a sorted run of code points."""
    parts: list[str] = []
    start = previous = -2
    for point in [*code_points, -10]:
        if point == previous + 1:
            previous = point
            continue
        if start >= 0:
            parts.append(re.escape(chr(start)) if start == previous
                         else f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
        start = previous = point
    return "".join(parts)


def _marks(planes: Iterable[range]) -> str:
    """Every combining mark (Mn, Mc, Me) in `planes`: marks live in planes 0, 1 and 14
    only, so the scan costs 0.03 s at import, not 0.3 s for the whole code space."""
    return _ranges(p for plane in planes for p in plane
                   if unicodedata.category(chr(p))[0] == "M")


# Python's re turns a class of BMP characters only into a bitmap (one lookup a character)
# but scans a class holding astral ones range by range, 20 times slower on marks: so each
# class is split in two, and the astral half is used only on text that has astral
# characters (emoji, rare Han), found with one max().
#
# Han (with the compatibility ideographs), the letters and marks of length and iteration
# of Hiragana and Katakana (half-width too; not their combining sound marks, middle dot or
# double hyphen), 々〆〇: one word each; and Han's extensions B to H beyond the BMP.
CJK_BMP = ("\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
           "\u31f0-\u31ff\u3400-\u4dbf"
           "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f")
CJK_ASTRAL = "\U00020000-\U0003ffff"
MARKS_BMP = _marks([range(0x10000)])
MARKS_ASTRAL = _marks([range(0x10000, 0x20000), range(0xE0000, min(0xE1000, sys.maxunicode + 1))])

_NOT_CJK = re.compile(f"[^{CJK_BMP}]+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]+")
_CJK_ASTRAL = re.compile(f"[{CJK_ASTRAL}]")
_MARKS = re.compile(f"[{MARKS_BMP}]+")
_MARKS_ASTRAL = re.compile(f"[{MARKS_ASTRAL}]+")
_JOINERS = "['\u2019\u02bc\\-\u2010\u2011_.\u00b7]|(?<=\\d)[,:/](?=\\d)"
_ASCII_WORD = re.compile(f"[A-Za-z0-9]+(?:(?:{_JOINERS})[A-Za-z0-9]+)*")
# A letter or digit that is not CJK: \w less "_" less CJK (the astral CJK are made spaces
# before this runs).
_LETTER = f"[^\\W_{CJK_BMP}]"
_WORD = re.compile(f"{_LETTER}+(?:(?:{_JOINERS}){_LETTER}+)*")
# Code points that join the one before them into one character (see the module's note):
# marks, ZERO WIDTH JOINER, the Hangul vowel and final jamo; beyond the BMP marks, skin
# tones and tags, and a flag's second regional indicator.
_EXTENDING_BMP = f"{MARKS_BMP}\u200d\u1160-\u11ff\ud7b0-\ud7ff\u0e33\u0eb3"
_EXTENDING_ASTRAL = f"{MARKS_ASTRAL}\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_JOINING = re.compile(f"[{_EXTENDING_BMP}]")
_JOINING_ASTRAL = re.compile(f"[{_EXTENDING_ASTRAL}]|[\U0001f1e6-\U0001f1ff]{{2}}")
# ...except at the start of a line, where there is nothing before them to join.
_LONE = re.compile(f"(?:^|(?<=\u2028))[{_EXTENDING_BMP}{_EXTENDING_ASTRAL}]")
# A pictograph ZERO WIDTH JOINER glues to a pictograph (or its skin tone or variation
# selector) before it: the 👩 of 👨‍👩. Emoji are approximated by the blocks that hold them.
PICTOGRAPHS = ("\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2"
               "\u25aa-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299"
               "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff")
_JOINED = re.compile(
    f"(?<=[{PICTOGRAPHS}\ufe0f\U0001f3fb-\U0001f3ff]\u200d)[{PICTOGRAPHS}]")
# Unicode 15.1's Indic conjuncts: a consonant after a virama (स्ते is one character).
LINKERS = "\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d"
INDIC_CONSONANTS = ("\u0915-\u0939\u0958-\u095f\u0978-\u097f\u0995-\u09b9\u09dc-\u09df"
                    "\u09f0\u09f1\u0a95-\u0ab9\u0af9\u0b15-\u0b39\u0b5c-\u0b5f\u0b71"
                    "\u0c15-\u0c39\u0c58-\u0c5a\u0d15-\u0d3a")
_CONJUNCT = re.compile(f"(?:(?<=[{LINKERS}])|(?<=[{LINKERS}]\u200d))[{INDIC_CONSONANTS}]")
_PARAGRAPH_BREAKS = re.compile("[\n\r\u2029]")
CACHED_LENGTH = 20_000  # paragraphs longer than this are counted each time


class Counts(NamedTuple):
    """The counts of a piece of text. `words` includes `cjk` (CJK characters, each a word)."""

    words: int = 0
    cjk: int = 0
    characters: int = 0  # without line breaks
    non_space: int = 0  # characters that are not white space
    paragraphs: int = 0  # paragraphs holding something other than white space

    @property
    def other_words(self) -> int:
        """Words that are not CJK characters: what words-a-minute reading speed counts."""
        return self.words - self.cjk

    def plus(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self, other, strict=True)))

    def minus(self, other: Counts) -> Counts:
        return Counts(*(a - b for a, b in zip(self, other, strict=True)))


ZERO = Counts()


def count_paragraph(text: str) -> Counts:
    """Counts of one paragraph (text without paragraph breaks; U+2028 line breaks may be
    in it). This runs on every keystroke for the paragraph typed in: keep it lean (the
    counts come from `subn`, which makes no string per match)."""
    if not text:
        return ZERO
    breaks = text.count("\u2028")
    non_space = sum(map(len, text.split()))
    if text.isascii():
        return Counts(_ASCII_WORD.subn("", text)[1], 0, len(text) - breaks, non_space,
                      1 if non_space else 0)
    cjk = len(_NOT_CJK.sub("", text))
    bare = _MARKS.sub("", text)  # an accent never splits or makes a word
    joining = _JOINING.subn("", text)[1]
    if max(text) > "\uffff":
        beyond = " ".join(_ASTRAL.findall(text))  # emoji, rare Han: usually a few
        cjk += _CJK_ASTRAL.subn("", beyond)[1]
        joining += _JOINING_ASTRAL.subn("", beyond)[1]
        bare = _ASTRAL.sub(_astral_words, bare)
    words = _WORD.subn("", bare)[1] + cjk
    if "\u200d" in text:
        joining += _JOINED.subn("", text)[1]
    joining += _CONJUNCT.subn("", text)[1]
    if joining and (breaks or _LONE.match(text)):
        joining -= _LONE.subn("", text)[1]  # a line starting with a lone accent shows it
    non_space -= joining
    return Counts(words, cjk, len(text) - breaks - joining, non_space, 1 if non_space else 0)


def _astral_words(run: re.Match[str]) -> str:
    """Characters beyond the BMP as the word pattern should see them: a Han character
    splits words (it is a word of its own), a mark joins."""
    return _MARKS_ASTRAL.sub("", _CJK_ASTRAL.sub(" ", run.group()))


@functools.lru_cache(maxsize=4096)
def _count_cached(text: str) -> Counts:
    return count_paragraph(text)


def count_block(text: str) -> Counts:
    """`count_paragraph` remembering the last few thousand paragraphs: a paragraph whose
    text comes back (an undo, a highlighter marking it changed, a repeated line) is not
    counted again. Long ones are not kept, so the memory stays small."""
    return _count_cached(text) if len(text) <= CACHED_LENGTH else count_paragraph(text)


def count_text(text: str) -> Counts:
    """Counts of any text, paragraphs separated by \\n, \\r\\n, \\r or U+2029."""
    total = ZERO
    for paragraph in _PARAGRAPH_BREAKS.split(text):
        if paragraph:
            total = total.plus(count_paragraph(paragraph))
    return total


def reading_minutes(counts: Counts, words_per_minute: int,
                    cjk_characters_per_minute: int) -> float:
    """Minutes to read: other words at one speed, CJK characters at theirs."""
    return (counts.other_words / max(1, words_per_minute)
            + counts.cjk / max(1, cjk_characters_per_minute))


def whole_minutes(minutes: float) -> int:
    """Reading time as shown: rounded to the nearest minute, at least 1."""
    return max(1, math.floor(minutes + 0.5))


class BlockCounts:
    """One `Counts` per paragraph (block) of a document and their running total.

    An edit replaces the entries of the blocks it touched (`replace`); None marks a block
    not counted yet (a document just opened is counted a slice at a time), and the total
    holds only the counted ones until `pending` is 0.
    """

    def __init__(self, blocks: int = 1) -> None:
        self.entries: list[Counts | None] = [None] * blocks
        self.total = ZERO
        self.pending = blocks

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ready(self) -> bool:
        return self.pending == 0

    def reset(self, blocks: int) -> None:
        """Forget every count: `blocks` blocks, none counted."""
        self.entries = [None] * blocks
        self.total = ZERO
        self.pending = blocks

    def replace(self, first: int, old_length: int, new: Sequence[Counts | None]) -> None:
        """Blocks first..first+old_length-1 became the blocks `new` counts."""
        old = self.entries[first:first + old_length]
        if len(old) != old_length:
            raise IndexError(f"blocks {first}+{old_length} beyond {len(self.entries)}")
        self.total = self.total.minus(_sum(old)).plus(_sum(new))
        self.pending += sum(1 for c in new if c is None) - sum(1 for c in old if c is None)
        self.entries[first:first + old_length] = new

    def set(self, index: int, counts: Counts) -> None:
        """Count a block that was not counted (or recount one)."""
        old = self.entries[index]
        if old is None:
            self.pending -= 1
        else:
            self.total = self.total.minus(old)
        self.entries[index] = counts
        self.total = self.total.plus(counts)

    def next_pending(self, start: int = 0) -> int | None:
        """The first block at or after `start` not counted yet."""
        try:
            return self.entries.index(None, start)
        except ValueError:
            return None if start == 0 or self.pending == 0 else self.next_pending(0)

    def between(self, first: int, last: int) -> Counts | None:
        """The counts of blocks first..last (None if one of them is not counted yet)."""
        if first > last:
            return ZERO
        part = self.entries[first:last + 1]
        if self.pending and None in part:
            return None
        return _sum(part)


def _sum(entries: Iterable[Counts | None]) -> Counts:
    present = [entry for entry in entries if entry is not None]
    if not present:
        return ZERO
    return Counts(*map(sum, zip(*present, strict=True)))
