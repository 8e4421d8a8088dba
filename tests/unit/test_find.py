"""Find and replace on plain strings: the search equals slow obvious implementations
(str.find loops, case folding by brute force, re.finditer / re.sub) on random text with
Chinese, emoji and case-folding traps; bad patterns give messages, never exceptions."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from writer_app.text.find import (
    WORD_CHAR,
    FindError,
    FindOptions,
    Matches,
    Query,
    ReplacePlan,
    Utf16Map,
    applies_whole_word,
    compile_query,
    find_all,
    plan_replace_all,
    replace_one,
)

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
# Characters that trip searches: case folding (ß ẞ Σ σ ς İ ı ﬁ), a combining accent,
# Chinese, emoji (two UTF-16 units), word and non-word characters, line breaks.
ALPHABET = "aAbBsSfiIßẞσςΣİıﬁe\u0301中文字😀🚀 _-.\n"
text_strategy = st.text(alphabet=ALPHABET, max_size=60)
query_strategy = st.text(alphabet=ALPHABET, min_size=1, max_size=4)
IS_WORD = regex.compile(WORD_CHAR)


def spans(matches: Matches | FindError | None) -> list[tuple[int, int]]:
    assert isinstance(matches, Matches), matches
    return list(zip(matches.starts, matches.ends, strict=True))


def compiled(text: str, **options: bool) -> Query:
    query = compile_query(text, FindOptions(**options))
    assert isinstance(query, Query), query
    return query


def find_loop(text: str, query: str) -> list[tuple[int, int]]:
    """Case-sensitive literal search the obvious way."""
    found, i = [], 0
    while (k := text.find(query, i)) >= 0:
        found.append((k, k + len(query)))
        i = k + len(query)
    return found


def fold(text: str) -> str:
    """str.casefold, with the four Turkish i's made one."""
    return "".join("i" if c in "İı" else c.casefold() for c in text)


def folding_loop(text: str, query: str) -> list[tuple[int, int]]:
    """Case-insensitive literal search by brute force over case folding."""
    folded, found, i = fold(query), [], 0
    while i < len(text):
        for j in range(i + 1, len(text) + 1):
            piece = fold(text[i:j])
            if piece == folded:
                found.append((i, j))
                i = j
                break
            if not folded.startswith(piece):
                i += 1
                break
        else:
            i += 1
    return found


def is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and IS_WORD.fullmatch(text[index]) is not None


def whole_word_loop(text: str, query: str) -> list[tuple[int, int]]:
    """Whole-word literal search: every occurrence left to right, kept when each edge is
    either not a word character or does not touch one."""
    found, i = [], 0
    while (k := text.find(query, i)) >= 0:
        end = k + len(query)
        left = not is_word(text, k - 1) or not is_word(text, k)
        right = not is_word(text, end) or not is_word(text, end - 1)
        if left and right:
            found.append((k, end))
            i = end
        else:
            i = k + 1
    return found


# ---- literal searches against the obvious loops ----------------------------------------------

@PROPERTY
@given(text_strategy, query_strategy)
def test_case_sensitive_literal_equals_a_find_loop(text: str, query: str) -> None:
    assert spans(find_all(compiled(query, match_case=True), text)) == find_loop(text, query)


@PROPERTY
@given(text_strategy, query_strategy)
def test_case_insensitive_literal_equals_case_folding(text: str, query: str) -> None:
    assert spans(find_all(compiled(query), text)) == folding_loop(text, query)


@PROPERTY
@given(text_strategy, query_strategy)
def test_whole_word_equals_a_boundary_loop(text: str, query: str) -> None:
    found = spans(find_all(compiled(query, match_case=True, whole_word=True), text))
    assert found == whole_word_loop(text, query)


def test_case_folding_examples() -> None:
    text = "Straße STRASSE strasse ΣΑΣ σας İi Iı"
    assert spans(find_all(compiled("strasse"), text)) == [(0, 6), (7, 14), (15, 22)]
    assert spans(find_all(compiled("ß"), text)) == [(4, 5), (11, 13), (19, 21)]
    sigma = spans(find_all(compiled("σ"), text))
    assert [text[a:b] for a, b in sigma] == ["Σ", "Σ", "σ", "ς"]
    # The four Turkish i's match one another: "istanbul" finds "İstanbul".
    assert [text[a:b] for a, b in spans(find_all(compiled("i"), text))] == list("İiIı")
    assert spans(find_all(compiled("istanbul"), "İSTANBUL Istanbul")) == [(0, 8), (9, 17)]
    assert spans(find_all(compiled("Straße", match_case=True), text)) == [(0, 6)]


def test_whole_word_on_chinese_and_mixed_text() -> None:
    text = "用GPU加速，myGPU 不算；中文很好，学中文。GPU-fast"
    gpu = spans(find_all(compiled("GPU", whole_word=True), text))
    assert [(a, text[a - 1:b + 1]) for a, b in gpu] == [(1, "用GPU加"),
                                                         (text.index("GPU-"), "。GPU-")]
    # A Chinese query has no word edges: found wherever it occurs, and the bar says so.
    chinese = spans(find_all(compiled("中文", whole_word=True), text))
    assert chinese == [(a.start(), a.end()) for a in re.finditer("中文", text)]
    assert not applies_whole_word("中文") and not applies_whole_word("GPU加速")
    assert applies_whole_word("GPU") and applies_whole_word("café")
    # Edges that are not word characters need no boundary (as in VS Code).
    start = text.index("-fast")
    assert spans(find_all(compiled("-fast", whole_word=True), text)) == [(start, start + 5)]


# ---- regular expressions against re ---------------------------------------------------------

ATOMS = st.sampled_from(["a", "b", "s", "中", "😀", ".", r"\w", r"\d", r"\s", "[ab中]",
                         "[^a]", "^", "$", r"\b", "x", " ", r"\n"])


def _quantified(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["*", "+", "?", "{1,2}", "*?"])).map("".join),
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda p: f"{p[0]}|{p[1]}"),
        inner.map(lambda p: f"({p})"),
    )


def valid_for_re(pattern: str) -> bool:
    """The regex module accepts a few patterns re refuses ("a**", "^*"): no oracle there."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


patterns = st.recursive(ATOMS, _quantified, max_leaves=6)
regex_text = st.text(alphabet="abs中😀 x1\n", max_size=40)


@PROPERTY
@given(regex_text, patterns)
def test_regular_expressions_equal_re_finditer(text: str, pattern: str) -> None:
    assume(valid_for_re(pattern))
    expected = [m.span() for m in re.finditer(pattern, text, re.MULTILINE)]
    assert spans(find_all(compiled(pattern, match_case=True, regex=True), text)) == expected
    assert spans(find_all(compiled(pattern, regex=True), text.upper())) == \
        [m.span() for m in re.finditer(pattern, text.upper(), re.MULTILINE | re.IGNORECASE)]


@PROPERTY
@given(regex_text, patterns, st.sampled_from(["-", r"<\g<0>>", r"\n", "", "替换😀"]))
def test_replace_all_equals_re_sub(text: str, pattern: str, template: str) -> None:
    assume(valid_for_re(pattern))
    query = compiled(pattern, match_case=True, regex=True)
    groups = query.pattern.groups
    if groups:
        template += r"[\1]"
    plan = plan_replace_all(query, text, template)
    assert isinstance(plan, ReplacePlan)
    assert plan.apply(text) == re.sub(pattern, template, text, flags=re.MULTILINE)


@PROPERTY
@given(text_strategy, query_strategy, st.text(alphabet="\\1gn<>中😀x", max_size=5))
def test_literal_replace_all_equals_str_replace(text: str, query: str, new: str) -> None:
    """With regular expressions off, backslashes in the replacement are plain text."""
    plan = plan_replace_all(compiled(query, match_case=True), text, new)
    assert isinstance(plan, ReplacePlan)
    assert plan.apply(text) == text.replace(query, new)


def test_replace_all_with_groups_and_names() -> None:
    query = compiled(r"(?P<word>\w+)@(\d)", regex=True)
    plan = plan_replace_all(query, "ab@1 中文@2 x@", r"\2:\g<word>")
    assert isinstance(plan, ReplacePlan) and plan.apply("ab@1 中文@2 x@") == "1:ab 2:中文 x@"
    chinese = plan_replace_all(compiled("查找"), "先查找，再查找。", "搜索")
    assert isinstance(chinese, ReplacePlan)
    assert chinese.apply("先查找，再查找。") == "先搜索，再搜索。"


def test_replace_one_finds_the_match_again_with_its_context() -> None:
    text = "cat scat cat"
    query = compiled(r"\bc(a)t", regex=True)
    assert replace_one(query, text, 9, 12, r"d\1g") == "dag"
    assert replace_one(query, text, 5, 8, "x") is None  # "cat" in "scat": no \b before it
    assert replace_one(compiled("cat"), text, 0, 3, r"\1") == r"\1"


# ---- errors are messages ---------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["(", "[a", "a{2,1}", "\\", "(?P<x>a)(?Px)", "*",
                                     "(?<=a+", r"\p{NoSuchScript}", "a)"])
def test_bad_regular_expressions_give_a_message(pattern: str) -> None:
    for whole_word in (False, True):
        error = compile_query(pattern, FindOptions(regex=True, whole_word=whole_word))
        assert isinstance(error, FindError) and error.kind == "pattern" and error.detail
    assert isinstance(compile_query(pattern, FindOptions()), Query)  # literal: fine


@PROPERTY
@given(st.text(alphabet="()[]{}\\*+?|^$.aP<>=!-0123456789,:#imsx", min_size=1, max_size=12),
       st.booleans(), st.booleans())
def test_any_typed_pattern_compiles_or_gives_a_message(pattern: str, whole_word: bool,
                                                       match_case: bool) -> None:
    result = compile_query(pattern, FindOptions(match_case, whole_word, regex=True))
    assert isinstance(result, Query | FindError)
    if isinstance(result, Query):
        assert isinstance(find_all(result, "a(b)c [中] 😀\n", timeout=1.0),
                          Matches | FindError)


@pytest.mark.parametrize("template", [r"\3", r"\g<nope>", "\\"])
def test_bad_replacements_give_a_message(template: str) -> None:
    query = compiled(r"(a)(?P<b>b)", regex=True)
    error = plan_replace_all(query, "ab ab", template)
    assert isinstance(error, FindError) and error.kind == "replacement" and error.detail
    assert isinstance(replace_one(query, "ab", 0, 2, template), FindError)


def test_a_catastrophic_pattern_times_out() -> None:
    query = compiled(r"(a|aa)+$", regex=True)
    error = find_all(query, "a" * 60 + "b", timeout=0.2)
    assert isinstance(error, FindError) and error.kind == "timeout"
    plan = plan_replace_all(query, "a" * 60 + "b", "x", timeout=0.2)
    assert isinstance(plan, FindError) and plan.kind == "timeout"


def test_whole_word_keeps_leading_flags_and_verbose_comments() -> None:
    assert spans(find_all(compiled("(?i)foo", regex=True, match_case=True, whole_word=True),
                          "FOO food foo")) == [(0, 3), (9, 12)]
    assert spans(find_all(compiled("(?x) f o o  # a comment", regex=True, whole_word=True),
                          "foo food")) == [(0, 3)]


def test_limit_and_cancel() -> None:
    text = "ab" * 5000
    capped = find_all(compiled("a"), text, limit=10)
    assert isinstance(capped, Matches) and len(capped) == 10 and capped.truncated
    assert find_all(compiled("a"), text, cancelled=lambda: True) is None
    assert plan_replace_all(compiled("a"), text, "b", cancelled=lambda: True) is None


# ---- UTF-16 positions -----------------------------------------------------------------------

def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


@PROPERTY
@given(st.text(alphabet="a中😀🚀\n\u0301", max_size=50))
def test_utf16_positions_match_qt_counting(text: str) -> None:
    mapping = Utf16Map(text)
    indices = list(range(len(text) + 1))
    expected = [utf16(text, i) for i in indices]
    assert [mapping.to_utf16(i) for i in indices] == expected
    assert list(mapping.to_utf16_many(indices)) == expected
    assert [mapping.from_utf16(u) for u in expected] == indices
    for i, char in enumerate(text):  # inside a surrogate pair: the character's own offset
        if ord(char) > 0xFFFF:
            assert mapping.from_utf16(expected[i] + 1) == i
    assert mapping.identity == all(ord(c) <= 0xFFFF for c in text)


@PROPERTY
@given(st.text(alphabet="ab中😀 ", max_size=40), st.sampled_from(["a", "😀", "b😀", "中"]))
def test_matches_in_utf16_select_the_right_text(text: str, query: str) -> None:
    matches = find_all(compiled(query, match_case=True), text)
    assert isinstance(matches, Matches)
    mapping = Utf16Map(text)
    units = text.encode("utf-16-le")
    for start, end in zip(mapping.to_utf16_many(matches.starts),
                          mapping.to_utf16_many(matches.ends), strict=True):
        assert units[start * 2:end * 2].decode("utf-16-le") == query
