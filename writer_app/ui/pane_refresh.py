"""The Next tokens pane follows the cursor: debounced requests, only the newest shown.

Per keystroke this costs the GUI thread a cancelled timer and a new one; the text sent
is the tail the model can read (see WriterEditor.text_for_model), and the heading reads
only the last few characters before the cursor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from writer_app.boundary.params import SamplingParams
from writer_app.ui.editor import WriterEditor
from writer_app.ui.status_bar import StatusIndicators
from writer_app.ui.tasks import TaskSet
from writer_app.ui.token_pane import NextTokensPane
from writer_app.worker import EngineWorker, LiveParams, WorkerError

# Strings this part took over from the window keep the window's translation context.
translate = QCoreApplication.translate

if TYPE_CHECKING:
    from writer_app.boundary.results import NextTokens

HEADING_CHARACTERS = 24  # of the text before the cursor, in the pane's heading


class PaneController(QObject):
    """Asks for the next tokens at the cursor after a pause, and reweighs them when a
    slider moves (no model call: the engine keeps the last logits)."""

    updated = Signal()

    def __init__(self, editor: WriterEditor, pane: NextTokensPane, worker: EngineWorker,
                 params: LiveParams, preamble: Callable[[], str],
                 indicators: StatusIndicators, tasks: TaskSet, top_n: int, delay: float,
                 may_ask: Callable[[], bool], busy: Callable[[], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.pane = pane
        self.worker = worker
        self.params = params
        self.preamble = preamble
        self.indicators = indicators
        self.tasks = tasks
        self.top_n = top_n
        self.delay = delay
        self.may_ask = may_ask  # a model is loaded or loading
        self.busy = busy  # a generation runs: the pane shows its steps instead
        self.task: asyncio.Task[Any] | None = None
        self._requests = 0  # numbers pane requests, so only the newest answer shows
        self._shown = 0
        self.has_logits = False  # the engine holds logits that reweigh can reuse
        self.unavailable = ""  # why the loaded backend has no pane ("" when it has one)
        self.can_reweigh = True  # the backend reweighs without a model call
        self._closing = False

    def on_text_or_cursor_changed(self) -> None:
        if not self.busy() and not self._closing:
            self.refresh()

    def refresh(self, delay: float | None = None) -> None:
        """Ask for the next tokens at the cursor after `delay` s (debounced: the last wins)."""
        self.cancel()
        if not self.may_ask() or self._closing:
            return
        if self.unavailable:
            self.pane.clear(self.unavailable)
            return
        self.task = self.tasks.spawn(self._refresh(self.delay if delay is None else delay))

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = None

    def forget_logits(self) -> None:
        """The engine's last pane logits are no longer on show (a generation, a new model)."""
        self.has_logits = False

    async def _refresh(self, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        self._requests += 1
        number = self._requests
        position = self.editor.textCursor().selectionEnd()
        try:
            result = await self.worker.next_tokens(self.editor.text_for_model(position),
                                                   self.params.get(), n=self.top_n,
                                                   preamble=self.preamble())
        except WorkerError as error:
            if not self._closing:
                self.pane.clear(error.message + ".")
            return
        if result is not None:
            self.has_logits = True
            self._show(result, number)

    def on_params_changed(self, params: SamplingParams) -> None:
        """A slider moved: the worker reads it at the next token; the pane reweighs."""
        self.params.set(params)
        if self.busy() or not self.has_logits:
            return
        if self.can_reweigh:
            self.tasks.spawn(self._reweigh(params))
        else:  # a backend that must be asked again (a server): after the usual pause
            self.refresh()

    async def _reweigh(self, params: SamplingParams) -> None:
        self._requests += 1
        number = self._requests
        try:
            result = await self.worker.reweigh(params, n=self.top_n)
        except WorkerError:
            return
        if result is not None:
            self._show(result, number)

    def _show(self, result: NextTokens, number: int) -> None:
        if self._closing or number < self._shown or self.busy():
            return
        self._shown = number
        self.pane.show_tokens(result.tokens, self.heading(), approximate=result.approximate)
        self.indicators.show_context(result.context.used, result.context.window,
                                     result.context.dropped, result.context.approximate)
        self.updated.emit()

    def heading(self) -> str:
        """ “After …the last words” from the few characters before the cursor."""
        position = self.editor.textCursor().selectionEnd()
        recent = self.editor.recent_text(position, HEADING_CHARACTERS * 4)
        before = " ".join(recent.split())
        tail = before[-HEADING_CHARACTERS:]
        if not tail:
            return translate("MainWindow", "At the start of the document")
        more = len(before) > HEADING_CHARACTERS or position > HEADING_CHARACTERS * 4
        return translate("MainWindow", "After “{text}”").format(text=f"…{tail}" if more else tail)

    def insert_candidate(self, index: int) -> None:
        """Alt+1…9: insert that row's token."""
        token = self.pane.token_at(index)
        if token is not None:
            self.insert_token(token)

    def insert_token(self, token: Any) -> None:
        if self.busy():
            return
        self.editor.insert_at_cursor(token.text)
        self.editor.setFocus()

    def shut_down(self) -> None:
        self._closing = True
        self.cancel()
