"""The engine in a child process: the same answers as on a thread, and what only a process
can do wrong — a slider or a stop crossing over, a child that dies, one that hangs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys

import pytest

from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.params import SamplingParams
from writer_app.host import EngineHost
from writer_app.worker import CancelFlag, EngineWorker, LiveParams, WorkerError
from writer_app.worker.engine_process import ChildProcessEngine

from .child_loaders import quiet_loader, slow_loader, stuck_loader

GREEDY = SamplingParams(temperature=0.0, repetition_penalty=1.0, max_new_tokens=12)


def _child_pid(worker: EngineWorker) -> int | None:
    engine = worker._engine
    assert isinstance(engine, ChildProcessEngine)
    return engine.pid


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@contextlib.asynccontextmanager
async def engine_process(loader, folder=None, lost: list[str] | None = None):
    """A worker with its engine in a child process (the model in `folder` loaded), shut
    down afterwards; `lost` collects the messages of engine losses."""
    worker = EngineWorker(loader=loader)
    if lost is not None:
        worker.on_engine_lost(lambda failure: lost.append(failure.message))
    try:
        if folder is not None:
            await worker.load(str(folder), device="cpu", dtype="float32")
        yield worker
    finally:
        assert worker.shutdown(timeout=20)


async def _serve_a_little(worker: EngineWorker, folder: str):
    info = await worker.load(folder, device="cpu", dtype="float32")
    tokens = await worker.next_tokens("The sea", GREEDY, n=5)
    hotter = await worker.reweigh(GREEDY.with_changes(temperature=1.5), n=5)
    stream = worker.generate("Once upon", GREEDY)
    steps = [step async for step in stream]
    suggestions = await worker.suggest("The sea", GREEDY.with_changes(temperature=1.0, seed=3))
    return info, tokens, hotter, steps, stream.summary, suggestions


def test_the_engine_process_answers_like_the_engine_thread(tiny_model_dir, writer_home):
    async def scenario(separate_process: bool):
        worker = (EngineWorker(loader=quiet_loader) if separate_process
                  else EngineWorker(EngineHost(quiet_loader)))
        try:
            answers = await _serve_a_little(worker, str(tiny_model_dir))
            pid = _child_pid(worker) if separate_process else os.getpid()
        finally:
            assert worker.shutdown(timeout=20)
        return answers, pid

    (info, tokens, hotter, steps, summary, suggestions), pid = asyncio.run(scenario(True))
    expected, _ = asyncio.run(scenario(False))
    assert pid is not None and pid != os.getpid()
    assert _gone(pid)  # shutdown ended the child
    assert info == expected[0]
    assert [t.id for t in tokens.tokens] == [t.id for t in expected[1].tokens]
    assert [t.prob for t in tokens.tokens] == pytest.approx([t.prob for t in expected[1].tokens])
    assert [t.sampled_prob for t in hotter.tokens] == pytest.approx(
        [t.sampled_prob for t in expected[2].tokens])
    assert [s.token_id for s in steps] == [s.token_id for s in expected[3]]
    assert "".join(s.text for s in steps) == "".join(s.text for s in expected[3])
    assert summary.tokens == expected[4].tokens and summary.context == expected[4].context
    assert suggestions and all(isinstance(text, str) for text in suggestions)


def test_a_slider_and_a_stop_reach_a_generation_running_in_the_child(tiny_model_dir,
                                                                     writer_home, caplog):
    live = LiveParams(SamplingParams(temperature=5.0, top_k=0, top_p=1.0, seed=11,
                                     repetition_penalty=1.0, max_new_tokens=400))

    async def scenario():
        async with engine_process(slow_loader, tiny_model_dir) as worker:
            stream = worker.generate("The sea", live)
            steps = []
            async for step in stream:
                steps.append(step)
                if len(steps) == 3:
                    live.set(live().with_changes(temperature=0.0))  # the slider, mid-stream
                    switched = len(steps)
                if len(steps) == 40:
                    stream.cancel()
            return steps, switched, stream.summary

    with caplog.at_level("WARNING"):
        steps, switched, summary = asyncio.run(scenario())
    # greedy from shortly after the change: each token is the top candidate, drawn for sure
    late = steps[20:]  # ~17 tokens (~0.3 s) after the change: room for a busy machine
    assert late and all(s.token_id == s.alternatives[0].id and s.sampled_prob == 1.0
                        for s in late)
    early = steps[:switched]
    assert any(s.sampled_prob < 1.0 for s in early)  # temperature 5 over the whole vocabulary
    assert summary.stop_reason == "cancelled" and len(steps) < 50
    assert any("loaded" in r.getMessage() and "engine process" in r.getMessage()
               for r in caplog.records)  # the child's log reached this process's log


def test_a_killed_engine_process_fails_its_request_and_the_next_load_starts_afresh(
        tiny_model_dir, writer_home):
    lost: list[str] = []

    async def scenario():
        async with engine_process(slow_loader, tiny_model_dir, lost) as worker:
            first = _child_pid(worker)
            stream = worker.generate("The sea", GREEDY.with_changes(max_new_tokens=400))
            with pytest.raises(WorkerError) as killed:
                async for step in stream:
                    if step.index == 2:
                        os.kill(first, signal.SIGKILL)  # as the kernel's out-of-memory killer
            with pytest.raises(WorkerError) as no_model:
                await worker.next_tokens("The sea", GREEDY)
            await worker.load(str(tiny_model_dir), device="cpu", dtype="float32")
            tokens = await worker.next_tokens("The sea", GREEDY, n=3)
            return killed.value, no_model.value, first, _child_pid(worker), tokens

    killed, no_model, first, second, tokens = asyncio.run(scenario())
    assert lost == [killed.message]  # the listener heard of it once
    assert "stopped unexpectedly" in killed.message and "memory" in killed.hint
    assert killed.failure.model == LoadRequest(str(tiny_model_dir), "cpu", "float32")
    assert killed.engine_lost and not killed.cancelled and not no_model.engine_lost
    assert no_model.message == "No model is loaded"  # a fresh child, and it says so
    assert second is not None and second != first and len(tokens.tokens) == 3


def test_the_model_list_is_answered_at_once_even_mid_generation(tiny_model_dir, writer_home):
    async def scenario():
        async with engine_process(slow_loader) as worker:
            before_any_model = await worker.list_models()  # starts the child if need be
            await worker.load(str(tiny_model_dir), device="cpu", dtype="float32")
            stream = worker.generate("The sea", GREEDY.with_changes(max_new_tokens=100))
            steps = 0
            async for _ in stream:
                steps += 1
                if steps == 3:
                    listed = await worker.list_models()
                    stream.cancel()
            return before_any_model, listed, stream.summary

    before, listed, summary = asyncio.run(scenario())
    assert [e.spec for e in before] == ["default"] == [e.spec for e in listed]
    assert type(listed[0]).__module__ == "writer_app.boundary.results"  # no torch to unpickle
    # answered while the generation ran: queued behind it, the stop would come too late
    assert summary.stop_reason == "cancelled"


def test_shutdown_stops_a_child_stuck_in_a_load(writer_home):
    async def scenario():
        worker = EngineWorker(loader=stuck_loader)
        stages: list[str] = []
        load = asyncio.ensure_future(worker.load("anything",
                                                 on_progress=lambda s, f: stages.append(s)))
        while "Stuck" not in stages:
            await asyncio.sleep(0.05)
        pid = _child_pid(worker)
        stopped = worker.shutdown(timeout=1)  # True only once the stuck child is gone
        outcome = (await asyncio.gather(load, return_exceptions=True))[0]
        return stopped, outcome, pid

    stopped, outcome, pid = asyncio.run(scenario())
    assert stopped  # the load sleeps 120 s: without the kill, the thread would still wait
    assert isinstance(outcome, WorkerError) and outcome.cancelled
    assert pid is not None and _gone(pid)


def test_a_loader_that_cannot_cross_to_the_child_is_a_clear_failure(writer_home):
    async def scenario():
        worker = EngineWorker(loader=lambda *args: None)
        try:
            with pytest.raises(WorkerError) as failed:
                await worker.load("anything")
            return failed.value
        finally:
            assert worker.shutdown(timeout=20)

    failure = asyncio.run(scenario())
    assert failure.message == "The engine could not start" and "pickle" in failure.hint.lower()


WINDOW_SIDE = r"""
import asyncio, sys
from writer_app.boundary.params import SamplingParams
from writer_app.worker import EngineWorker, LoaderRef

async def main():
    worker = EngineWorker(loader=LoaderRef(options={"remember": False}))
    await worker.load(sys.argv[1], device="cpu", dtype="float32")
    tokens = await worker.next_tokens("The sea", SamplingParams(), n=3)
    stream = worker.generate("The sea", SamplingParams(max_new_tokens=4, seed=1))
    tokens_drawn = [s async for s in stream if s.token_id >= 0]  # not the held-back text
    models = await worker.list_models()
    assert worker.shutdown(timeout=20)
    print(len(tokens.tokens), len(tokens_drawn), models[0].spec,
          sorted(m for m in ("torch", "transformers", "writer_app.engine.session")
                 if m in sys.modules))

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_the_window_process_never_imports_torch(tmp_path, tiny_model_dir, writer_home):
    script = tmp_path / "window_side.py"
    script.write_text(WINDOW_SIDE)
    result = subprocess.run([sys.executable, str(script), str(tiny_model_dir)],
                            capture_output=True, text=True, timeout=180,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["3", "4", "default", "[]"], (
        result.stdout + result.stderr[-3000:])


def test_a_stop_never_carries_over_to_the_next_request():
    class Recorder:
        def __init__(self) -> None:
            self.sets = 0

        def set(self) -> None:
            self.sets += 1

    flag, shared = CancelFlag(), Recorder()
    flag.mirror(shared)
    flag.set()
    assert flag.is_set() and shared.sets == 1
    flag.unmirror(shared)
    flag.set()  # a late stop of a finished request
    assert shared.sets == 1
    already = CancelFlag()
    already.set()
    already.mirror(shared)  # a request stopped before it reached the child
    assert shared.sets == 2


def test_a_child_killed_while_idle_is_reported_by_the_next_request(tiny_model_dir,
                                                                   writer_home):
    lost: list[str] = []

    async def scenario():
        async with engine_process(quiet_loader, tiny_model_dir, lost) as worker:
            first = _child_pid(worker)
            os.kill(first, signal.SIGKILL)  # between two requests, as the kernel would
            while _child_pid(worker) is not None:
                await asyncio.sleep(0.02)
            with pytest.raises(RuntimeError):
                await worker.list_models()  # a look-up neither hides nor replaces it
            with pytest.raises(WorkerError) as killed:
                await worker.next_tokens("The sea", GREEDY)
            await worker.load(str(tiny_model_dir), device="cpu", dtype="float32")
            tokens = await worker.next_tokens("The sea", GREEDY, n=3)
            return killed.value, first, _child_pid(worker), tokens

    killed, first, second, tokens = asyncio.run(scenario())
    assert killed.engine_lost and "stopped unexpectedly" in killed.message
    assert "memory" in killed.hint and lost == [killed.message]
    assert killed.failure.model == LoadRequest(str(tiny_model_dir), "cpu", "float32")
    assert second not in (None, first) and len(tokens.tokens) == 3


def test_a_request_this_side_gives_up_leaves_nothing_for_the_next(tiny_model_dir,
                                                                  writer_home):
    reads = 0

    def params() -> SamplingParams:  # the settings source fails mid-generation
        nonlocal reads
        reads += 1
        if reads == 4:
            raise ValueError("settings source broke")
        return GREEDY.with_changes(max_new_tokens=200)

    async def scenario():
        async with engine_process(slow_loader, tiny_model_dir) as worker:
            pid = _child_pid(worker)
            with pytest.raises(WorkerError) as failed:
                async for _ in worker.generate("The sea", params):
                    pass
            tokens = await worker.next_tokens("The sea", GREEDY, n=3)
            return failed.value, tokens, pid, _child_pid(worker)

    failed, tokens, pid, after = asyncio.run(scenario())
    assert "settings source broke" in failed.message and not failed.engine_lost
    assert len(tokens.tokens) == 3  # its own answer, not the abandoned generation's
    assert after == pid  # the model stayed loaded
