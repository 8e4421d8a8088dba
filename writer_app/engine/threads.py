"""Choosing torch's thread count while decoding, by timing the steps themselves.

On a quiet 2-core machine decoding with both cores is ~30% faster than with one
(the window: 27 vs 21 tokens/s), but when another program takes a core, torch's threads
wait for each other at every operation and two threads fall to half the speed of one
(7 vs 15 tokens/s, measured with a busy loop beside the window). Which is better
changes as programs come and go, so the decode loop runs mostly at the best count
known and every PROBE_PERIOD steps tries the other for PROBE_STEPS steps, switching
when its fastest step beat the current count's fastest recent one.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

PROBE_PERIOD = 32  # steps at the current count between two probes of the other
PROBE_STEPS = 4  # steps timed at each count for a comparison
MARGIN = 0.95  # the other count must be at least 5% faster to be taken
SKIP_AFTER_CHANGE = 2  # steps not timed after a change: a new thread starts cold


class ThreadTuner:
    """Call `step()` once before each decode step; it sets the thread count for it."""

    def __init__(self, counts: tuple[int, int], set_threads: Callable[[int], None],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.current, self._other = counts
        self._set_threads = set_threads
        self._clock = clock
        self._recent: deque[float] = deque(maxlen=PROBE_STEPS)  # step times at `current`
        self._probe: list[float] = []  # step times at `_other` during a probe
        self._probing = False
        self._since_probe = PROBE_PERIOD - PROBE_STEPS  # the first probe comes early
        self._skip_next = SKIP_AFTER_CHANGE  # the first steps after a change pay for it
        self._last: float | None = None
        set_threads(self.current)

    def step(self) -> None:
        now = self._clock()
        if self._last is not None:
            self._record(now - self._last)
        self._last = now
        self._decide()

    def _record(self, seconds: float) -> None:
        if self._skip_next:
            self._skip_next -= 1
        elif self._probing:
            self._probe.append(seconds)
        else:
            self._recent.append(seconds)
            self._since_probe += 1

    def _decide(self) -> None:
        if self._probing and len(self._probe) >= PROBE_STEPS:
            self._probing = False
            # The fastest step of each: other work on the GUI thread (the pane, ~10 times
            # a second) delays single steps of either count; a busy core slows them all.
            if min(self._probe) < MARGIN * min(self._recent):
                self.current, self._other = self._other, self.current
                self._recent = deque(self._probe, maxlen=PROBE_STEPS)
            self._use(self.current)
        elif (not self._probing and self._since_probe >= PROBE_PERIOD
              and len(self._recent) == PROBE_STEPS):
            self._probing, self._probe, self._since_probe = True, [], 0
            self._use(self._other)

    def _use(self, count: int) -> None:
        self._set_threads(count)
        self._skip_next = SKIP_AFTER_CHANGE
