"""The decode loop's thread count follows which count is faster, as conditions change."""

from __future__ import annotations

from writer_app.engine.threads import PROBE_PERIOD, PROBE_STEPS, ThreadTuner


class Machine:
    """A fake clock whose steps take `speed[threads]` seconds at the count last set."""

    def __init__(self, speed: dict[int, float]) -> None:
        self.speed = speed
        self.now = 0.0
        self.threads = 0
        self.history: list[int] = []

    def set_threads(self, count: int) -> None:
        self.threads = count

    def clock(self) -> float:
        return self.now

    def run(self, tuner: ThreadTuner, steps: int) -> None:
        for _ in range(steps):
            tuner.step()
            self.history.append(self.threads)
            self.now += self.speed[self.threads]


def test_it_moves_to_the_faster_count_after_one_probe_and_stays():
    machine = Machine({1: 0.048, 2: 0.037})  # quiet 2-core machine: 2 threads faster
    tuner = ThreadTuner((1, 2), machine.set_threads, machine.clock)
    machine.run(tuner, 4 * PROBE_STEPS)  # the first probe comes after a few steps
    assert machine.history[:PROBE_STEPS] == [1] * PROBE_STEPS
    assert tuner.current == 2 and machine.history[-1] == 2
    machine.run(tuner, 3 * PROBE_PERIOD)
    assert machine.history[4 * PROBE_STEPS:].count(1) <= 3 * (PROBE_STEPS + 2)


def test_a_slower_count_is_only_probed_briefly():
    machine = Machine({2: 0.14, 1: 0.067})  # another program holds a core: 1 thread faster
    tuner = ThreadTuner((1, 2), machine.set_threads, machine.clock)
    machine.run(tuner, 4 * PROBE_PERIOD)
    assert tuner.current == 1
    assert machine.history.count(2) <= 4 * (PROBE_STEPS + 1)


def test_it_follows_a_change_in_load():
    machine = Machine({1: 0.048, 2: 0.037})
    tuner = ThreadTuner((1, 2), machine.set_threads, machine.clock)
    machine.run(tuner, 2 * PROBE_PERIOD)
    assert tuner.current == 2
    machine.speed = {1: 0.067, 2: 0.14}  # a compile job starts beside the editor
    machine.run(tuner, 2 * PROBE_PERIOD + 2 * PROBE_STEPS)
    assert tuner.current == 1 and machine.history[-1] == 1


def test_noise_in_the_timings_does_not_flip_equal_counts():
    machine = Machine({1: 0.040, 2: 0.0395})  # within the 5% margin
    tuner = ThreadTuner((1, 2), machine.set_threads, machine.clock)
    machine.run(tuner, 5 * PROBE_PERIOD)
    assert tuner.current == 1
