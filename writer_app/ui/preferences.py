"""Remembered preferences the window acts on: theme, text size and layout, presets,
encodings.

Each is a small piece that reads and writes `Settings` (or `Presets`) and acts on the
window; the window only builds the menus these return.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMenu,
    QStyleFactory,
    QWidget,
)

from writer_app.documents.textfiles import COMMON_ENCODINGS
from writer_app.errors import InvalidSettingError
from writer_app.presets import Presets
from writer_app.settings import BY_NAME, Settings
from writer_app.ui.editor import WriterEditor
from writer_app.ui.feedback import MessageSink
from writer_app.ui.sampling_panel import SamplingPanel
from writer_app.ui.text_layout import TextLayout

THEMES = ("system", "light", "dark")


def dark_palette() -> QPalette:
    """A calm dark palette for the Fusion style (Qt has no built-in dark theme on Linux)."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#25272b", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#2a2c30",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#2f3136",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2f3136",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#8a8d93",
        QPalette.ColorRole.Link: "#7aa7e8", QPalette.ColorRole.Mid: "#45484e",
        QPalette.ColorRole.Midlight: "#3a3d42", QPalette.ColorRole.Dark: "#16171a",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#70737a"))
    return palette


class Preferences(QObject):
    """Theme, text size and layout, sampling presets and encodings for one window.

    `window` parents the menus and dialogs; `reopen` reads the document again in an
    encoding (and says whether it could). Text settings reach every open editor
    (`window.editors()`) and each editor the window shows later (`window.editorChanged`).
    """

    def __init__(self, window: QWidget, settings: Settings, presets: Presets,
                 editor: WriterEditor, sampling: SamplingPanel, messages: MessageSink,
                 reopen: Callable[[str], bool]) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.presets = presets
        self.editor = editor
        self.sampling = sampling
        self.messages = messages
        self._reopen = reopen
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        self._system_style = app.style().name()
        self._system_palette = app.palette()
        self.apply_theme(settings.get("ui.theme"))
        self.apply_text_settings(editor)
        editor_changed = getattr(window, "editorChanged", None)
        if editor_changed is not None:
            editor_changed.connect(self.apply_text_settings)

    def editors(self) -> list[WriterEditor]:
        """Every open document's editor (the window's, once it has several)."""
        listed = getattr(self.window, "editors", None)
        return list(listed()) if callable(listed) else [self.editor]

    # ---- theme ------------------------------------------------------------------------------

    def apply_theme(self, theme: str) -> None:
        """Switch the whole application's theme; every editor follows the new palette
        (WriterEditor repaints its page, ghost text and tints on the palette change)."""
        if theme == "system":
            self._app.setStyle(self._system_style)
            self._app.setPalette(self._system_palette)
        else:
            self._app.setStyle(QStyleFactory.create("Fusion"))
            self._app.setPalette(dark_palette() if theme == "dark"
                                 else self._app.style().standardPalette())
        self._remember("ui.theme", theme)

    def theme_menu(self) -> QMenu:
        menu = QMenu(self.tr("&Theme"), self.window)
        group = QActionGroup(menu)
        names = {"system": self.tr("As the &System"), "light": self.tr("&Light"),
                 "dark": self.tr("&Dark")}
        for theme in THEMES:
            action = QAction(names[theme], menu, checkable=True)
            action.setChecked(theme == self.settings.get("ui.theme"))
            action.triggered.connect(lambda _=False, t=theme: self.apply_theme(t))
            group.addAction(action)
            menu.addAction(action)
        return menu

    # ---- text size --------------------------------------------------------------------------

    def zoom_actions(self) -> list[QAction]:
        bigger = QAction(self.tr("&Bigger Text"), self.window)
        bigger.setShortcuts([QKeySequence.StandardKey.ZoomIn, QKeySequence("Ctrl+=")])
        bigger.triggered.connect(lambda: self.zoom(+1))
        smaller = QAction(self.tr("&Smaller Text"), self.window)
        smaller.setShortcut(QKeySequence.StandardKey.ZoomOut)
        smaller.triggered.connect(lambda: self.zoom(-1))
        reset = QAction(self.tr("&Normal Text Size"), self.window)
        reset.setShortcut(QKeySequence("Ctrl+0"))
        reset.triggered.connect(lambda: self.zoom(0))
        for action in (bigger, smaller, reset):
            self.window.addAction(action)
        return [bigger, smaller, reset]

    def zoom(self, step: int) -> None:
        """Change the document's text size by `step` points (0: back to the default)."""
        setting = BY_NAME["editor.font_size"]
        size = setting.default if step == 0 else self.settings.get(setting.name) + step
        size = int(min(max(size, setting.minimum or 6), setting.maximum or 72))
        for editor in self.editors():
            editor.set_writing_font(self.settings.get("editor.font_family"), size)
        self._remember(setting.name, size)

    # ---- text layout ------------------------------------------------------------------------

    def text_layout(self) -> TextLayout:
        """The stored line width (ems), line spacing and typewriter scrolling."""
        return (int(self.settings.get("editor.line_width")),
                float(self.settings.get("editor.line_spacing")),
                bool(self.settings.get("editor.typewriter_scrolling")))

    def preview_text_layout(self, layout: TextLayout) -> None:
        """Show `layout` on every editor without storing it (the dialog's live preview)."""
        for editor in self.editors():
            self._lay_out(editor, layout)

    def set_text_layout(self, layout: TextLayout) -> None:
        """Store `layout` (within the settings' bounds) and apply it to every editor."""
        for name, value in zip(("editor.line_width", "editor.line_spacing",
                                "editor.typewriter_scrolling"), layout, strict=True):
            setting = BY_NAME[name]
            if setting.minimum is not None and setting.maximum is not None \
                    and not isinstance(value, bool):
                value = type(value)(min(max(value, setting.minimum), setting.maximum))
            self._remember(name, value)
        self.preview_text_layout(self.text_layout())

    def apply_text_settings(self, editor: WriterEditor) -> None:
        """Give `editor` the stored font size and text layout (each a no-op when it has
        them already: a new font lays a long document out again)."""
        family, size = self.settings.get("editor.font_family"), self.settings.get(
            "editor.font_size")
        if editor.font().pointSize() != size:
            editor.set_writing_font(family, size)
        self._lay_out(editor, self.text_layout())

    @staticmethod
    def _lay_out(editor: WriterEditor, layout: TextLayout) -> None:
        width, spacing, typewriter = layout
        editor.set_line_width(width)
        editor.set_line_spacing(spacing)
        if editor.typewriter_scrolling != typewriter:
            editor.set_typewriter_scrolling(typewriter)

    # ---- presets ----------------------------------------------------------------------------

    def presets_menu(self) -> QMenu:
        menu = QMenu(self.tr("P&resets"), self.window)
        entries = ((self.tr("&Save Current Settings as Preset…"), self.save_preset),
                   (self.tr("&Rename Preset…"), self.rename_preset),
                   (self.tr("&Delete Preset…"), self.delete_preset),
                   (self.tr("&Import Presets…"), self.import_presets),
                   (self.tr("&Export Presets…"), self.export_presets))
        for text, slot in entries:
            menu.addAction(text).triggered.connect(lambda _=False, s=slot: s())
        return menu

    def _user_presets(self) -> list[str]:
        return [name for name in self.presets.names() if not self.presets.is_built_in(name)]

    def _guarded(self, action: str, work) -> None:  # type: ignore[no-untyped-def]
        try:
            work()
        except (InvalidSettingError, OSError) as error:
            message = getattr(error, "message", str(error))
            self.messages.show_error(f"{action}: {message}", getattr(error, "hint", ""),
                                     topic="preferences")
        self.sampling.reload_presets()

    def save_preset(self, name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self.window, self.tr("Save Preset"),
                                            self.tr("Name of the new preset:"))
            if not ok:
                return
        self.settings.set_sampling(self.sampling.params())
        self._guarded(self.tr("Could not save the preset"),
                      lambda: self.presets.save_preset(name, self.settings))

    def rename_preset(self) -> None:
        names = self._user_presets()
        if not names:
            self.messages.show_status(self.tr("There are no presets of yours yet"), 4000)
            return
        old, ok = QInputDialog.getItem(self.window, self.tr("Rename Preset"),
                                       self.tr("Preset:"), names, 0, False)
        if not ok:
            return
        new, ok = QInputDialog.getText(self.window, self.tr("Rename Preset"),
                                       self.tr("New name:"), text=old)
        if ok:
            self._guarded(self.tr("Could not rename the preset"),
                          lambda: self.presets.rename(old, new))

    def delete_preset(self) -> None:
        names = self._user_presets()
        if not names:
            self.messages.show_status(self.tr("There are no presets of yours yet"), 4000)
            return
        name, ok = QInputDialog.getItem(self.window, self.tr("Delete Preset"),
                                        self.tr("Preset:"), names, 0, False)
        if ok:
            self._guarded(self.tr("Could not delete the preset"),
                          lambda: self.presets.delete(name))

    def import_presets(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Import Presets"), "",
                                                  self.tr("Presets (*.json)"))
            if not path:
                return
        self._guarded(self.tr("Could not import presets"),
                      lambda: self.presets.import_file(Path(path)))

    def export_presets(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Export Presets"),
                                                  "writer-presets.json",
                                                  self.tr("Presets (*.json)"))
            if not path:
                return
        self._guarded(self.tr("Could not export presets"),
                      lambda: self.presets.export(Path(path), self.presets.names()))

    # ---- encodings --------------------------------------------------------------------------

    def encoding_menu(self) -> QMenu:
        """File → Reopen with Encoding: for a file whose encoding was guessed wrong."""
        menu = QMenu(self.tr("Reopen with &Encoding"), self.window)
        for encoding in COMMON_ENCODINGS:
            menu.addAction(encoding).triggered.connect(
                lambda _=False, e=encoding: self.reopen_with(e))
        return menu

    def reopen_with(self, encoding: str) -> bool:
        return self._reopen(encoding)

    # ---- storage ----------------------------------------------------------------------------

    def _remember(self, name: str, value: object) -> None:
        settings = self.settings
        try:
            settings.set(name, value)
        except InvalidSettingError:
            return
        with contextlib.suppress(OSError):  # the value still applies for this session
            settings.save()

