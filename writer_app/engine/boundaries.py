"""Where a suggestion should end: after a sentence, or before a line break.

Inline completion shows a short passage, not a wall of text. Latin sentence ends count
only when followed by white space ("3.5" and "e.g." mid-word do not end a sentence);
CJK full-width terminators end one at once.
"""

from __future__ import annotations

import re

_LATIN_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_CJK_END = re.compile(r"[。！？；][」』”’）]*")


def suggestion_end(text: str, minimum: int = 1) -> int | None:
    """The length to cut `text` at, or None while no boundary has appeared yet.

    `minimum` characters of real text must come first, so a suggestion that starts with a
    line break or a full stop is not cut to nothing.
    """
    stripped = len(text) - len(text.lstrip())
    search_from = stripped + minimum
    newline = text.find("\n", search_from)
    candidates = [newline] if newline >= 0 else []
    for pattern in (_LATIN_END, _CJK_END):
        match = pattern.search(text, search_from - 1 if search_from > 0 else 0)
        if match:
            candidates.append(match.end())
    return min(candidates) if candidates else None
