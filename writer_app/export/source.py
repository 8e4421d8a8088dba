"""What an export starts from: the text, whether it is Markdown, its title and language.

The exporters share this so that HTML, PDF and Word agree on the title and language, and
so that text no HTML or Word file may hold is cleaned once, the same way for all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
# Characters XML 1.0 (so .docx) forbids and HTML shows as garbage: C0 controls other
# than tab and line feed, lone surrogates, and the two non-characters U+FFFE and U+FFFF.
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def is_markdown_path(path: Path | str | None) -> bool:
    """Whether a file's name says it is Markdown (.md, .markdown, .mdown, .mkd)."""
    return path is not None and Path(path).suffix.lower() in MARKDOWN_SUFFIXES


def clean_text(text: str) -> str:
    """The text with line endings as "\\n" and characters no export may hold left out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWRITABLE.sub("", text)


def inline_text(markdown: str) -> str:
    """What a line of Markdown reads as, markup left out ("*Ch. 1*" → "Ch. 1")."""
    tokens = MarkdownIt("commonmark").parseInline(markdown)
    return "".join(child.content for token in tokens for child in token.children or ()
                   if child.type in ("text", "code_inline"))


def is_mostly_cjk(text: str, sample: int = 4000) -> bool:
    """Whether (the start of) the text is mostly Chinese, Japanese or Korean, counted as
    words are read: each CJK character one word, each run of other letters one word."""
    cjk = other = 0
    in_word = False
    for char in text[:sample]:
        if char.isalpha():
            if unicodedata.name(char, "").startswith(("CJK", "HIRAGANA", "KATAKANA",
                                                      "HANGUL")):
                cjk += 1
                in_word = False
            else:
                other += not in_word
                in_word = True
        else:
            in_word = False
    return cjk > 0 and cjk >= other


@dataclass(frozen=True)
class ExportSource:
    """The document as every exporter sees it."""

    text: str  # cleaned (see clean_text)
    title: str
    language: str  # a BCP 47 tag for the file's lang attribute ("en", "zh-CN")
    markdown: bool

    @classmethod
    def of(cls, text: str, path: Path | None, ui_language: str = "en",
           untitled: str = "Untitled") -> ExportSource:
        """From the editor's text and the document's path (None: never saved).

        The title is a Markdown document's first heading, else the file's name without
        its suffix; the language is Chinese when most letters are, else `ui_language`.
        """
        text = clean_text(text)
        markdown = is_markdown_path(path)
        title = ""
        if markdown:
            heading = next((m.group(1) for line in text.split("\n", 200)[:200]
                            if (m := _HEADING.match(line))), "")
            title = inline_text(heading).strip()
        if not title:
            title = Path(path).stem if path is not None else untitled
        if is_mostly_cjk(text):
            language = "zh-CN" if not ui_language.lower().startswith("zh") else ui_language
        else:
            language = ui_language or "en"
        return cls(text, title, language, markdown)
