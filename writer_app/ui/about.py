"""Help → About Writer and Copy Diagnostics: what runs, for a bug report."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from writer_app.diagnostics import diagnostics_text
from writer_app.ui.model_control import describe_backend

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

# The window's strings: they keep its translation context.
translate = QCoreApplication.translate


def diagnostics(window: MainWindow) -> str:
    info = window.model_info
    if info is None:
        return diagnostics_text(backends=window.engine_menu.available)
    return diagnostics_text(info.name, info.device, info.precision or info.dtype,
                            backend=describe_backend(info, window.models.request),
                            backend_note=info.backend_note,
                            backends=window.engine_menu.available)


def show_about(window: MainWindow) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, translate("MainWindow", "About Writer"),
                      translate("MainWindow",
                                "Writer — write with a local language model at your side."),
                      QMessageBox.StandardButton.Close, window)
    box.setInformativeText(html.escape(diagnostics(window)).replace("\n", "<br>"))
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()


def copy_diagnostics(window: MainWindow) -> None:
    QGuiApplication.clipboard().setText(diagnostics(window))
    window.show_status(translate("MainWindow", "Diagnostics copied to the clipboard"), 4000)
