"""The window's actions, menus and toolbar, built in one place from what the parts offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QWidget

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow


def make_action(window: QWidget, text: str, slot: Callable[[], Any],
                shortcuts: tuple[str | QKeySequence | QKeySequence.StandardKey, ...] = (),
                tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
    """An action whose shortcuts work while any part of the window has focus."""
    action = QAction(text, window)
    if shortcuts:
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


@dataclass
class WindowActions:
    """The actions other parts enable, disable or test."""

    open: QAction
    save: QAction
    save_as: QAction
    new: QAction
    continue_: QAction
    stop: QAction
    retry: QAction
    choose_model: QAction
    cancel_load: QAction
    insert: list[QAction]
    recent_menu: QMenu
    instructions: QAction


def build_menus(window: MainWindow) -> WindowActions:
    """Menus and the toolbar for `window`, whose parts (files, models, generation, ...)
    are built already."""
    tr = window.tr
    pixmap = QStyle.StandardPixmap
    files, models = window.files, window.models

    def act(text: str, slot: Callable[[], Any], *shortcuts: Any, tip: str = "",
            icon: QStyle.StandardPixmap | None = None) -> QAction:
        return make_action(window, text, slot, tuple(shortcuts), tip, icon)

    open_action = act(tr("&Open…"), files.open_dialog, QKeySequence.StandardKey.Open)
    save = act(tr("&Save"), window.save, QKeySequence.StandardKey.Save)
    save_as = act(tr("Save &As…"), window.save_as, "Ctrl+Shift+S")
    new = act(tr("&New"), window.new_document, QKeySequence.StandardKey.New)
    quit_action = act(tr("&Quit"), window.close, QKeySequence.StandardKey.Quit)
    continue_ = act(tr("&Continue"), window.continue_text, "Ctrl+Return", "Ctrl+Enter",
                    tip=tr("Let the model continue the text before the cursor (Ctrl+Enter)"),
                    icon=pixmap.SP_MediaPlay)
    stop = act(tr("S&top"), window.stop, "Esc", tip=tr("Stop the generation (Esc)"),
               icon=pixmap.SP_MediaStop)
    retry = act(tr("&Retry"), window.retry, "Ctrl+R",
                tip=tr("Replace the last generation with a new sample (Ctrl+R)"),
                icon=pixmap.SP_BrowserReload)
    choose_model = act(tr("&Choose Model…"), models.choose, "Ctrl+Shift+M",
                       tip=tr("Choose the model, device and precision"))
    default_model = act(tr("&Default Model"), lambda: window.load_model("default"))
    folder = act(tr("Open Model &Folder…"), models.open_folder)
    gguf = act(tr("Open &GGUF File…"), models.open_gguf_file)
    hub = act(tr("Load from &Hub…"), models.enter_hub_id)
    cancel_load = act(tr("C&ancel Loading"), models.cancel)
    insert = [act(tr("Insert Candidate {n}").format(n=n),
                  lambda n=n: window.insert_candidate(n - 1), f"Alt+{n}")
              for n in range(1, 10)]

    menus = window.menuBar()
    file_menu = menus.addMenu(tr("&File"))
    file_menu.addActions([new, open_action])
    recent_menu = file_menu.addMenu(tr("Open &Recent"))
    recent_menu.aboutToShow.connect(lambda: files.fill_recent_menu(recent_menu))
    file_menu.addActions([save, save_as])
    file_menu.addMenu(window.preferences.encoding_menu())
    file_menu.addSeparator()
    file_menu.addAction(quit_action)

    edit_menu = menus.addMenu(tr("&Edit"))
    undo = act(tr("&Undo"), window.editor.undo, QKeySequence.StandardKey.Undo)
    redo = act(tr("&Redo"), window.editor.redo, QKeySequence.StandardKey.Redo)
    for action in (undo, redo):
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the editor's own
    edit_menu.addActions([undo, redo])
    edit_menu.addSeparator()
    edit_menu.addActions([continue_, window.continue_three.action, stop, retry])
    insert_menu = edit_menu.addMenu(tr("Insert &Candidate"))
    insert_menu.addActions(insert)
    edit_menu.addSeparator()
    edit_menu.addActions(window.completion.actions())
    menus.addMenu(window.preferences.presets_menu())

    model_menu = menus.addMenu(tr("&Model"))
    model_menu.addActions([choose_model, default_model])
    model_menu.addSeparator()
    model_menu.addActions([folder, gguf, hub])
    model_menu.addSeparator()
    model_menu.addAction(cancel_load)

    view_menu = menus.addMenu(tr("&View"))
    view_menu.addAction(window.pane_dock.toggleViewAction())
    view_menu.addAction(window.sampling_dock.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addActions(window.preferences.zoom_actions())
    view_menu.addMenu(window.preferences.theme_menu())
    view_menu.addSeparator()
    view_menu.addActions(window.probabilities.actions())
    view_menu.addAction(window.versions_dock.toggleViewAction())
    instructions = QAction(tr("&Instructions / Memory"), window, checkable=True)
    instructions.toggled.connect(window.instructions.set_expanded)
    window.instructions.toggled.connect(instructions.setChecked)
    view_menu.addAction(instructions)

    help_menu = menus.addMenu(tr("&Help"))
    help_menu.addAction(act(tr("&About Writer"), window.show_about))
    help_menu.addAction(act(tr("&Copy Diagnostics"), window.copy_diagnostics))

    toolbar = window.addToolBar(tr("Generation"))
    toolbar.setObjectName("generationToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addActions([continue_, stop, retry])
    toolbar.addSeparator()
    toolbar.addAction(choose_model)
    return WindowActions(open_action, save, save_as, new, continue_, stop, retry,
                         choose_model, cancel_load, insert, recent_menu, instructions)
