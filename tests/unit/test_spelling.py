"""The Hunspell wrapper, the personal word list, the language choice and the background
checker's answers (the real chunspell and its bundled en_US dictionary)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.spelling import background
from writer_app.spelling.background import BackgroundChecker
from writer_app.spelling.checker import (
    SpellingUnavailable,
    available_dictionaries,
    load_checker,
    normalise_tag,
    resolve_language,
)
from writer_app.spelling.language import choose_language
from writer_app.spelling.personal import PersonalDictionary, parse
from writer_app.spelling.words import words

# One checker for the property tests (loading the dictionary takes a fraction of a second).
SHARED = BackgroundChecker(PersonalDictionary(Path("/nonexistent/dictionary.txt")),
                           lambda *_: None)


@pytest.fixture(scope="module")
def checker():
    return load_checker("en_US")


def test_bundled_english_is_always_there():
    assert "en_US" in available_dictionaries()


def test_check_and_suggest(checker):
    assert checker.check("receive") and checker.check("Writer") and checker.check("don't")
    assert checker.check("don’t")  # the typographic apostrophe is checked as "'"
    assert not checker.check("recieve")
    assert checker.suggest("recieve")[0] == "receive"
    assert len(checker.suggest("teh", limit=3)) <= 3
    assert "don’t" in checker.suggest("dont’")  # suggestions keep the word's apostrophe


def test_words_the_dictionary_cannot_spell_are_left_alone(checker):
    # A Latin-1 dictionary cannot hold Greek, Cyrillic or emoji: never flagged.
    for word in ("Ελλάδα", "Москва", "😀"):
        assert checker.check(word)
        assert checker.suggest(word) == []


def test_tags_and_fallbacks():
    assert normalise_tag("en-us") == "en_US"
    assert normalise_tag("de_DE.UTF-8") == "de_DE"
    assert normalise_tag("zh_CN.UTF-8@pinyin") == "zh_CN"
    installed = ["en_AU", "en_GB", "de_DE"]
    assert resolve_language("en_US", installed) == "en_GB"
    assert resolve_language("en", installed) == "en_GB"
    assert resolve_language("de-at", installed) == "de_DE"
    assert resolve_language("fr_FR", installed) == "en_GB"
    assert resolve_language("fr_FR", ["de_DE"]) is None
    assert resolve_language("en_US", []) is None


def test_missing_dictionary_is_a_clear_error(tmp_path):
    with pytest.raises(SpellingUnavailable):
        load_checker("en_US", available={})


def test_a_garbled_dictionary_fails_in_words(tmp_path):
    (tmp_path / "xx_XX.aff").write_bytes(b"\x00\xff garbage")
    (tmp_path / "xx_XX.dic").write_bytes(b"not a count\n\xff\xfe")
    found = available_dictionaries([tmp_path])
    assert found == {"xx_XX": tmp_path}
    try:  # Hunspell accepts nearly anything; what it must not do is crash
        broken = load_checker("xx_XX", available=found)
    except SpellingUnavailable:
        return
    broken.check("word")


def test_language_choice():
    installed = ["en_US", "de_DE"]
    assert choose_language("auto", "春眠不觉晓，处处闻啼鸟。", installed, "en_US") is None
    assert choose_language("auto", "Hello there 你好", installed, "de_DE") == "de_DE"
    assert choose_language("auto", "Hello", installed, "fr_FR") == "en_US"
    assert choose_language("auto", "Hello", installed, "") == "en_US"
    assert choose_language("de", "春眠不觉晓", installed, "en_US") == "de_DE"  # the setting wins
    assert choose_language("auto", "Hello", [], "en_US") is None


def test_personal_list_round_trip(tmp_path):
    path = tmp_path / "config" / "dictionary.txt"
    personal = PersonalDictionary(path)
    assert personal.words() == []
    assert personal.add("zorblax") and personal.add("写作") and personal.add("it’s-ok")
    assert not personal.add("zorblax") and not personal.add("  ") and not personal.add("a b")
    assert path.read_text(encoding="utf-8") == "zorblax\n写作\nit's-ok\n"
    again = PersonalDictionary(path)
    assert again.words() == ["zorblax", "写作", "it's-ok"]
    assert "zorblax" in again and "写作" in again
    assert again.remove("zorblax") and not again.remove("zorblax")
    assert PersonalDictionary(path).words() == ["写作", "it's-ok"]
    again.ignore("frobnicate")
    assert "frobnicate" in again
    assert "frobnicate" not in PersonalDictionary(path)  # ignored: this session only


def test_garbage_file_counts_as_empty(tmp_path):
    path = tmp_path / "dictionary.txt"
    path.write_bytes(b"\xff\xfe\x00garbage\x80\x81")
    personal = PersonalDictionary(path)
    assert personal.words() == [] and personal.load_warning
    assert path.read_bytes() == b"\xff\xfe\x00garbage\x80\x81"  # not overwritten by loading
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert PersonalDictionary(folder).words() == []  # unreadable: a warning, no crash


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_fails_and_keeps_clean_words(text: str):
    for word in parse(text):
        assert word and word == word.strip() and not any(c.isspace() for c in word)
        assert not word.startswith("#")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
                        min_size=1, max_size=20), max_size=8))
def test_saved_words_come_back(tmp_path_factory, added: list[str]):
    path = tmp_path_factory.mktemp("personal") / "dictionary.txt"
    personal = PersonalDictionary(path)
    for word in added:
        personal.add(word)
    assert PersonalDictionary(path).words() == personal.words()


def test_background_checker_answers_with_utf16_ranges(tmp_path):
    personal = PersonalDictionary(tmp_path / "dictionary.txt")
    answered = threading.Event()
    got: list = []

    def on_results(tag, results):
        got.extend(results)
        if len(got) >= 3:
            answered.set()

    service = BackgroundChecker(personal, on_results)
    paragraphs = ["😀 I recieve it, 春眠不觉晓 wrold.", "All fine here.", "Teh end teh"]
    service.check("en_US", paragraphs)
    try:
        assert answered.wait(30)
    finally:
        service.stop()
    assert not service.running
    answers = dict(got)
    assert [w for _s, _l, w in answers[paragraphs[0]]] == ["recieve", "wrold"]
    start, length, _ = answers[paragraphs[0]][0]
    assert paragraphs[0].encode("utf-16-le")[start * 2:(start + length) * 2] \
        .decode("utf-16-le") == "recieve"
    assert answers[paragraphs[1]] == ()
    assert [(s, w) for s, _l, w in answers[paragraphs[2]]] == [(0, "Teh"), (8, "teh")]


def test_personal_words_and_caches(tmp_path):
    personal = PersonalDictionary(tmp_path / "dictionary.txt")
    service = BackgroundChecker(personal, lambda *_: None)
    text = "The zorblax saw a zorblax and Zorblax."
    assert len(service.misspelt("en_US", text)) == 3
    personal.add("zorblax")
    service.forget_rejected()
    assert service.misspelt("en_US", text) == ()  # the capitalised form too
    personal.remove("zorblax")
    service.forget_accepted()
    assert len(service.misspelt("en_US", text)) == 3
    assert service.misspelt("en_US", "see `recieve` at https://x.org/recieve") == ()
    assert service.is_misspelt("en_US", "recieve") and not service.is_misspelt("en_US", "and")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(
    [*"abcdefghijklmnopqrstuvwxyz Teh'’-_1.@`", "😀", "春", "眠", "é", "𠀀", "recieve "]),
    max_size=60).map("".join))
def test_fast_and_plain_paths_agree(text: str):
    """The set-difference path finds exactly what checking every word finds."""
    service = SHARED

    plain = tuple((w.start, w.length, w.text) for w in words(text)
                  if service.is_misspelt("en_US", w.text))
    assert service.misspelt("en_US", text) == plain
    assert service.misspelt("en_US", text) == plain  # and again, from the caches


def test_edits_are_checked_before_bulk_work_which_waits_while_the_user_types(tmp_path,
                                                                              monkeypatch):
    monkeypatch.setattr(background, "QUIET_SECONDS", 60.0)
    order: list[str] = []
    done = threading.Event()

    def on_results(tag, results):
        order.extend(text for text, _found in results)
        if len(order) == 21:
            done.set()

    service = BackgroundChecker(PersonalDictionary(tmp_path / "dictionary.txt"), on_results)
    bulk = [f"Paragraph number {'x' * i} of a file" for i in range(20)]
    try:
        service.user_active()
        service.check("en_US", bulk)  # a file opened while the user types: it waits
        service.check("en_US", ["I just typed recieve"])  # an edit: at once
        for _ in range(3000):  # up to 30 s
            if order:
                break
            time.sleep(0.01)
        assert order == ["I just typed recieve"]
        assert service.pending() == 20
        service.user_idle()
        assert done.wait(30)
    finally:
        service.stop()
    assert order[1:] == bulk
