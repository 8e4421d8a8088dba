"""merge_ranges, the shared highlighter's merge of its layers' formats (spelling and
Markdown): later layers merge onto earlier ones, pieces never overlap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QFont, QTextCharFormat

from writer_app.ui.highlighter import merge_ranges


def bold() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setFontWeight(QFont.Weight.Bold)
    return fmt


def wavy() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
    return fmt


def test_a_misspelt_word_in_a_heading_is_bold_and_underlined():
    pieces = merge_ranges([(0, 20, bold()), (2, 7, wavy())])
    assert [(s, n) for s, n, _ in pieces] == [(0, 2), (2, 7), (9, 11)]
    middle = pieces[1][2]
    assert middle.fontWeight() == QFont.Weight.Bold
    assert middle.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline
    assert pieces[0][2].underlineStyle() == QTextCharFormat.UnderlineStyle.NoUnderline


def test_later_ranges_win_on_the_same_property():
    red, blue = QTextCharFormat(), QTextCharFormat()
    red.setForeground(QColor("red"))
    blue.setForeground(QColor("blue"))
    (piece,) = merge_ranges([(0, 5, red), (0, 5, blue)])
    assert piece[2].foreground().color() == QColor("blue")


def test_empty_and_single():
    assert merge_ranges([]) == []
    assert merge_ranges([(3, 0, bold())]) == []
    assert len(merge_ranges([(0, 3, bold())])) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15), st.booleans()),
                max_size=8))
def test_pieces_cover_exactly_the_union_and_never_overlap(spec):
    ranges = [(start, length, bold() if is_bold else wavy()) for start, length, is_bold in spec]
    pieces = merge_ranges(ranges)
    covered = set()
    for start, length, fmt in pieces:
        assert length > 0
        positions = set(range(start, start + length))
        assert not positions & covered
        covered |= positions
        for position in positions:  # the piece's format is every covering range's, merged
            wanted_bold = any(b and s <= position < s + n for s, n, b in spec)
            wanted_wavy = any(not b and s <= position < s + n for s, n, b in spec)
            assert (fmt.fontWeight() == QFont.Weight.Bold) == wanted_bold
            assert (fmt.underlineStyle()
                    == QTextCharFormat.UnderlineStyle.SpellCheckUnderline) == wanted_wavy
    assert covered == {p for s, n, _ in spec for p in range(s, s + n)}
