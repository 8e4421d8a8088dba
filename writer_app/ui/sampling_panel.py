"""The "Sampling" panel: sliders with editable spin boxes, applied as they move.

Ranges, steps, defaults and tooltips are not written here: they come from
`writer_app.settings.SCHEMA`, the one table of settings, whose sampling bounds are
SamplingParams' own. A slider covers the comfortable part of a range; its spin box takes
any valid value. Every change emits a new frozen SamplingParams; the window hands it to
the worker, which reads it at the next token.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from writer_app.boundary.params import Bounds, Mode, SamplingParams
from writer_app.presets import BUILT_IN_PRESETS, Presets
from writer_app.settings import BY_NAME, Setting

# The slider rows, top to bottom; everything else about them is in the schema.
SLIDER_SETTINGS = ("sampling.temperature", "sampling.top_k", "sampling.top_p",
                   "sampling.repetition_penalty", "sampling.max_new_tokens")


def setting_text(text: str) -> str:
    """A label or description from the settings schema, in the user's language."""
    return QCoreApplication.translate("settings", text)


_MODE_LABELS = {Mode.SAMPLE.value: "Sample", Mode.GREEDY.value: "Greedy",
                Mode.BEAM.value: "Beam search"}


def _field(setting: Setting) -> str:
    return setting.name.removeprefix("sampling.")


class SliderControl(QObject):
    """Binds one setting to a slider and a spin box that stay in step; emits valueChanged.

    The spin box accepts the setting's whole valid range; the slider covers its
    `slider_range` and rests at an end while the value lies beyond it.
    """

    valueChanged = Signal(object)

    def __init__(self, setting: Setting, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setting = setting
        bounds = setting.bounds
        assert bounds is not None
        self._is_float = setting.kind is float
        step = setting.step or 1
        self._scale = round(1 / step) if self._is_float else 1
        self.slider = QSlider(Qt.Orientation.Horizontal)
        slider_low, slider_high = bounds.slider_range
        self.slider.setRange(round(slider_low * self._scale), round(slider_high * self._scale))
        self.slider.setPageStep(max(1, (self.slider.maximum() - self.slider.minimum()) // 10))
        self.spin: QSpinBox | QDoubleSpinBox
        if self._is_float:
            self.spin = QDoubleSpinBox()
            self.spin.setDecimals(max(0, len(f"{step:g}".partition(".")[2])))
            self.spin.setSingleStep(step)
        else:
            self.spin = QSpinBox()
            self.spin.setSingleStep(int(step))
        # Above an exclusive minimum (top-p > 0), the smallest value the box can show.
        smallest = 10 ** -self.spin.decimals() if self._is_float else 1  # type: ignore[union-attr]
        low = bounds.minimum + smallest if bounds.above_minimum else bounds.minimum
        self.spin.setRange(low, bounds.maximum)  # type: ignore[arg-type]
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setKeyboardTracking(False)  # typed digits apply on Enter or focus out
        self.spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.spin.setFixedWidth(self.spin.fontMetrics().horizontalAdvance("00000.00") + 14)
        self.label = QLabel(setting_text(setting.label))
        for widget in (self.slider, self.spin, self.label):
            widget.setToolTip(setting_text(setting.description))
        self.slider.setAccessibleName(setting_text(setting.label))
        self.spin.setAccessibleName(setting_text(setting.label))
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self.set_value(setting.default)

    def value(self) -> Any:
        return float(self.spin.value()) if self._is_float else int(self.spin.value())

    def set_value(self, value: Any) -> None:
        """Show `value` without emitting valueChanged."""
        with QSignalBlocker(self.spin), QSignalBlocker(self.slider):
            self.spin.setValue(value)
            self.slider.setValue(round(value * self._scale))

    def _from_slider(self, position: int) -> None:
        value = position / self._scale if self._is_float else position
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self.valueChanged.emit(self.value())

    def _from_spin(self, value: float) -> None:
        with QSignalBlocker(self.slider):
            self.slider.setValue(round(value * self._scale))
        self.valueChanged.emit(self.value())


class WholeNumberValidator(QValidator):
    """Digits only, up to `maximum`: a digit that would pass it is refused as it is typed.

    A pasted number with spaces around it (copied from the status bar) is taken; the
    spaces go when it is applied.
    """

    def __init__(self, minimum: int, maximum: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.minimum, self.maximum = minimum, maximum

    def number(self, text: str) -> int | None:
        """The whole number `text` spells (spaces around it aside), or None."""
        digits = text.strip()
        if not digits or not digits.isascii() or not digits.isdigit():
            return None
        # Length first: int() of thousands of digits (leading zeros too) would raise.
        significant = digits.lstrip("0") or "0"
        return int(significant) if len(significant) <= len(str(self.maximum)) else None

    def validate(self, text: str, position: int) -> tuple[QValidator.State, str, int]:
        if not text.strip():
            return QValidator.State.Intermediate, text, position
        number = self.number(text)
        if number is None or number > self.maximum:
            return QValidator.State.Invalid, text, position
        if text.strip() != text or number < self.minimum:
            return QValidator.State.Intermediate, text, position
        return QValidator.State.Acceptable, text, position

    def fixup(self, text: str) -> str:
        return text.strip()


class SeedEdit(QLineEdit):
    """The seed as typed digits: QSpinBox stops at 2**31-1, a seed goes up to 2**63-1.

    Like a spin box without keyboard tracking, a typed value applies on Enter or when the
    focus leaves; an unfinished entry (empty) then shows the last value again.
    """

    valueChanged = Signal(object)

    def __init__(self, bounds: Bounds, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = int(bounds.minimum)
        self._validator = WholeNumberValidator(int(bounds.minimum), int(bounds.maximum), self)
        self.setValidator(self._validator)
        self.setText(str(self._value))
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.editingFinished.connect(self._apply)

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        """Show `value`; emits valueChanged when it differs, as QSpinBox.setValue does."""
        changed = int(value) != self._value
        self._value = int(value)
        self.setText(str(self._value))
        if changed:
            self.valueChanged.emit(self._value)

    def _apply(self) -> None:
        value = self._validator.number(self.text())
        if value is not None and value != self._value:
            self._value = value
            self.valueChanged.emit(value)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if not self.hasAcceptableInput():
            self.setText(str(self._value))


class SamplingPanel(QWidget):
    """All sampling settings; `paramsChanged(SamplingParams)` on every change."""

    paramsChanged = Signal(object)

    def __init__(self, params: SamplingParams | None = None,
                 parent: QWidget | None = None, presets: Presets | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("samplingPanel")
        self.preset_store = presets
        # What the loaded backend cannot do: "top_k", "repetition_penalty", "seed", "beam"
        # → the reason its controls show greyed (see set_unsupported).
        self._unsupported: dict[str, str] = {}
        grid = QGridLayout()  # label | slider | value, one row per setting
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        self.sliders: dict[str, SliderControl] = {}
        row = 0
        for name in SLIDER_SETTINGS:
            control = SliderControl(BY_NAME[name], self)
            control.valueChanged.connect(self._emit)
            self.sliders[_field(control.setting)] = control
            grid.addWidget(control.label, row, 0)
            grid.addWidget(control.slider, row, 1)
            grid.addWidget(control.spin, row, 2)
            row += 1

        seed = BY_NAME["sampling.seed"]
        self.fixed_seed = QCheckBox(self.tr("Fixed seed"))
        assert seed.bounds is not None
        self.seed = SeedEdit(seed.bounds)
        self.seed.setAccessibleName(setting_text(seed.label))
        self.seed.setFixedWidth(
            self.seed.fontMetrics().horizontalAdvance(str(int(seed.bounds.maximum))) + 14)
        for widget in (self.fixed_seed, self.seed):
            widget.setToolTip(setting_text(seed.description))
        self.fixed_seed.toggled.connect(self._emit)
        self.seed.valueChanged.connect(self._emit)
        grid.addWidget(self.fixed_seed, row, 0)
        grid.addWidget(self.seed, row, 1, 1, 2, Qt.AlignmentFlag.AlignRight)
        row += 1

        mode = BY_NAME["sampling.mode"]
        beams = BY_NAME["sampling.num_beams"]
        self.mode = QComboBox()
        for value in mode.choices:
            self.mode.addItem(setting_text(_MODE_LABELS.get(value, value)), value)
        self.mode.setToolTip(setting_text(mode.description))
        self.mode.setAccessibleName(setting_text(mode.label))
        self.mode.currentIndexChanged.connect(self._emit)
        self.beams = QSpinBox()
        assert beams.bounds is not None
        self.beams.setRange(int(beams.bounds.minimum), int(beams.bounds.maximum))
        self.beams.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.beams.setToolTip(setting_text(beams.description))
        self.beams.setAccessibleName(setting_text(beams.label))
        self.beams.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.beams.valueChanged.connect(self._emit)
        mode_label = QLabel(setting_text(mode.label))
        mode_label.setToolTip(setting_text(mode.description))
        grid.addWidget(mode_label, row, 0)
        grid.addWidget(self.mode, row, 1)
        grid.addWidget(self.beams, row, 2)
        row += 1

        control_tokens = BY_NAME["sampling.allow_control_tokens"]
        self.allow_control_tokens = QCheckBox(setting_text(control_tokens.label))
        self.allow_control_tokens.setToolTip(setting_text(control_tokens.description))
        self.allow_control_tokens.toggled.connect(self._emit)
        grid.addWidget(self.allow_control_tokens, row, 0, 1, 3)
        row += 1

        self.presets = QComboBox()
        self.reload_presets()
        self.presets.setToolTip(self.tr("Put the sliders at a tried combination of settings."))
        self.presets.activated.connect(self._apply_preset)
        reset = QPushButton(self.tr("Defaults"))
        reset.setToolTip(self.tr("Put every sampling setting back to its default."))
        reset.clicked.connect(lambda: self.set_params(SamplingParams(), emit=True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.presets, 1)
        buttons.addWidget(reset)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.addLayout(grid)
        layout.addSpacing(10)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.set_params(params or SamplingParams())

    def params(self) -> SamplingParams:
        values = {name: control.value() for name, control in self.sliders.items()}
        return SamplingParams(**values,
                              seed=self.seed.value() if self.fixed_seed.isChecked() else None,
                              mode=Mode(self.mode.currentData()),
                              num_beams=self.beams.value(),
                              allow_control_tokens=self.allow_control_tokens.isChecked())

    def set_params(self, params: SamplingParams, emit: bool = False) -> None:
        """Show `params`; emits paramsChanged once when `emit` is set."""
        blockers = [QSignalBlocker(w) for w in (self.fixed_seed, self.seed, self.mode,
                                                self.beams, self.allow_control_tokens)]
        for name, control in self.sliders.items():
            control.set_value(getattr(params, name))
        self.fixed_seed.setChecked(params.seed is not None)
        if params.seed is not None:
            self.seed.setValue(params.seed)
        self.mode.setCurrentIndex(max(0, self.mode.findData(params.mode.value)))
        self.beams.setValue(max(params.num_beams, self.beams.minimum()))
        self.allow_control_tokens.setChecked(params.allow_control_tokens)
        del blockers
        self._update_enabled()
        if emit:
            self.paramsChanged.emit(self.params())

    def reload_presets(self) -> None:
        """List the built-in presets and the user's (after one is saved, renamed, ...)."""
        with QSignalBlocker(self.presets):
            self.presets.clear()
            self.presets.addItem(self.tr("Presets…"), None)
            names = self.preset_store.names() if self.preset_store else list(BUILT_IN_PRESETS)
            for name in names:
                self.presets.addItem(setting_text(name) if name in BUILT_IN_PRESETS else name,
                                     name)

    def _apply_preset(self, index: int) -> None:
        name = self.presets.itemData(index)
        self.presets.setCurrentIndex(0)
        if name is None:
            return
        values = (self.preset_store.values(name) if self.preset_store
                  else BUILT_IN_PRESETS[name])
        changes = {key.removeprefix("sampling."): value for key, value in values.items()}
        self.set_params(self.params().with_changes(**changes), emit=True)

    def set_unsupported(self, reasons: dict[str, str]) -> None:
        """Grey the controls of settings the loaded backend cannot honour, each with the
        reason as its tooltip (never silently ignored); {} gives them all back. Keys:
        "top_k", "repetition_penalty", "seed", "beam"."""
        self._unsupported = dict(reasons)
        self._update_enabled()

    def unsupported_reason(self, name: str) -> str:
        return self._unsupported.get(name, "")

    def _update_enabled(self) -> None:
        missing = self._unsupported
        seed_reason = missing.get("seed", "")
        seed_tip = seed_reason or setting_text(BY_NAME["sampling.seed"].description)
        self.fixed_seed.setEnabled(not seed_reason)
        self.seed.setEnabled(self.fixed_seed.isChecked() and not seed_reason)
        for widget in (self.fixed_seed, self.seed):
            widget.setToolTip(seed_tip)
        mode = self.mode.currentData()
        self.beams.setVisible(mode == Mode.BEAM.value)
        beam_reason = missing.get("beam", "")
        self.beams.setEnabled(not beam_reason)
        self.beams.setToolTip(beam_reason
                              or setting_text(BY_NAME["sampling.num_beams"].description))
        beam_item = self.mode.model().item(self.mode.findData(Mode.BEAM.value))  # type: ignore[attr-defined]
        if beam_item is not None:
            beam_item.setEnabled(not beam_reason)
            beam_item.setToolTip(beam_reason)
        sampling = mode == Mode.SAMPLE.value
        for name in ("temperature", "top_k", "top_p", "repetition_penalty"):
            control = self.sliders[name]
            reason = missing.get(name, "")
            enabled = not reason and (sampling or name == "repetition_penalty")
            tip = reason or setting_text(control.setting.description)
            for widget in (control.slider, control.spin, control.label):
                widget.setEnabled(enabled)
                widget.setToolTip(tip)

    def _emit(self, *_: object) -> None:
        self._update_enabled()
        self.paramsChanged.emit(self.params())
