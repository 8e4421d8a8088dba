"""The status bar's permanent part: loading progress, the model, its speed and context."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from writer_app.worker import ModelInfo

# Strings this part took over from the window keep the window's translation context.
translate = QCoreApplication.translate


class StatusIndicators(QObject):
    """The widgets at the status bar's right; the model, device and precision they show
    are always the loaded model's (or none)."""

    def __init__(self, status: QStatusBar) -> None:
        super().__init__(status)
        self.load_progress = QProgressBar()
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setTextVisible(False)
        self.load_progress.hide()
        self.cancel_load_button = QToolButton()
        self.cancel_load_button.setText(translate("MainWindow", "Cancel"))
        self.cancel_load_button.setToolTip(
            translate("MainWindow", "Stop loading; the current model stays"))
        self.cancel_load_button.hide()
        self.model_label = QLabel(translate("MainWindow", "No model"))
        self.backend_label = QLabel()
        self.backend_label.setObjectName("backendLabel")
        self.device_label = QLabel()
        self.dtype_label = QLabel()
        self.speed_label = QLabel()
        self.context_label = QLabel()
        self.model_label.setToolTip(translate("MainWindow", "The loaded model"))
        self.device_label.setToolTip(translate("MainWindow", "Where the model runs"))
        self.dtype_label.setToolTip(translate("MainWindow", "The precision the model computes in"))
        self.speed_label.setToolTip(translate("MainWindow", "Speed of the last generation"))
        self.context_label.setToolTip(
            translate("MainWindow", "Tokens of text given to the model / the most it takes"))
        for widget in (self.load_progress, self.cancel_load_button, self.model_label,
                       self.backend_label, self.device_label, self.dtype_label, self.speed_label,
                       self.context_label):
            if isinstance(widget, QLabel):
                widget.setContentsMargins(6, 0, 6, 0)
            status.addPermanentWidget(widget)

    # ---- loading ----------------------------------------------------------------------------

    def show_loading(self, loading: bool) -> None:
        if loading:
            self.load_progress.setRange(0, 0)
        self.load_progress.setVisible(loading)
        self.cancel_load_button.setVisible(loading)

    @property
    def is_loading(self) -> bool:
        return not self.load_progress.isHidden()

    def show_progress(self, fraction: float | None) -> None:
        if fraction is None:
            self.load_progress.setRange(0, 0)
        else:
            self.load_progress.setRange(0, 100)
            self.load_progress.setValue(round(fraction * 100))

    # ---- the model --------------------------------------------------------------------------

    def show_model(self, info: ModelInfo | None, backend: str = "") -> None:
        """Show the loaded model; `backend` says what runs it ("llama.cpp", "server:
        host:port"; "" takes the model's own name for its backend)."""
        if info is None:
            self.model_label.setText(translate("MainWindow", "No model"))
            self.model_label.setToolTip(translate("MainWindow", "The loaded model"))
            self.backend_label.clear()
            self.device_label.clear()  # never show a model that is gone
            self.dtype_label.clear()
            return
        self.model_label.setText(info.name)
        self.model_label.setToolTip(f"{info.name}\n{info.spec}")
        self.backend_label.setText(backend or info.backend)
        self.backend_label.setToolTip(
            self.tr("What runs the model (Model → Engine)")
            + (f"\n{info.backend_note}" if info.backend_note else ""))
        remote = info.backend == "server"  # "server: host:port" says where; no precision
        self.device_label.setText("" if remote else info.device)
        self.dtype_label.setText("" if remote else info.short_precision)
        self.device_label.setVisible(not remote)
        self.dtype_label.setVisible(not remote)
        self.dtype_label.setToolTip(translate("MainWindow", "Precision: {precision}").format(
            precision=info.precision))
        self.show_context(0, info.context_window)

    def show_speed(self, tokens_per_second: float) -> None:
        self.speed_label.setText(translate("MainWindow", "{rate} tokens/s").format(
            rate=f"{tokens_per_second:.1f}"))

    def show_context(self, used: int, window: int, dropped: int = 0,
                     approximate: bool = False) -> None:
        """`approximate`: counted without the model's tokenizer (a server): "≈" marks it."""
        self.context_label.setText(translate("MainWindow", "Context {used} / {window}").format(
            used=("≈" if approximate else "") + f"{used:,}", window=f"{window:,}"))
        self.context_label.setToolTip(
            translate("MainWindow", "Tokens of text given to the model / the most it takes")
            + ("\n" + translate("MainWindow",
                                "The oldest {count} tokens did not fit and were left out.")
               .format(count=dropped) if dropped else "")
            + ("\n" + self.tr("≈ Counted without the model's own tokenizer: an estimate.")
               if approximate else ""))
