"""The editor's features beyond the model — find and replace, counts, spelling, focus
mode, formats — each installed on the window by its own module.

Each `install(window)` adds its actions to `window.actions_.menus[...]`, its widgets to
the window, follows `window.editorChanged` to the active document, and returns the
object that owns the feature (kept in `window.features` under the feature's name), so
that the window itself stays a composition of parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow


def install_features(window: MainWindow) -> dict[str, Any]:
    """Install every feature on `window`; their owners by name."""
    installed: dict[str, Any] = {}
    from writer_app.ui import spell_check

    installed["spelling"] = spell_check.install(window)
    from writer_app.ui import focus_mode

    installed["focus"] = focus_mode.install(window)
    from writer_app.ui import counts

    installed["counts"] = counts.install(window)
    from writer_app.ui import find_controller

    installed["find"] = find_controller.install(window)
    from writer_app.ui import export_menu, markdown_layer

    installed["markdown"] = markdown_layer.install(window)
    installed["export"] = export_menu.install(window)
    return installed
