"""Notice when another program changes, replaces or deletes the open file.

Editors that save by writing a new file and renaming it over the old one replace the
inode, and a watch on the old one ends: the folder is watched too, and the file is added
again whenever it is back. Bursts of events are looked at once, shortly after.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

SETTLE_MS = 150  # a save by rename removes the file for a moment: look after it settles


class FileWatch(QObject):
    """Emits `touched` when the watched file (or its folder) changes on disk."""

    touched = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_event)
        self._watcher.directoryChanged.connect(self._on_event)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self.path: Path | None = None

    def watch(self, path: Path | None) -> None:
        """Watch `path` from now on (None: nothing)."""
        self.stop()
        self.path = path
        if path is None:
            return
        if path.parent.is_dir():
            self._watcher.addPath(str(path.parent))
        self._watch_file()

    def _watch_file(self) -> None:
        if self.path is not None and self.path.exists() \
                and str(self.path) not in self._watcher.files():
            self._watcher.addPath(str(self.path))

    def _on_event(self, _path: str) -> None:
        self._settle.start()

    def _settled(self) -> None:
        self._watch_file()  # back after a save by rename: watch the new file
        self.touched.emit()

    def stop(self) -> None:
        self._settle.stop()
        for paths in (self._watcher.files(), self._watcher.directories()):
            if paths:
                self._watcher.removePaths(paths)
        self.path = None


class CompareDialog(QDialog):
    """The differences between the file on disk and the text in Writer, as a diff."""

    def __init__(self, name: str, on_disk: str, mine: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("{name}: on disk and in Writer").format(name=name))
        view = QPlainTextEdit()
        view.setReadOnly(True)
        view.setFont(QFont("monospace"))
        diff = difflib.unified_diff(on_disk.splitlines(), mine.splitlines(),
                                    self.tr("on disk"), self.tr("in Writer"), lineterm="")
        view.setPlainText("\n".join(diff) or self.tr("The texts are the same."))
        buttons = QDialogButtonBox()
        self.reload_button = buttons.addButton(self.tr("Reload"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button = buttons.addButton(self.tr("Keep mine"),
                                             QDialogButtonBox.ButtonRole.RejectRole)
        self.choice = ""
        self.reload_button.clicked.connect(lambda: self._choose("reload"))
        self.keep_button.clicked.connect(lambda: self._choose("keep"))
        layout = QVBoxLayout(self)
        layout.addWidget(view)
        layout.addWidget(buttons)
        self.resize(760, 520)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
