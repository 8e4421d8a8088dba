"""File → Export → HTML: one standalone UTF-8 page that reads well and holds the text.

Markdown goes through markdown-it-py (CommonMark, the parser of the Python ecosystem's
documentation tools — MyST, Jupyter, rich — and the same rules the editor's Markdown
highlighting follows), with raw HTML turned off: a `<script>` in the text is shown as
text, never run, and links such as `javascript:` are refused by its link validator.
Plain text becomes paragraphs at blank lines, its line breaks and indents kept.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

from writer_app.atomic import write_bytes_atomically
from writer_app.export.source import ExportSource

# A calm reading column; system fonts with CJK fallbacks; a dark variant for dark systems.
STYLE = """\
:root { color-scheme: light dark; }
body { max-width: 40em; margin: 3em auto; padding: 0 1.5em; line-height: 1.65;
  font-family: "Source Serif 4", "Noto Serif", Georgia, Cambria, "Noto Serif CJK SC",
    "Songti SC", "SimSun", serif;
  font-size: 1.125rem; color: #222; background: #fdfdfb; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 1.6em 0 0.6em; }
p { margin: 0 0 1em; }
.plain p { white-space: pre-wrap; }
a { color: #1a5fb4; }
code, pre { font-family: "DejaVu Sans Mono", Consolas, Menlo, "Noto Sans Mono CJK SC",
  monospace; font-size: 0.9em; background: rgba(127, 127, 127, 0.12); border-radius: 3px; }
code { padding: 0.1em 0.3em; }
pre { padding: 0.8em 1em; overflow-x: auto; white-space: pre-wrap; }
pre code { padding: 0; background: none; }
blockquote { margin: 0 0 1em; padding: 0 1em; border-left: 3px solid #bbb; color: #555; }
hr { border: none; border-top: 1px solid #ccc; margin: 2em 0; }
img { max-width: 100%; }
@media (prefers-color-scheme: dark) {
  body { color: #ddd; background: #1e1e1e; }
  a { color: #78aeed; }
  blockquote { color: #aaa; border-left-color: #555; }
  hr { border-top-color: #444; }
}
@media print { body { margin: 0; max-width: none; } }
"""

_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


def markdown_renderer() -> MarkdownIt:
    """CommonMark with raw HTML off (shown as text)."""
    return MarkdownIt("commonmark", {"html": False})


def body_html(source: ExportSource) -> str:
    """The document's content as HTML elements (no <html> around it): PDF export lays
    this out with Qt's rich text, HTML export wraps it in a page."""
    if source.markdown:
        return str(markdown_renderer().render(source.text))
    return "".join(f"<p>{html.escape(paragraph, quote=False)}</p>\n"
                   for paragraph in plain_paragraphs(source.text))


def plain_paragraphs(text: str) -> list[str]:
    """Plain text's paragraphs: cut at blank lines, each with its own line breaks."""
    return [paragraph for paragraph in _BLANK_LINES.split(text.strip("\n")) if paragraph]


def page_html(source: ExportSource) -> str:
    """A whole standalone page: charset, language, title, style and the content."""
    kind = "markdown" if source.markdown else "plain"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(source.language)}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Writer">\n'
        f"<title>{html.escape(source.title, quote=False)}</title>\n"
        f"<style>\n{STYLE}</style>\n</head>\n"
        f'<body>\n<article class="{kind}">\n{body_html(source)}</article>\n</body>\n</html>\n')


def export_html(source: ExportSource, path: Path) -> None:
    """Write the page to `path` atomically (a failed write leaves any old file whole)."""
    write_bytes_atomically(Path(path), page_html(source).encode("utf-8"))
