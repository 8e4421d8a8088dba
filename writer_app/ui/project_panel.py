"""A folder opened as a project: a side list of its text files, as a tree of its folders.

Files sort naturally ("Chapter 2" before "Chapter 10"); text files are known by their
extension, or — without one Writer knows — by their first bytes (no NUL, valid UTF-8).
The list follows the disk through QFileSystemWatcher on the folders (no polling): a
change waits a moment for its siblings, then the folder is read again. Double-click or
Enter opens a file in a tab.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

# Qt's lupdate finds the strings of translate("Context", "...") calls.
translate = QCoreApplication.translate

TEXT_EXTENSIONS = {".txt", ".md", ".markdown", ".text", ".rst", ".org", ".tex"}
BINARY_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".pdf", ".zip", ".gz", ".docx",
                     ".odt", ".epub", ".mp3", ".mp4", ".exe", ".so", ".dll", ".gguf",
                     ".bin", ".safetensors", ".pyc", ".sqlite", ".db", ".ico", ".webp"}
SNIFF_BYTES = 4096
MAX_SNIFFED_SIZE = 50 * 1024 * 1024
MAX_FILES = 5000  # a project bigger than this is not a book: the list stops there
MAX_DEPTH = 8
RESCAN_DELAY_MS = 150
PATH_ROLE = Qt.ItemDataRole.UserRole



def natural_key(name: str) -> tuple[object, ...]:
    """Sorts "chapter 2" before "chapter 10", ignoring case."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", name.casefold()) if part)


def looks_like_text(path: Path) -> bool:
    """A text file by its extension, else by its first bytes."""
    suffix = path.suffix.casefold()
    if suffix in TEXT_EXTENSIONS:
        return True
    if suffix in BINARY_EXTENSIONS:
        return False
    try:
        if path.stat().st_size > MAX_SNIFFED_SIZE:
            return False
        with open(path, "rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError:
        return False
    if b"\0" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def scan(folder: Path) -> tuple[dict[str, list[str]], list[Path]]:
    """The folder's text files: {relative folder: [file names]} in natural order (only
    folders holding text files, at any depth), and every folder read (to be watched)."""
    found: dict[str, list[str]] = {}
    folders: list[Path] = []
    count = 0

    def walk(current: Path, depth: int) -> bool:
        nonlocal count
        folders.append(current)
        try:
            entries = sorted(os.scandir(current), key=lambda e: natural_key(e.name))
        except OSError:
            return False
        has_text = False
        for entry in entries:
            if entry.name.startswith(".") or count >= MAX_FILES:
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if depth < MAX_DEPTH and walk(Path(entry.path), depth + 1):
                    has_text = True
            elif entry.is_file() and looks_like_text(Path(entry.path)):
                found.setdefault(current.relative_to(folder).as_posix(), []).append(entry.name)
                count += 1
                has_text = True
        return has_text

    walk(folder, 0)
    return found, folders


class ProjectPanel(QDockWidget):
    """The project's files; `openRequested(Path)` when the user opens one."""

    openRequested = Signal(object)  # Path
    changed = Signal()  # the list was read again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(translate("ProjectPanel", "Project"), parent)
        self.setObjectName("projectDock")
        self.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                             | Qt.DockWidgetArea.RightDockWidgetArea)
        self.hide()
        self.tree = QTreeWidget()
        self.tree.setObjectName("projectTree")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.itemActivated.connect(self._activated)
        self._file_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._folder_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self.setWidget(self.tree)
        self.folder: Path | None = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._schedule)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RESCAN_DELAY_MS)
        self._timer.timeout.connect(self.rescan)

    def open_folder(self, folder: Path) -> None:
        self.close_folder()
        self.folder = Path(folder).resolve()
        self.setWindowTitle(translate("ProjectPanel", "Project: {name}")
                            .format(name=self.folder.name))
        self.rescan()
        self.show()

    def close_folder(self) -> None:
        self._timer.stop()
        watched = self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        self.folder = None
        self.tree.clear()
        self.setWindowTitle(translate("ProjectPanel", "Project"))
        self.hide()

    def shut_down(self) -> None:
        """The window closes: no more reading (idempotent)."""
        self._timer.stop()
        watched = self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        self.folder = None

    def _schedule(self, _path: str = "") -> None:
        self._timer.start()  # a burst of changes is read once

    def rescan(self) -> None:
        """Read the folder again; what was expanded and selected stays so."""
        if self.folder is None:
            return
        expanded, selected = self._remembered()
        found, folders = scan(self.folder)
        watched = set(self._watcher.directories())
        wanted = {str(f) for f in folders}
        if watched - wanted:
            self._watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self._watcher.addPaths(sorted(wanted - watched))
        self.tree.clear()
        nodes: dict[str, QTreeWidgetItem] = {}
        for relative in sorted(found, key=lambda r: tuple(natural_key(p) for p in r.split("/"))):
            parent = self._folder_node(relative, nodes)
            for name in found[relative]:
                item = QTreeWidgetItem([name])
                item.setIcon(0, self._file_icon)
                path = self.folder / relative / name if relative != "." else self.folder / name
                item.setData(0, PATH_ROLE, str(path))
                item.setToolTip(0, str(path))
                if parent is None:
                    self.tree.addTopLevelItem(item)
                else:
                    parent.addChild(item)
                if str(path) == selected:
                    self.tree.setCurrentItem(item)
        for relative, node in nodes.items():
            node.setExpanded(relative in expanded or not expanded)
        self.changed.emit()

    def _folder_node(self, relative: str, nodes: dict[str, QTreeWidgetItem]
                     ) -> QTreeWidgetItem | None:
        if relative == ".":
            return None
        parent: QTreeWidgetItem | None = None
        parts = relative.split("/")
        for depth in range(len(parts)):
            key = "/".join(parts[:depth + 1])
            node = nodes.get(key)
            if node is None:
                node = nodes[key] = QTreeWidgetItem([parts[depth]])
                node.setIcon(0, self._folder_icon)
                node.setData(0, PATH_ROLE, "")
                if parent is None:
                    self.tree.addTopLevelItem(node)
                else:
                    parent.addChild(node)
            parent = node
        return parent

    def _remembered(self) -> tuple[set[str], str]:
        expanded: set[str] = set()
        selected = self.tree.currentItem()
        for item in self._items():
            if item.childCount() and item.isExpanded():
                expanded.add(self._relative(item))
        return expanded, str(selected.data(0, PATH_ROLE) or "") if selected else ""

    def _relative(self, item: QTreeWidgetItem) -> str:
        parts = []
        while item is not None:
            parts.append(item.text(0))
            item = item.parent()
        return "/".join(reversed(parts))

    def _items(self) -> list[QTreeWidgetItem]:
        items, stack = [], [self.tree.topLevelItem(i)
                            for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop(0)
            items.append(item)
            stack[:0] = [item.child(i) for i in range(item.childCount())]
        return items

    def files(self) -> list[str]:
        """The listed files, relative to the folder, in the order shown."""
        assert self.folder is not None
        return [Path(item.data(0, PATH_ROLE)).relative_to(self.folder).as_posix()
                for item in self._items() if item.data(0, PATH_ROLE)]

    def item_for(self, relative: str) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if item.data(0, PATH_ROLE)
                     and self.folder is not None
                     and Path(item.data(0, PATH_ROLE)) == self.folder / relative), None)

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        path = item.data(0, PATH_ROLE)
        if path:
            self.openRequested.emit(Path(path))
