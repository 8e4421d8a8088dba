"""Markdown spans for highlighting: known cases, CommonMark's emphasis as markdown-it
renders it (the exporter), and no input that makes it raise or stray out of the line."""

from __future__ import annotations

import html

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from writer_app.text.markdown_spans import (
    NORMAL,
    PARAGRAPH,
    Kind,
    Span,
    inline_spans,
    line_spans,
    to_utf16,
)


def kinds(line: str, state: int = NORMAL) -> list[tuple[str, str, int]]:
    spans, _state = line_spans(line, state)
    return [(span.kind.value, line[span.start:span.end], span.level) for span in spans]


def lines(text: str) -> list[tuple[list[tuple[str, str]], int]]:
    """Each line's (kind, text) pairs and the state it leaves, as a highlighter runs."""
    state, result = -1, []
    for line in text.split("\n"):
        spans, state = line_spans(line, state)
        result.append(([(s.kind.value, line[s.start:s.end]) for s in spans], state))
    return result


# ---- known cases --------------------------------------------------------------------------


def test_atx_headings_have_their_level_and_dim_markers() -> None:
    for level in range(1, 7):
        line = "#" * level + " Chapter"
        assert kinds(line) == [("heading", line, level), ("marker", "#" * level, 0)]
    assert kinds("####### seven") == []  # not a heading: more than six
    assert kinds("#hashtag") == []  # a heading needs a space after its #s
    assert kinds("   ## indented") == [("heading", "## indented", 2), ("marker", "##", 0)]
    assert kinds("    # four spaces") == []  # four spaces: indented code, not a heading


def test_a_heading_closing_sequence_and_emphasis_inside() -> None:
    assert kinds("# Title *it* ##") == [
        ("heading", "# Title *it* ##", 1), ("marker", "#", 0), ("marker", "##", 0),
        ("emphasis", "*it*", 0), ("marker", "*", 0), ("marker", "*", 0)]
    assert ("marker", "#", 0) not in kinds("# C#")[2:]  # "C#" keeps its #


def test_chinese_headings_and_strong() -> None:
    assert kinds("# 第一章 春眠") == [("heading", "# 第一章 春眠", 1), ("marker", "#", 0)]
    assert kinds("**中文**") == [("strong", "**中文**", 0), ("marker", "**", 0),
                               ("marker", "**", 0)]
    assert ("strong", "**中文**", 0) in kinds("这是**中文**。")
    assert ("emphasis", "*春眠不觉晓*", 0) in kinds("孟浩然：*春眠不觉晓*，处处闻啼鸟")


def test_emphasis_strong_and_both() -> None:
    assert ("emphasis", "*a*", 0) in kinds("x *a* y")
    assert ("emphasis", "_a_", 0) in kinds("x _a_ y")
    assert ("strong", "**a**", 0) in kinds("x **a** y")
    assert ("strong", "__a__", 0) in kinds("x __a__ y")
    both = kinds("***both***")
    assert ("strong", "**both**", 0) in both and ("emphasis", "***both***", 0) in both
    nested = kinds("*outer **inner** outer*")
    assert ("emphasis", "*outer **inner** outer*", 0) in nested
    assert ("strong", "**inner**", 0) in nested


def test_intraword_underscores_are_not_emphasis() -> None:
    assert kinds("call snake_case_name here") == []
    assert kinds("__init__ and my__private__name") == [("strong", "__init__", 0),
                                                       ("marker", "__", 0), ("marker", "__", 0)]
    assert ("emphasis", "*rd*", 0) in kinds("wo*rd*s")  # * may, unlike _


def test_unmatched_and_escaped_delimiters_are_text() -> None:
    assert kinds("2 * 3 * 4") == []
    assert kinds("a \\*not\\* b") == []
    assert kinds("**never closed") == []


def test_code_spans_win_over_emphasis() -> None:
    assert kinds("`a*b*c`") == [("code", "`a*b*c`", 0), ("marker", "`", 0), ("marker", "`", 0)]
    assert ("code", "``a ` b``", 0) in kinds("x ``a ` b`` y")
    assert kinds("*a `*` b*")[0] == ("code", "`*`", 0)
    assert ("emphasis", "*a `*` b*", 0) in kinds("*a `*` b*")
    assert kinds("`unclosed *em*")[0] == ("emphasis", "*em*", 0)


def test_fenced_code_across_lines() -> None:
    text = "before *em*\n```python\nx = '**not strong**'\n\n# not a heading\n```\nafter *em*"
    result = lines(text)
    assert result[1][0][0] == ("fence", "```python")
    assert result[2][0] == [("code_block", "x = '**not strong**'")]
    assert result[3][0] == []  # a blank line stays inside the fence
    assert result[4][0] == [("code_block", "# not a heading")]
    assert result[5][0][0] == ("fence", "```") and result[5][1] == NORMAL
    assert ("emphasis", "*em*") in result[6][0]


def test_fences_close_only_with_their_own_kind_and_length() -> None:
    result = lines("~~~~\n```\n~~~\n~~~~~\nafter")
    assert result[1][0] == [("code_block", "```")]
    assert result[2][0] == [("code_block", "~~~")]  # shorter than the opening
    assert result[3][0][0] == ("fence", "~~~~~")
    assert result[4][1] == PARAGRAPH
    spans, state = line_spans("``` with `backtick` info")  # no backtick in a fence's info
    assert state == PARAGRAPH and Kind.FENCE not in {s.kind for s in spans}


def test_setext_underlines_need_a_paragraph_line_above() -> None:
    result = lines("Title\n=====\n\n---\nSubtitle\n---")
    assert result[1][0] == [("setext", "=====")]
    assert result[3][0] == [("rule", "---")]  # after a blank line: a rule
    assert result[5][0] == [("setext", "---")]
    assert lines("# Heading\n===")[1][0] == []  # under a heading: just text


def test_quotes_lists_links_and_rules() -> None:
    quote = kinds("> said *he*")
    assert quote[:2] == [("marker", ">", 0), ("quote", "said *he*", 0)]
    assert ("emphasis", "*he*", 0) in quote
    assert kinds("- item")[0] == ("list_marker", "-", 0)
    assert kinds("  12) item")[0] == ("list_marker", "12)", 0)
    assert kinds("* * *") == [("rule", "* * *", 0)]
    assert kinds("___") == [("rule", "___", 0)]
    link = kinds("see [the *docs*](https://example.com/a_(b)) now")
    assert ("link_text", "[the *docs*]", 0) in link
    assert ("link_url", "(https://example.com/a_(b))", 0) in link
    assert ("emphasis", "*docs*", 0) in link
    assert ("link_url", "<https://example.com>", 0) in kinds("<https://example.com>")
    assert kinds("[not a link] (space)") == []


def test_utf16_offsets_count_astral_characters_twice() -> None:
    text = "😀 **中文😀** x"
    spans = [s for s in inline_spans(text) if s.kind is Kind.STRONG]
    assert [text[s.start:s.end] for s in spans] == ["**中文😀**"]
    (utf16,) = to_utf16(text, spans)
    encoded = text.encode("utf-16-le")
    assert encoded[2 * utf16.start:2 * utf16.end].decode("utf-16-le") == "**中文😀**"
    assert to_utf16("ascii", [Span(0, 5, Kind.CODE)]) == [Span(0, 5, Kind.CODE)]


# ---- CommonMark, as the exporter renders it -----------------------------------------------

RENDERER = MarkdownIt("commonmark")


def render_from_spans(text: str) -> str:
    """Inline HTML built from our emphasis and code spans, as markdown-it would write it."""
    spans = inline_spans(text)
    codes = {s.start: s for s in spans if s.kind is Kind.CODE}
    skip: set[int] = set()
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, list[tuple[int, str]]] = {}
    for span in spans:
        if span.kind in (Kind.EMPHASIS, Kind.STRONG):
            used, tag = (2, "strong") if span.kind is Kind.STRONG else (1, "em")
            skip.update(range(span.start, span.start + used))
            skip.update(range(span.end - used, span.end))
            opens.setdefault(span.start, []).append((span.end, tag))
            closes.setdefault(span.end, []).append((span.start, tag))
    out, i = [], 0
    while i <= len(text):
        out += [f"</{tag}>" for _s, tag in sorted(closes.get(i, []), key=lambda c: -c[0])]
        out += [f"<{tag}>" for _e, tag in sorted(opens.get(i, []), key=lambda o: -o[0])]
        if i in codes:
            code = codes[i]
            run = len(text[i:code.end]) - len(text[i:code.end].lstrip("`"))
            body = text[i + run:code.end - run]
            if len(body) >= 2 and body[0] == body[-1] == " " and body.strip(" "):
                body = body[1:-1]
            out.append(f"<code>{html.escape(body, quote=False)}</code>")
            i = code.end
            continue
        if i < len(text) and i not in skip:
            out.append(html.escape(text[i], quote=False))
        i += 1
    return "".join(out)


@settings(max_examples=800, derandomize=True)
@given(st.text(alphabet="ab 中*_.`", max_size=18))
@example("**「中文」**是")
@example("*a **b** c*")
@example("_a_b_ __x_y__")
def test_emphasis_and_code_match_markdown_it(text: str) -> None:
    assert render_from_spans(text) == RENDERER.renderInline(text)


# ---- never raises, never strays -----------------------------------------------------------


@settings(max_examples=400, derandomize=True)
@given(st.lists(st.text(max_size=40), max_size=8), st.integers(-5, 1 << 10))
def test_any_lines_give_spans_inside_each_line(text_lines: list[str], state: int) -> None:
    for line in text_lines:
        spans, state = line_spans(line, state)
        assert isinstance(state, int) and state >= 0
        for span in spans:
            assert span.start >= 0 and span.length > 0 and span.end <= len(line), span
        units = len(line.encode("utf-16-le", "surrogatepass")) // 2
        for span in to_utf16(line, spans):
            assert span.start >= 0 and span.end <= units


@settings(max_examples=300, derandomize=True)
@given(st.text(alphabet="#*_`~>-=[]()<>\\ a中😀1.", max_size=60))
def test_markdown_heavy_text_never_raises(line: str) -> None:
    spans, _state = line_spans(line, PARAGRAPH)
    assert all(s.start >= 0 and s.end <= len(line) for s in spans)


def test_a_long_line_of_delimiters_stays_fast_enough_to_finish() -> None:
    # Pathological lines (thousands of unmatched runs, brackets, backticks) finish: each
    # scan is bounded, so these lines cost about their length, not its square.
    for line in ("*a " * 20_000, "[" * 20_000, "`" + " ``" * 10_000, "_a_b" * 20_000):
        spans, _state = line_spans(line)
        assert all(s.end <= len(line) for s in spans)
