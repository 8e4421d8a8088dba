"""Continue, Retry and Stop: a generation streamed into the editor, one undo step.

While text streams in, the pane shows the newest step at most every STEP_PANE_INTERVAL s:
repainting its rows for every token took ~9 ms of the GUI thread (and the interpreter
lock the engine needs) per token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from writer_app.ui.editor import WriterEditor
from writer_app.ui.feedback import MessageSink
from writer_app.ui.probabilities import ProbabilityController
from writer_app.ui.status_bar import StatusIndicators
from writer_app.ui.tasks import TaskSet
from writer_app.ui.token_pane import NextTokensPane, visible_token
from writer_app.worker import EngineWorker, GenerationStream, LiveParams, WorkerError

# Strings this part took over from the window keep the window's translation context.
translate = QCoreApplication.translate

if TYPE_CHECKING:
    from writer_app.boundary.results import Step
    from writer_app.worker import GenerationSummary

Actions = tuple[tuple[str, Callable[[], None]], ...]
STEP_PANE_INTERVAL = 0.1  # s between two streamed steps shown in the pane (10 a second)
TOPIC = "generation"


class StepThrottle(QObject):
    """Passes on the newest of a stream of steps at most once every `interval` s: the
    first at once, the last one always (when the interval is up)."""

    def __init__(self, show: Callable[[Step], None], interval: float = STEP_PANE_INTERVAL,
                 clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = show
        self.interval = interval
        self._clock = clock
        self._pending: Step | None = None
        self._shown_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    def add(self, step: Step) -> None:
        self._pending = step
        if self._timer.isActive():
            return  # the newest step will be shown when the timer fires
        wait = 0.0 if self._shown_at is None \
            else self.interval - (self._clock() - self._shown_at)
        if wait <= 0:
            self._flush()
        else:
            self._timer.start(max(1, int(wait * 1000)))

    def _flush(self) -> None:
        step, self._pending = self._pending, None
        if step is not None:
            self._shown_at = self._clock()
            self._show(step)

    def reset(self) -> None:
        """Drop what waits; the next step shows at once."""
        self._timer.stop()
        self._pending = None
        self._shown_at = None


class GenerationController(QObject):
    """Streams continuations into the editor and their steps into the pane."""

    finished = Signal(object)  # GenerationSummary, or None when it failed
    stateChanged = Signal()  # a generation started or ended

    def __init__(self, editor: WriterEditor, worker: EngineWorker, params: LiveParams,
                 preamble: Callable[[], str], pane: NextTokensPane,
                 probabilities: ProbabilityController, indicators: StatusIndicators,
                 messages: MessageSink, tasks: TaskSet, top_n: int,
                 model_ready: Callable[[], bool], parent: QObject | None = None,
                 failure_actions: Callable[[], Actions] = lambda: ()) -> None:
        super().__init__(parent)
        self.editor = editor
        self.worker = worker
        self.params = params
        self.preamble = preamble
        self.pane = pane
        self.probabilities = probabilities
        self.indicators = indicators
        self.messages = messages
        self.tasks = tasks
        self.top_n = top_n
        self.model_ready = model_ready
        self.failure_actions = failure_actions  # buttons under a failure (Try Again, …)
        self._stream: GenerationStream | None = None
        self._closing = False
        self.throttle = StepThrottle(self._show_step, parent=self)
        self.generating_editor: WriterEditor | None = None  # where the stream writes
        self.watch(editor)

    def watch(self, editor: WriterEditor) -> None:
        """Stop when the user edits `editor` while it is being written into."""
        editor.generationInterrupted.connect(self.stop)

    def follow(self, editor: WriterEditor, probabilities: ProbabilityController) -> None:
        """The active document changed: Continue and Retry act on this one now. A running
        generation keeps writing into the document it started in, never into this one."""
        self.editor = editor
        self.probabilities = probabilities

    @property
    def is_generating(self) -> bool:
        return self._stream is not None

    def continue_text(self) -> None:
        """Ctrl+Enter: stream a continuation of the text before the cursor."""
        if self._stream is None:
            self._start(retry=False)

    def retry(self) -> None:
        """Ctrl+R: replace the last generation with a new sample."""
        if self._stream is None and self.editor.can_retry:
            self._start(retry=True)

    def stop(self) -> None:
        """Esc: stop before the next token."""
        if self._stream is not None:
            self._stream.cancel()

    def _start(self, retry: bool) -> None:
        editor, probabilities = self.editor, self.probabilities
        text = editor.begin_generation(replace_last=retry)
        probabilities.begin(retry)
        self._stream = self.worker.generate(text, self.params, preamble=self.preamble(),
                                            top_n=self.top_n)
        self.generating_editor = editor
        self.stateChanged.emit()
        if not self.model_ready():
            self.messages.show_status(self.tr("Waiting for the model to load…"))
        self.tasks.spawn(self._generate(self._stream, editor, probabilities))

    async def _generate(self, stream: GenerationStream, editor: WriterEditor,
                        probabilities: ProbabilityController) -> None:
        """Stream the steps into `editor` (the document the generation started in, even
        when another is active now) and the pane, until the generation ends."""
        summary: GenerationSummary | None = None
        try:
            async for step in stream:
                if self._closing:
                    return
                if not editor.is_generating:  # the user typed: stop quietly
                    stream.cancel()
                    continue
                probabilities.add(step, editor.append_generated(step.text))
                if step.alternatives and editor is self.editor:  # the pane shows the active
                    self.throttle.add(step)
            summary = stream.summary
        except WorkerError as error:  # every token that arrived stays in the document
            if not error.cancelled and not self._closing:
                self.messages.show_error(
                    translate("MainWindow", "Generation failed: {reason}")
                    .format(reason=error.message),
                    error.hint, error.details, topic=TOPIC, actions=self.failure_actions())
        finally:
            if not self._closing:
                editor.end_generation()
                self.throttle.reset()
                self._stream = None
                self.generating_editor = None
                self.stateChanged.emit()
                if summary is not None:
                    self._show_summary(summary)
                probabilities.finish(summary)  # its versions, before the news
                self.finished.emit(summary)

    def _show_step(self, step: Step) -> None:
        if self._stream is None or self._closing or self.generating_editor is not self.editor:
            return
        chosen = next((t for t in step.alternatives if t.id == step.token_id), None)
        if chosen:
            heading = translate(
                "MainWindow", "Token {n}: drew “{token}” ({percent}% under the settings)"
            ).format(n=step.index + 1, token=visible_token(chosen),
                percent=f"{chosen.sampled_prob * 100:.0f}")
        else:
            heading = translate("MainWindow", "Token {n}: drew a token outside the top list"
                                ).format(n=step.index + 1)
        self.pane.show_tokens(step.alternatives, heading, chosen_id=step.token_id)

    def _show_summary(self, summary: GenerationSummary) -> None:
        self.indicators.show_speed(summary.tokens_per_second)
        if summary.context is not None:
            self.indicators.show_context(summary.context.used + summary.tokens,
                                         summary.context.window, summary.context.dropped,
                                         summary.context.approximate)
        reason = self._stop_reason_text(summary.stop_reason)
        seed = translate("MainWindow", ", seed {seed}").format(seed=summary.seed) \
            if summary.seed is not None else ""
        self.messages.show_status(
            translate("MainWindow", "{tokens} tokens at {rate}/s — {reason}").format(
                tokens=summary.tokens, rate=f"{summary.tokens_per_second:.1f}",
                reason=reason) + seed, 8000)

    def _stop_reason_text(self, reason: str) -> str:
        texts = {"eos": translate("MainWindow", "the model ended the text"),
                 "length": translate("MainWindow", "reached the length limit"),
                 "cancelled": translate("MainWindow", "stopped"),
                 "context-full": translate("MainWindow", "the context window is full")}
        return texts.get(reason, reason)

    def shut_down(self) -> None:
        self._closing = True
        self.throttle.reset()
        if self._stream is not None:
            self._stream.cancel()
