"""Turning streamed token ids into text without ever showing a broken character.

A Chinese character or an emoji often spans several byte tokens, and SentencePiece and
byte-level BPE tokenizers only get spaces right when a token is decoded next to its
neighbours. So each new token is decoded together with a few tokens before it, and the
text is released only once it no longer ends in an incomplete character.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

REPLACEMENT_CHARACTER = "\ufffd"
CONTEXT_TOKENS = 6  # tokens of preceding text decoded along with each new one


class IncrementalDecoder:
    """Yields the text each new token adds, holding back incomplete characters."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, preceding_ids: Sequence[int]) -> None:
        self._tokenizer = tokenizer
        self._ids = list(preceding_ids[-CONTEXT_TOKENS:])
        self._prefix_offset = 0  # start of the window decoded for context
        self._read_offset = len(self._ids)  # tokens before this are already released

    def _decode(self, ids: Sequence[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=True,
                                      clean_up_tokenization_spaces=False)

    def push(self, token_id: int) -> str:
        """Add one token; return the text it completes ("" while a character is partial)."""
        self._ids.append(token_id)
        released = self._decode(self._ids[self._prefix_offset:self._read_offset])
        current = self._decode(self._ids[self._prefix_offset:])
        if current.endswith(REPLACEMENT_CHARACTER) or len(current) <= len(released):
            return ""
        piece = current[len(released):]
        # The tokens just released become the context for the next one.
        self._prefix_offset, self._read_offset = self._read_offset, len(self._ids)
        return piece

    def flush(self) -> str:
        """Release the complete characters still held back (the stream has ended).

        The bytes of a character the stream stopped in the middle of are dropped: a broken
        character must never reach the user's document.
        """
        released = self._decode(self._ids[self._prefix_offset:self._read_offset])
        current = self._decode(self._ids[self._prefix_offset:])
        self._read_offset = len(self._ids)
        tail = current[len(released):] if len(current) > len(released) else ""
        return tail.rstrip(REPLACEMENT_CHARACTER)
