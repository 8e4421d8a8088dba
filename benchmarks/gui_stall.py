"""How long the GUI thread stalls while a model loads and while it generates.

    python -m benchmarks.gui_stall [--model default] [--dtype auto] [--tokens 128]
                                   [--in-process]

A QTimer asks to run every 5 ms on the GUI thread; the longest gap between two of its
runs is the longest time the window could not repaint or react to a key. The real
window and worker are used (offscreen unless a display is set), with the engine in its
own process as the app runs it (--in-process: on a thread of the window's process, to
compare). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Qt is imported inside the functions: the engine's process, started with "spawn",
# imports this module again, and must stay as lean as the app's.
if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

PROBE_MS = 5
SAMPLE_TEXT = ("The old town was quiet in the early morning. We walked along the canal, past "
               "the tea houses that were just opening, and talked about the trip ahead. "
               "我们沿着运河散步，茶馆刚刚开门。 ")


class StallProbe:
    """Records the gaps between runs of a 5 ms timer, per named phase."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: dict[str, list[float]] = {}
        self.worst: dict[str, list[tuple[float, float]]] = {}  # (gap, seconds into phase)
        self.phase = "start"
        self._phase_started = time.perf_counter()
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def enter(self, phase: str) -> None:
        self._tick()
        self.phase = phase
        self._phase_started = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self.gaps.setdefault(self.phase, []).append(gap)
        worst = self.worst.setdefault(self.phase, [])
        worst.append((gap, now - gap - self._phase_started))
        worst.sort(reverse=True)
        del worst[3:]
        self._last = now

    def stop(self) -> None:
        self._timer.stop()
        self._tick()


def _signal(signal: SignalInstance) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def fire(*args: Any) -> None:
        if not future.done():
            future.set_result(args[0] if args else None)

    signal.connect(fire)
    return future


async def run(args: argparse.Namespace) -> StallProbe:
    from writer_app.boundary.params import SamplingParams
    from writer_app.host import EngineHost, load_with_engine
    from writer_app.settings import Settings
    from writer_app.ui.main_window import MainWindow
    from writer_app.worker import EngineWorker

    home = Path(tempfile.mkdtemp(prefix="writer-stall-"))
    probe = StallProbe()
    loader = functools.partial(load_with_engine, remember=False)  # keep the recent list as is
    window = MainWindow(EngineWorker(EngineHost(loader)) if args.in_process
                        else EngineWorker(loader=loader),
                        Settings(path=home / "settings.json"), state_path=home / "window.ini")
    window.show()
    try:
        probe.enter("idle (1 s)")
        await asyncio.sleep(1.0)

        probe.enter("model load")
        loaded, failed = _signal(window.modelLoaded), _signal(window.modelLoadFailed)
        started = time.perf_counter()
        window.load_model(args.model, args.device, args.dtype)
        await asyncio.wait([loaded, failed], return_when=asyncio.FIRST_COMPLETED)
        if failed.done():
            raise SystemExit(f"load failed: {failed.result()}")
        print(f"model: {window.model_info.name} on {window.model_info.device} "
              f"({window.model_info.precision}), loaded in {time.perf_counter() - started:.1f} s")

        probe.enter("typing + pane")
        window.editor.setFocus()
        for character in SAMPLE_TEXT:
            window.editor.insertPlainText(character)
            await asyncio.sleep(0.03)  # a fast typist
        await _signal(window.paneUpdated)

        probe.enter("generation")
        window.sampling.set_params(SamplingParams(max_new_tokens=args.tokens, seed=1),
                                   emit=True)
        finished = _signal(window.generationFinished)
        window.continue_text()
        await asyncio.sleep(0.5)
        window.sampling.sliders["temperature"].slider.setValue(120)  # a slider mid-stream
        summary = await finished
        if summary is not None:
            print(f"generated {summary.tokens} tokens at {summary.tokens_per_second:.1f} "
                  "tokens/s")
        probe.enter("after")
        await asyncio.sleep(0.2)
    finally:
        probe.stop()
        window.editor.document().setModified(False)
        window.close()
    return probe


def report(probe: StallProbe) -> None:
    gaps = probe.gaps
    print(f"\nGUI thread stalls (a {PROBE_MS} ms timer; gap = time between two of its runs)")
    print(f"{'phase':<16} {'ticks':>6} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} "
          f"{'gaps>50ms':>10}")
    for phase, values in gaps.items():
        if phase in ("start", "after") or not values:
            continue
        ms = sorted(v * 1000 for v in values)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(f"{phase:<16} {len(ms):>6} {statistics.median(ms):>10.1f} {p99:>8.1f} "
              f"{ms[-1]:>8.1f} {sum(v > 50 for v in ms):>10}")
    print("\nlongest gaps (ms, starting at seconds into the phase):")
    for phase, worst in probe.worst.items():
        if phase not in ("start", "after"):
            print(f"  {phase:<16} " + ", ".join(f"{g * 1000:.0f} @ {t:.2f} s" for g, t in worst))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--in-process", action="store_true",
                        help="run the engine on a thread of the window's process")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_API", "pyside6")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    import qasync  # after PySide6

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        probe = loop.run_until_complete(run(args))
    report(probe)
    report_memory(engine_process=not args.in_process)
    return 0


def report_memory(engine_process: bool) -> None:
    """Peak resident memory of the window's process and of the engine's (once it ended).

    (Without an engine process the children's figure would be that of short helper
    processes forked from the big one, which start with its memory: not shown.)"""
    try:
        import resource
    except ImportError:  # Windows
        return
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
    window = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    engine = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    print(f"\npeak RSS: window process {window / 1e9:.2f} GB"
          + (f", engine process {engine / 1e9:.2f} GB" if engine_process and engine else ""))


if __name__ == "__main__":
    sys.exit(main())
