"""Spell checking off the GUI thread: one thread, a queue of paragraphs, results in batches.

The window hands over the text of each paragraph it has no answer for; the thread splits
it into words, looks each distinct word up once (a cache per dictionary) and reports the
misspelt ones with their UTF-16 ranges. Results go back in batches (every ~30 ms of
work) through a callback that the window turns into a queued Qt signal. Loading a
dictionary (~0.1 s) happens here too, never on the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from writer_app.spelling.checker import SpellChecker, SpellingUnavailable, load_checker
from writer_app.spelling.personal import PersonalDictionary
from writer_app.spelling.words import words

log = logging.getLogger(__name__)

THREAD_NAME = "writer-spelling"
BATCH_SECONDS = 0.03  # results go back at least this often while work remains
WORD_CACHE_LIMIT = 500_000  # distinct words remembered per dictionary before starting over

# A paragraph's misspelt words: (start, length, word), UTF-16 units in the paragraph.
Misspelt = tuple[tuple[int, int, str], ...]
Results = list[tuple[str, Misspelt]]  # (paragraph text, its misspelt words)
ResultsCallback = Callable[[str, Results], None]  # (dictionary tag, results)

_STOP = object()


class BackgroundChecker:
    """The spelling thread. `check(tag, text)` queues; `on_results` runs in the thread."""

    def __init__(self, personal: PersonalDictionary, on_results: ResultsCallback,
                 on_error: Callable[[str, SpellingUnavailable], None] | None = None) -> None:
        self.personal = personal
        self._on_results = on_results
        self._on_error = on_error
        self._queue: queue.Queue[object] = queue.Queue()
        self._checkers: dict[str, SpellChecker] = {}
        self._failed: set[str] = set()
        self._caches: dict[str, dict[str, bool]] = {}
        self._lock = threading.Lock()  # guards _checkers
        self._thread: threading.Thread | None = None
        self.busy_seconds = 0.0  # time spent checking, for reports

    # ---- the GUI side -----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Drop what is queued and end the thread (idempotent)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        with self._queue.mutex:
            self._queue.queue.clear()
        self._queue.put(_STOP)
        thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check(self, tag: str, text: str) -> None:
        """Queue a paragraph (starting the thread if it was stopped)."""
        if self._thread is None:
            self.start()
        self._queue.put((tag, text))

    def pending(self) -> int:
        return self._queue.qsize()

    def checker(self, tag: str) -> SpellChecker | None:
        """The loaded checker for a tag (loaded here, on the caller's thread, if need be)."""
        with self._lock:
            if tag in self._checkers:
                return self._checkers[tag]
            if tag in self._failed:
                return None
            try:
                checker = load_checker(tag)
            except SpellingUnavailable as error:
                self._failed.add(tag)
                log.warning("Spelling: %s", error)
                if self._on_error is not None:
                    self._on_error(tag, error)
                return None
            self._checkers[tag] = checker
            return checker

    def is_misspelt(self, tag: str, word: str) -> bool:
        """One word, now (the context menu asks on the GUI thread: one lookup)."""
        return not self._word_ok(tag, word)

    def suggest(self, tag: str, word: str, limit: int = 6) -> list[str]:
        checker = self.checker(tag)
        return checker.suggest(word, limit) if checker is not None else []

    def forget(self, word: str) -> None:
        """A word was added or ignored: cached verdicts on it no longer hold."""
        for cache in list(self._caches.values()):
            cache.pop(word, None)

    # ---- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            started = time.perf_counter()
            batches: dict[str, Results] = {}
            while True:
                assert isinstance(job, tuple)
                tag, text = job
                try:
                    batches.setdefault(tag, []).append((text, self.misspelt(tag, text)))
                except Exception:  # never let one odd paragraph end the thread
                    log.exception("Spelling: checking a paragraph failed")
                if time.perf_counter() - started > BATCH_SECONDS:
                    break
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    self._flush(batches)
                    return
            self.busy_seconds += time.perf_counter() - started
            self._flush(batches)

    def _flush(self, batches: dict[str, Results]) -> None:
        for tag, results in batches.items():
            self._on_results(tag, results)

    def misspelt(self, tag: str, text: str) -> Misspelt:
        """The misspelt words of one paragraph (runs on any thread)."""
        found = []
        for word in words(text):
            if not self._word_ok(tag, word.text):
                found.append((word.start, word.length, word.text))
        return tuple(found)

    def _word_ok(self, tag: str, word: str) -> bool:
        known = self.personal.known
        if word in known or (word[:1].isupper() and word.lower() in known):
            return True
        if "\u2019" in word or "\u02bc" in word:
            plain = word.replace("\u2019", "'").replace("\u02bc", "'")
            if plain in known:
                return True
        cache = self._caches.setdefault(tag, {})
        verdict = cache.get(word)
        if verdict is None:
            checker = self.checker(tag)
            verdict = True if checker is None else checker.check(word)
            if len(cache) >= WORD_CACHE_LIMIT:
                cache.clear()
            cache[word] = verdict
        return verdict
