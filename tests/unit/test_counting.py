"""Words, characters and reading time: known cases, equality with a slow character-by-
character counter on random mixed English/Chinese/emoji text, with Unicode's own grapheme
clusters (the `regex` module's \\X) on text people write, and per-paragraph counts that
stay equal to a full recount through any sequence of edits."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from writer_app.text.counting import (
    ZERO,
    BlockCounts,
    Counts,
    count_block,
    count_paragraph,
    count_text,
    reading_minutes,
    whole_minutes,
)


@pytest.mark.parametrize(("text", "words", "cjk", "characters"), [
    ("", 0, 0, 0),
    ("Hello, world!", 2, 0, 13),
    ("don't stop — well-known e.g. 3.14 1,000 10:30 2/12/2026", 8, 0, 55),
    ("l·l’s snake_case", 2, 0, 16),
    ("我爱Python编程", 5, 4, 10),
    ("春眠不觉晓，处处闻啼鸟。", 10, 10, 12),
    ("こんにちは、カタカナー・ひらがな", 14, 14, 16),  # the middle dot is punctuation
    ("안녕하세요 세계", 2, 0, 8),  # Hangul by its spaces
    ("café résumé naïve", 3, 0, 17),  # decomposed accents: one character each
    ("👍🏽 👨‍👩‍👧 🇫🇷 ❤️ !!! …", 0, 0, 13),  # emoji and punctuation: no words
    ("a\u2028b", 2, 0, 2),  # a line break inside a paragraph is no character
    ("𠀀𠀁x", 3, 2, 3),  # Han beyond the BMP
    ("नमस्ते दुनिया", 2, 0, 7),  # Devanagari: marks never split a word; स्ते is one
    ("ＡＢＣ１２３", 1, 0, 6),  # full-width letters and digits are letters
    ("x²", 1, 0, 2),
])
def test_known_counts(text, words, cjk, characters):
    counts = count_paragraph(text)
    assert (counts.words, counts.cjk, counts.characters) == (words, cjk, characters)
    assert count_text(text) == counts


def test_paragraphs_and_spaces():
    counts = count_text("One two.\n\n  \n三四\r\nfive\u2029six")
    assert counts.paragraphs == 4 and counts.words == 6
    assert counts.characters == len("One two.") + 2 + 2 + 4 + 3  # no line breaks
    assert counts.non_space == len("Onetwo.") + 2 + 4 + 3


def test_reading_time_splits_words_and_cjk_characters():
    counts = count_text("word " * 230 + "字" * 400)
    assert counts.other_words == 230 and counts.cjk == 400
    assert reading_minutes(counts, 230, 400) == pytest.approx(2.0)
    assert reading_minutes(counts, 460, 800) == pytest.approx(1.0)
    assert [whole_minutes(m) for m in (0.2, 1.0, 1.49, 1.5, 59.6)] == [1, 1, 1, 2, 60]


# ---- a slow, obvious counter ----------------------------------------------------------------

ZWJ = "\u200d"
CJK_NAMES = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA LETTER",
             "KATAKANA LETTER", "HALFWIDTH KATAKANA LETTER", "HIRAGANA ITERATION MARK",
             "HIRAGANA VOICED ITERATION MARK", "HIRAGANA DIGRAPH YORI",
             "KATAKANA ITERATION MARK", "KATAKANA VOICED ITERATION MARK",
             "KATAKANA DIGRAPH KOTO", "KATAKANA-HIRAGANA PROLONGED SOUND MARK",
             "HALFWIDTH KATAKANA-HIRAGANA PROLONGED SOUND MARK",
             "HALFWIDTH KATAKANA VOICED SOUND MARK", "HALFWIDTH KATAKANA SEMI-VOICED SOUND MARK",
             "IDEOGRAPHIC ITERATION MARK", "IDEOGRAPHIC CLOSING MARK", "IDEOGRAPHIC NUMBER ZERO")
JOIN_ANY = "'\u2019\u02bc-\u2010\u2011_.\u00b7"
JOIN_DIGITS = ",:/"


def is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(CJK_NAMES)


def is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def is_letter(char: str) -> bool:
    return char.isalnum() and not is_cjk(char)


PICTOGRAPHS = [(0xA9, 0xA9), (0xAE, 0xAE), (0x203C, 0x203C), (0x2049, 0x2049),
               (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x21AA), (0x231A, 0x23FF),
               (0x24C2, 0x24C2), (0x25AA, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B55),
               (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
               (0x1F000, 0x1F1E5), (0x1F200, 0x1F3FA), (0x1F400, 0x1FAFF)]


def is_pictograph(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in PICTOGRAPHS)


LINKERS = "\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d"  # viramas that make conjuncts


def is_consonant(char: str) -> bool:
    """A consonant of the six scripts that join conjuncts (Unicode's InCB=Consonant)."""
    name = unicodedata.name(char, "")
    return name.split(" LETTER ")[0] in ("DEVANAGARI", "BENGALI", "GUJARATI", "ORIYA",
                                         "TELUGU", "MALAYALAM") and " LETTER " in name \
        and unicodedata.category(char) == "Lo" and not _vowel(name) \
        and not any(dead in name for dead in ("CHILLU", "VEDIC", "KHANDA", "POLLU", "REPH",
                                              "ARCHAIC"))  # dead consonants, vowels


def _vowel(name: str) -> bool:
    return name.split(" LETTER ")[1].split()[0] in {
        "A", "AA", "I", "II", "U", "UU", "E", "EE", "AI", "O", "OO", "AU", "VOCALIC",
        "SHORT", "CANDRA", "AW", "OE", "OOE", "UE", "UUE", "AY", "AAY"}


def extends(char: str) -> bool:
    point = ord(char)
    return is_mark(char) or char == ZWJ or 0x1F3FB <= point <= 0x1F3FF \
        or 0xE0020 <= point <= 0xE007F or 0x1160 <= point <= 0x11FF \
        or 0xD7B0 <= point <= 0xD7FF or char in "\u0e33\u0eb3"


def slow_counts(paragraph: str) -> Counts:
    """One character at a time, the rules as the module's docstring states them."""
    chars = [c for c in paragraph if not is_mark(c)]
    words = cjk = 0
    in_word = False
    for i, char in enumerate(chars):
        following = chars[i + 1] if i + 1 < len(chars) else ""
        if is_cjk(char):
            cjk += 1
            in_word = False
        elif is_letter(char):
            words += not in_word
            in_word = True
        elif not (in_word and following and is_letter(following)
                  and (char in JOIN_ANY or (char in JOIN_DIGITS
                       and chars[i - 1].isdecimal() and following.isdecimal()))):
            in_word = False
    clusters: list[str] = []
    regional = 0  # regional indicators in a row, unpaired
    for i, char in enumerate(paragraph):
        before = paragraph[i - 2:i] if i >= 2 else ""
        is_regional = 0x1F1E6 <= ord(char) <= 0x1F1FF
        line_start = i == 0 or paragraph[i - 1] == "\u2028"
        joins = not line_start and (
            extends(char)
            or (len(before) == 2 and before[1] == ZWJ and is_pictograph(char)
                and (is_pictograph(before[0]) or before[0] == "\ufe0f"
                     or 0x1F3FB <= ord(before[0]) <= 0x1F3FF))
            or (is_regional and regional % 2 == 1)
            or (is_consonant(char) and (paragraph[i - 1:i] in LINKERS
                                        or (before[1:] == ZWJ and before[:1] in LINKERS))))
        regional = regional + 1 if is_regional else 0
        if joins:
            clusters[-1] += char
        elif char != "\u2028":
            clusters.append(char)
    non_space = sum(1 for cluster in clusters if not cluster[0].isspace())
    return Counts(words + cjk, cjk, len(clusters), non_space, 1 if non_space else 0)


UNITS = ["word", "Python", "don't", "well-known", "3.14", "1,000", "a", "Z9", "_", "'", "-",
         ".", ",", ":", "/", "·", "’", " ", " ", "  ", "\t", "\u3000", "\u00a0", "\u2028",
         "我", "爱", "编程", "春眠不觉晓", "，", "。", "ひらがな", "カタカナ", "ー", "・", "々",
         "안녕", "é", "e\u0301", "\u0301", "न", "ि", "्", "👍", "🏽", "\u200d", "👩", "🇫", "🇷",
         "❤", "\ufe0f", "𠀀", "𝐀", "²", "٣", "ไก่", "ำ", "क", "ष", "্", "ব"]
mixed = st.lists(st.one_of(st.sampled_from(UNITS),
                           st.characters(categories=["L", "M", "N", "P", "S", "Zs"])),
                 max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(mixed)
def test_counts_equal_a_slow_obvious_counter(text):
    assert count_paragraph(text) == slow_counts(text)
    assert count_block(text) == count_paragraph(text)


@given(st.lists(mixed, max_size=6))
def test_a_text_counts_as_the_sum_of_its_paragraphs(paragraphs):
    total = ZERO
    for paragraph in paragraphs:
        total = total.plus(count_paragraph(paragraph))
    assert count_text("\n".join(paragraphs)) == total
    assert count_text("\u2029".join(paragraphs)) == total


@given(st.text())
def test_any_text_counts_without_failing(text):
    counts = count_text(text)
    assert 0 <= counts.cjk <= counts.words <= len(text)
    assert 0 <= counts.non_space <= counts.characters <= len(text)


# Text people write: letters with accents, Chinese, Hangul syllables, emoji as keyboards
# send them (skin tones, families, flags, variation selectors).
WRITTEN = ["The", "tide", "café", "e\u0301", "naïve", "我们", "海边", "。", "，", "こんにちは",
           "한국어", " ", "  ", ",", ".", "!", "'", "👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🇯🇵", "❤️",
           "❤️‍🔥", "🏳️‍🌈", "नमस्ते", "ไก่", "3.14", "—", "…", "𠀀", "Ａ"]


@given(st.lists(st.sampled_from(WRITTEN), max_size=40).map("".join))
def test_characters_are_unicode_grapheme_clusters_on_written_text(text):
    regex = pytest.importorskip("regex")
    assert count_paragraph(text).characters == len(regex.findall(r"\X", text))


# ---- per-paragraph counts through edits ------------------------------------------------------

paragraph_text = st.lists(st.sampled_from(UNITS), max_size=8).map("".join)


class Edits(RuleBasedStateMachine):
    """A document as a list of paragraphs; BlockCounts follows its edits (some counted at
    once, some left for later as a long paste is) and always sums to a full recount."""

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs = [""]
        self.blocks = BlockCounts(1)
        self.blocks.set(0, count_paragraph(""))

    @rule(data=st.data(), new=st.lists(st.tuples(paragraph_text, st.booleans()), min_size=1,
                                       max_size=5))
    def replace(self, data, new):
        first = data.draw(st.integers(0, len(self.paragraphs) - 1))
        length = data.draw(st.integers(0, len(self.paragraphs) - first))
        self.paragraphs[first:first + length] = [text for text, _ in new]
        self.blocks.replace(first, length, [count_paragraph(text) if now else None
                                            for text, now in new])

    @precondition(lambda self: self.blocks.pending)
    @rule(data=st.data())
    def count_one(self, data):
        start = data.draw(st.integers(0, len(self.paragraphs) - 1))
        index = self.blocks.next_pending(start)
        assert index is not None
        self.blocks.set(index, count_paragraph(self.paragraphs[index]))

    @rule(data=st.data())
    def recount_one(self, data):
        index = data.draw(st.integers(0, len(self.paragraphs) - 1))
        self.blocks.set(index, count_paragraph(self.paragraphs[index]))

    @invariant()
    def totals_follow(self):
        assert len(self.blocks) == len(self.paragraphs)
        counted = [p for p, c in zip(self.paragraphs, self.blocks.entries, strict=True)
                   if c is not None]
        assert self.blocks.pending == len(self.paragraphs) - len(counted)
        assert self.blocks.total == count_text("\n".join(counted))
        if self.blocks.ready:
            assert self.blocks.total == count_text("\n".join(self.paragraphs))
            assert self.blocks.between(0, len(self.paragraphs) - 1) == self.blocks.total
            assert self.blocks.next_pending() is None


TestEdits = Edits.TestCase
TestEdits.settings = settings(max_examples=80, stateful_step_count=30, deadline=None)


def test_between_is_unknown_while_a_paragraph_is_not_counted():
    blocks = BlockCounts(3)
    blocks.set(0, count_paragraph("one"))
    blocks.set(2, count_paragraph("three four"))
    assert blocks.between(0, 0).words == 1 and blocks.between(0, 2) is None
    assert blocks.between(2, 1) == ZERO
    with pytest.raises(IndexError):
        blocks.replace(2, 2, [])
