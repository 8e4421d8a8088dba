"""What the model generated in this session: where each token sits, and how likely it was.

Qt-free on purpose: positions are Qt document positions (UTF-16 units, as Qt's
`contentsChange` reports edits), but nothing here imports Qt, so the bookkeeping is
tested on its own. The window feeds in every generated token and every edit; an edit
before a token shifts it, an edit that touches a token forgets it (its probability no
longer describes the text there).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol


class Alternative(Protocol):
    """A candidate token (engine.session.TokenInfo has these fields)."""

    id: int
    text: str
    piece: str
    prob: float


@dataclass(frozen=True)
class GeneratedToken:
    """One token of generated text at [start, end) in the document."""

    start: int
    end: int
    prob: float  # the model's own probability of this token
    token_id: int = -1
    alternatives: tuple[Alternative, ...] = ()
    passage: int = 0  # which generation it came from


@dataclass
class Passages:
    """All generated tokens still in the document, in document order."""

    tokens: list[GeneratedToken] = field(default_factory=list)
    _passages: int = 0

    def new_passage(self) -> int:
        """A number for the next generation's tokens."""
        self._passages += 1
        return self._passages

    def add(self, start: int, end: int, prob: float, token_id: int = -1,
            alternatives: Sequence[Alternative] = (), passage: int = 0) -> None:
        """Record a token just inserted at [start, end); empty ranges are ignored."""
        if end <= start:
            return
        token = GeneratedToken(start, end, prob, token_id, tuple(alternatives), passage)
        index = bisect.bisect_left([t.start for t in self.tokens], start)
        self.tokens.insert(index, token)

    def edited(self, position: int, removed: int, added: int) -> None:
        """The document changed at `position`: `removed` units went, `added` came.

        Tokens after the edit shift; tokens it overlaps (or splits) are forgotten.
        """
        shift = added - removed
        kept: list[GeneratedToken] = []
        for token in self.tokens:
            if token.end <= position:
                kept.append(token)
            elif token.start >= position + removed:
                kept.append(replace(token, start=token.start + shift, end=token.end + shift))
        self.tokens = kept

    def at(self, position: int) -> GeneratedToken | None:
        """The token that covers the character starting at `position`."""
        for token in self.tokens:
            if token.start <= position < token.end:
                return token
        return None

    def passage_end(self, passage: int) -> int | None:
        """Where the tokens of `passage` that are still there end."""
        ends = [t.end for t in self.tokens if t.passage == passage]
        return max(ends) if ends else None

    def __iter__(self) -> Iterator[GeneratedToken]:
        return iter(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def clear(self) -> None:
        self.tokens.clear()


@dataclass(frozen=True)
class Version:
    """One version of a passage: its text and its tokens (offsets from the passage start)."""

    text: str
    tokens: tuple[GeneratedToken, ...] = ()


@dataclass
class Branches:
    """The versions of one passage — each continuation, retry or alternative pick adds one —
    and where the passage now is in the document (`attached` False once an edit crossed
    its edges, when only its recorded versions remain)."""

    number: int
    start: int
    end: int
    versions: list[Version] = field(default_factory=list)
    current: int = 0
    attached: bool = True

    def edited(self, position: int, removed: int, added: int) -> None:
        shift = added - removed
        empty = self.start == self.end
        if removed == 0 and position == self.start and empty:
            self.end += shift  # the first text of a (re)generation
        elif position >= self.end:
            return  # after the passage: typing right after it is not part of it
        elif position + removed <= self.start:
            self.start += shift
            self.end += shift
        elif position >= self.start and position + removed <= self.end:
            self.end += shift  # inside: the passage's text changed
        else:
            self.attached = False

    def keep(self, text: str, tokens: tuple[GeneratedToken, ...] = ()) -> None:
        """Record `text` as the current version, never overwriting another: text equal to
        a known version selects it; new text (an edit, or an undone switch) is added."""
        for index, version in enumerate(self.versions):
            if version.text == text:
                self.current = index
                if tokens and not version.tokens:
                    self.versions[index] = Version(text, tokens)
                return
        self.versions.append(Version(text, tokens))
        self.current = len(self.versions) - 1


class History:
    """Every passage's versions for this session (Qt-free; see `Branches`)."""

    def __init__(self) -> None:
        self.passages: dict[int, Branches] = {}

    def begin(self, number: int, position: int) -> Branches:
        """A generation starts at `position` for passage `number` (new, or a new version)."""
        branches = self.passages.get(number)
        if branches is None:
            branches = self.passages[number] = Branches(number, position, position)
        else:
            branches.current = len(branches.versions)  # the new version, kept at finish
        return branches

    def edited(self, position: int, removed: int, added: int) -> None:
        for branches in self.passages.values():
            if branches.attached:
                branches.edited(position, removed, added)

    def at(self, position: int) -> Branches | None:
        """The attached passage holding `position` (its end included); the newest wins."""
        found = [b for b in self.passages.values()
                 if b.attached and b.start <= position <= b.end and b.versions]
        return found[-1] if found else None


def relative_tokens(tokens: list[GeneratedToken], start: int,
                    end: int) -> tuple[GeneratedToken, ...]:
    """The tokens inside [start, end), with offsets from `start`."""
    return tuple(replace(t, start=t.start - start, end=t.end - start)
                 for t in tokens if start <= t.start and t.end <= end)
