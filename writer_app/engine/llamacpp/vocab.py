"""llama.cpp's own GGUF vocabulary, shaped like the slice of a transformers tokenizer that
Writer's shared pieces call (`ContextWindow`, `IncrementalDecoder`, `control_token_ids`).

So the context fitting, the streamed text that never splits a character and the control
token rules are the same code on both backends, not copies.

Differences from the transformers tokenizer of the same model (checked by
tests/unit/test_llamacpp_vocab.py on English, Chinese, emoji and whitespace runs):
none in token ids for the default model. Decoding differs in one way only: transformers
turns an invalid UTF-8 byte sequence into one U+FFFD per bad sequence, Python's
`errors="replace"` (used here) into one per bad byte; both mark an incomplete character
at the end with U+FFFD, which is all `IncrementalDecoder` looks for.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Sequence
from typing import Any

import llama_cpp
import numpy as np

PIECE_BUFFER = 256  # bytes; a longer piece is read again with the size llama.cpp asks for


class LlamaVocabulary:
    """Token ids <-> text through llama.cpp's tokenizer, for one loaded model."""

    def __init__(self, model: Any) -> None:
        """`model`: the llama_model pointer of a loaded `llama_cpp.Llama` (llm.model)."""
        self._vocab = llama_cpp.llama_model_get_vocab(model)
        self.size = int(llama_cpp.llama_vocab_n_tokens(self._vocab))
        self._adds_bos = bool(llama_cpp.llama_vocab_get_add_bos(self._vocab))
        bos = int(llama_cpp.llama_vocab_bos(self._vocab))
        self.bos_token_id: int | None = bos if bos >= 0 else None
        eos = int(llama_cpp.llama_vocab_eos(self._vocab))
        self.eos_token_id: int | None = eos if eos >= 0 else None
        attributes = np.fromiter((llama_cpp.llama_vocab_get_attr(self._vocab, i)
                                  for i in range(self.size)), dtype=np.int64, count=self.size)
        added_mask = (attributes & llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED) != 0
        special = (attributes & (llama_cpp.LLAMA_TOKEN_ATTR_CONTROL
                                 | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN)) != 0
        # An added token is judged by its name, as transformers judges it: Gemma's "</s>"
        # is flagged control in the GGUF but is plain text to the transformers tokenizer.
        self.all_special_ids = [int(i) for i in np.flatnonzero(special & ~added_mask)]
        added = np.flatnonzero(added_mask)
        # what control_token_ids reads: added tokens, judged by their names
        self.added_tokens_decoder = {int(i): self.piece(int(i)) for i in added}
        self.end_of_generation_ids = frozenset(
            i for i in (*self.all_special_ids, *self.added_tokens_decoder)
            if llama_cpp.llama_vocab_is_eog(self._vocab, i))
        self._bytes: dict[int, bytes] = {}

    # ---- text -> ids -----------------------------------------------------------------------

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        """{"input_ids": ids} as a transformers tokenizer answers (BOS where the model uses
        it). Control-token names in the text are read as those tokens, as transformers
        reads them."""
        return {"input_ids": self.encode(text, add_special_tokens)}

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        data = text.encode("utf-8", errors="surrogatepass")
        room = len(data) + 2  # a token covers at least one byte; BOS and EOS besides
        tokens = (llama_cpp.llama_token * room)()
        count = llama_cpp.llama_tokenize(self._vocab, data, len(data), tokens, room,
                                         add_special_tokens and self._adds_bos, True)
        if count < 0:  # cannot happen with room >= bytes + 2, but never read garbage
            raise RuntimeError(f"llama.cpp could not tokenize a text of {len(data)} bytes")
        return list(tokens[:count])

    # ---- ids -> text -----------------------------------------------------------------------

    def token_bytes(self, token_id: int, special: bool = False) -> bytes:
        """The bytes a token stands for; control tokens give b"" unless `special`."""
        key = token_id if not special else -1 - token_id
        known = self._bytes.get(key)
        if known is None:
            known = self._piece_bytes(token_id, special)
            self._bytes[key] = known
        return known

    def _piece_bytes(self, token_id: int, special: bool) -> bytes:
        buffer = ctypes.create_string_buffer(PIECE_BUFFER)
        length = llama_cpp.llama_token_to_piece(self._vocab, token_id, buffer, PIECE_BUFFER,
                                                0, special)
        if length < 0:  # too long for the buffer: -length is what it needs
            buffer = ctypes.create_string_buffer(-length)
            length = llama_cpp.llama_token_to_piece(self._vocab, token_id, buffer, -length,
                                                    0, special)
        return buffer.raw[:max(0, length)]

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False,
               clean_up_tokenization_spaces: bool = False) -> str:
        """Text of `ids`; an incomplete character shows as U+FFFD, as transformers shows it.
        (`clean_up_tokenization_spaces` is accepted for the same calls; never applied.)"""
        data = b"".join(self.token_bytes(int(i), special=not skip_special_tokens)
                        for i in ids)
        return data.decode("utf-8", errors="replace")

    def piece(self, token_id: int) -> str:
        """The vocabulary entry as stored ("▁the", "<0xE4>"), as transformers'
        convert_ids_to_tokens shows it."""
        text = llama_cpp.llama_vocab_get_text(self._vocab, token_id)
        return (text or b"").decode("utf-8", errors="replace")

    def token_text(self, token_id: int) -> tuple[str, str]:
        """(the token decoded on its own, its vocabulary entry), for the pane."""
        return self.decode([token_id], skip_special_tokens=False), self.piece(token_id)

    def convert_ids_to_tokens(self, token_id: int) -> str:
        return self.piece(token_id)

    def decode_ids(self, ids: Sequence[int]) -> str:
        """Plain text of ids without control tokens (a finished sample's text)."""
        return self.decode(ids, skip_special_tokens=True)
