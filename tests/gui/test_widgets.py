"""The window's parts on their own: token display, the model picker, the sampling panel."""

from __future__ import annotations

import subprocess
import sys

import pytest

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.ui.token_pane import NextTokensPane, is_insertable, visible_token

pytestmark = pytest.mark.gui


def token(text: str, piece: str, prob: float = 0.5, sampled: float = 0.5):
    from writer_app.boundary.results import TokenInfo

    return TokenInfo(1, text, piece, prob, sampled)


@pytest.mark.parametrize(("text", "piece", "shown"), [
    (" the", "▁the", "␣the"),
    ("\n", "<0x0A>", "↵"),
    ("\t ", "\t▁", "⇥␣"),
    ("\ufffd", "<0xE4>", "<0xE4>"),  # part of a character: its byte
    ("我们", "我们", "我们"),
    ("", "<eos>", "<eos>"),
])
def test_tokens_show_white_space_and_partial_characters(text, piece, shown):
    assert visible_token(token(text, piece)) == shown
    assert is_insertable(token(text, piece)) == (shown not in ("<0xE4>", "<eos>"))


def test_the_pane_greys_cut_tokens_and_offers_only_whole_characters(qtbot):
    pane = NextTokensPane()
    qtbot.addWidget(pane)
    tokens = [token(" a", "▁a", 0.6, 0.9), token("\ufffd", "<0xE4>", 0.3, 0.1),
              token(" b", "▁b", 0.1, 0.0)]
    pane.show_tokens(tokens, "After “x”")
    assert pane.token_at(0) is tokens[0]
    assert pane.token_at(1) is None and pane.token_at(2) is tokens[2]
    chosen = []
    pane.tokenChosen.connect(chosen.append)
    pane.click_row(1)
    pane.click_row(2)
    assert chosen == [tokens[2]]
    item = pane._list.topLevelItem(2)
    assert item.foreground(1).color() != pane._list.topLevelItem(0).foreground(1).color()


def test_the_sampling_panel_takes_its_ranges_from_the_settings_schema(qtbot):
    from writer_app.settings import BY_NAME
    from writer_app.ui.sampling_panel import SamplingPanel

    panel = SamplingPanel()
    qtbot.addWidget(panel)
    temperature = panel.sliders["temperature"]
    assert temperature.spin.minimum() == BY_NAME["sampling.temperature"].minimum == 0.0
    assert temperature.spin.maximum() == 2.0 and temperature.spin.singleStep() == 0.01
    assert panel.sliders["top_k"].spin.maximum() == 200
    assert panel.sliders["top_p"].spin.minimum() == 0.05
    assert panel.sliders["repetition_penalty"].spin.maximum() == 2.0
    for control in panel.sliders.values():
        assert control.slider.toolTip() and control.spin.toolTip()
    assert panel.mode.toolTip() and panel.seed.toolTip() and panel.beams.toolTip()

    changes = []
    panel.paramsChanged.connect(changes.append)
    temperature.slider.setValue(35)
    assert changes[-1].temperature == pytest.approx(0.35)
    assert temperature.spin.value() == pytest.approx(0.35)
    temperature.spin.setValue(1.25)
    assert temperature.slider.value() == 125
    panel.fixed_seed.setChecked(True)
    panel.seed.setValue(42)
    assert changes[-1].seed == 42
    panel.mode.setCurrentIndex(panel.mode.findData("beam"))
    assert changes[-1].mode is Mode.BEAM and panel.beams.isVisibleTo(panel)
    panel.set_params(SamplingParams())
    assert panel.params() == SamplingParams()


def test_the_model_dialog_lists_models_and_returns_the_choice(qtbot):
    from writer_app.boundary.results import ModelEntry
    from writer_app.ui.model_dialog import ModelChoice, ModelDialog

    dialog = ModelDialog(current=ModelChoice("default", "cpu", "float32"))
    qtbot.addWidget(dialog)
    assert dialog.models.count() == 1  # "Looking for models…"
    dialog.set_entries([ModelEntry("default", "Gemma 3 270M (default)", "default", "built in"),
                        ModelEntry("Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-0.5B", "hub-cache",
                                   "Hugging Face cache, 1 GB")])
    assert dialog.models.count() == 4  # two headings, two models
    dialog.models.setCurrentRow(3)
    dialog.dtype.setCurrentText("bfloat16")
    assert dialog.choice() == ModelChoice("Qwen/Qwen2.5-0.5B", "cpu", "bfloat16")


def test_the_window_modules_do_not_import_torch():
    code = ("import sys; import writer_app.app, writer_app.ui.main_window; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_uncaught_exceptions_are_shown_in_a_box_that_does_not_block(qtbot):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from writer_app.ui.feedback import install_excepthook

    parent = QWidget()
    qtbot.addWidget(parent)
    with qtbot.capture_exceptions() as captured:
        previous = install_excepthook(lambda: parent)
        try:
            try:
                raise ValueError("boom")
            except ValueError as error:
                sys.excepthook(type(error), error, error.__traceback__)
        finally:
            sys.excepthook = previous
    assert len(captured) == 1  # passed on to the previous hook as well
    boxes = parent.findChildren(QMessageBox)
    assert len(boxes) == 1 and boxes[0].isVisible() and not boxes[0].isModal()
    assert "ValueError: boom" in boxes[0].text()
    assert "Traceback" in boxes[0].detailedText()
    boxes[0].close()


def test_the_message_bar_says_what_went_wrong_and_what_to_do(qtbot):
    from writer_app.ui.feedback import MessageBar

    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("Could not load x: no config.json", "choose a folder with config.json")
    assert "<b>Could not load x: no config.json</b>" in bar.message()
    assert "Choose a folder" in bar.message()
    assert bar.isVisibleTo(bar.parentWidget() or bar) and not bar.isHidden()
    bar.dismiss()
    assert bar.isHidden()
