"""The window's single parts follow the active document.

The pane, generation, suggestions, Continue ×3, the Versions list and the window's title
exist once; each tab's own parts (editor, file, passages, journal) live in its
`DocumentView`. At every switch of tab this moves the single parts onto the new active
document, then the window says so (`editorChanged`). A generation keeps writing into
the document it started in (see GenerationController.follow); nothing else of another
document's is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from writer_app.ui.document_view import DocumentView

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow


class ActiveDocument(QObject):
    """Builds each document's view wired to the window, and retargets on a switch."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def make_view(self) -> DocumentView:
        """A new document's parts, wired to the window (shown once it is active)."""
        window = self.window
        view = DocumentView(window, window, window.journal, window.probability_actions,
                            window.continue_text, lambda: window.is_generating,
                            window.journal_details, window.instructions.set_text,
                            window.tabs.font_choice, window.tabs.reach)
        view.files.open_in_tab = window.open_path
        editor = view.editor
        for signal in (editor.textChanged, editor.cursorPositionChanged):
            signal.connect(lambda v=view: self._on_activity(v))
        editor.document().modificationChanged.connect(
            lambda modified, v=view: v is window.view and window.setWindowModified(modified))
        view.files.pathChanged.connect(
            lambda path, v=view: v is window.view and window.show_path(path))
        view.probabilities.message.connect(lambda text: window.show_status(text, 5000))
        generation = getattr(window, "generation", None)  # None while the first is built
        if generation is not None:
            generation.watch(editor)
        return view

    def _on_activity(self, view: DocumentView) -> None:
        if view is self.window.view:
            self.window.pane_control.on_text_or_cursor_changed()

    def stop_generation_in(self, view: DocumentView) -> bool:
        """Stop a generation writing into `view`; True when one was running."""
        generation = self.window.generation
        if generation.generating_editor is not view.editor:
            return False
        generation.stop()
        return True

    def on_switched(self, index: int) -> None:
        """Another tab is active: the pane, generation, suggestions and labels follow it."""
        window = self.window
        if index < 0 or window.closing:
            return
        view = window.view
        window.generation.follow(view.editor, view.probabilities)
        window.pane_control.editor = view.editor
        window.completion.set_editor(view.editor)
        window.continue_three.follow(view.editor, view.probabilities)
        window.probability_actions.target = view.probabilities
        window.versions_list.set_controller(view.probabilities)
        window.setWindowModified(view.modified)
        window.show_path(view.path)
        window.update_actions()
        view.editor.setFocus()
        window.pane_control.on_text_or_cursor_changed()
        window.editorChanged.emit(view.editor)
