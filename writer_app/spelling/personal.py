"""The personal word list: words the user added, kept across sessions and documents.

A UTF-8 text file, one word a line, in the config folder (dictionary.txt), so that it can
be edited by hand, synced or copied to another machine. It is written atomically (a crash
never leaves half a list). An unreadable or garbled file counts as empty, with a warning
in the log, and is not overwritten until the user adds a word. "Ignore All" words are
kept for this session only and never written.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path

from writer_app.atomic import write_text_atomically

log = logging.getLogger(__name__)

FILE_NAME = "dictionary.txt"
MAX_WORD_LENGTH = 100  # longer "words" in a hand-edited file are noise, not words


def default_path() -> Path:
    from writer_app.paths import config_dir

    return config_dir() / FILE_NAME


def clean_word(word: str) -> str:
    """A word as stored: NFC, no surrounding space, typographic apostrophes as "'"."""
    word = unicodedata.normalize("NFC", word).strip()
    for mark in "\u2019\u02bc":
        word = word.replace(mark, "'")
    return word


def acceptable(word: str) -> bool:
    """Whether a cleaned word can be kept: one line, printable, not a comment."""
    return bool(word) and not word.startswith("#") and len(word) <= MAX_WORD_LENGTH \
        and all(c.isprintable() and not c.isspace() for c in word)


def parse(text: str) -> list[str]:
    """The words of a list file, in order, without blanks, comments (#) or duplicates."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        word = clean_word(line)
        if acceptable(word):
            seen.setdefault(word, None)
    return list(seen)


class PersonalDictionary:
    """The added words (saved) and the ignored ones (this session). The set the spell
    checker reads is replaced, never changed in place, so a checking thread can read it
    without a lock."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._lock = threading.Lock()
        self._added: list[str] = []
        self._ignored: set[str] = set()
        self.known: frozenset[str] = frozenset()  # added + ignored, for the checker
        self.load_warning = ""
        self.load()

    def load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as error:
            self.load_warning = f"Could not read {self.path}: {error}"
            log.warning("%s", self.load_warning)
            raw = b""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.load_warning = f"{self.path} is not UTF-8 text ({error}); it was ignored"
            log.warning("%s", self.load_warning)
            text = ""
        with self._lock:
            self._added = parse(text)
            self._publish()

    def words(self) -> list[str]:
        """The saved words, in the file's order."""
        return list(self._added)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and clean_word(word) in self.known

    def add(self, word: str) -> bool:
        """Add and save a word; False when it was there already (or is empty)."""
        word = clean_word(word)
        if not acceptable(word):
            return False
        with self._lock:
            if word in self._added:
                return False
            self._added.append(word)
            try:
                self._save()
            except OSError:
                self._added.remove(word)
                raise
            self._publish()
        return True

    def remove(self, word: str) -> bool:
        word = clean_word(word)
        with self._lock:
            if word not in self._added:
                return False
            self._added.remove(word)
            self._save()
            self._publish()
        return True

    def ignore(self, word: str) -> None:
        """Accept the word until Writer quits (not saved)."""
        word = clean_word(word)
        if word:
            with self._lock:
                self._ignored.add(word)
                self._publish()

    def _save(self) -> None:
        text = "".join(f"{w}\n" for w in self._added)
        write_text_atomically(self.path, text)
        self.load_warning = ""

    def _publish(self) -> None:
        self.known = frozenset(self._added) | frozenset(self._ignored)
