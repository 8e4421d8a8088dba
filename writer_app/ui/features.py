"""The editor's features beyond the model — find and replace, counts, spelling, focus
mode, formats — each installed on the window by its own module.

Each `install(window)` adds its actions to `window.actions_.menus[...]`, its widgets to
the window, follows `window.editorChanged` to the active document, and returns the
object that owns the feature (kept in `window.features` under the feature's name), so
that the window itself stays a composition of parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from writer_app.ui import (
    counts,
    export_menu,
    find_controller,
    focus_mode,
    markdown_layer,
    spell_check,
)

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow


def install_features(window: MainWindow) -> dict[str, Any]:
    """Install every feature on `window`; their owners by name, in the order their
    actions appear in the menus."""
    return {
        "spelling": spell_check.install(window),
        "focus": focus_mode.install(window),
        "counts": counts.install(window),
        "find": find_controller.install(window),
        "markdown": markdown_layer.install(window),
        "export": export_menu.install(window),
    }
