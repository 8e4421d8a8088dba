"""Word splitting for the spell checker: UTF-16 offsets, CJK never yields a word, what is
skipped (URLs, e-mail, code, numbers, abbreviations)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.spelling.words import CJK_RUN, cjk_share, utf16_length, words


def texts(text: str) -> list[str]:
    return [w.text for w in words(text)]


def utf16_slice(text: str, start: int, end: int) -> str:
    data = text.encode("utf-16-le")
    return data[start * 2:end * 2].decode("utf-16-le")


def test_plain_english():
    assert texts("I recieve the letter today.") == ["I", "recieve", "the", "letter", "today"]


def test_apostrophes_keep_a_word_whole():
    found = texts("don't it’s writers’ 'quoted'")
    assert found == ["don't", "it’s", "writers", "quoted"]


def test_hyphenated_words_are_checked_per_part():
    assert texts("a well-known state-of-the-art idea") == [
        "a", "well", "known", "state", "of", "the", "art", "idea"]


def test_skipped_tokens():
    text = ("See https://example.com/recieve or www.wrold.org, mail jo.recieve@example.com, "
            "run `recieve --fast`, 1990s mp3 v2 snake_case GGUF NASA ok")
    assert texts(text) == ["See", "or", "mail", "run", "ok"]


def test_chinese_is_never_a_word():
    assert texts("春眠不觉晓，处处闻啼鸟。") == []
    assert texts("こんにちは 안녕하세요 世界") == []
    assert texts("Python是一种语言，writter 写的") == ["Python", "writter"]


def test_offsets_count_utf16_units():
    text = "😀 naïve 春眠 😀recieve 𠀀word"
    found = list(words(text))
    assert [w.text for w in found] == ["naïve", "recieve", "word"]
    for word in found:
        assert utf16_slice(text, word.start, word.end) == word.text
    assert found[1].start == text.index("recieve") + 2  # two emoji before it: 2 units each


def test_cjk_share():
    assert cjk_share("春眠不觉晓") == 1.0
    assert cjk_share("hello") == 0.0
    assert cjk_share("") == 0.0
    assert 0.4 < cjk_share("abcde春眠不觉晓") < 0.6


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    [*"abcXYZ '’-_1.@`:/", "😀", "春", "眠", "é", "ß", "\u0301", "한", "ア", "𠀀", "\u2029"]),
    max_size=60))
def test_every_word_is_where_it_says_and_holds_no_cjk(text: str):
    previous_end = 0
    for word in words(text):
        assert word.start >= previous_end
        assert utf16_slice(text, word.start, word.end) == word.text
        assert word.length == utf16_length(word.text) > 0
        assert not CJK_RUN.search(word.text)
        assert not any(c.isdigit() for c in word.text)
        previous_end = word.end


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
               | st.sampled_from(list("，。！？ 、：；“”")), max_size=80))
def test_chinese_text_never_yields_a_word(text: str):
    assert list(words(text)) == []
