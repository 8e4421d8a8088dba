"""File → Export → PDF, with Qt's own printing (QTextDocument onto a QPdfWriter).

The text is laid out in the editor's font, with Chinese faces after it in the family list
so Chinese never comes out as empty boxes: Qt embeds the glyphs it used from whichever
face has them. Plain text keeps its lines as they are; Markdown is the HTML exporter's
markup laid out by Qt's rich text (headings, emphasis, code, quotes, lists, links).
The page is A4, or Letter where the locale's country uses it; the margins are Qt's own
for printed documents (2 cm), so the writer's page layout has none of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLocale, QMarginsF
from PySide6.QtGui import (
    QFont,
    QFontInfo,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QRawFont,
    QTextDocument,
)

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
    return fix_radical_mappings(bytes(data.data()), source.text, document.defaultFont())


def export_pdf(source: ExportSource, path: Path, font: QFont) -> None:
    """Write the PDF to `path` atomically."""
    write_bytes_atomically(Path(path), pdf_bytes(source, font))


# ---- text that copies and searches as typed -----------------------------------------------

RADICALS = range(0x2E80, 0x2FE0)  # CJK Radicals Supplement and Kangxi Radicals
_CMAP = re.compile(rb"begincmap.*?endcmap", re.S)
_RANGE_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*)(.+)$", re.M)
_CHAR_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s*)(<[0-9A-Fa-f]{4}>)\s*$", re.M)
_CODE = re.compile(rb"<([0-9A-Fa-f]{4})>")


def radical_replacements(text: str, font: QFont) -> dict[int, int]:
    """Radicals a PDF's text map would wrongly name, and the characters really typed.

    Qt names each embedded glyph by the lowest code point the font maps to it, and CJK
    fonts draw 文 and the Kangxi radical ⽂ (U+2F42) with one glyph — so 文, 风, 鸟,
    雨 and hundreds more would copy and search as radicals. For each radical not in the
    text whose glyph is that of a character in the text, in one of the fonts laid out
    with, the character is the right name.
    """
    typed = {char for char in text if 0x3400 <= ord(char) <= 0xFAFF}
    if not typed:
        return {}
    present = {ord(char) for char in text if ord(char) in RADICALS}
    radicals = [code for code in RADICALS if code not in present]
    characters = sorted(typed)
    found: dict[int, int] = {}
    for family in font.families():
        probe = QFont(font)
        probe.setFamilies([family])
        if QFontInfo(probe).family() != family:
            continue  # not installed: Qt would measure a stand-in
        raw = QRawFont.fromFont(probe)
        if not raw.isValid():
            continue
        glyphs = raw.glyphIndexesForString("".join(characters))
        if len(glyphs) != len(characters):
            continue
        owner = {glyph: char for glyph, char in zip(glyphs, characters, strict=True) if glyph}
        radical_glyphs = raw.glyphIndexesForString("".join(map(chr, radicals)))
        if len(radical_glyphs) != len(radicals):
            continue
        for code, glyph in zip(radicals, radical_glyphs, strict=True):
            if glyph and glyph in owner and code not in found:
                found[code] = ord(owner[glyph])
    return found


def fix_radical_mappings(data: bytes, text: str, font: QFont) -> bytes:
    """The PDF with its ToUnicode maps naming typed characters instead of radicals (see
    radical_replacements). Codes keep their width, so no object moves and the file's
    cross-reference table stays right; maps Qt ever compresses are left as they are."""
    replacements = radical_replacements(text, font)
    if not replacements:
        return data

    def fix_codes(codes: bytes) -> bytes:
        def one(match: re.Match[bytes]) -> bytes:
            code = int(match.group(1), 16)
            return b"<%04X>" % replacements.get(code, code)

        return _CODE.sub(one, codes)

    def fix_cmap(match: re.Match[bytes]) -> bytes:
        cmap = match.group()
        cmap = _RANGE_LINE.sub(lambda m: m.group(1) + (
            fix_codes(m.group(2)) if m.group(2).startswith(b"[") else m.group(2)), cmap)
        return _CHAR_LINE.sub(lambda m: m.group(1) + fix_codes(m.group(2)), cmap)

    fixed = _CMAP.sub(fix_cmap, data)
    return fixed if len(fixed) == len(data) else data
