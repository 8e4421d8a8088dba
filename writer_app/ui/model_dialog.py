"""The model picker: the default model, the Hugging Face cache, recent ones, or browse.

The list of known models comes from the engine (`EngineWorker.list_models`), fetched off
the GUI thread by the window, which fills it in with `set_entries` when it arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.boundary.params import DEVICE_CHOICES, DTYPE_CHOICES

if TYPE_CHECKING:
    from writer_app.boundary.results import ModelEntry

_KIND_HEADINGS = {"default": "Built in", "hub-cache": "Downloaded (Hugging Face cache)",
                  "recent": "Recent"}
_SPEC_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class ModelChoice:
    """What to load, and where and how."""

    spec: str
    device: str = "auto"
    dtype: str = "auto"


class ModelDialog(QDialog):
    """Choose a model, a device and a precision; `choice()` once accepted."""

    def __init__(self, parent: QWidget | None = None, current: ModelChoice | None = None,
                 entries: Sequence[ModelEntry] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Choose Model"))
        self.setObjectName("modelDialog")
        self.resize(560, 460)
        current = current or ModelChoice("default")

        self.models = QListWidget()
        self.models.setObjectName("modelList")
        self.models.setUniformItemSizes(False)
        self.models.currentItemChanged.connect(self._on_selected)
        self.models.itemDoubleClicked.connect(lambda item: self._accept_item(item))

        self.spec = QLineEdit(current.spec)
        self.spec.setPlaceholderText("a Hub id like Qwen/Qwen2.5-0.5B, a folder or a .gguf file")
        self.spec.setToolTip("The model to load: default, a Hugging Face Hub id, a model "
                             "folder or a .gguf file.")
        self.spec.setClearButtonEnabled(True)

        open_folder = QPushButton(self.tr("Open Folder…"))
        open_folder.setToolTip("A model folder downloaded from the Hub (with config.json).")
        open_folder.clicked.connect(self.browse_folder)
        open_gguf = QPushButton(self.tr("Open GGUF File…"))
        open_gguf.setToolTip("A single .gguf file, as used by llama.cpp.")
        open_gguf.clicked.connect(self.browse_gguf)
        hub = QPushButton(self.tr("Hub ID…"))
        hub.setToolTip("Type a Hugging Face Hub id, e.g. Qwen/Qwen2.5-0.5B.")
        hub.clicked.connect(self._enter_hub_id)
        browse = QHBoxLayout()
        browse.addWidget(open_folder)
        browse.addWidget(open_gguf)
        browse.addWidget(hub)
        browse.addStretch(1)

        self.device = QComboBox()
        self.device.addItems(list(DEVICE_CHOICES))
        self.device.setCurrentText(current.device)
        self.device.setToolTip("Where the model runs; auto picks a GPU when there is one.")
        self.dtype = QComboBox()
        self.dtype.addItems(list(DTYPE_CHOICES))
        self.dtype.setCurrentText(current.dtype)
        self.dtype.setToolTip("Number format of the weights; auto: int8 for GGUF models on "
                              "a CPU (about 3x faster than float32), bfloat16 on a GPU.")
        form = QFormLayout()
        form.addRow(self.tr("Model:"), self.spec)
        form.addRow(self.tr("Device:"), self.device)
        form.addRow(self.tr("Precision:"), self.dtype)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.load_button = buttons.addButton(self.tr("Load"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.load_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.spec.textChanged.connect(
            lambda text: self.load_button.setEnabled(bool(text.strip())))

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Models on this computer:")))
        layout.addWidget(self.models, 1)
        layout.addLayout(browse)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.set_entries(entries)

    def set_entries(self, entries: Sequence[ModelEntry] | None) -> None:
        """Fill the list (None: still looking)."""
        self.models.clear()
        if entries is None:
            waiting = QListWidgetItem(self.tr("Looking for models…"))
            waiting.setFlags(Qt.ItemFlag.NoItemFlags)
            self.models.addItem(waiting)
            return
        kind = None
        for entry in entries:
            if entry.kind != kind:
                kind = entry.kind
                heading = QListWidgetItem(_KIND_HEADINGS.get(kind, kind.title()))
                heading.setFlags(Qt.ItemFlag.NoItemFlags)
                font = QFont(self.models.font())
                font.setBold(True)
                heading.setFont(font)
                self.models.addItem(heading)
            item = QListWidgetItem(f"{entry.name}\n{entry.detail}" if entry.detail
                                   else entry.name)
            item.setData(_SPEC_ROLE, entry.spec)
            item.setToolTip(entry.spec)
            self.models.addItem(item)
            if entry.spec == self.spec.text().strip():
                self.models.setCurrentItem(item)

    def choice(self) -> ModelChoice:
        return ModelChoice(self.spec.text().strip(), self.device.currentText(),
                           self.dtype.currentText())

    def browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open Model Folder")
        if folder:
            self.spec.setText(folder)

    def browse_gguf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open GGUF File", "",
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.spec.setText(path)

    def _enter_hub_id(self) -> None:
        self.models.setCurrentItem(None)
        self.spec.clear()
        self.spec.setFocus()

    def _on_selected(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None and item.data(_SPEC_ROLE):
            self.spec.setText(item.data(_SPEC_ROLE))

    def _accept_item(self, item: QListWidgetItem) -> None:
        if item.data(_SPEC_ROLE):
            self.spec.setText(item.data(_SPEC_ROLE))
            self.accept()
