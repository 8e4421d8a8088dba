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
