"""Keystroke → repaint latency while typing into a big document, and how soon the crash
journal has the edit on disk:

    python -m benchmarks.typing_latency [--size-mb 10] [--reference-kb 10] [--keys 150]
                                        [--interval-ms 60] [--in-process]
                                        [--without counts,spelling]

The real MainWindow (offscreen unless a display is set) with the engine in its own
process on a tiny random model (the one the tests use), so the next-token pane answers
at every pause. The document is English and Chinese paragraphs; `--keys` keystrokes are
typed at its end and again in its middle with key events, in bursts with pauses
long enough for the pane to refresh. A key's latency runs from the moment it was due (a
key that arrives while the GUI thread is busy waits, as a real one would) to the
editor's next paint. A small reference document is measured in the same run. Target:
p99 ≤ 16 ms, journal ≤ 1 s. Figures are printed, never asserted.

The window is measured as built, with the editor's features on as their settings default
(word counts and spelling are on); `--without` turns some off, and the report names the
features that were on.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.texts import CHINESE, ENGLISH

TARGET_P99_MS = 16.0
TARGET_JOURNAL_S = 1.0
PAINT_TIMEOUT_S = 2.0  # a key with no repaint within this long counts as missing
JOURNAL_TIMEOUT_S = 10.0
SPIN_S = 0.010  # a Qt timer may wake a few ms late: the last 10 ms before a key are spun
TYPED = "The tide came in slowly over the flats. 潮水慢慢地涨上来，淹没了沙滩。 "
# Features whose setting turns them off: --without's choices.
SWITCHABLE = {"counts": "counts.enabled", "spelling": "spelling.enabled"}


@dataclass
class Run:
    """The figures of one document at one cursor position."""

    document: str
    position: str
    latencies_ms: list[float] = field(default_factory=list)  # due → next paint
    handling_ms: list[float] = field(default_factory=list)  # key event sent → next paint
    late_ms: list[float] = field(default_factory=list)  # how late the GUI thread took it
    missing_paints: int = 0
    journal_s: list[float] = field(default_factory=list)


def make_document(size_bytes: int) -> str:
    """Numbered chapters of an English and a Chinese paragraph, `size_bytes` in UTF-8."""
    chapters: list[str] = []
    total = 0
    while total < size_bytes:
        chapter = f"Chapter {len(chapters) + 1}.\n\n{ENGLISH}\n\n{CHINESE}\n\n"
        chapters.append(chapter)
        total += len(chapter.encode("utf-8"))
    return "".join(chapters)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def build_tiny_model(folder: Path) -> Path:
    """The tests' tiny random model, saved as a model folder the engine process can load."""
    from tests.conftest import build_tiny_model as tiny_model
    from tests.conftest import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    tiny_model(tokenizer).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


class PaintClock:
    """Resolves the awaited future at the editor viewport's next Paint event."""

    def __init__(self, viewport: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        clock = self

        class Filter(QObject):
            def eventFilter(self, watched: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    clock.painted(time.perf_counter())
                return False

        self._filter = Filter()
        viewport.installEventFilter(self._filter)
        self._viewport = viewport
        self._waiting: asyncio.Future[float] | None = None

    def expect(self) -> asyncio.Future[float]:
        self._waiting = asyncio.get_running_loop().create_future()
        return self._waiting

    def painted(self, when: float) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(when)

    def remove(self) -> None:
        self._viewport.removeEventFilter(self._filter)


async def wait_until(condition: Any, timeout: float, step: float = 0.01) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(step)
    return True


class JournalWatch:
    """Tells whether a journal on disk under `folder` holds a marker in its document's
    text (incremental `.journal` files are replayed, whole-text `.json` ones read). A file
    is read again only once it changed, so polling costs little between writes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._texts: dict[Path, tuple[tuple[int, int], str]] = {}

    def has(self, marker: str) -> bool:
        return any(marker in text for text in self._current_texts())

    def _current_texts(self) -> list[str]:
        from writer_app.documents.journal_records import replay

        texts = []
        for file in [*self.folder.glob("*.journal"), *self.folder.glob("*.json")]:
            try:
                stat = file.stat()
                version = (stat.st_mtime_ns, stat.st_size)
                known = self._texts.get(file)
                if known is None or known[0] != version:
                    data = file.read_bytes()
                    if file.suffix == ".journal":
                        state = replay(data)
                        text = state.text if state is not None else ""
                    else:
                        text = data.decode("utf-8", errors="replace")
                    known = self._texts[file] = (version, text)
                texts.append(known[1])
            except OSError:  # replaced or removed meanwhile: read it at the next poll
                continue
        return texts


def type_key(widget: Any, character: str) -> None:
    """Press and release the key that types `character` (QTest's keyClicks asserts on
    characters outside ASCII): the event a keyboard or an input method delivers."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    if character == " ":
        key = Qt.Key.Key_Space
    elif character.isascii() and character.isalnum():
        key = Qt.Key(ord(character.upper()))
    else:
        key = Qt.Key.Key_unknown
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                                                 character))


async def type_bursts(window: Any, clock: PaintClock, run: Run, journal: JournalWatch,
                      args: argparse.Namespace) -> None:
    """Type `args.keys` keys in bursts of `args.burst`, a pause after each burst."""
    editor = window.editor
    interval = args.interval_ms / 1000
    typed = 0
    burst_number = 0
    while typed < args.keys:
        burst_number += 1
        count = min(args.burst, args.keys - typed)
        marker = f"Zq{burst_number:03d}{run.position[:1]}{len(run.document)}x"
        keys = [TYPED[(typed + i) % len(TYPED)] for i in range(count - len(marker))] \
            + list(marker)  # a burst ends with a unique word, looked for in the journal
        due = time.perf_counter() + interval
        for key in keys:
            while (now := time.perf_counter()) < due - SPIN_S:
                await asyncio.sleep(max(0.0, due - now - SPIN_S))
            while time.perf_counter() < due:  # the last few ms exactly (timers are coarse)
                pass
            sent = time.perf_counter()
            painted = clock.expect()
            type_key(editor, key)
            try:
                when = await asyncio.wait_for(painted, PAINT_TIMEOUT_S)
            except TimeoutError:
                run.missing_paints += 1
            else:
                run.latencies_ms.append((when - due) * 1000)
                run.handling_ms.append((when - sent) * 1000)
                run.late_ms.append((sent - due) * 1000)
            due = max(due + interval, time.perf_counter())
        last_key = time.perf_counter()
        found = await wait_until(functools.partial(journal.has, marker), JOURNAL_TIMEOUT_S,
                                 step=0.005)
        run.journal_s.append(time.perf_counter() - last_key if found else math.inf)
        await asyncio.sleep(args.pause_ms / 1000)  # the pane refreshes now
        typed += count


async def measure(args: argparse.Namespace, home: Path, model: Path) -> list[Run]:
    from PySide6.QtGui import QTextCursor

    from writer_app.host import EngineHost, load_with_engine
    from writer_app.settings import Settings
    from writer_app.ui.main_window import MainWindow
    from writer_app.worker import EngineWorker

    loader = functools.partial(load_with_engine, remember=False)  # the recent list stays
    worker = EngineWorker(EngineHost(loader)) if args.in_process \
        else EngineWorker(loader=loader)
    settings = Settings(path=home / "settings.json")
    for feature in args.without:
        settings.set(SWITCHABLE[feature], False)
    window = MainWindow(worker, settings, state_path=home / "window.ini")
    window.show()
    progress("features: " + describe_features(window))
    journal = JournalWatch(Path(window.hot_exit.journal.folder))
    runs: list[Run] = []
    try:
        window.load_model(str(model))
        await wait_until(lambda: not window.is_loading, timeout=120)
        sizes = [("reference", args.reference_kb * 1000), ("large", int(args.size_mb * 1e6))]
        for label, size in sizes:
            path = home / f"{label}.txt"  # outside WRITER_HOME, where the journal is sought
            path.write_text(make_document(size), encoding="utf-8")
            for editor in window.editors():
                editor.document().setModified(False)
            started = time.perf_counter()
            window.open_path(path)
            name = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"
            progress(f"{name}: opened in {time.perf_counter() - started:.1f} s")
            counted = counts_ready(window, name, started)
            clock = PaintClock(window.editor.viewport())  # the document's own (a new tab)
            for position in ("end", "middle"):
                cursor = window.editor.textCursor()
                if position == "end":
                    cursor.movePosition(QTextCursor.MoveOperation.End)
                else:
                    cursor.setPosition(window.editor.document().characterCount() // 2)
                window.editor.setTextCursor(cursor)
                window.editor.ensureCursorVisible()
                await asyncio.sleep(args.pause_ms / 1000)  # the pane settles
                run = Run(name, position)
                await type_bursts(window, clock, run, journal, args)
                runs.append(run)
                progress(f"{name}, {position}: p99 {percentile(run.latencies_ms, 0.99):.1f} ms")
            clock.remove()
            if counted is not None:
                counted.cancel()
    finally:
        for editor in window.editors():
            editor.document().setModified(False)
        window.close()
        window.shut_down()
    return runs


def describe_features(window: Any) -> str:
    """The editor's features installed, and which of the switchable ones are on."""
    installed = sorted(getattr(window, "features", {}))
    switched = [f"{feature} {'on' if window.settings.get(setting) else 'off'}"
                for feature, setting in SWITCHABLE.items()]
    return ", ".join(switched) + f" (installed: {', '.join(installed) or 'none'})"


def counts_ready(window: Any, name: str, started: float) -> asyncio.Future[None] | None:
    """Say when the word counts of a document just opened are complete: at once, or
    later, as they are counted a slice at a time while the benchmark types."""
    counts = getattr(window, "features", {}).get("counts")
    if counts is None or not counts.enabled:
        return None
    counter = counts.state().counter
    if counter.ready:
        progress(f"{name}: word counts complete at once")
        return None

    async def wait() -> None:
        if await wait_until(lambda: counter.ready, timeout=600, step=0.05):
            progress(f"{name}: word counts complete {time.perf_counter() - started:.1f} s "
                     "after opening (its paragraphs repeat: counted once, then remembered)")

    return asyncio.ensure_future(wait())


def report(runs: list[Run]) -> None:
    print("\nKeystroke → repaint (ms, from when the key was due to the editor's next paint)")
    print(f"{'document':<10} {'cursor':<7} {'keys':>5} {'p50':>7} {'p95':>7} {'p99':>7} "
          f"{'max':>7}  {'late p99':>8} {'no paint':>8}  {'journal s (max)':>15}")
    for run in runs:
        values = run.latencies_ms
        journal = max(run.journal_s) if run.journal_s else math.nan
        print(f"{run.document:<10} {run.position:<7} {len(values):>5} "
              f"{percentile(values, 0.5):>7.1f} {percentile(values, 0.95):>7.1f} "
              f"{percentile(values, 0.99):>7.1f} {max(values, default=math.nan):>7.1f}  "
              f"{percentile(run.late_ms, 0.99):>8.1f} {run.missing_paints:>8}  "
              f"{journal:>15.2f}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load is not None:
        print(f"\nload average at the end: {load[0]:.1f} on {os.cpu_count()} cores "
              "(other processes on the same cores make every figure worse)")
    print(f"target: p99 ≤ {TARGET_P99_MS:.0f} ms, journal ≤ {TARGET_JOURNAL_S:.0f} s. "
          "'late p99': how long a due key waited for a busy GUI thread.")
    for run in runs:
        if not run.document.endswith("MB"):
            continue
        p99 = percentile(run.latencies_ms, 0.99)
        journal = max(run.journal_s, default=math.nan)
        verdict = "within" if p99 <= TARGET_P99_MS and journal <= TARGET_JOURNAL_S \
            else "OUTSIDE"
        print(f"{run.document} at the {run.position}: {verdict} the target "
              f"(p99 {p99:.1f} ms, journal {journal:.2f} s)")


def progress(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.typing_latency",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=10.0,
                        help="the large document, in MB of UTF-8 (default %(default)s)")
    parser.add_argument("--reference-kb", type=int, default=10,
                        help="the reference document, in KB (default %(default)s)")
    parser.add_argument("--keys", type=int, default=150,
                        help="keystrokes at each cursor position (default %(default)s)")
    parser.add_argument("--burst", type=int, default=30,
                        help="keys typed without a pause (default %(default)s)")
    parser.add_argument("--interval-ms", type=float, default=60.0,
                        help="between two keys of a burst (default %(default)s)")
    parser.add_argument("--pause-ms", type=float, default=700.0,
                        help="after each burst, for the pane to refresh (default %(default)s)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the engine on a thread of the window's process")
    parser.add_argument("--without", type=features_list, default=[],
                        help="features to turn off, comma-separated: "
                             f"{', '.join(SWITCHABLE)} (default: none, as the window is built)")
    return parser


def features_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SWITCHABLE]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown feature {unknown[0]!r}: choose from {', '.join(SWITCHABLE)}")
    return names


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("QT_API", "pyside6")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="writer-typing-"))
    os.environ["WRITER_HOME"] = str(home / "writer-home")  # journal, settings: a temp folder
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    progress("building the tiny model")
    model = build_tiny_model(home / "tiny-model")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    import qasync  # after PySide6

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        runs = loop.run_until_complete(measure(args, home, model))
    report(runs)
    print(f"features: {', '.join(f'{f} off' for f in args.without) or 'all on'}"
          f" ({', '.join(f'{f} on' for f in SWITCHABLE if f not in args.without) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
