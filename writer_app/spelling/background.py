"""Spell checking off the GUI thread: one thread, a queue of paragraphs, results in batches.

The window hands over the text of each paragraph it has no answer for; the thread splits
it into words, looks each distinct word up once (a cache per dictionary) and reports the
misspelt ones with their UTF-16 ranges. Results go back in batches (every ~30 ms of
work) through a callback that the window turns into a queued Qt signal. Loading a
dictionary (~0.1 s) happens here too, never on the GUI thread. Bulk work (a whole file)
pauses while the user types, so that typing never waits for the GIL behind it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from writer_app.spelling.checker import SpellChecker, SpellingUnavailable, load_checker
from writer_app.spelling.personal import PersonalDictionary
from writer_app.spelling.words import SPECIAL, WORD_TOKEN, utf16_length, words

log = logging.getLogger(__name__)

THREAD_NAME = "writer-spelling"
BATCH_SECONDS = 0.03  # results go back at least this often while work remains
URGENT_PARAGRAPHS = 16  # a hand-over this small is an edit: checked before bulk work
QUIET_SECONDS = 0.4  # bulk work waits this long after the user's last edit
WORD_CACHE_LIMIT = 500_000  # distinct words remembered per dictionary before starting over

# A paragraph's misspelt words: (start, length, word), UTF-16 units in the paragraph.
Misspelt = tuple[tuple[int, int, str], ...]
Results = list[tuple[str, Misspelt]]  # (paragraph text, its misspelt words)
ResultsCallback = Callable[[str, Results], None]  # (dictionary tag, results)

class BackgroundChecker:
    """The spelling thread. `check(tag, text)` queues; `on_results` runs in the thread."""

    def __init__(self, personal: PersonalDictionary, on_results: ResultsCallback,
                 on_error: Callable[[str, SpellingUnavailable], None] | None = None) -> None:
        self.personal = personal
        self._on_results = on_results
        self._on_error = on_error
        # Two queues: a few paragraphs just edited (checked at once) and bulk work (a file
        # opened, a language changed), which waits while the user types: a Python thread
        # busy with it would take the GIL from the GUI thread for up to 5 ms at a time.
        self._urgent: deque[tuple[str, str]] = deque()
        self._bulk: deque[tuple[str, str]] = deque()
        self._wake = threading.Condition()
        self._stopping = False
        self._quiet_after = 0.0  # time.monotonic() before which bulk work waits
        self._checkers: dict[str, SpellChecker] = {}
        self._failed: set[str] = set()
        self._caches: dict[str, dict[str, bool]] = {}  # word → Hunspell's verdict
        self._good: dict[str, set[str]] = {}  # regex tokens known to hold no misspelling
        self._bad: dict[str, dict[str, Misspelt]] = {}  # tokens holding one, and where
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
        with self._wake:
            self._urgent.clear()
            self._bulk.clear()
            self._stopping = True
            self._wake.notify_all()
        thread.join(timeout)
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check(self, tag: str, texts: list[str]) -> None:
        """Queue paragraphs (starting the thread if it was stopped)."""
        if self._thread is None:
            self.start()
        with self._wake:
            target = self._urgent if len(texts) <= URGENT_PARAGRAPHS else self._bulk
            target.extend((tag, text) for text in texts)
            self._wake.notify_all()

    def user_active(self) -> None:
        """The user is typing: hold bulk work back for a moment (edits still go through)."""
        self._quiet_after = time.monotonic() + QUIET_SECONDS

    def user_idle(self) -> None:
        """Let bulk work go on now."""
        with self._wake:
            self._quiet_after = 0.0
            self._wake.notify_all()

    def pending(self) -> int:
        return len(self._urgent) + len(self._bulk)

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

    def forget_accepted(self) -> None:
        """A word left the personal list: tokens accepted through it are fine no more."""
        for good in list(self._good.values()):
            good.clear()

    def forget_rejected(self) -> None:
        """A word was added or ignored: tokens rejected for it may be fine now."""
        for bad in list(self._bad.values()):
            bad.clear()

    # ---- the thread -------------------------------------------------------------------------

    def _next(self, wait: bool) -> tuple[str, str] | None:
        """The next paragraph: an urgent one, else bulk work once the user is quiet;
        None to stop (or, with wait=False, when nothing may run now)."""
        with self._wake:
            while not self._stopping:
                if self._urgent:
                    return self._urgent.popleft()
                pause = self._quiet_after - time.monotonic()
                if self._bulk and pause <= 0:
                    return self._bulk.popleft()
                if not wait:
                    return None
                self._wake.wait(pause if self._bulk else None)
            return None

    def _run(self) -> None:
        while True:
            job = self._next(wait=True)
            if job is None:
                return
            started = time.perf_counter()
            batches: dict[str, Results] = {}
            while job is not None:
                tag, text = job
                try:
                    batches.setdefault(tag, []).append((text, self.misspelt(tag, text)))
                except Exception:  # never let one odd paragraph end the thread
                    log.exception("Spelling: checking a paragraph failed")
                if time.perf_counter() - started > BATCH_SECONDS:
                    break
                job = self._next(wait=False)
            self.busy_seconds += time.perf_counter() - started
            self._flush(batches)

    def _flush(self, batches: dict[str, Results]) -> None:
        for tag, results in batches.items():
            self._on_results(tag, results)

    def misspelt(self, tag: str, text: str) -> Misspelt:
        """The misspelt words of one paragraph (runs on any thread).

        Most paragraphs have no misspelt word, and most of their words were seen before:
        a set difference against the tokens known to be fine (C speed) settles them
        before any per-word Python runs.
        """
        if not SPECIAL.search(text):
            good = self._good.setdefault(tag, set())
            unknown = set(WORD_TOKEN.findall(text)) - good
            if not unknown:
                return ()
            bad: dict[str, Misspelt] = {}
            for token in unknown:
                pieces = self._token_verdict(tag, token)
                if pieces:
                    bad[token] = pieces
                else:
                    if len(good) >= WORD_CACHE_LIMIT:
                        good.clear()
                    good.add(token)
            return self._locate(text, bad) if bad else ()
        found = []
        for word in words(text):
            if not self._word_ok(tag, word.text):
                found.append((word.start, word.length, word.text))
        return tuple(found)

    def _locate(self, text: str, bad: dict[str, Misspelt]) -> Misspelt:
        """Where the misspelt words of the `bad` tokens are (UTF-16 offsets), found with
        str.find rather than a Python loop over every word of the paragraph."""
        found = []
        for token, pieces in bad.items():
            start = text.find(token)
            while start != -1:
                match = WORD_TOKEN.match(text, start)
                if match is not None and match.group() == token \
                        and not _inside_token(text, start):
                    base = utf16_length(text[:start])
                    found += [(base + offset, length, word) for offset, length, word in pieces]
                start = text.find(token, start + 1)
        return tuple(sorted(found))

    def _token_verdict(self, tag: str, token: str) -> Misspelt:
        """The misspelt words inside a bare token (offsets within it); () when fine."""
        bad = self._bad.setdefault(tag, {})
        pieces = bad.get(token)
        if pieces is None:
            pieces = tuple((w.start, w.length, w.text) for w in words(token)
                           if not self._word_ok(tag, w.text))
            if pieces:
                if len(bad) >= WORD_CACHE_LIMIT:
                    bad.clear()
                bad[token] = pieces
        return pieces

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


def _inside_token(text: str, start: int) -> bool:
    """Whether `start` continues a word token begun before it (a word character, or an
    apostrophe between word characters, just before)."""
    if start == 0:
        return False
    before = text[start - 1]
    if before.isalnum() or before == "_":
        return True
    return before in "'\u2019\u02bc" and start >= 2 and (text[start - 2].isalnum()
                                                         or text[start - 2] == "_")
