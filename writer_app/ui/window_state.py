"""The window's geometry, dock layout and instructions, kept between sessions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from writer_app import paths
from writer_app.ui.instructions import InstructionsField

STATE_VERSION = 1  # bump when docks change, so an old saved layout is not applied


def window_state_path() -> Path:
    return paths.config_dir() / "window.ini"


class WindowState:
    """Reads and writes one window's layout in an INI file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or window_state_path()

    def _stored(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow, instructions: InstructionsField) -> None:
        stored = self._stored()
        geometry = stored.value("geometry")
        if isinstance(geometry, QByteArray):
            window.restoreGeometry(geometry)
        state = stored.value("state")
        if isinstance(state, QByteArray):
            window.restoreState(state, STATE_VERSION)
        instructions.set_expanded(stored.value("instructions", False, type=bool))
        instructions.set_text(str(stored.value("instructionsText", "") or ""))

    def save(self, window: QMainWindow, instructions: InstructionsField) -> None:
        stored = self._stored()
        stored.setValue("geometry", window.saveGeometry())
        stored.setValue("state", window.saveState(STATE_VERSION))
        stored.setValue("instructions", instructions.is_expanded())
        stored.setValue("instructionsText", instructions.field.toPlainText())
        stored.sync()
