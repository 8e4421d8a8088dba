"""The engine's process dies at every stage — mid-load, while idle, and the reload too —
and the worker says what to load again, fails what was meant for the lost model with the
same loss, and serves again once that model is reloaded. Real child processes, killed
with SIGKILL as the kernel's out-of-memory killer would."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from writer_app.boundary.messages import Failure, LoadRequest
from writer_app.boundary.params import SamplingParams
from writer_app.worker import EngineWorker, LoaderRef, WorkerError

from .child_loaders import GATED_STAGE
from .test_engine_process import _child_pid

GREEDY = SamplingParams(temperature=0.0, repetition_penalty=1.0, max_new_tokens=4)


class GateWatch:
    """Counts the times a load reached the gated loader's gate; awaitable per arrival."""

    def __init__(self) -> None:
        self.arrivals = 0
        self._changed = asyncio.Event()

    def progress(self, stage: str, fraction: float | None) -> None:
        if stage == GATED_STAGE:
            self.arrivals += 1
            self._changed.set()

    async def reached(self, count: int) -> None:
        while self.arrivals < count:
            self._changed.clear()
            await self._changed.wait()


def test_a_load_whose_process_dies_names_the_model_to_load_again(tiny_model_dir, writer_home,
                                                                 tmp_path):
    """Killed mid-load, the new process never loaded the model and Continue said "No model
    is loaded": now the loss names the model, what waited fails with the same loss, and
    loading that model again works — even after the reload is killed too."""
    gate = tmp_path / "gate"
    wanted = LoadRequest(str(tiny_model_dir), "cpu", "float32")

    async def scenario():
        worker = EngineWorker(loader=LoaderRef("tests.unit.child_loaders:gated_loader",
                                               {"gate": str(gate)}))
        lost: list[Failure] = []
        worker.on_engine_lost(lost.append)
        watch = GateWatch()
        try:
            load = asyncio.ensure_future(worker.load_request(wanted, watch.progress))
            await watch.reached(1)
            stream = worker.generate("The sea", GREEDY)  # Continue, pressed while it loads
            pane = asyncio.ensure_future(worker.next_tokens("The sea", GREEDY))
            first = _child_pid(worker)
            os.kill(first, signal.SIGKILL)
            with pytest.raises(WorkerError) as died:
                await load
            with pytest.raises(WorkerError) as continued:
                async for _ in stream:
                    pass
            stranded_pane = await pane

            reload = asyncio.ensure_future(worker.load_request(died.value.failure.model,
                                                               watch.progress))
            await watch.reached(2)
            second = _child_pid(worker)
            os.kill(second, signal.SIGKILL)  # the reload dies as well
            with pytest.raises(WorkerError) as died_again:
                await reload

            gate.touch()
            info = await worker.load_request(died_again.value.failure.model, watch.progress)
            steps = [step async for step in worker.generate("The sea", GREEDY)]
            return (died.value, continued.value, stranded_pane, died_again.value, lost, info,
                    steps, {first, second, _child_pid(worker)}, worker.model)
        finally:
            assert worker.shutdown(timeout=20)

    died, continued, pane, died_again, lost, info, steps, pids, model = asyncio.run(scenario())
    assert died.engine_lost and not died.cancelled and "stopped unexpectedly" in died.message
    assert died.failure.model == wanted == died_again.failure.model == model
    assert lost == [died.failure, died_again.failure]  # each loss told once, before its load
    assert continued.engine_lost and continued.message == died.message  # not "No model…"
    assert pane is None  # a pane request meant for the lost model: superseded, quietly
    assert info.name == tiny_model_dir.name and steps
    assert len(pids) == 3 and None not in pids  # three processes: two killed, one serving


def test_a_load_that_finds_its_process_dead_goes_ahead_in_a_fresh_one(tiny_model_dir,
                                                                      writer_home):
    """Killed while idle (say, while importing torch at start-up), the next load used to
    fail with the loss; it replaces the lost model anyway, so it now simply loads."""
    from .child_loaders import quiet_loader

    async def scenario():
        worker = EngineWorker(loader=quiet_loader)
        lost: list[Failure] = []
        worker.on_engine_lost(lost.append)
        try:
            await worker.load(str(tiny_model_dir), "cpu", "float32")
            first = _child_pid(worker)
            os.kill(first, signal.SIGKILL)
            while _child_pid(worker) is not None:  # the kernel has not reaped it yet
                await asyncio.sleep(0.02)
            info = await worker.load(str(tiny_model_dir), "cpu", "float32")
            tokens = await worker.next_tokens("The sea", GREEDY, n=3)
            return lost, info, tokens, first, _child_pid(worker)
        finally:
            assert worker.shutdown(timeout=20)

    lost, info, tokens, first, second = asyncio.run(scenario())
    assert len(lost) == 1 and lost[0].engine_lost
    assert lost[0].model is None  # nothing to load again: the load under way replaces it
    assert info.name == tiny_model_dir.name and len(tokens.tokens) == 3
    assert second not in (None, first)


def test_a_process_killed_mid_pane_names_the_model_it_held(tiny_model_dir, writer_home,
                                                          tmp_path):
    reached, gate = tmp_path / "reached", tmp_path / "gate"
    wanted = LoadRequest(str(tiny_model_dir), "cpu", "float32")

    async def scenario():
        worker = EngineWorker(loader=LoaderRef("tests.unit.child_loaders:forward_gated_loader",
                                               {"reached": str(reached), "gate": str(gate)}))
        lost: list[Failure] = []
        worker.on_engine_lost(lost.append)
        try:
            await worker.load_request(wanted)
            pane = asyncio.ensure_future(worker.next_tokens("The sea", GREEDY))
            while not reached.exists():  # the child is inside the pane's forward pass
                await asyncio.sleep(0.02)
            os.kill(_child_pid(worker), signal.SIGKILL)
            with pytest.raises(WorkerError) as died:
                await pane
            return died.value, lost, worker.model
        finally:
            gate.touch()
            assert worker.shutdown(timeout=20)

    died, lost, model = asyncio.run(scenario())
    assert died.engine_lost and died.failure.model == wanted == model
    assert lost == [died.failure]
