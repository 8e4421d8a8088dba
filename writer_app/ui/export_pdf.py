"""File → Export → PDF, with Qt's own printing (QTextDocument onto a QPdfWriter).

The text is laid out in the editor's font, with Chinese faces after it in the family list
so Chinese never comes out as empty boxes: Qt embeds the glyphs it used from whichever
face has them. Plain text keeps its lines as they are; Markdown is the HTML exporter's
markup laid out by Qt's rich text (headings, emphasis, code, quotes, lists, links).
The page is A4, or Letter where the locale's country uses it; the margins are Qt's own
for printed documents (2 cm), so the writer's page layout has none of its own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLocale, QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from writer_app.atomic import write_bytes_atomically
from writer_app.export.html import body_html
from writer_app.export.source import ExportSource

CJK_FALLBACKS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC",
                 "Source Han Sans SC", "Songti SC", "PingFang SC", "SimSun",
                 "Microsoft YaHei", "WenQuanYi Micro Hei", "Droid Sans Fallback")
MONOSPACE = ("DejaVu Sans Mono", "Consolas", "Menlo", "Noto Sans Mono CJK SC", "monospace")
# Countries whose paper is US Letter (the rest of the world uses A4).
LETTER_COUNTRIES = frozenset({
    QLocale.Country.UnitedStates, QLocale.Country.Canada, QLocale.Country.Mexico,
    QLocale.Country.Philippines, QLocale.Country.Chile, QLocale.Country.Colombia,
    QLocale.Country.Venezuela, QLocale.Country.CostaRica, QLocale.Country.Guatemala,
    QLocale.Country.PuertoRico, QLocale.Country.Panama, QLocale.Country.DominicanRepublic,
    QLocale.Country.ElSalvador, QLocale.Country.Nicaragua})
STYLE = (f"pre, code {{ font-family: {', '.join(repr(f) for f in MONOSPACE)}; }}"
         " blockquote { color: #555555; margin-left: 16px; }"
         " a { color: #1a5fb4; }")


def page_size_for(locale: QLocale | None = None) -> QPageSize:
    """Letter in the Americas' Letter countries, A4 everywhere else."""
    territory = (locale or QLocale()).territory()
    size = QPageSize.PageSizeId.Letter if territory in LETTER_COUNTRIES \
        else QPageSize.PageSizeId.A4
    return QPageSize(size)


def print_font(font: QFont) -> QFont:
    """The editor's font with Chinese faces to fall back on, in points (a PDF has no
    pixels)."""
    result = QFont(font)
    families = [f for f in font.families() if f] or [font.family()]
    result.setFamilies(families + [f for f in CJK_FALLBACKS if f not in families])
    if result.pointSizeF() <= 0:
        result.setPointSizeF(12.0)
    return result


def pdf_bytes(source: ExportSource, font: QFont, page_size: QPageSize | None = None) -> bytes:
    """The PDF file's bytes for the document."""
    document = QTextDocument()
    document.setDefaultFont(print_font(font))
    document.setDefaultStyleSheet(STYLE)
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, source.title)
    if source.markdown:
        document.setHtml(body_html(source))
    else:
        document.setPlainText(source.text)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(source.title)
    writer.setCreator("Writer")
    writer.setPageLayout(QPageLayout(page_size or page_size_for(),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0),  # QTextDocument adds 2 cm
                                     QPageLayout.Unit.Millimeter))
    document.print_(writer)
    del writer  # finishes the file
    buffer.close()
    return bytes(data.data())


def export_pdf(source: ExportSource, path: Path, font: QFont) -> None:
    """Write the PDF to `path` atomically."""
    write_bytes_atomically(Path(path), pdf_bytes(source, font))
