"""Markdown's visible structure, one line at a time, for highlighting as the user types.

A highlighter sees one block (line) at a time and the state the line before left, so
this parser works the same way: `line_spans(line, state)` gives the line's spans and the
state for the next line. It follows CommonMark where highlighting can see the difference
(emphasis by its delimiter-run rules, so `snake_case_name` is not emphasis and `**中文**`
is strong; code spans before emphasis; backslash escapes) and stays simple elsewhere.

Decisions a reader may look for:
- Setext headings are state-aware: a `===` or `---` line right under a paragraph line is
  its underline (a `---` after a blank line is a rule). Only the underline is marked:
  a highlighter runs forwards, so the text line above keeps its plain look.
- Fenced code (``` and ~~~) spans lines through the state; indented code is not marked
  (four spaces also continue list items, which would be marked as code by mistake).
- Emphasis follows CommonMark to the letter, as the exporter (markdown-it) does, so what
  is bold here is bold in the export — including CommonMark's known gap that `**「中」**是`
  is not strong (a closing ** after punctuation needs space or punctuation after it).

Offsets are code points; `to_utf16` converts spans for Qt. No Qt here; never raises.
"""

from __future__ import annotations

import enum
import itertools
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

# States between lines. Qt's "no state" (-1) reads as NORMAL.
NORMAL = 0
PARAGRAPH = 1  # the line before was paragraph text (a setext underline may follow)
_FENCE = 1 << 8  # inside a fenced code block; the low bits say how it closes
_FENCE_TILDE = 1 << 7
_FENCE_LENGTH = _FENCE_TILDE - 1

ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class Kind(enum.Enum):
    HEADING = "heading"  # an ATX heading's whole line; `level` 1-6
    SETEXT = "setext"  # a setext heading's underline; `level` 1 or 2
    MARKER = "marker"  # syntax to dim: #, *, _, `, >, [, ], list markers, fences
    EMPHASIS = "emphasis"  # *x* or _x_, delimiters included
    STRONG = "strong"  # **x** or __x__, delimiters included
    CODE = "code"  # `x`, backticks included
    CODE_BLOCK = "code_block"  # a line inside a fenced code block
    FENCE = "fence"  # a fence line (``` or ~~~ and its info string)
    QUOTE = "quote"  # the text after a block quote's >
    LIST_MARKER = "list_marker"  # -, +, *, 1. or 1)
    LINK_TEXT = "link_text"  # [text], brackets included
    LINK_URL = "link_url"  # (url "title") or <https://…>: dimmed
    RULE = "rule"  # a horizontal rule (---, ***, ___)


@dataclass(frozen=True)
class Span:
    start: int
    length: int
    kind: Kind
    level: int = 0  # a heading's level

    @property
    def end(self) -> int:
        return self.start + self.length


# ---- lines --------------------------------------------------------------------------------

_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_ATX_CLOSING = re.compile(r"[ \t]+#+[ \t]*$")
_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_RULE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_QUOTE = re.compile(r" {0,3}>[ \t]?")
_LIST = re.compile(r"[ \t]*([-+*]|[0-9]{1,9}[.)])(?=[ \t]|$)")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")  # two UTF-16 units each
_SPECIAL = re.compile(r"[\\`\[<*_]")  # where inline syntax may start
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*"
                       r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9\-.]+)>")


def line_spans(line: str, state: int = NORMAL) -> tuple[list[Span], int]:
    """The spans of one line (no line break in it) after a line that left `state`, and
    the state this line leaves. Spans may nest (a STRONG inside a HEADING)."""
    spans: list[Span] = []
    if state & _FENCE and state > 0:
        return _fenced_line(line, state, spans)
    if not line.strip():
        return spans, NORMAL
    opening = _FENCE_OPEN.match(line)
    if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
        fence = opening.group(1)
        spans.append(Span(0, len(line), Kind.FENCE))
        spans.append(Span(opening.start(1), len(fence), Kind.MARKER))
        tilde = _FENCE_TILDE if fence[0] == "~" else 0
        return spans, _FENCE | tilde | min(len(fence), _FENCE_LENGTH)
    setext = _SETEXT.match(line)
    if state == PARAGRAPH and setext:
        level = 1 if setext.group(1)[0] == "=" else 2
        spans.append(Span(setext.start(1), len(setext.group(1)), Kind.SETEXT, level))
        return spans, NORMAL
    if _RULE.match(line):
        spans.append(Span(0, len(line), Kind.RULE))
        return spans, NORMAL
    paragraph = _block_content(line, 0, spans, depth=0)
    return spans, PARAGRAPH if paragraph else NORMAL


def _fenced_line(line: str, state: int, spans: list[Span]) -> tuple[list[Span], int]:
    """A line inside a fenced block: code, or the fence that closes it."""
    char = "~" if state & _FENCE_TILDE else "`"
    length = state & _FENCE_LENGTH
    indent = len(line) - len(line.lstrip(" "))
    run = _run_length(line, indent, len(line)) if indent < len(line) else 0
    if indent <= 3 and run >= max(length, 1) and line[indent] == char \
            and not line[indent + run:].strip(" \t"):
        spans.append(Span(0, len(line), Kind.FENCE))
        spans.append(Span(indent, run, Kind.MARKER))
        return spans, NORMAL
    if line:
        spans.append(Span(0, len(line), Kind.CODE_BLOCK))
    return spans, state


def _block_content(line: str, start: int, spans: list[Span], depth: int) -> bool:
    """Headings, quotes and list items from `start` on, then the inline spans; whether
    what is left is paragraph text (so a setext underline may follow)."""
    rest = line[start:]
    heading = _ATX.match(rest)
    if heading:
        level = len(heading.group(1))
        spans.append(Span(start + heading.start(1), len(rest) - heading.start(1),
                          Kind.HEADING, level))
        spans.append(Span(start + heading.start(1), level, Kind.MARKER))
        end = len(line)
        closing = _ATX_CLOSING.search(line, start + heading.end(1))
        if closing and closing.start() >= start + heading.end(1):
            marks = closing.group().strip()
            spans.append(Span(closing.start() + closing.group().index(marks[0]), len(marks),
                              Kind.MARKER))
            end = closing.start()
        inline_spans(line, start + heading.end(1), end, spans)
        return False
    if depth < 8:  # nested quotes and lists ("> - > - …"), within reason
        quote = _QUOTE.match(rest)
        if quote:
            marker = start + rest.index(">")
            spans.append(Span(marker, 1, Kind.MARKER))
            if start + quote.end() < len(line):
                spans.append(Span(start + quote.end(), len(line) - start - quote.end(),
                                  Kind.QUOTE))
            _block_content(line, start + quote.end(), spans, depth + 1)
            return False
        item = _LIST.match(rest)
        if item and not _RULE.match(rest):
            spans.append(Span(start + item.start(1), len(item.group(1)), Kind.LIST_MARKER))
            _block_content(line, start + item.end(), spans, depth + 1)
            return False
    inline_spans(line, start, len(line), spans)
    return True


# ---- inline -------------------------------------------------------------------------------


@dataclass
class _Delimiter:
    """A run of * or _ that may open or close emphasis (CommonMark's delimiter stack)."""

    char: str
    start: int  # where the unused part of the run starts
    length: int  # how much of the run is unused
    original: int  # the run's length as written (for the rule of three)
    can_open: bool
    can_close: bool


def inline_spans(text: str, start: int = 0, end: int | None = None,
                 spans: list[Span] | None = None, in_link: bool = False) -> list[Span]:
    """Code spans, links, autolinks and emphasis in `text[start:end]`, added to `spans`."""
    end = len(text) if end is None else min(end, len(text))
    spans = [] if spans is None else spans
    delimiters: list[_Delimiter] = []
    no_closer: dict[int, int] = {}  # backtick run length -> no closer at or after this
    pairs: dict[int, int] | None = None  # brackets, found at the first [
    i = start
    while (special := _SPECIAL.search(text, i, end)) is not None:  # prose is skipped in C
        i = special.start()
        char = text[i]
        if char == "\\" and i + 1 < end and text[i + 1] in ASCII_PUNCTUATION:
            i += 2
        elif char == "`":
            run = _run_length(text, i, end)
            closer = _backtick_closer(text, i + run, end, run, no_closer)
            if closer is None:
                i += run
                continue
            spans.append(Span(i, closer + run - i, Kind.CODE))
            spans.append(Span(i, run, Kind.MARKER))
            spans.append(Span(closer, run, Kind.MARKER))
            i = closer + run
        elif char == "[" and not in_link and (link := _link_at(
                pairs if pairs is not None else (pairs := _bracket_pairs(text, start, end)),
                i)) is not None:
            text_end, url_end = link
            spans.append(Span(i, text_end + 1 - i, Kind.LINK_TEXT))
            spans.append(Span(i, 1, Kind.MARKER))
            spans.append(Span(text_end, 1, Kind.MARKER))
            spans.append(Span(text_end + 1, url_end - text_end - 1, Kind.LINK_URL))
            inline_spans(text, i + 1, text_end, spans, in_link=True)
            i = url_end
        elif char == "<" and (auto := _AUTOLINK.match(text, i, end)) is not None:
            spans.append(Span(i, auto.end() - i, Kind.LINK_URL))
            i = auto.end()
        elif char in "*_":
            run = _run_length(text, i, end)
            delimiters.append(_delimiter(text, i, run))
            i += run
        else:
            i += 1
    _match_emphasis(delimiters, spans)
    return spans


def _run_length(text: str, start: int, end: int) -> int:
    char, i = text[start], start
    while i < end and text[i] == char:
        i += 1
    return i - start


def _backtick_closer(text: str, start: int, end: int, run: int,
                     no_closer: dict[int, int]) -> int | None:
    """Where a run of exactly `run` backticks starts after `start`, or None. A search
    that failed is remembered, so a line of many lone backticks stays linear."""
    if no_closer.get(run, end + 1) <= start:
        return None
    i = text.find("`", start, end)
    while i != -1:
        length = _run_length(text, i, end)
        if length == run:
            return i
        i = text.find("`", i + length, end)
    no_closer[run] = start
    return None


def _bracket_pairs(text: str, start: int, end: int) -> dict[int, int]:
    """Each `[` and `(` in `text[start:end]` with its matching `]` or `)`, found in one
    pass (escaped brackets and those inside code spans do not count), so that finding
    links costs the line's length however many brackets it has."""
    pairs: dict[int, int] = {}
    open_square: list[int] = []
    open_round: list[int] = []
    no_closer: dict[int, int] = {}
    i = start
    while i < end:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            run = _run_length(text, i, end)
            closer = _backtick_closer(text, i + run, end, run, no_closer)
            i = i + run if closer is None else closer + run
            continue
        if char == "[":
            open_square.append(i)
        elif char == "]" and open_square:
            pairs[open_square.pop()] = i
        elif char == "(":
            open_round.append(i)
        elif char == ")" and open_round:
            pairs[open_round.pop()] = i
        i += 1
    return pairs


def _link_at(pairs: dict[int, int], start: int) -> tuple[int, int] | None:
    """For a `[` at `start`: (index of its `]`, index after the `)` of the address) when
    `[text](address)` starts here, else None."""
    text_end = pairs.get(start)
    if text_end is None:
        return None
    address_end = pairs.get(text_end + 1)
    return None if address_end is None else (text_end, address_end + 1)


@lru_cache(maxsize=4096)
def _is_whitespace(char: str) -> bool:
    return char in "\t\n\f\r " or unicodedata.category(char) == "Zs"


@lru_cache(maxsize=4096)
def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _delimiter(text: str, start: int, run: int) -> _Delimiter:
    """A delimiter run and whether it may open or close, by CommonMark's flanking rules
    (the line's edges count as whitespace)."""
    before = text[start - 1] if start > 0 else " "
    after = text[start + run] if start + run < len(text) else " "
    space_before, space_after = _is_whitespace(before), _is_whitespace(after)
    punct_before, punct_after = _is_punctuation(before), _is_punctuation(after)
    left = not space_after and (not punct_after or space_before or punct_before)
    right = not space_before and (not punct_before or space_after or punct_after)
    char = text[start]
    if char == "*":
        can_open, can_close = left, right
    else:  # _ inside a word (snake_case_name) neither opens nor closes
        can_open = left and (not right or punct_before)
        can_close = right and (not left or punct_after)
    return _Delimiter(char, start, run, run, can_open, can_close)


def _match_emphasis(delimiters: list[_Delimiter], spans: list[Span]) -> None:
    """CommonMark's "process emphasis": pair closers with the nearest openers.

    The stack is a linked list (removals are O(1)) and `bottoms` remembers, per kind of
    closer, below which no opener can match, so a line of many unmatched runs stays
    near linear.
    """
    count = len(delimiters)
    previous = list(range(-1, count - 1))
    following = list(range(1, count + 1))
    removed = [False] * count

    def remove(index: int) -> None:
        removed[index] = True
        before, after = previous[index], following[index]
        if before >= 0:
            following[before] = after
        if after < count:
            previous[after] = before

    bottoms: dict[tuple[str, bool, int], int] = {}
    current = 0
    while current < count:
        closer = delimiters[current]
        if not closer.can_close or removed[current]:
            current = following[current]
            continue
        key = (closer.char, closer.can_open, closer.original % 3)
        bottom = bottoms.get(key, -1)
        opener_index = previous[current]
        while opener_index > bottom:
            opener = delimiters[opener_index]
            if opener.char == closer.char and opener.can_open and not (
                    (opener.can_close or closer.can_open)
                    and (opener.original + closer.original) % 3 == 0
                    and not (opener.original % 3 == 0 and closer.original % 3 == 0)):
                break
            opener_index = previous[opener_index]
        else:
            bottoms[key] = previous[current]
            if not closer.can_open:
                remove(current)
            current = following[current]
            continue
        used = 2 if opener.length >= 2 and closer.length >= 2 else 1
        opener.length -= used
        opening = opener.start + opener.length
        spans.append(Span(opening, closer.start + used - opening,
                          Kind.STRONG if used == 2 else Kind.EMPHASIS))
        spans.append(Span(opening, used, Kind.MARKER))
        spans.append(Span(closer.start, used, Kind.MARKER))
        closer.start += used
        closer.length -= used
        between = following[opener_index]
        while between != current:  # delimiters inside the pair can no longer match
            remove(between)
            between = following[between]
        if opener.length == 0:
            remove(opener_index)
        if closer.length == 0:
            remove(current)
            current = following[current]


# ---- offsets for Qt -----------------------------------------------------------------------


def to_utf16(text: str, spans: list[Span]) -> list[Span]:
    """The spans with start and length in UTF-16 units (Qt's), for the same `text`:
    an emoji or other astral character counts two there."""
    if not spans or text.isascii() or _ASTRAL.search(text) is None:
        return list(spans)
    units = [0, *itertools.accumulate(2 if ord(char) > 0xFFFF else 1 for char in text)]
    return [replace(span, start=units[span.start],
                    length=units[span.end] - units[span.start]) for span in spans]
