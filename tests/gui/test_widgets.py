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
    assert panel.sliders  # every number below is read from the schema, none copied
    for field, control in panel.sliders.items():
        setting = BY_NAME[f"sampling.{field}"]
        bounds = setting.bounds
        scale = round(1 / setting.step) if setting.kind is float else 1
        # The spin box takes the whole valid range, the slider its comfortable part.
        assert control.spin.maximum() == bounds.maximum
        if bounds.above_minimum:
            assert bounds.minimum < control.spin.minimum() <= bounds.minimum + setting.step
        else:
            assert control.spin.minimum() == bounds.minimum
        slider_low, slider_high = bounds.slider_range
        assert (control.slider.minimum(), control.slider.maximum()) == (
            round(slider_low * scale), round(slider_high * scale))
        assert control.spin.singleStep() == setting.step
        assert control.slider.toolTip() == control.spin.toolTip() == setting.description
        assert control.value() == setting.default
    assert panel.seed.toolTip() == BY_NAME["sampling.seed"].description
    assert panel.mode.toolTip() == BY_NAME["sampling.mode"].description
    assert panel.beams.toolTip() == BY_NAME["sampling.num_beams"].description
    beams = BY_NAME["sampling.num_beams"].bounds
    assert (panel.beams.minimum(), panel.beams.maximum()) == (beams.minimum, beams.maximum)
    control_tokens = BY_NAME["sampling.allow_control_tokens"]
    assert panel.allow_control_tokens.toolTip() == control_tokens.description
    assert panel.allow_control_tokens.isChecked() is control_tokens.default

    changes = []
    panel.paramsChanged.connect(changes.append)
    temperature = panel.sliders["temperature"]
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
    panel.allow_control_tokens.setChecked(True)
    assert changes[-1].allow_control_tokens is True
    panel.set_params(SamplingParams())
    assert panel.params() == SamplingParams()


def test_every_valid_extreme_round_trips_through_the_panel(qtbot):
    """Values beyond a slider's comfortable stretch (the CLI's or the file's) survive."""
    from writer_app.boundary.params import BOUNDS, SEED_BOUNDS
    from writer_app.ui.sampling_panel import SamplingPanel

    panel = SamplingPanel()
    qtbot.addWidget(panel)
    largest = SamplingParams(**{field: BOUNDS[field].maximum for field in panel.sliders},
                             seed=SEED_BOUNDS.maximum, mode="beam",
                             num_beams=BOUNDS["num_beams"].maximum, allow_control_tokens=True)
    panel.set_params(largest)
    assert panel.params() == largest
    assert panel.seed.text() == str(SEED_BOUNDS.maximum)
    smallest = SamplingParams(**{field: BOUNDS[field].minimum for field in panel.sliders
                                 if not BOUNDS[field].above_minimum},
                              seed=SEED_BOUNDS.minimum, mode="beam",
                              num_beams=BOUNDS["num_beams"].minimum)
    panel.set_params(smallest)
    assert panel.params() == smallest


def test_the_largest_seed_can_be_typed_and_one_more_cannot(qtbot):
    """The status bar shows seeds up to 2**63-1; each must be typeable into the panel."""
    from PySide6.QtCore import Qt

    from writer_app.boundary.params import SEED_BOUNDS
    from writer_app.ui.sampling_panel import SamplingPanel

    panel = SamplingPanel()
    qtbot.addWidget(panel)
    panel.fixed_seed.setChecked(True)
    largest = str(SEED_BOUNDS.maximum)
    panel.seed.clear()
    with qtbot.waitSignal(panel.paramsChanged) as changed:
        qtbot.keyClicks(panel.seed, largest)
        qtbot.keyClick(panel.seed, Qt.Key.Key_Return)
    assert changed.args[0].seed == SEED_BOUNDS.maximum
    qtbot.keyClicks(panel.seed, "0")  # one more digit would pass the largest seed
    assert panel.seed.text() == largest
    panel.seed.clear()
    qtbot.keyClicks(panel.seed, str(SEED_BOUNDS.maximum + 1))
    assert int(panel.seed.text()) <= SEED_BOUNDS.maximum
    qtbot.keyClicks(panel.seed, "x-")  # not digits
    assert panel.seed.text().isdigit()
    panel.seed.clear()
    panel.seed.insert("9" * 5000)  # a paste this long is refused, not a crash
    assert panel.seed.text() == ""
    panel.seed.insert(" 12345 ")  # as copied from the status bar
    with qtbot.waitSignal(panel.paramsChanged) as changed:
        qtbot.keyClick(panel.seed, Qt.Key.Key_Return)
    assert changed.args[0].seed == 12345 and panel.seed.text() == "12345"
    panel.seed.clear()
    panel.seed.insert("0" * 5000 + "7")  # leading zeros: int() alone would refuse these
    with qtbot.waitSignal(panel.paramsChanged) as changed:
        qtbot.keyClick(panel.seed, Qt.Key.Key_Return)
    assert changed.args[0].seed == 7


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


def test_the_seed_validator_takes_any_text_and_accepts_only_valid_seeds(qapp):
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from PySide6.QtGui import QValidator

    from writer_app.boundary.params import SEED_BOUNDS
    from writer_app.ui.sampling_panel import WholeNumberValidator

    validator = WholeNumberValidator(int(SEED_BOUNDS.minimum), int(SEED_BOUNDS.maximum))

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(text=st.one_of(
        st.text(), st.integers(-(10**30), 10**30).map(str),
        st.tuples(st.integers(1, 6000), st.sampled_from("09")).map(lambda t: t[1] * t[0])))
    def check(text):
        state, _, _ = validator.validate(text, len(text))
        # Python's own int() refuses over 4300 digits: leading zeros are cut first.
        digits = (text.lstrip("0") or "0") if text.isascii() and text.isdigit() else None
        valid = digits is not None and len(digits) < 4300 and SEED_BOUNDS.contains(int(digits))
        assert (state == QValidator.State.Acceptable) == valid, text[:40]

    check()
