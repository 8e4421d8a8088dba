"""The Simplified Chinese translation loads and reaches the window's menus and panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from writer_app.ui.translations import chosen_language, install_translations

pytestmark = pytest.mark.gui


@pytest.fixture
def chinese(qapp):
    assert install_translations(qapp, "zh_CN") == "zh_CN"
    yield
    from PySide6.QtCore import QTranslator

    for translator in qapp.findChildren(QTranslator):
        qapp.removeTranslator(translator)
        translator.deleteLater()


def test_chinese_reaches_menus_and_the_sampling_panel(chinese, make_window):
    window = make_window(load=None)
    titles = [action.text() for action in window.menuBar().actions()]
    assert "文件(&F)" in titles and "帮助(&H)" in titles
    assert window.pane_dock.windowTitle() == "下一个词元"
    assert QCoreApplication.translate("settings", "Temperature") == "温度"
    labels = [control.label.text() for control in window.sampling.sliders.values()]
    assert "温度" in labels and "重复惩罚" in labels


def test_english_needs_no_translator(qapp):
    assert install_translations(qapp, "en") == "en"
    assert chosen_language("zh_CN") == "zh_CN"
    assert chosen_language("system") in ("en", "zh_CN")


def test_every_translation_keeps_its_placeholders_and_is_finished():
    """A translated message formatted with .format(name=...) must keep each {name}."""
    import re
    import xml.etree.ElementTree as ElementTree

    from writer_app.paths import resources_dir

    placeholder = re.compile(r"\{[a-z_0-9]*\}")
    tree = ElementTree.parse(resources_dir() / "translations" / "writer_zh_CN.ts")
    messages = tree.getroot().iter("message")
    checked = 0
    for message in messages:
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None and translation.get("type") != "unfinished", source
        assert sorted(placeholder.findall(translation.text or "")) == \
            sorted(placeholder.findall(source)), source
        checked += 1
    assert checked >= 174


def test_streamed_step_and_status_texts_are_translated(chinese, make_window):
    window = make_window(load=None)
    window.indicators.show_context(1200, 4096, dropped=30)
    assert window.context_label.text() == "上下文 1,200 / 4,096"
    assert "最早的 30 个词元" in window.context_label.toolTip()
    assert window.generation._stop_reason_text("eos") == "模型结束了文本"


def test_the_restore_message_says_how_long_ago_in_chinese(chinese):
    import time

    from writer_app.ui.hot_exit import describe_age

    assert describe_age(time.time()) == "刚才"
    assert describe_age(time.time() - 12 * 60) == "12 分钟前"
    assert describe_age(time.time() - 3 * 3600) == "3 小时前"


def test_the_server_dialog_and_engine_menu_speak_chinese(chinese, make_window, running_loop):
    from writer_app.boundary.messages import ServerProbe
    from writer_app.boundary.server import ServerConnection
    from writer_app.ui.server_dialog import ServerDialog

    window = make_window(load=None)
    assert window.engine_menu.menu.title() == "引擎(&E)"
    assert window.actions_.connect_server.text() == "连接到服务器(&S)…"
    dialog = ServerDialog(lambda server: None, lambda coroutine: None)
    dialog.url.setText("http://10.0.0.2:8000")
    assert dialog.windowTitle() == "连接到服务器"
    assert "明文 http" in dialog.warning.text()
    verdict = dialog.describe(ServerProbe("http://10.0.0.2:8000/v1", ("a", "b"), "vLLM", 0.05),
                              ServerConnection("http://10.0.0.2:8000/v1"))
    assert verdict == "10.0.0.2:8000 上的 vLLM 在 50 毫秒内响应，2 个模型"
    dialog.deleteLater()


def test_the_editor_features_speak_chinese(chinese, make_window, qtbot):
    """Find, counts, tabs, focus mode, spelling and export reach the window in Chinese."""
    window = make_window(load=None)
    titles = {name: [a.text() for a in menu.actions()]
              for name, menu in window.actions_.menus.items()}
    assert "关闭标签页(&C)" in titles["file"]
    assert "专注模式(&F)" in titles["view"] and "字数统计(&W)" in titles["view"]
    menu_titles = [a.menu().title() for a in window.actions_.menus["edit"].actions()
                   if a.menu() is not None]
    assert "拼写" in menu_titles
    window.editor.setPlainText("春眠不觉晓，处处闻啼鸟。春眠")
    find = window.features["find"]
    find.open_find()
    assert find.bar.field.placeholderText() == "查找"
    find.bar.field.insert("春眠")
    find.search(move=True)
    qtbot.waitUntil(lambda: find.bar.count.text() == "第 1 个，共 2 个", timeout=10000)
    label = window.features["counts"].widget.label
    # the found match is selected: its counts of the document's (12 Han characters, 12 words)
    qtbot.waitUntil(lambda: label.text() == "2 / 12 字 · 2 / 14 字符", timeout=10000)
