"""Streaming decode never shows a broken character and joins to the true text."""

from __future__ import annotations

import pytest

from writer_app.engine.decoding import REPLACEMENT_CHARACTER, IncrementalDecoder

TEXTS = [
    "I went on a trip to the sea.",
    "我们去北京旅行，看到了长城和故宫。",
    "Emoji too: 😀 🚀 ✨ café naïve Straße",
    "混合 text 和中文 mixed 😀 together",
]


@pytest.mark.parametrize("text", TEXTS)
def test_pieces_join_to_the_decoded_text_without_broken_characters(tiny_tokenizer, text):
    prompt_ids = tiny_tokenizer("Start: ")["input_ids"]
    ids = tiny_tokenizer(text, add_special_tokens=False)["input_ids"]
    # The byte-level tokenizer really splits these characters across tokens.
    singles = [tiny_tokenizer.decode([i]) for i in ids]
    if any(ord(ch) > 0x7F for ch in text):
        assert any(REPLACEMENT_CHARACTER in s for s in singles)
    decoder = IncrementalDecoder(tiny_tokenizer, prompt_ids)
    pieces = [decoder.push(i) for i in ids]
    pieces.append(decoder.flush())
    assert all(REPLACEMENT_CHARACTER not in p for p in pieces)
    assert "".join(pieces) == tiny_tokenizer.decode(ids)


def test_a_character_the_stream_stopped_inside_is_dropped_not_shown_broken(tiny_tokenizer):
    ids = tiny_tokenizer("😀", add_special_tokens=False)["input_ids"]
    assert len(ids) > 1
    decoder = IncrementalDecoder(tiny_tokenizer, [])
    assert decoder.push(ids[0]) == ""
    assert decoder.flush() == ""


def test_complete_text_held_with_a_partial_character_is_released_by_flush(tiny_tokenizer):
    decoder = IncrementalDecoder(tiny_tokenizer, [])
    ids = tiny_tokenizer("a😀", add_special_tokens=False)["input_ids"]
    pieces = [decoder.push(i) for i in ids[:-1]]  # stop before the emoji is complete
    assert "".join(pieces) + decoder.flush() == "a"
