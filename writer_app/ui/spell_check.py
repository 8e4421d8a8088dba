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

from PySide6.QtCore import QEvent, QLocale, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.spelling.background import BackgroundChecker, Misspelt, Results
from writer_app.spelling.checker import (
    SpellingUnavailable,
    available_dictionaries,
    library_available,
)
from writer_app.spelling.language import AUTO, choose_language
from writer_app.spelling.personal import PersonalDictionary
from writer_app.spelling.words import words
from writer_app.ui.highlighter import FormatRange, highlighter_for
from writer_app.ui.menus import make_action

if TYPE_CHECKING:
    from writer_app.ui.editor import WriterEditor
    from writer_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

LAYER_NAME = "spelling"
UNDERLINE = QColor("#e5484d")  # a red that reads on white and on a dark page alike
MAX_SUGGESTIONS = 6
CACHE_LIMIT = 400_000  # paragraphs remembered per document before starting over
MAX_VISIBLE_BLOCKS = 400  # blocks looked at on screen, at most (a tiny font, a tall screen)
RECHOOSE_AFTER = 2_000  # characters added at once (a paste, a load) that re-run "auto"


def misspelt_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
    fmt.setUnderlineColor(UNDERLINE)
    return fmt


def language_label(tag: str) -> str:
    """'en_US' → 'American English (en_US)': the language's own name, and the tag."""
    name = QLocale(tag).nativeLanguageName()
    return f"{name} ({tag})" if name and tag != "C" else tag


class SpellLayer:
    """The spelling layer of one document: cached answers per paragraph text.

    Asking is batched (one hand-over to the thread per event-loop turn, so loading a
    10 MB file does not compete with the thread for the GIL), and answers for paragraphs
    off screen are applied when they scroll into view: highlighting again every block
    of a long document as its answer arrives would keep the GUI thread busy for seconds.
    """

    name = LAYER_NAME
    order = 100  # merged after Markdown's formats: the underline always shows

    def __init__(self, controller: SpellController, editor: WriterEditor) -> None:
        self.controller = controller
        self.editor = editor
        self.highlighter = highlighter_for(editor.document())
        self.tag: str | None = None  # the dictionary; None: nothing to check
        self.answers: dict[str, Misspelt] = {}
        self.asked: set[str] = set()  # sent to the thread (or about to be), no answer yet
        self.waiting: dict[str, int] = {}  # paragraph text → blocks highlighted without it
        self.stale: dict[str, int] = {}  # answered while its blocks were off screen
        self.outbox: list[str] = []
        self.typing_at: int | None = None  # the end of the last edit, while in that word
        self.format = misspelt_format()
        self._applying = False
        self._scheduled = False

    # ---- HighlightLayer ---------------------------------------------------------------------

    def highlight_block(self, text: str, previous_state: int) -> tuple[list[FormatRange], int]:
        if self.tag is None or not text:
            return [], -1
        found = self.answers.get(text)
        if found is None:
            self.waiting[text] = self.waiting.get(text, 0) + 1
            if text not in self.asked:
                self.asked.add(text)
                if not self.outbox:
                    QTimer.singleShot(0, self.controller, self.send)
                self.outbox.append(text)
            return [], -1
        if not found:
            return [], -1
        skip = self._typed_word_span()
        ranges = []
        for start, length, _word in found:
            if skip is not None and start <= skip <= start + length:
                continue
            ranges.append((start, length, self.format))
        return ranges, -1

    def send(self) -> None:
        texts, self.outbox = self.outbox, []
        if texts and self.tag is not None:
            self.controller.service.check(self.tag, texts)

    def _typed_word_span(self) -> int | None:
        """The cursor's offset in the block being highlighted when the user is typing
        there (the word at it is not finished), else None."""
        if self.typing_at is None:
            return None
        block = self.highlighter.currentBlock()
        offset = self.typing_at - block.position()
        return offset if 0 <= offset <= block.length() else None

    # ---- answers ----------------------------------------------------------------------------

    def take(self, results: Results) -> None:
        """Answers from the thread: keep them; paragraphs with a misspelt word that were
        highlighted without their answer are highlighted again once on screen."""
        if len(self.answers) > CACHE_LIMIT:
            self.answers.clear()
        for text, found in results:
            self.answers[text] = found
            self.asked.discard(text)
            count = self.waiting.pop(text, 0)
            if found and count:
                self.stale[text] = self.stale.get(text, 0) + count
        self.apply_visible()

    def apply_visible(self, *_args: object) -> None:
        """Soon (once per event-loop turn, however many repaints ask), highlight again the
        blocks on screen whose answer came while they were off it."""
        if self.stale and not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self.controller, self._apply_visible)

    def _apply_visible(self) -> None:
        self._scheduled = False
        if not self.stale or self._applying:
            return
        self._applying = True
        try:
            # Every block takes a line at least: as many blocks as lines fit cover the
            # screen (asking Qt for each block's geometry cost ~5 ms a call on 10 MB).
            editor = self.editor
            lines = editor.viewport().height() // max(1, editor.fontMetrics().lineSpacing())
            block = editor.firstVisibleBlock()
            for _ in range(min(MAX_VISIBLE_BLOCKS, lines + 2)):
                if not block.isValid():
                    break
                text = block.text()
                count = self.stale.get(text)
                if count is not None:
                    if count <= 1:
                        del self.stale[text]
                    else:
                        self.stale[text] = count - 1
                    self.highlighter.rehighlight_block(block)
                block = block.next()
        finally:
            self._applying = False

    def reset(self, tag: str | None) -> None:
        """Check with another dictionary (or none): forget every answer."""
        self.tag = tag
        self.answers.clear()
        self.asked.clear()
        self.waiting.clear()
        self.stale.clear()
        self.outbox.clear()

    def drop_word(self, word: str) -> None:
        """A word became correct (added, ignored): strip it from the cached answers."""
        for text, found in list(self.answers.items()):
            if any(w == word for _s, _l, w in found):
                self.answers[text] = tuple(f for f in found if f[2] != word)

    # ---- typing -----------------------------------------------------------------------------

    def on_contents_change(self, position: int, removed: int, added: int) -> None:
        if added >= RECHOOSE_AFTER:
            self.typing_at = None
            self.controller.choose_language(self)
            return
        self.typing_at = position + added
        self.controller.service.user_active()

    def on_cursor_moved(self) -> None:
        if self.typing_at is None:
            return
        cursor = self.editor.textCursor()
        if cursor.position() == self.typing_at and not cursor.hasSelection():
            return
        block = self.editor.document().findBlock(self.typing_at)
        self.typing_at = None
        self.highlighter.rehighlight_block(block)


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


class PersonalDictionaryDialog(QDialog):
    """The personal word list, to look through and remove words from."""

    wordRemoved = Signal(str)

    def __init__(self, personal: PersonalDictionary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.personal = personal
        self.setObjectName("personalDictionaryDialog")
        self.setWindowTitle(self.tr("Personal Dictionary"))
        self.list = QListWidget(self)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.addItems(sorted(personal.words(), key=str.casefold))
        note = QLabel(self.tr("Words you added with “Add to Dictionary”. They are kept in "
                              "{0}.").format(personal.path), self)
        note.setWordWrap(True)
        remove = QPushButton(self.tr("Remove"), self)
        remove.clicked.connect(self.remove_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(remove, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(380, 420)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            word = item.text()
            try:
                removed = self.personal.remove(word)
            except OSError as error:
                QMessageBox.warning(self, self.windowTitle(), str(error))
                return
            if removed:
                self.list.takeItem(self.list.row(item))
                self.wordRemoved.emit(word)


def install(window: MainWindow) -> SpellController:
    controller = SpellController(window)
    controller._follow()
    return controller


__all__ = ["SpellController", "SpellLayer", "SpellingUnavailable", "install"]
