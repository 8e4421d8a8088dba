"""The window's actions, menus and toolbar, built in one place from what the parts offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QWidget

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

# The menus are the window's: their texts keep the window's translation context.
translate = QCoreApplication.translate


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
    connect_server: QAction
    recent_servers_menu: QMenu
    insert: list[QAction]
    recent_menu: QMenu
    instructions: QAction
    # The menus by name ("file", "edit", "model", "view", "help"): where the editor's
    # features (ui/features.py) add their actions.
    menus: dict[str, QMenu]


def build_menus(window: MainWindow) -> WindowActions:
    """Menus and the toolbar for `window`, whose parts (files, models, generation, ...)
    are built already."""
    pixmap = QStyle.StandardPixmap
    models = window.models

    def act(text: str, slot: Callable[[], Any], *shortcuts: Any, tip: str = "",
            icon: QStyle.StandardPixmap | None = None) -> QAction:
        return make_action(window, text, slot, tuple(shortcuts), tip, icon)

    standard = QKeySequence.StandardKey
    documents = window.document_list
    open_action = act(translate("MainWindow", "&Open…"), documents.open_dialog, standard.Open)
    open_folder = act(translate("Documents", "Open &Folder as Project…"),
                      documents.open_folder_dialog, "Ctrl+Shift+O",
                      tip=translate("Documents", "List a folder's text files at the side, "
                                    "to open each chapter in a tab"))
    close_project = act(translate("Documents", "Close &Project"), documents.close_project)
    close_tab = act(translate("Documents", "&Close Tab"), window.close_document,
                    "Ctrl+W", "Ctrl+F4")
    next_tab = act(translate("Documents", "Next Tab"), lambda: documents.switch(1),
                   "Ctrl+Tab", "Ctrl+PgDown")
    previous_tab = act(translate("Documents", "Previous Tab"), lambda: documents.switch(-1),
                       "Ctrl+Shift+Tab", "Ctrl+PgUp")
    save = act(translate("MainWindow", "&Save"), window.save, standard.Save)
    save_as = act(translate("MainWindow", "Save &As…"), window.save_as, "Ctrl+Shift+S")
    new = act(translate("MainWindow", "&New"), window.new_document, standard.New)
    quit_action = act(translate("MainWindow", "&Quit"), window.close, standard.Quit)
    continue_ = act(
        translate("MainWindow", "&Continue"), window.continue_text, "Ctrl+Return", "Ctrl+Enter",
        tip=translate("MainWindow",
                      "Let the model continue the text before the cursor (Ctrl+Enter)"),
        icon=pixmap.SP_MediaPlay)
    stop = act(translate("MainWindow", "S&top"), window.stop, "Esc",
               tip=translate("MainWindow", "Stop the generation (Esc)"),
               icon=pixmap.SP_MediaStop)
    retry = act(translate("MainWindow", "&Retry"), window.retry, "Ctrl+R",
                tip=translate("MainWindow",
                              "Replace the last generation with a new sample (Ctrl+R)"),
                icon=pixmap.SP_BrowserReload)
    choose_model = act(translate("MainWindow", "&Choose Model…"), models.choose, "Ctrl+Shift+M",
                       tip=translate("MainWindow", "Choose the model, device and precision"))
    default_model = act(translate("MainWindow", "&Default Model"),
                        lambda: window.load_model("default"))
    folder = act(translate("MainWindow", "Open Model &Folder…"), models.open_folder)
    gguf = act(translate("MainWindow", "Open &GGUF File…"), models.open_gguf_file)
    hub = act(translate("MainWindow", "Load from &Hub…"), models.enter_hub_id)
    cancel_load = act(translate("MainWindow", "C&ancel Loading"), models.cancel)
    servers = window.servers
    connect_server = act(translate("MainWindow", "Connect to &Server…"),
                         lambda: servers.open_dialog(),
                         tip=translate("MainWindow", "Write with a model on an "
                                       "OpenAI-compatible server (vLLM, llama.cpp, Ollama, …)"))
    insert = [act(translate("MainWindow", "Insert Candidate {n}").format(n=n),
                  lambda n=n: window.insert_candidate(n - 1), f"Alt+{n}")
              for n in range(1, 10)]

    menus = window.menuBar()
    file_menu = menus.addMenu(translate("MainWindow", "&File"))
    file_menu.addActions([new, open_action])
    recent_menu = file_menu.addMenu(translate("MainWindow", "Open &Recent"))
    recent_menu.aboutToShow.connect(lambda: window.files.fill_recent_menu(recent_menu))
    file_menu.addActions([open_folder, close_project])
    file_menu.addSeparator()
    file_menu.addActions([save, save_as])
    file_menu.addMenu(window.preferences.encoding_menu())
    file_menu.addSeparator()
    file_menu.addActions([close_tab, next_tab, previous_tab])
    file_menu.addSeparator()
    file_menu.addAction(quit_action)

    edit_menu = menus.addMenu(translate("MainWindow", "&Edit"))
    undo = act(translate("MainWindow", "&Undo"), lambda: window.editor.undo(),
               QKeySequence.StandardKey.Undo)
    redo = act(translate("MainWindow", "&Redo"), lambda: window.editor.redo(),
               QKeySequence.StandardKey.Redo)
    for action in (undo, redo):
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the editor's own
    edit_menu.addActions([undo, redo])
    edit_menu.addSeparator()
    edit_menu.addActions([continue_, window.continue_three.action, stop, retry])
    insert_menu = edit_menu.addMenu(translate("MainWindow", "Insert &Candidate"))
    insert_menu.addActions(insert)
    edit_menu.addSeparator()
    edit_menu.addActions(window.completion.actions())
    menus.addMenu(window.preferences.presets_menu())

    model_menu = menus.addMenu(translate("MainWindow", "&Model"))
    model_menu.addActions([choose_model, default_model])
    model_menu.addSeparator()
    model_menu.addActions([folder, gguf, hub])
    model_menu.addSeparator()
    model_menu.addAction(connect_server)
    recent_servers_menu = model_menu.addMenu(translate("MainWindow", "Recent Ser&vers"))
    recent_servers_menu.setToolTipsVisible(True)
    recent_servers_menu.aboutToShow.connect(
        lambda: servers.fill_recent_menu(recent_servers_menu))
    model_menu.addMenu(window.engine_menu.menu)
    model_menu.addSeparator()
    model_menu.addAction(cancel_load)

    view_menu = menus.addMenu(translate("MainWindow", "&View"))
    view_menu.addAction(window.pane_dock.toggleViewAction())
    view_menu.addAction(window.sampling_dock.toggleViewAction())
    view_menu.addAction(window.project.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addActions(window.preferences.zoom_actions())
    view_menu.addMenu(window.preferences.theme_menu())
    view_menu.addSeparator()
    view_menu.addActions(window.probabilities.actions())
    view_menu.addAction(window.versions_dock.toggleViewAction())
    instructions = QAction(translate("MainWindow", "&Instructions / Memory"), window,
                           checkable=True)
    instructions.toggled.connect(window.instructions.set_expanded)
    window.instructions.toggled.connect(instructions.setChecked)
    view_menu.addAction(instructions)

    help_menu = menus.addMenu(translate("MainWindow", "&Help"))
    help_menu.addAction(act(translate("MainWindow", "&About Writer"), window.show_about))
    help_menu.addAction(act(translate("MainWindow", "&Copy Diagnostics"), window.copy_diagnostics))

    toolbar = window.addToolBar(translate("MainWindow", "Generation"))
    toolbar.setObjectName("generationToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addActions([continue_, stop, retry])
    toolbar.addSeparator()
    toolbar.addAction(choose_model)
    return WindowActions(open_action, save, save_as, new, continue_, stop, retry,
                         choose_model, cancel_load, connect_server, recent_servers_menu,
                         insert, recent_menu, instructions,
                         {"file": file_menu, "edit": edit_menu, "model": model_menu,
                          "view": view_menu, "help": help_menu})
