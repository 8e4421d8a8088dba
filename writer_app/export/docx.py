"""File → Export → Word (.docx), with python-docx.

python-docx (MIT, on PyPI since 2013, pure Python over lxml) writes documents Word,
LibreOffice and Pages open without complaint, using Word's own built-in styles: headings
are Word's "Heading 1"…"Heading 6" (so they appear in the navigation pane and a table of
contents), emphasis is italic and bold runs. It gives the package, the default template
and its styles; the paragraphs and runs themselves are written as XML here, because it
has no call for hyperlinks or East Asian fonts and its own calls cost about a millisecond
a run. Every run names an East Asian font (w:eastAsia) and the styles say zh-CN, so
Chinese is set in a Chinese face instead of whatever the reader's Latin font falls to.

Markdown is parsed by markdown-it (the HTML exporter's parser), so both agree.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from docx import Document as new_document
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from lxml.etree import SubElement
from markdown_it.token import Token

from writer_app.atomic import write_bytes_atomically
from writer_app.export.html import markdown_renderer, plain_paragraphs
from writer_app.export.source import ExportSource

EAST_ASIAN_BODY = "SimSun"  # 宋体: in every Chinese Windows and Office; others map it
EAST_ASIAN_HEADING = "SimHei"  # 黑体
MONOSPACE = "Consolas"
LINK_COLOUR = "1A5FB4"
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def export_docx(source: ExportSource, path: Path) -> None:
    """Write the document to `path` atomically."""
    write_bytes_atomically(Path(path), docx_bytes(source))


def docx_bytes(source: ExportSource) -> bytes:
    document = new_document()
    document.core_properties.title = source.title
    document.core_properties.language = source.language
    _set_style_fonts(document)
    body = _Body(document)
    if source.markdown:
        _MarkdownWriter(body).write(markdown_renderer().parse(source.text))
    else:
        for paragraph_text in plain_paragraphs(source.text):
            _add_run(body.paragraph()._p, paragraph_text)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


class _Body:
    """Appends paragraphs to the document's body in constant time each.

    python-docx's add_paragraph looks for the section properties from the body's start
    and looks its style up by name every time: 11 ms a paragraph on a long document,
    minutes for a book. Here the end is found once and each style's id once.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.element = document.element.body
        self.end = self.element.find(qn("w:sectPr"))
        self.parent = document._body
        self.style_ids: dict[str, str] = {}

    def paragraph(self, style: str = "Normal") -> Paragraph:
        element = OxmlElement("w:p")
        if self.end is not None:
            self.end.addprevious(element)
        else:
            self.element.append(element)
        if style != "Normal":
            if style not in self.style_ids:
                self.style_ids[style] = self.document.styles[style].style_id
            element.style = self.style_ids[style]
        return Paragraph(element, self.parent)


# ---- fonts --------------------------------------------------------------------------------


def set_east_asian_font(run_properties, name: str) -> None:
    """Name the East Asian font in a w:rPr (a run's or a style's)."""
    run_properties.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _set_style_fonts(document: Document) -> None:
    """Chinese faces and zh-CN as the East Asian language in the styles we use."""
    for style in document.styles:
        element = getattr(style, "element", None)
        if element is None or not hasattr(style, "font"):
            continue
        name = style.name or ""
        face = EAST_ASIAN_HEADING if name.startswith(("Heading", "Title")) else EAST_ASIAN_BODY
        properties = element.get_or_add_rPr()
        set_east_asian_font(properties, face)
        language = properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            properties.insert_element_before(language, "w:eastAsianLayout", "w:specVanish",
                                             "w:oMath")
        language.set(qn("w:eastAsia"), "zh-CN")


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_BREAKS = re.compile(r"([\n\t])")


def _add_run(parent, text: str, *, bold: bool = False, italic: bool = False,
             code: bool = False, heading: bool = False, link: bool = False,
             half_points: int = 0):
    """Append a w:r to `parent` (a w:p or w:hyperlink) built directly in lxml — what
    python-docx's Run setters write, without their search for each child's place
    (about 1 ms a run: a minute for a book). "\n" is a line break, "\t" a tab."""
    run = SubElement(parent, qn("w:r"))
    properties = SubElement(run, qn("w:rPr"))  # children in the schema's order
    fonts = SubElement(properties, qn("w:rFonts"))
    if code:
        fonts.set(qn("w:ascii"), MONOSPACE)
        fonts.set(qn("w:hAnsi"), MONOSPACE)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_HEADING if heading else EAST_ASIAN_BODY)
    if bold:
        SubElement(properties, qn("w:b"))
    if italic:
        SubElement(properties, qn("w:i"))
    if link:
        SubElement(properties, qn("w:color")).set(qn("w:val"), LINK_COLOUR)
    if half_points:
        SubElement(properties, qn("w:sz")).set(qn("w:val"), str(half_points))
    if link:
        SubElement(properties, qn("w:u")).set(qn("w:val"), "single")
    for piece in _BREAKS.split(text):
        if piece == "\n":
            SubElement(run, qn("w:br"))
        elif piece == "\t":
            SubElement(run, qn("w:tab"))
        elif piece:
            element = SubElement(run, qn("w:t"))
            element.text = piece
            if piece[0].isspace() or piece[-1].isspace():
                element.set(_XML_SPACE, "preserve")
    return run


# ---- Markdown -----------------------------------------------------------------------------


@dataclass
class _Inline:
    """The emphasis and link in force while walking a paragraph's inline tokens."""

    bold: int = 0
    italic: int = 0
    link: object | None = None  # the w:hyperlink element runs go into


class _MarkdownWriter:
    """Walks markdown-it's block tokens and writes Word paragraphs."""

    def __init__(self, body: _Body) -> None:
        self.body = body
        self.heading = False  # writing a heading's runs
        self.lists: list[str] = []  # "bullet" or "number", outermost first
        self.quote = 0

    def write(self, tokens: list[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                level = int(token.tag[1])
                paragraph = self.body.paragraph(f"Heading {level}")
                self.heading = True
                self._inline(paragraph, tokens[index + 1])
                self.heading = False
                index += 2
            elif kind == "paragraph_open":
                paragraph = self.body.paragraph(self._paragraph_style())
                self._inline(paragraph, tokens[index + 1])
                index += 2
            elif kind in ("fence", "code_block"):
                self._code(token.content)
            elif kind == "hr":
                self._rule()
            elif kind == "bullet_list_open":
                self.lists.append("bullet")
            elif kind == "ordered_list_open":
                self.lists.append("number")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind == "html_block":  # only with raw HTML on; kept as text
                _add_run(self.body.paragraph()._p, token.content.rstrip("\n"))
            index += 1

    def _paragraph_style(self) -> str:
        if self.lists:
            base = "List Bullet" if self.lists[-1] == "bullet" else "List Number"
            depth = min(len(self.lists), 3)
            return base if depth == 1 else f"{base} {depth}"
        return "Quote" if self.quote else "Normal"

    def _inline(self, paragraph: Paragraph, inline: Token) -> None:
        state = _Inline()
        children = inline.children or []
        for position, child in enumerate(children):
            kind = child.type
            if kind == "text":
                self._text(paragraph, state, child.content)
            elif kind == "code_inline":
                self._text(paragraph, state, child.content, code=True)
            elif kind == "softbreak":
                before = children[position - 1].content[-1:] if position else ""
                after = children[position + 1].content[:1] if position + 1 < len(
                    children) else ""
                # A line break in the source is a space, except between Chinese characters.
                if not (_CJK.match(before or " ") and _CJK.match(after or " ")):
                    self._text(paragraph, state, " ")
            elif kind == "hardbreak":
                self._text(paragraph, state, "\n")
            elif kind == "strong_open":
                state.bold += 1
            elif kind == "strong_close":
                state.bold -= 1
            elif kind == "em_open":
                state.italic += 1
            elif kind == "em_close":
                state.italic -= 1
            elif kind == "link_open":
                state.link = self._hyperlink(paragraph, str(child.attrs.get("href", "")))
            elif kind == "link_close":
                state.link = None
            elif kind == "image":
                self._text(paragraph, state, child.content)  # its alt text
            elif kind in ("html_inline",):
                self._text(paragraph, state, child.content)

    def _text(self, paragraph: Paragraph, state: _Inline, text: str, code: bool = False) -> None:
        parent = paragraph._p if state.link is None else state.link
        _add_run(parent, text, bold=state.bold > 0, italic=state.italic > 0, code=code,
                 heading=self.heading, link=state.link is not None)

    def _hyperlink(self, paragraph: Paragraph, url: str):
        relation = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), relation)
        paragraph._p.append(link)
        return link

    def _code(self, content: str) -> None:
        paragraph = self.body.paragraph(self._paragraph_style())
        paragraph.paragraph_format.space_after = Pt(6)
        _add_run(paragraph._p, content.rstrip("\n"), code=True, half_points=20)  # 10 pt

    def _rule(self) -> None:
        """A horizontal rule: an empty paragraph with a bottom border."""
        paragraph = self.body.paragraph()
        properties = paragraph._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                            ("w:color", "999999")):
            bottom.set(qn(name), value)
        borders.append(bottom)
        properties.append(borders)
