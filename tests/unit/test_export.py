"""File → Export: HTML holds the text and runs nothing, Word files open with their headings,
emphasis and Chinese fonts, PDF is a real PDF whose Chinese glyphs are there."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from writer_app.export.docx import docx_bytes, export_docx
from writer_app.export.html import export_html, page_html, plain_paragraphs
from writer_app.export.source import ExportSource, clean_text, is_markdown_path

POEM = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"
MARKDOWN = f"""# Spring *Dawn* 春晓

Meng Haoran wrote **{POEM[:5]}** and _more_ in `code`.

## Second heading

> a quote

- one
- two

[a link](https://example.com/a?b=1&c=2)

```
<script>alert("fence")</script>
```

<script>alert("raw")</script>
"""


class _TextOf(HTMLParser):
    """The text inside <article>, the tags met, and every <script>'s content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.in_script = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.inside |= tag == "article"
        self.in_script |= tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.inside &= tag != "article"
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.scripts.append(data)
        if self.inside:
            self.text.append(data)


def parse(page: str) -> _TextOf:
    parser = _TextOf()
    parser.feed(page)
    parser.close()
    return parser


# ---- the source ---------------------------------------------------------------------------


def test_source_title_language_and_kind() -> None:
    source = ExportSource.of(MARKDOWN, Path("/notes/dawn.md"))
    assert source.markdown and source.title == "Spring Dawn 春晓" and source.language == "en"
    chinese = ExportSource.of(POEM, Path("/notes/春晓.txt"))
    assert not chinese.markdown and chinese.title == "春晓" and chinese.language == "zh-CN"
    assert ExportSource.of("x", None, untitled="未命名").title == "未命名"
    assert [is_markdown_path(n) for n in ("a.MD", "a.markdown", "a.mdown", "a.mkd", "a.txt",
                                          "md", None)] == [True] * 4 + [False] * 3


def test_clean_text_keeps_lines_and_drops_what_no_file_may_hold() -> None:
    assert clean_text("a\r\nb\rc\n\td\x00e\x0bf\ufffe😀") == "a\nb\nc\n\tdef😀"


# ---- HTML ---------------------------------------------------------------------------------


def test_html_page_has_charset_language_title_and_style(tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    export_html(ExportSource.of(POEM, Path("春晓.txt")), target)
    page = target.read_bytes().decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN">' in page
    assert "<title>春晓</title>" in page and "<style>" in page
    assert "".join(parse(page).text).strip() == POEM


def test_markdown_html_has_structure_and_runs_no_script() -> None:
    page = page_html(ExportSource.of(MARKDOWN, Path("dawn.md")))
    parsed = parse(page)
    tags = [tag for tag, _attrs in parsed.tags]
    for tag in ("h1", "h2", "em", "strong", "code", "blockquote", "ul", "li", "a", "pre"):
        assert tag in tags, tag
    assert "script" not in tags and not parsed.scripts
    assert "&lt;script&gt;alert(&quot;raw&quot;)&lt;/script&gt;" in page
    assert ("a", {"href": "https://example.com/a?b=1&c=2"}) in parsed.tags
    text = "".join(parsed.text)
    assert f"Meng Haoran wrote {POEM[:5]} and more in code." in text
    assert '<script>alert("fence")</script>' in text  # shown, as text


def test_a_javascript_link_is_not_a_link() -> None:
    page = page_html(ExportSource.of("[x](javascript:alert(1))", Path("a.md")))
    assert "href" not in page


def test_plain_html_escapes_everything() -> None:
    text = '<script>alert("x")</script> & <b>not bold</b>'
    parsed = parse(page_html(ExportSource.of(text, Path("a.txt"))))
    assert not parsed.scripts and "b" not in [tag for tag, _ in parsed.tags]
    assert "".join(parsed.text).strip() == text


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=200, derandomize=True)
@given(TEXT)
@example("  indented\n\n\n\nnext <p> & 中文😀\n  two")
@example("\r\n\x00\x0c")
def test_plain_html_round_trips_the_text(text: str) -> None:
    """Parsed back, the page's paragraphs are the text's paragraphs, character for
    character (line breaks and indents kept; blank lines between paragraphs are the cut)."""
    source = ExportSource.of(text, Path("a.txt"))
    parsed = parse(page_html(source))
    paragraphs: list[str] = []
    inside = False
    parser = _Paragraphs(paragraphs)
    parser.feed(page_html(source))
    assert paragraphs == plain_paragraphs(clean_text(text)), parsed.text
    del inside


class _Paragraphs(HTMLParser):
    def __init__(self, out: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.out, self.inside = out, False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self.inside = True
            self.out.append("")

    def handle_endtag(self, tag: str) -> None:
        self.inside &= tag != "p"

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.out[-1] += data


# ---- Word ---------------------------------------------------------------------------------


def east_asian_font(run) -> str | None:
    fonts = run._r.rPr.find(qn("w:rFonts")) if run._r.rPr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_docx_opens_with_headings_emphasis_and_chinese_fonts(tmp_path: Path) -> None:
    target = tmp_path / "dawn.docx"
    export_docx(ExportSource.of(MARKDOWN, Path("dawn.md")), target)
    document = docx.Document(str(target))
    assert document.core_properties.title == "Spring Dawn 春晓"
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert styles[0] == ("Heading 1", "Spring Dawn 春晓")
    assert ("Heading 2", "Second heading") in styles
    assert ("Quote", "a quote") in styles
    assert ("List Bullet", "one") in styles and ("List Bullet", "two") in styles
    assert ('<script>alert("raw")</script>') in [text for _s, text in styles]
    body = document.paragraphs[1]
    runs = {run.text: run for run in body.runs}
    assert runs[POEM[:5]].bold and runs["more"].italic and runs["code"].font.name == "Consolas"
    assert east_asian_font(runs[POEM[:5]]) == "SimSun"
    heading_runs = {run.text: run for run in document.paragraphs[0].runs}
    assert heading_runs["Dawn"].italic and east_asian_font(heading_runs[" 春晓"]) == "SimHei"
    link = next(p for p in document.paragraphs if "a link" in p.text)
    assert link.hyperlinks and link.hyperlinks[0].url == "https://example.com/a?b=1&c=2"
    normal = document.styles["Normal"].element.rPr
    assert normal.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_plain_docx_keeps_paragraphs_and_line_breaks(tmp_path: Path) -> None:
    text = f"First line\n  second 中文 line\n\n\n{POEM}\n"
    target = tmp_path / "plain.docx"
    export_docx(ExportSource.of(text, Path("plain.txt")), target)
    document = docx.Document(str(target))
    assert [p.text for p in document.paragraphs] == ["First line\n  second 中文 line", POEM]
    assert all(east_asian_font(run) == "SimSun" for p in document.paragraphs for run in p.runs)


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.booleans())
@example("a\x00b\x1b[0m\ufffe\n\n**中**", True)
def test_any_text_makes_a_word_file_that_opens(text: str, markdown: bool) -> None:
    import io

    source = ExportSource.of(text, Path("a.md" if markdown else "a.txt"))
    document = docx.Document(io.BytesIO(docx_bytes(source)))
    if not markdown:
        assert [p.text for p in document.paragraphs] == plain_paragraphs(source.text)


# ---- PDF ----------------------------------------------------------------------------------


def pdf_characters(data: bytes) -> set[str]:
    """The characters a PDF's fonts map their glyphs to (their ToUnicode maps): a glyph
    missing from every font would be the empty glyph 0, mapped to nothing."""
    found: set[str] = set()

    def character(code: bytes) -> str:
        return bytes.fromhex(code.decode()).decode("utf-16-be", "replace")

    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = match.group(1)
        if b"begincmap" not in body:
            try:
                body = zlib.decompress(body)
            except zlib.error:
                continue
        for section in re.findall(rb"beginbfrange(.*?)endbfrange", body, re.S):
            for low, high, target in re.findall(
                    rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])",
                    section):
                if target.startswith(b"["):
                    found.update(character(c) for c in re.findall(rb"<([0-9A-Fa-f]+)>", target))
                else:
                    first = ord(character(target[1:-1])[0])
                    count = int(high, 16) - int(low, 16) + 1
                    found.update(chr(first + n) for n in range(count))
        for section in re.findall(rb"beginbfchar(.*?)endbfchar", body, re.S):
            found.update(character(c) for _glyph, c in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section))
    return found


@pytest.fixture
def chinese_font(qapp):
    from PySide6.QtGui import QFontDatabase

    if not QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        pytest.skip("no Chinese font installed (Debian: fonts-noto-cjk)")


def test_pdf_of_english_and_chinese_has_pages_and_the_glyphs(tmp_path: Path, qapp,
                                                             chinese_font) -> None:
    from PySide6.QtGui import QFont

    from writer_app.ui.editor import WRITING_FONTS
    from writer_app.ui.export_pdf import export_pdf

    font = QFont()
    font.setFamilies(list(WRITING_FONTS))
    font.setPointSize(13)
    text = f"# Spring Dawn\n\nThe poem begins {POEM}\n\n" + "More English text. " * 400
    target = tmp_path / "dawn.pdf"
    export_pdf(ExportSource.of(text, Path("dawn.md")), target, font)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 2  # 7,600 characters of English do not fit one page
    characters = pdf_characters(data)
    assert set(POEM) <= characters, set(POEM) - characters
    assert set("SpringDawn") <= characters
    if shutil.which("pdftotext"):  # poppler, where installed: the text reads back
        extracted = subprocess.run(["pdftotext", str(target), "-"], capture_output=True,
                                   check=True, text=True).stdout
        assert POEM[:12] in extracted.replace("\n", "") and "Spring Dawn" in extracted


def test_plain_pdf_keeps_every_line(tmp_path: Path, qapp, chinese_font) -> None:
    from PySide6.QtGui import QFont

    from writer_app.ui.export_pdf import pdf_bytes

    text = "line one\n  indented 中文\n\nafter a blank"
    data = pdf_bytes(ExportSource.of(text, Path("a.txt")), QFont())
    assert data.startswith(b"%PDF-") and {"中", "文", "i", "b"} <= pdf_characters(data)


def test_page_size_follows_the_locale(qapp) -> None:
    from PySide6.QtCore import QLocale
    from PySide6.QtGui import QPageSize

    from writer_app.ui.export_pdf import page_size_for

    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    china = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    germany = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert page_size_for(us).id() == QPageSize.PageSizeId.Letter
    assert page_size_for(china).id() == QPageSize.PageSizeId.A4
    assert page_size_for(germany).id() == QPageSize.PageSizeId.A4


def test_radicals_that_share_a_glyph_are_named_as_typed(qapp, chinese_font) -> None:
    """CJK fonts draw 文 and the radical ⽂ with one glyph; Qt would name it ⽂ in the PDF,
    so copying or searching 文 would fail. A radical the user typed stays a radical."""
    from PySide6.QtGui import QFont

    from writer_app.ui.export_pdf import print_font, radical_replacements

    font = print_font(QFont())
    found = radical_replacements("文风鸟雨 text", font)
    assert found[0x2F42] == ord("文") and found[0x2EE6] == ord("鸟")
    assert 0x2F42 not in radical_replacements("⽂ and 文", font)
    assert radical_replacements("no Chinese here", font) == {}
