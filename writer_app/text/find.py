"""Find and replace over a snapshot of a document's text — no Qt, safe in a worker thread.

What the options mean:

- **Match case** off compares by Unicode full case folding (`str.casefold`): "strasse"
  finds "Straße" and "STRASSE", "ß" finds "ss", and "σ" finds "Σ", "σ" and "ς". The four
  i's of Turkish (i I İ ı) all match one another, so "istanbul" finds "İstanbul" whatever
  the document's language (no document says which it is). That is for the text typed with
  regular expressions off; a regular expression follows the `regex` module's own case
  rules (where "i" finds "İ" but not "ı").
- **Whole word**: an edge of the match that is a word character must not touch another
  word character. Han, kana, hangul and bopomofo are never word characters here: Chinese
  and Japanese write no spaces between words, so for them "whole word" means nothing and a
  Chinese query matches wherever it occurs (`applies_whole_word` tells the bar to say so),
  while in "用GPU加速" the "GPU" is a whole word. An edge that is not a word character
  ("-x", "x!") needs no boundary, as in VS Code.
- **Regular expression**: Python's syntax (the `regex` module in its re-compatible
  VERSION0 — it releases the GIL while matching and can time out, so a catastrophic
  pattern such as `(a|aa)+$` neither freezes the window nor runs forever). `^` and `$`
  match at every line. Replacements expand `\\1`, `\\g<name>` and `\\n` as `re.sub` does;
  with regular expressions off the replacement is inserted literally, backslashes and all.

Positions are code points (Python's); `Utf16Map` converts them to Qt's UTF-16 positions,
where a character beyond U+FFFF (an emoji) counts two.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

MATCH_LIMIT = 1_000_000  # more matches than anyone steps through; the count says "+"
SEARCH_TIMEOUT = 10.0  # seconds a search may take before it is called off
CJK_CLASSES = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Bopomofo}"
WORD_CHAR = rf"[^\W{CJK_CLASSES}]"  # \w without the scripts that write no spaces
_LEFT_EDGE = rf"(?:(?<!{WORD_CHAR})|(?!{WORD_CHAR}))"
_RIGHT_EDGE = rf"(?:(?!{WORD_CHAR})|(?<!{WORD_CHAR}))"
_CJK = regex.compile(rf"[{CJK_CLASSES}]")
_ASTRAL = regex.compile("[\U00010000-\U0010ffff]")
_TURKISH_I, _ANY_I = "iIİı", "[iIİı]"
_LEADING_FLAGS = regex.compile(r"(?:\(\?[aiLmsux]+\))+")  # global flags must stay in front


@dataclass(frozen=True)
class FindOptions:
    match_case: bool = False
    whole_word: bool = False
    regex: bool = False


@dataclass(frozen=True)
class FindError:
    """Why a search or a replacement could not run, for the bar to show (never raised).

    kind: "pattern" (not a valid regular expression), "replacement" (a bad group
    reference), "timeout" (the search took longer than its limit)."""

    kind: str
    detail: str = ""
    position: int | None = None


@dataclass(frozen=True)
class Query:
    """A compiled query: the text typed, its options and the pattern that searches."""

    text: str
    options: FindOptions
    pattern: regex.Pattern[str]

    def expand(self, match: regex.Match[str], template: str) -> str:
        """The replacement for one match: literal unless regular expressions are on."""
        return match.expand(template) if self.options.regex else template


@dataclass(frozen=True)
class Matches:
    """Where a query matched, in code points: sorted, non-overlapping (possibly empty)."""

    starts: Sequence[int]
    ends: Sequence[int]
    truncated: bool = False  # stopped at the limit: there are more

    def __len__(self) -> int:
        return len(self.starts)


def applies_whole_word(query: str) -> bool:
    """False when the query holds Chinese, Japanese or Korean characters, whose edges need
    no word boundary (see the module's docstring): the bar says so instead of failing."""
    return _CJK.search(query) is None


def compile_query(text: str, options: FindOptions) -> Query | FindError:
    """The query ready to search, or why it cannot be (a bad regular expression)."""
    flags = regex.V0 | regex.MULTILINE
    if not options.match_case:
        flags |= regex.IGNORECASE | regex.FULLCASE
    if options.regex:
        body = text
    elif options.match_case:
        body = regex.escape(text)
    else:  # the regex module pairs the Turkish i's unevenly: make them one class
        body = "".join(_ANY_I if c in _TURKISH_I else regex.escape(c) for c in text)
    try:
        # The user's own pattern first, so that errors point into what they typed.
        verbose = options.regex and regex.compile(body, flags).flags & regex.VERBOSE
        if options.whole_word:
            lead = _LEADING_FLAGS.match(body)
            head, rest = (lead.group(), body[lead.end():]) if lead else ("", body)
            end = "\n" if verbose else ""  # a trailing comment must not eat the ")"
            body = f"{head}{_LEFT_EDGE}(?:{rest}{end}){_RIGHT_EDGE}"
        return Query(text, options, regex.compile(body, flags))
    except regex.error as error:
        return FindError("pattern", str(error.msg), error.pos)
    except Exception as error:  # the parser meets hostile input with several exception types
        return FindError("pattern", str(error) or type(error).__name__)


def find_all(query: Query, text: str, *, limit: int = MATCH_LIMIT,
             cancelled: Callable[[], bool] | None = None,
             timeout: float | None = SEARCH_TIMEOUT) -> Matches | FindError | None:
    """Every match of `query` in `text`, left to right as `re.finditer` finds them.

    Returns None when `cancelled()` became true (checked every few hundred matches)."""
    starts, ends = array("q"), array("q")
    try:
        for n, match in enumerate(query.pattern.finditer(text, concurrent=True,
                                                           timeout=timeout)):
            if n >= limit:
                return Matches(starts, ends, truncated=True)
            start, end = match.span()
            starts.append(start)
            ends.append(end)
            if n & 0x1FF == 0x1FF and cancelled is not None and cancelled():
                return None
    except TimeoutError:
        return FindError("timeout", f"{timeout:g}")
    return Matches(starts, ends)


@dataclass(frozen=True)
class ReplacePlan:
    """Every match's span (code points) and its replacement, for Replace All."""

    starts: Sequence[int]
    ends: Sequence[int]
    replacements: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def apply(self, text: str) -> str:
        """`text` with every replacement made (what the document becomes)."""
        parts, previous = [], 0
        for start, end, new in zip(self.starts, self.ends, self.replacements, strict=True):
            parts += (text[previous:start], new)
            previous = end
        parts.append(text[previous:])
        return "".join(parts)


def plan_replace_all(query: Query, text: str, template: str, *,
                     cancelled: Callable[[], bool] | None = None,
                     timeout: float | None = SEARCH_TIMEOUT) -> ReplacePlan | FindError | None:
    """What Replace All would do, or why it cannot (a bad group reference, a timeout).
    None when cancelled. Equal to `re.sub` for a regular expression."""
    starts, ends, replacements = array("q"), array("q"), []
    literal = not query.options.regex
    try:
        for n, match in enumerate(query.pattern.finditer(text, concurrent=True,
                                                           timeout=timeout)):
            start, end = match.span()
            starts.append(start)
            ends.append(end)
            replacements.append(template if literal else match.expand(template))
            if n & 0x1FF == 0x1FF and cancelled is not None and cancelled():
                return None
    except TimeoutError:
        return FindError("timeout", f"{timeout:g}")
    except regex.error as error:
        return FindError("replacement", str(error.msg), error.pos)
    except (IndexError, ValueError) as error:  # "no such group"
        return FindError("replacement", str(error))
    return ReplacePlan(starts, ends, replacements)


def replace_one(query: Query, text: str, start: int, end: int,
                template: str) -> str | FindError | None:
    """The replacement for the match at code points [start, end), found again in `text`
    (its look-arounds see the text around it); None when no match is there any more."""
    try:
        match = query.pattern.match(text, start, concurrent=True, timeout=SEARCH_TIMEOUT)
        if match is None or match.end() != end:
            return None
        return query.expand(match, template)
    except TimeoutError:
        return FindError("timeout", f"{SEARCH_TIMEOUT:g}")
    except regex.error as error:
        return FindError("replacement", str(error.msg), error.pos)
    except (IndexError, ValueError) as error:
        return FindError("replacement", str(error))


class Utf16Map:
    """Code point offsets of one text ↔ Qt's UTF-16 positions. Only texts with
    characters beyond U+FFFF need a table (their offsets); others map to themselves."""

    def __init__(self, text: str) -> None:
        astral = array("q")
        if not text.isascii() and _ASTRAL.search(text) is not None:
            astral.extend(m.start() for m in _ASTRAL.finditer(text))
        self._astral = astral
        # Where each astral character's first UTF-16 unit lies: offset + the pairs before it.
        self._units = array("q", (offset + k for k, offset in enumerate(astral)))

    @property
    def identity(self) -> bool:
        return not self._astral

    def to_utf16(self, index: int) -> int:
        return index + bisect.bisect_left(self._astral, index) if self._astral else index

    def to_utf16_many(self, indices: Sequence[int]) -> Sequence[int]:
        """Sorted offsets converted in one merge-walk (cheap for a hundred thousand)."""
        if not self._astral:
            return indices
        out, astral, k, count = array("q"), self._astral, 0, len(self._astral)
        for index in indices:
            while k < count and astral[k] < index:
                k += 1
            out.append(index + k)
        return out

    def from_utf16(self, position: int) -> int:
        """The code point offset at a Qt position (inside a surrogate pair: the offset of
        that character)."""
        if not self._astral:
            return position
        before = bisect.bisect_right(self._units, position - 2)  # pairs that end by position
        inside = before < len(self._units) and self._units[before] == position - 1
        return position - before - (1 if inside else 0)
