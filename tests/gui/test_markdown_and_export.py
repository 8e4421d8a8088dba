"""Markdown highlighting and File → Export in the real window: formats on the right ranges
(Chinese and emoji included), only for Markdown files, the toggle, files saved byte for
byte, and exports that write their files and never touch the document's own."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from PySide6.QtGui import QFont, QPalette, QTextCharFormat

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/shots")
MARKDOWN = (
    "# 春晓 Spring Dawn\n"
    "\n"
    "Meng Haoran's **春眠不觉晓** is *the* poem; snake_case_name stays plain.\n"
    "😀 **中文** then `code` and [a link](https://example.com).\n"
    "\n"
    "## Second\n"
    "\n"
    "> 处处闻啼声\n"
    "\n"
    "- one\n"
    "- two\n"
    "\n"
    "```python\n"
    "x = '**not strong**'\n"
    "```\n"
)


def block(window, number: int):
    return window.editor.document().findBlockByNumber(number)


def format_at(window, line: int, column: int):
    """The highlighter's format at a line's UTF-16 `column` (None: plain)."""
    spans = block(window, line).layout().formats()
    for span in spans:
        if span.start <= column < span.start + span.length:
            return QTextCharFormat(span.format)  # a copy: the list's own dies with it
    return None


def is_bold(fmt) -> bool:
    return fmt is not None and fmt.fontWeight() >= QFont.Weight.Bold


def is_italic(fmt) -> bool:
    return fmt is not None and fmt.fontItalic()


def any_markdown_format(window) -> bool:
    document = window.editor.document()
    for number in range(document.blockCount()):
        spans = document.findBlockByNumber(number).layout().formats()
        for span in spans:
            if is_bold(span.format) or is_italic(span.format) or span.format.fontFixedPitch():
                return True
    return False


def highlighting(window) -> bool:
    return window.features["markdown"].layer_for(window.editor) is not None


@pytest.fixture
def markdown_file(tmp_path: Path) -> Path:
    path = tmp_path / "春晓.md"
    path.write_bytes(MARKDOWN.replace("\n", "\r\n").encode("utf-8"))  # CRLF: kept on save
    return path


def test_a_markdown_file_gets_its_formats_on_the_right_ranges(make_window, qtbot,
                                                               markdown_file) -> None:
    window = make_window(load=None)
    window.open_path(markdown_file)
    qtbot.waitUntil(lambda: highlighting(window) and any_markdown_format(window))
    size = window.editor.font().pointSizeF()
    heading = format_at(window, 0, 3)
    assert is_bold(heading) and heading.fontPointSize() > size
    assert format_at(window, 0, 0).foreground().color() \
        == window.editor.palette().color(QPalette.ColorRole.PlaceholderText)  # the #
    line = block(window, 2).text()
    strong = line.index("**春")
    assert all(is_bold(format_at(window, 2, c)) for c in range(strong, strong + 9))
    assert not is_bold(format_at(window, 2, strong - 1))
    assert not is_bold(format_at(window, 2, strong + 9))
    em = line.index("*the*")
    assert all(is_italic(format_at(window, 2, c)) for c in range(em, em + 5))
    snake = line.index("snake_case_name")
    assert not any(is_italic(format_at(window, 2, c)) for c in range(snake, snake + 15))
    # After an emoji (two UTF-16 units) the ranges are in Qt's units: **中文** at 2..8.
    assert block(window, 3).text().startswith("😀 **中文**")
    assert not is_bold(format_at(window, 3, 1)) and not is_bold(format_at(window, 3, 2))
    assert all(is_bold(format_at(window, 3, c)) for c in range(3, 9))
    assert not is_bold(format_at(window, 3, 9))
    code_at = block(window, 3).text().index("`code`") + 1  # in UTF-16 units: +1 (emoji)
    assert format_at(window, 3, code_at + 1).fontFixedPitch()
    assert is_bold(format_at(window, 5, 3))  # ## Second
    assert is_italic(format_at(window, 7, 3))  # the quote
    fenced = format_at(window, 13, 6)  # inside the fence: code, not strong
    assert fenced.fontFixedPitch() and not is_bold(fenced)
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "markdown-light.png"))


def test_a_text_file_is_not_highlighted(make_window, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text(MARKDOWN, encoding="utf-8")
    window = make_window(load=None)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.path == path)
    qtbot.wait(50)
    assert not highlighting(window) and not any_markdown_format(window)


def test_each_tab_is_highlighted_by_its_own_kind(make_window, qtbot, markdown_file,
                                                 tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("**not bold** in a text file\n", encoding="utf-8")
    window = make_window(load=None)
    window.open_path(markdown_file)
    qtbot.waitUntil(lambda: any_markdown_format(window))
    markdown_editor = window.editor
    window.open_path(plain)
    qtbot.waitUntil(lambda: window.path == plain)
    plain_editor = window.editor
    assert plain_editor is not markdown_editor and not any_markdown_format(window)
    window.switch_to(window.editors().index(markdown_editor))
    qtbot.waitUntil(lambda: window.editor is markdown_editor)
    assert highlighting(window) and any_markdown_format(window)
    window.switch_to(window.editors().index(plain_editor))
    qtbot.waitUntil(lambda: window.path == plain)
    assert not highlighting(window) and not any_markdown_format(window)


def test_a_misspelt_word_in_a_heading_is_bold_and_underlined(make_window, qtbot,
                                                            tmp_path: Path) -> None:
    """Both layers on one document: Markdown's bold and spelling's wavy underline merge."""
    path = tmp_path / "heading.md"
    path.write_text("# A recieve heading\n\nplain text\n", encoding="utf-8")
    window = make_window(load=None)
    if not window.features["spelling"].enabled:
        pytest.skip("no spelling dictionary on this machine")
    window.open_path(path)
    column = 6  # inside "recieve"
    wavy = QTextCharFormat.UnderlineStyle.SpellCheckUnderline
    qtbot.waitUntil(lambda: (fmt := format_at(window, 0, column)) is not None
                    and fmt.underlineStyle() == wavy, timeout=10_000)
    merged = format_at(window, 0, column)
    assert is_bold(merged) and merged.fontPointSize() > window.editor.font().pointSizeF()


def test_the_toggle_removes_and_restores_highlighting(make_window, qtbot,
                                                      markdown_file) -> None:
    window = make_window(load=None)
    window.open_path(markdown_file)
    qtbot.waitUntil(lambda: any_markdown_format(window))
    action = window.features["markdown"].action
    assert action.isChecked() and action in window.actions_.menus["view"].actions()
    action.trigger()
    assert not action.isChecked() and window.settings.get("editor.markdown") is False
    qtbot.waitUntil(lambda: not any_markdown_format(window))
    action.trigger()
    assert window.settings.get("editor.markdown") is True
    qtbot.waitUntil(lambda: any_markdown_format(window))


def test_saving_as_markdown_starts_highlighting(make_window, qtbot, tmp_path: Path) -> None:
    window = make_window(load=None)
    window.editor.setPlainText("# 标题\n\nsome **bold** text")
    qtbot.wait(20)
    assert not any_markdown_format(window)
    assert window.save_to(tmp_path / "notes.md")
    qtbot.waitUntil(lambda: any_markdown_format(window))
    assert is_bold(format_at(window, 2, 6))


def test_a_highlighted_file_saves_byte_for_byte(make_window, qtbot, markdown_file) -> None:
    before = markdown_file.read_bytes()
    window = make_window(load=None)
    window.open_path(markdown_file)
    qtbot.waitUntil(lambda: any_markdown_format(window))
    window.editor.document().setModified(True)
    assert window.save()
    assert markdown_file.read_bytes() == before


def test_typing_a_fence_turns_the_lines_below_into_code(make_window, qtbot,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "fence.md"
    path.write_text("intro\n\n**bold** line\n", encoding="utf-8")
    window = make_window(load=None)
    window.open_path(path)
    qtbot.waitUntil(lambda: is_bold(format_at(window, 2, 3)))
    cursor = window.editor.textCursor()
    cursor.setPosition(block(window, 1).position())
    window.editor.setTextCursor(cursor)
    qtbot.keyClicks(window.editor, "```")
    qtbot.waitUntil(lambda: format_at(window, 2, 3) is not None
                    and format_at(window, 2, 3).fontFixedPitch())
    assert not is_bold(format_at(window, 2, 3))
    window.editor.undo()
    qtbot.waitUntil(lambda: is_bold(format_at(window, 2, 3)))


def test_a_dark_palette_restyles_the_layer(make_window, qtbot, markdown_file) -> None:
    window = make_window(load=None)
    window.open_path(markdown_file)
    qtbot.waitUntil(lambda: any_markdown_format(window))
    dark = QPalette(window.editor.palette())
    for role, colour in ((QPalette.ColorRole.Base, "#1e1e1e"),
                         (QPalette.ColorRole.Window, "#1e1e1e"),
                         (QPalette.ColorRole.Text, "#e6e6e6"),
                         (QPalette.ColorRole.PlaceholderText, "#8c8c8c"),
                         (QPalette.ColorRole.Link, "#78aeed")):
        dark.setColor(role, colour)
    window.editor.setPalette(dark)
    qtbot.waitUntil(lambda: format_at(window, 0, 0).foreground().color().name() == "#8c8c8c")
    window.grab().save(str(SHOTS / "markdown-dark.png"))


# ---- export -------------------------------------------------------------------------------


def export_to(window, kind: str, target: Path) -> Path | None:
    exporter = window.features["export"]
    exporter.ask_path = lambda _kind, _suggested: target
    return exporter.export(kind)


def test_export_actions_write_files_and_leave_the_document_alone(make_window, qtbot,
                                                                 markdown_file,
                                                                 tmp_path: Path) -> None:
    before = markdown_file.read_bytes()
    stamp = markdown_file.stat().st_mtime_ns
    window = make_window(load=None)
    window.open_path(markdown_file)
    qtbot.waitUntil(lambda: window.path == markdown_file)
    exporter = window.features["export"]
    assert exporter.menu.menuAction() in window.actions_.menus["file"].actions()
    assert exporter.default_path("pdf") == markdown_file.with_suffix(".pdf")
    for kind, action in exporter.actions.items():
        target = tmp_path / "out" / f"春晓.{kind}"
        exporter.ask_path = lambda _kind, _suggested, target=target: target
        action.trigger()
        assert target.is_file(), kind
    page = (tmp_path / "out" / "春晓.html").read_text(encoding="utf-8")
    assert "<h1>春晓 Spring Dawn</h1>" in page and "<strong>春眠不觉晓</strong>" in page
    assert '<html lang="' in page
    pdf = (tmp_path / "out" / "春晓.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b", pdf)
    word = docx.Document(str(tmp_path / "out" / "春晓.docx"))
    assert word.paragraphs[0].style.name == "Heading 1"
    assert word.paragraphs[0].text == "春晓 Spring Dawn"
    assert markdown_file.read_bytes() == before and markdown_file.stat().st_mtime_ns == stamp
    assert window.path == markdown_file and not window.editor.document().isModified()
    assert "Exported" in window.statusBar().currentMessage() or \
        window.statusBar().currentMessage()


def test_a_plain_untitled_document_exports_with_chinese(make_window, qtbot,
                                                        tmp_path: Path) -> None:
    window = make_window(load=None)
    window.editor.setPlainText("春眠不觉晓，处处闻啼声。夜来风雨声，花落知多少。\n\n"
                               "Spring sleep <b>knows</b> no dawn.")
    assert window.features["export"].default_path("html").name.endswith(".html")
    target = export_to(window, "docx", tmp_path / "untitled")  # no suffix: one is added
    assert target == tmp_path / "untitled.docx"
    assert [p.text for p in docx.Document(str(target)).paragraphs] == [
        "春眠不觉晓，处处闻啼声。夜来风雨声，花落知多少。", "Spring sleep <b>knows</b> no dawn."]
    page = export_to(window, "html", tmp_path / "p.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;knows&lt;/b&gt;" in page and '<html lang="zh-CN">' in page


def test_exporting_onto_the_document_itself_is_refused(make_window, qtbot,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "page.html"  # a document that is itself an HTML file
    path.write_text("<p>my page</p>\n", encoding="utf-8")
    window = make_window(load=None)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.path == path)
    assert export_to(window, "html", path) is None
    assert window.message_bar.isVisible() and "document itself" in window.message_bar.message()
    assert path.read_text(encoding="utf-8") == "<p>my page</p>\n"


def test_a_failed_export_says_why_in_one_line(make_window, qtbot, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    window = make_window(load=None)
    window.editor.setPlainText("text")
    assert export_to(window, "pdf", blocker / "sub" / "out.pdf") is None
    assert window.message_bar.isVisible() and "out.pdf" in window.message_bar.message()
    assert blocker.read_text(encoding="utf-8") == "x"


def test_cancelling_the_dialog_writes_nothing(make_window, qtbot, tmp_path: Path) -> None:
    window = make_window(load=None)
    window.editor.setPlainText("text")
    exporter = window.features["export"]
    exporter.ask_path = lambda _kind, _suggested: None
    assert exporter.export("html") is None
    assert not window.message_bar.isVisible() and list(tmp_path.glob("*.html")) == []
