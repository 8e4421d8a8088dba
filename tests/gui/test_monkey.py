"""A GUI monkey: random sequences of what a user does, on the real window and the tiny model.

Type (English, Chinese, emoji, new lines), move the cursor, continue, stop, retry, undo,
accept a suggestion (ghost text), insert a pane candidate, switch model (reload the tiny
one), save. After every step:
- no exception reached sys.excepthook or the asyncio loop, and no error is on show;
- the document is what was typed plus what was accepted: a model of the text follows each
  step, and a step that inserts what the model wrote (continue, stop, retry, ghost text,
  pane candidate) may only insert, at the cursor, never change anything else;
- undo right after a generation or an accepted suggestion gives back the text before it,
  and any undo gives back some earlier text;
- retry is offered only while the last generation is untouched;
- the crash journal, once flushed, holds the document exactly; a saved file's bytes are
  the document's.

Hypothesis drives the sequences (derandomized: the same ones on every run) and shrinks a
failing one to a short recipe. One window serves every sequence; each starts from a new
document.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from PySide6.QtCore import Qt

from tests.gui.keyboard import type_text
from writer_app.boundary.params import SamplingParams
from writer_app.documents.journal_records import replay

pytestmark = pytest.mark.gui

# How many sequences of how many steps (WRITER_MONKEY=200x30 for a longer hunt)
SEQUENCES, STEPS = (int(n) for n in os.environ.get("WRITER_MONKEY", "20x15").split("x"))
TIMEOUT_MS = 20_000
CTRL = Qt.KeyboardModifier.ControlModifier
TYPED = ["The sea ", "was calm", ", and ", "we", " sailed on.", "\n", "我们", "去海边",
         "。", "😀", " 🚀✨ ", "café ", "x"]
# Seeded, so a sequence replays the same (hypothesis shrinks by replaying); short, so fast
PARAMS = SamplingParams(seed=5, max_new_tokens=24)
# The tiny tokenizer's control tokens: never text, never inserted (EOS ends a generation)
CONTROL_TOKENS = ("<pad>", "<bos>", "<eos>")


def cursor_index(editor) -> int:
    """The cursor's place in Python characters (Qt counts UTF-16 units)."""
    units = editor.text().encode("utf-16-le")[:2 * editor.textCursor().position()]
    return len(units.decode("utf-16-le"))


def qt_position(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def insertion(before: str, after: str, at: int) -> str | None:
    """What was inserted at `at` to make `after` from `before`; None if it was not that."""
    tail = len(before) - at
    if len(after) < len(before) or after[:at] != before[:at] \
            or after[len(after) - tail:] != before[at:]:
        return None
    return after[at:len(after) - tail]


def journal_state(window):
    """What the crash journal on disk holds for the window's document (None: nothing)."""
    hot_exit = window.hot_exit
    file = Path(hot_exit.journal.folder) / f"{hot_exit.document_id}.journal"
    return replay(file.read_bytes()) if file.exists() else None


@dataclass
class Generation:
    """The last generation: the text it started from, where, and the text it left."""

    before: str
    at: int
    after: str


def test_random_sequences_keep_the_document_the_journal_and_saved_files_right(
        qtbot, make_window, running_loop, tmp_path, monkeypatch):
    window = make_window()
    assert window.model_info is not None, "the tiny model did not load"
    window.sampling.set_params(PARAMS, emit=True)
    window.settings.set("completion.max_tokens", 8)  # short suggestions: a quicker step
    problems: list[str] = []
    monkeypatch.setattr(sys, "excepthook",
                        lambda kind, value, tb: problems.append(f"excepthook: {value!r}"))
    running_loop.set_exception_handler(
        lambda loop, context: problems.append(f"asyncio: {context.get('message')} "
                                              f"{context.get('exception')!r}"))
    saves = iter(range(10**6))
    counts = dict.fromkeys(["sequences", "steps", "generations", "retries",
                            "suggestions accepted", "candidates inserted", "undos"], 0)

    def wait_idle() -> None:
        qtbot.waitUntil(lambda: not window.is_generating and not window.is_loading,
                        timeout=TIMEOUT_MS)

    class Monkey(RuleBasedStateMachine):
        @initialize()
        def new_document(self) -> None:
            wait_idle()
            qtbot.keyClick(window.editor, Qt.Key.Key_Escape)  # no ghost text from the last one
            window.editor.document().setModified(False)
            window.new_document()  # a new tab; the last one closes (nothing to ask)
            while window.open_tab_count() > 1:
                assert window.document_list.close_tab(0)
            window.editor.setFocus()
            self.expected = ""
            self.seen = {""}  # every text the document has had: what an undo may restore
            self.undoable: str | None = None  # text before a step that is one undo step
            self.generation: Generation | None = None
            counts["sequences"] += 1

        # ---- the user's steps ----------------------------------------------------------------

        @rule(text=st.sampled_from(TYPED))
        def type(self, text: str) -> None:
            at = cursor_index(window.editor)
            type_text(qtbot, window.editor, text)
            self._expect(self.expected[:at] + text + self.expected[at:])
            self.generation = None

        @rule(percent=st.integers(0, 100))
        def move_cursor(self, percent: int) -> None:
            index = len(self.expected) * percent // 100
            cursor = window.editor.textCursor()
            cursor.setPosition(qt_position(self.expected, index))
            window.editor.setTextCursor(cursor)
            self._expect(self.expected, undoable=self.undoable)

        @rule()
        def continue_text(self) -> None:
            self._generate(lambda: window.continue_text())

        @rule()
        def continue_and_stop(self) -> None:
            self._generate(lambda: (window.continue_text(), window.stop()))

        @rule()
        def retry(self) -> None:
            last = self.generation
            if not window.editor.can_retry:
                window.retry()  # not offered: nothing happens
                wait_idle()
                self._expect(window.editor.text(), undoable=self.undoable)
                return
            assert last is not None and window.editor.text() == last.after, \
                "retry is offered though the last generation is gone or was edited"
            window.retry()
            wait_idle()
            counts["retries"] += 1
            self._check_inserted(last.before, last.at, "retry")
            self.undoable = last.after
            self.generation = Generation(last.before, last.at, self.expected)

        @rule()
        def undo(self) -> None:
            before = self.expected
            window.editor.undo()
            counts["undos"] += before != window.editor.text()
            after = window.editor.text()
            if self.undoable is not None:
                assert after == self.undoable, "undo did not give back the text before " \
                    f"the last generation or suggestion: {before!r} → {after!r}"
            assert after in self.seen, f"undo made a text never seen: {after!r}"
            self._expect(after)
            self.generation = None

        @rule()
        def accept_suggestion(self) -> None:
            at, before = cursor_index(window.editor), self.expected
            qtbot.keyClick(window.editor, Qt.Key.Key_Space, CTRL)
            qtbot.waitUntil(lambda: window.editor.ghost_text() != ""
                            or not window.completion.is_pending, timeout=TIMEOUT_MS)
            ghost = window.editor.ghost_text()
            if not ghost:  # the model suggested nothing here
                return
            counts["suggestions accepted"] += 1
            qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
            accepted = self._check_inserted(before, at, "the accepted suggestion")
            assert accepted == ghost, f"Tab inserted {accepted!r}, the ghost said {ghost!r}"
            self.undoable = before
            self.generation = None

        @rule(index=st.integers(0, 2))
        def insert_pane_candidate(self, index: int) -> None:
            at, before, undoable = cursor_index(window.editor), self.expected, self.undoable
            with qtbot.waitSignal(window.paneUpdated, timeout=TIMEOUT_MS):
                window.refresh_pane(delay=0)
            window.insert_candidate(index)
            if self._check_inserted(before, at, "a pane candidate"):
                counts["candidates inserted"] += 1
                self.generation = None  # an edit: retry is no longer offered
            else:
                self.undoable = undoable  # nothing changed

        @rule()
        def switch_model(self) -> None:
            window.load_model("tiny")
            wait_idle()
            assert window.model_info is not None, "reloading the tiny model failed"
            self._expect(self.expected, undoable=self.undoable)

        @rule()
        def save(self) -> None:
            path = tmp_path / f"saved-{next(saves)}.txt"
            assert window.save_to(path)
            assert path.read_bytes() == self.expected.encode("utf-8")
            assert not window.editor.document().isModified()
            self._expect(self.expected, undoable=self.undoable)

        # ---- bookkeeping ---------------------------------------------------------------------

        def _generate(self, start) -> None:
            at, before = cursor_index(window.editor), self.expected
            start()
            wait_idle()
            counts["generations"] += bool(self._check_inserted(before, at, "the generation"))
            self.undoable = before if self.expected != before else None
            self.generation = Generation(before, at, self.expected) if window.editor.can_retry \
                else None

        def _check_inserted(self, before: str, at: int, what: str) -> str:
            after = window.editor.text()
            inserted = insertion(before, after, at)
            assert inserted is not None, \
                f"{what} changed more than it inserted at {at}: {before!r} → {after!r}"
            for token in CONTROL_TOKENS:
                assert token not in inserted, f"{what} inserted the control token {token}"
            self._expect(after)
            return inserted

        def _expect(self, text: str, undoable: str | None = None) -> None:
            self.expected = text
            self.seen.add(text)
            self.undoable = undoable
            counts["steps"] += 1

        # ---- after every step ----------------------------------------------------------------

        @invariant()
        def nothing_went_wrong(self) -> None:
            assert not problems, problems
            bar = getattr(window, "message_bar", None)
            if bar is not None and bar.isVisible():
                pytest.fail(f"the window shows a message: {bar.message()}")

        @invariant()
        def the_document_is_what_the_user_made(self) -> None:
            if hasattr(self, "expected"):
                assert window.editor.text() == self.expected

        @invariant()
        def the_journal_holds_the_document(self) -> None:
            if not hasattr(self, "expected"):
                return
            if window.editor.document().isModified():
                assert window.hot_exit.keep_for_next_start(), "the journal was not written"
                state = journal_state(window)
                assert state is not None and state.modified, "no journal of unsaved text"
                assert state.text == self.expected
            else:
                assert window.hot_exit.journal.flush()
                state = journal_state(window)
                assert state is None or not state.modified, "a saved text's journal says " \
                    "it has unsaved changes"

    run_state_machine_as_test(Monkey, settings=settings(
        max_examples=SEQUENCES, stateful_step_count=STEPS, derandomize=True, deadline=None,
        suppress_health_check=list(HealthCheck), database=None))
    running_loop.set_exception_handler(None)
    print("monkey: " + ", ".join(f"{count} {what}" for what, count in counts.items()))
