"""Which tokens of a text reach the model: the tail that fits its window, found cheaply.

A 10 MB manuscript must not be tokenized at every keystroke, and its start must not move
with every token typed (the KV cache holds what follows it): so the text is first cut
to a generous tail of characters, then to the window in tokens, both in whole blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from writer_app.boundary.results import ContextUsage

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

CUT_BLOCK = 256  # a too-long context is cut in blocks so its start (and cache) stays stable
MAX_CHARS_PER_TOKEN = 16  # generous: real vocabularies average 3-4 characters per token
CHARACTER_BLOCK = 65_536  # a huge text is cut in blocks of characters, for the same reason


def characters_for(tokens: int) -> int:
    """The most characters `tokens` tokens can hold: no token is longer than this allows."""
    return tokens * MAX_CHARS_PER_TOKEN


class ContextWindow:
    """Tokenizes texts and cuts them to at most `limit` tokens, newest text kept."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, limit: int, start_id: int) -> None:
        self.tokenizer = tokenizer
        self.limit = limit
        self._start_id = start_id  # what an empty text without BOS is read as

    def tokenize(self, text: str, preamble: str = "") -> tuple[list[int], int]:
        """Token ids as the tokenizer gives them by default (BOS included where used).

        Returns (ids, protected): the first `protected` ids (BOS and the preamble) are never
        cut when the context is too long. A text far longer than the window is first cut
        to its last characters, so a keystroke never tokenizes the whole book; the cut
        moves in blocks, keeping the KV cache valid while typing.
        """
        skip = self.characters_to_skip(len(text))
        if preamble or skip:
            head = self.tokenizer(preamble)["input_ids"]  # BOS, where used, and the preamble
            body = self.tokenizer(text[skip:], add_special_tokens=False)["input_ids"]
        else:
            ids = self.tokenizer(text)["input_ids"]
            bos = self.tokenizer.bos_token_id
            protected = 1 if ids and bos is not None and ids[0] == bos else 0
            head, body = ids[:protected], ids[protected:]
        ids = list(head) + list(body)
        if not ids:  # an empty text with a tokenizer that adds no BOS: start from EOS/BOS
            return [self._start_id], 1
        return ids, len(head)

    def characters_to_skip(self, length: int) -> int:
        """How many leading characters of a text this long cannot reach the window."""
        surplus = length - characters_for(self.limit)
        return max(0, surplus // CHARACTER_BLOCK * CHARACTER_BLOCK)

    def fit(self, ids: Sequence[int], protected: int,
            reserve: int = 0) -> tuple[list[int], ContextUsage]:
        """Cut the oldest tokens (after the protected head) so the text fits the window.

        `reserve` tokens are kept free for generation (at most half the window). The cut is
        made in whole blocks so that, as text grows, the kept start stays the same for a
        while and the KV cache stays valid.
        """
        budget = self.limit - min(reserve, self.limit // 2)
        head, body = list(ids[:protected]), list(ids[protected:])
        excess = len(head) + len(body) - budget
        if excess > 0:
            block = max(1, min(CUT_BLOCK, budget // 8))  # keeps at least 7/8 of the window
            dropped = max(0, min(len(body) - 1, math.ceil(excess / block) * block))
            body = body[dropped:]
            if len(head) + len(body) > budget:  # the preamble alone fills the window
                overflow = len(head) + len(body) - budget
                head = head[:1] + head[1 + overflow:] if len(head) > overflow else head
        fitted = head + body
        return fitted, ContextUsage(len(fitted), len(ids) - len(fitted), self.limit)
