"""llama.cpp's vocabulary behind the tokenizer calls Writer's shared code makes: text and
ids round-trip for any text (Chinese, emoji, whitespace runs), streamed decoding never
splits a character and adds up to the text, and the pane's token texts are right."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import test_llamacpp_fixtures as fixtures
from writer_app.engine.decoding import IncrementalDecoder

llama_session = fixtures.llama_session

MIXED = st.text(st.one_of(st.sampled_from(list("我们去北京旅行，看到了长城。😀🚀✨éß龘𪚥 \n\t  ")),
                          st.characters(blacklist_categories=("Cs",), blacklist_characters="<")),
                max_size=60)


@settings(max_examples=120, derandomize=True, deadline=None)
@given(text=MIXED)
def test_text_round_trips_through_ids_and_streamed_decoding(llama_session, text):
    vocab = llama_session.vocab
    ids, protected = llama_session.tokenize(text)
    assert ids[:protected] == [vocab.bos_token_id]
    assert vocab.decode(ids, skip_special_tokens=True) == text
    decoder = IncrementalDecoder(vocab, ids[:protected])  # type: ignore[arg-type]
    pieces = [decoder.push(token) for token in ids[protected:]]
    assert all("\ufffd" not in piece for piece in pieces)
    assert "".join(pieces) + decoder.flush() == text
    fitted, usage = llama_session.fit_context(ids, protected)
    assert fitted == ids and usage.dropped == 0


@settings(max_examples=40, derandomize=True, deadline=None)
@given(text=MIXED, window=st.integers(4, 40))
def test_a_fitted_tail_decodes_to_the_end_of_the_text(llama_session, text, window):
    """Cutting a text to a small window keeps its last tokens: their text ends the text
    (a cut through a character's bytes may only lose that character's start)."""
    ids, protected = llama_session.tokenize(text)
    llama_session._window.limit = window
    try:
        fitted, usage = llama_session.fit_context(ids, protected)
    finally:
        llama_session._window.limit = llama_session.context_limit
    assert len(fitted) <= window and usage.used == len(fitted)
    assert fitted[0] == llama_session.vocab.bos_token_id
    tail = llama_session.vocab.decode(fitted[1:], skip_special_tokens=True).lstrip("\ufffd")
    assert text.endswith(tail)


def test_partial_characters_are_held_back_until_complete(llama_session):
    vocab = llama_session.vocab
    ids = vocab.encode("龘", add_special_tokens=False)
    assert len(ids) > 1  # a character the vocabulary spells in bytes
    decoder = IncrementalDecoder(vocab, [])  # type: ignore[arg-type]
    assert [decoder.push(token) for token in ids] == [""] * (len(ids) - 1) + ["龘"]
    decoder = IncrementalDecoder(vocab, [])  # type: ignore[arg-type]
    decoder.push(ids[0])
    assert decoder.flush() == ""  # a broken character never reaches the document


def test_token_texts_for_the_pane(llama_session):
    vocab = llama_session.vocab
    the = vocab.encode(" the", add_special_tokens=False)
    assert len(the) == 1 and llama_session.token_text(the[0]) == (" the", "▁the")
    assert llama_session.token_text(vocab.bos_token_id) == ("<bos>", "<bos>")
    byte = vocab.encode("龘", add_special_tokens=False)[0]
    text, piece = llama_session.token_text(byte)
    assert text == "\ufffd" and piece.startswith("<0x")
    assert vocab.decode([vocab.bos_token_id, *the], skip_special_tokens=True) == " the"
    assert vocab.encode("<start_of_image>", add_special_tokens=False) == [255999]
