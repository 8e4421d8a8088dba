"""Spell check as you type: a red wavy underline under misspelt words, suggestions in the
context menu, and Edit → Spelling.

The GUI thread never runs the dictionary over a document. Each document has a
SpellLayer on its shared highlighter (ui/highlighter.py) that only looks a paragraph's
text up in a cache of answers; a paragraph it has no answer for goes to the one spelling
thread (writer_app/spelling/background.py), whose answers come back through a queued
signal and highlight again only the paragraphs that asked. A word still being typed is
not flagged until the cursor leaves it, as in Word and LibreOffice. Generated text goes
through the same path as typed text.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QTextCursor
from PySide6.QtWidgets import (
    QMenu,
)

from writer_app.spelling.background import BackgroundChecker, Results
from writer_app.spelling.checker import (
    SpellingUnavailable,
    available_dictionaries,
    library_available,
)
from writer_app.spelling.language import AUTO, choose_language
from writer_app.spelling.personal import PersonalDictionary
from writer_app.spelling.words import words
from writer_app.ui.menus import make_action
from writer_app.ui.personal_dictionary_dialog import PersonalDictionaryDialog
from writer_app.ui.spell_layer import SpellLayer

if TYPE_CHECKING:
    from writer_app.ui.editor import WriterEditor
    from writer_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 6


def language_label(tag: str) -> str:
    """'en_US' → 'American English (en_US)': the language's own name, and the tag."""
    name = QLocale(tag).nativeLanguageName()
    return f"{name} ({tag})" if name and tag != "C" else tag


class SpellController(QObject):
    """Owns the spelling thread, the personal list, the menu and every document's layer."""

    checked = Signal(str, object)  # (dictionary tag, Results), from the thread, queued
    failed = Signal(str, str)  # (tag, message), from the thread, queued

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.available = library_available()
        self.dictionaries = sorted(available_dictionaries()) if self.available else []
        self.personal = PersonalDictionary()
        self.service = BackgroundChecker(self.personal, self.checked.emit,
                                         lambda tag, e: self.failed.emit(tag, str(e)))
        self.layers: dict[WriterEditor, SpellLayer] = {}
        self.checked.connect(self._on_checked, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._build_menu()
        window.editorChanged.connect(self._follow)
        window.destroyed.connect(self.service.stop)
        window.installEventFilter(self)  # stop the thread when the window closes
        if self.personal.load_warning:
            window.show_status(self.personal.load_warning, 8000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.service.stop()  # restarts by itself if the close is cancelled
        return False

    @property
    def enabled(self) -> bool:
        return bool(self.window.settings.get("spelling.enabled")) and self.available \
            and bool(self.dictionaries)

    # ---- documents --------------------------------------------------------------------------

    def _follow(self, _editor: object = None) -> None:
        for editor in self.window.editors():
            if editor not in self.layers:
                self._attach(editor)

    def _attach(self, editor: WriterEditor) -> None:
        layer = SpellLayer(self, editor)
        self.layers[editor] = layer
        editor.document().contentsChange.connect(layer.on_contents_change)
        editor.cursorPositionChanged.connect(layer.on_cursor_moved)
        editor.updateRequest.connect(layer.apply_visible)  # scrolled, resized, repainted
        editor.add_context_menu_part(self._menu_part)
        editor.destroyed.connect(lambda *_: self.layers.pop(editor, None))
        if self.enabled:
            self.service.start()
            self.choose_language(layer, add=True)

    def choose_language(self, layer: SpellLayer, add: bool = False) -> None:
        setting = str(self.window.settings.get("spelling.language") or AUTO)
        tag = choose_language(setting, layer.editor.text_between(0, 20_000), self.dictionaries)
        if tag != layer.tag or add:
            layer.reset(tag)
            layer.highlighter.add_layer(layer)  # highlights the document again

    def _on_checked(self, tag: str, results: Results) -> None:
        for layer in list(self.layers.values()):
            if layer.tag == tag:
                layer.take(results)

    def _on_failed(self, tag: str, message: str) -> None:
        self.window.show_status(self.tr("Spelling: {0}").format(message), 8000)

    # ---- settings ---------------------------------------------------------------------------

    def set_enabled(self, on: bool) -> None:
        self.window.settings.set("spelling.enabled", bool(on))
        self._save_settings()
        self.refresh()

    def set_language(self, tag: str) -> None:
        self.window.settings.set("spelling.language", tag)
        self._save_settings()
        self.refresh()

    def _save_settings(self) -> None:
        try:
            self.window.settings.save()
        except OSError as error:
            log.warning("Could not save the settings: %s", error)

    def refresh(self) -> None:
        """Apply spelling.enabled and spelling.language to every document."""
        self.toggle_action.setChecked(self.enabled)
        for layer in list(self.layers.values()):
            if self.enabled:
                self.service.start()
                self.choose_language(layer, add=layer not in layer.highlighter.layers())
            else:
                layer.reset(None)
                layer.highlighter.remove_layer(layer)
        if not self.enabled:
            self.service.stop()

    def shut_down(self) -> None:
        self.service.stop()

    # ---- words ------------------------------------------------------------------------------

    def misspelt_at(self, editor: WriterEditor, point: QPoint) -> tuple[QTextCursor, str] | None:
        """The misspelt word under a viewport point: a cursor selecting it, and the word."""
        layer = self.layers.get(editor)
        if layer is None or layer.tag is None or not self.enabled:
            return None
        cursor = editor.cursorForPosition(point)
        block = cursor.block()
        offset = cursor.position() - block.position()
        for word in words(block.text()):
            if word.start <= offset <= word.end:
                if not self.service.is_misspelt(layer.tag, word.text):
                    return None
                selection = QTextCursor(editor.document())
                selection.setPosition(block.position() + word.start)
                selection.setPosition(block.position() + word.end,
                                      QTextCursor.MoveMode.KeepAnchor)
                return selection, word.text
            if word.start > offset:
                break
        return None

    def replace(self, cursor: QTextCursor, replacement: str) -> None:
        """Put a suggestion in place of the word: one undo step."""
        cursor.beginEditBlock()
        cursor.insertText(replacement)
        cursor.endEditBlock()

    def add_word(self, word: str) -> None:
        try:
            self.personal.add(word)
        except OSError as error:
            self.window.show_error(self.tr("Could not save the personal dictionary"),
                                   str(error))
            return
        self._accept(word)

    def ignore_word(self, word: str) -> None:
        self.personal.ignore(word)
        self._accept(word)

    def _accept(self, word: str) -> None:
        self.service.forget_rejected()
        for layer in list(self.layers.values()):
            layer.drop_word(word)
            self._rehighlight_word(layer, word)

    def _rehighlight_word(self, layer: SpellLayer, word: str) -> None:
        """Highlight again the paragraphs holding `word` (Qt's search, not a Python scan)."""
        document = layer.editor.document()
        flags = document.FindFlag.FindCaseSensitively | document.FindFlag.FindWholeWords
        cursor = document.find(word, 0, flags)
        last = -1
        while not cursor.isNull():
            block = cursor.block()
            if block.blockNumber() != last:
                layer.highlighter.rehighlight_block(block)
                last = block.blockNumber()
            cursor = document.find(word, cursor, flags)

    # ---- menus ------------------------------------------------------------------------------

    def _menu_part(self, menu: QMenu, point: QPoint) -> None:
        parent = menu.parent()
        editor = parent if parent in self.layers else self.window.editor  # type: ignore[assignment]
        found = self.misspelt_at(editor, point)
        if found is None:
            return
        cursor, word = found
        layer = self.layers[editor]
        assert layer.tag is not None
        first = menu.actions()[0] if menu.actions() else None
        suggestions = self.service.suggest(layer.tag, word, MAX_SUGGESTIONS)
        entries: list[QAction] = []
        for suggestion in suggestions:
            action = QAction(suggestion, menu)
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            action.triggered.connect(
                lambda _=False, s=suggestion, c=cursor: self.replace(c, s))
            entries.append(action)
        if not suggestions:
            none = QAction(self.tr("(No Suggestions)"), menu)
            none.setEnabled(False)
            entries.append(none)
        add = QAction(self.tr("Add to Dictionary"), menu)
        add.triggered.connect(lambda _=False, w=word: self.add_word(w))
        ignore = QAction(self.tr("Ignore All"), menu)
        ignore.triggered.connect(lambda _=False, w=word: self.ignore_word(w))
        entries += [add, ignore]
        menu.insertActions(first, entries)  # type: ignore[arg-type]
        menu.insertSeparator(first)  # type: ignore[arg-type]

    def _build_menu(self) -> None:
        window = self.window
        self.menu = QMenu(self.tr("Spelling"), window)
        self.menu.setObjectName("spellingMenu")
        self.toggle_action = make_action(window, self.tr("Check Spelling"),
                                         lambda: self.set_enabled(self.toggle_action.isChecked()),
                                         tip=self.tr("Underline misspelt words as you type"))
        self.toggle_action.setObjectName("checkSpellingAction")
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(self.enabled)
        self.menu.addAction(self.toggle_action)
        self.language_menu = self.menu.addMenu(self.tr("Language"))
        self.language_group = QActionGroup(self.menu)
        current = str(window.settings.get("spelling.language") or AUTO)
        for tag in [AUTO, *self.dictionaries]:
            label = self.tr("Automatic") if tag == AUTO else language_label(tag)
            action = self.language_menu.addAction(label)
            action.setCheckable(True)
            action.setData(tag)
            action.setChecked(tag == current)
            action.triggered.connect(lambda _=False, t=tag: self.set_language(t))
            self.language_group.addAction(action)
        self.personal_action = make_action(window, self.tr("Edit Personal Dictionary…"),
                                           self.edit_personal)
        self.menu.addAction(self.personal_action)
        if not self.available or not self.dictionaries:
            why = (self.tr("Spell checking is not available: the chunspell package is missing")
                   if not self.available else self.tr("No spelling dictionary is installed"))
            for action in (self.toggle_action, self.personal_action):
                action.setEnabled(False)
                action.setToolTip(why)
            self.language_menu.setEnabled(False)
            self.menu.setToolTipsVisible(True)
            window.show_status(why, 8000)
        edit = window.actions_.menus.get("edit")
        if edit is not None:
            edit.addSeparator()
            edit.addMenu(self.menu)

    def edit_personal(self) -> None:
        dialog = PersonalDictionaryDialog(self.personal, self.window)
        dialog.wordRemoved.connect(lambda _w: self.refresh_all())
        dialog.exec()
        dialog.deleteLater()

    def refresh_all(self) -> None:
        """A word left the personal list: check every document again."""
        self.service.forget_accepted()
        for layer in list(self.layers.values()):
            if layer.tag is not None:
                layer.reset(layer.tag)
                layer.highlighter.rehighlight()


def install(window: MainWindow) -> SpellController:
    controller = SpellController(window)
    controller._follow()
    return controller


__all__ = ["SpellController", "SpellLayer", "SpellingUnavailable", "install"]
