"""The engine worker with plain asyncio: no Qt, a tiny model, a real thread."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.errors import ModelNotFoundError
from writer_app.host import EngineHost, load_with_engine
from writer_app.worker import EngineWorker, LiveParams, WorkerError

PARAMS = SamplingParams(temperature=0.8, top_k=50, top_p=0.95, seed=7)


def tiny_loader(loaded, gate: threading.Event | None = None, calls: list | None = None):
    """A loader returning `loaded`; "missing" fails like a wrong path; `gate` holds it."""

    def load(spec, device, dtype, progress, cancelled):
        if calls is not None:
            calls.append(spec)
        progress(type("Progress", (), {"stage": "Reading weights", "fraction": 0.5})())
        while gate is not None and not gate.wait(0.01):
            if cancelled():
                from writer_app.errors import LoadCancelledError

                raise LoadCancelledError("Model loading was cancelled")
        if spec == "missing":
            raise ModelNotFoundError("There is no model at missing",
                                     "choose a folder with config.json")
        if spec == "broken":
            raise RuntimeError("weights are scrambled")
        return loaded

    return load


@contextmanager
def running(worker: EngineWorker) -> Iterator[EngineWorker]:
    try:
        yield worker
    finally:
        assert worker.shutdown(timeout=10)
        assert not worker.thread.is_alive()


@contextmanager
def slowed(loaded, seconds: float) -> Iterator[None]:
    """Each forward pass waits `seconds` on the engine thread, as a bigger model would."""
    handle = loaded.model.register_forward_hook(lambda *_: time.sleep(seconds))
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def counting_forwards(loaded) -> Iterator[list[int]]:
    calls: list[int] = []
    handle = loaded.model.register_forward_hook(lambda *_: calls.append(1))
    try:
        yield calls
    finally:
        handle.remove()


class LoadStages:
    """Awaitable record of the loads that reached the loader (its progress report)."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def progress(self, stage: str, fraction: float | None) -> None:
        if stage == "Reading weights":
            self.count += 1
            self._changed.set()

    async def reached(self, count: int) -> None:
        while self.count < count:
            self._changed.clear()
            await self._changed.wait()


def test_load_reports_progress_and_returns_model_info(tiny_loaded):
    async def scenario():
        stages = []
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            info = await worker.load("tiny", on_progress=lambda s, f: stages.append((s, f)))
            assert worker.thread.name == "writer-engine"
            assert worker.thread is not threading.current_thread()
        return info, stages

    info, stages = asyncio.run(scenario())
    assert info.name == "tiny-llama"
    assert info.device == "cpu" and info.dtype == "float32"
    assert info.context_window == tiny_loaded.context_window
    assert stages[0] == ("Starting the engine", None)
    assert ("Reading weights", 0.5) in stages


def test_next_tokens_then_reweigh_without_a_model_call(tiny_loaded):
    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            first = await worker.next_tokens("The quick brown", PARAMS, n=8)
            with counting_forwards(tiny_loaded) as forwards:
                hotter = await worker.reweigh(PARAMS.with_changes(temperature=1.9, top_k=0), n=8)
            return first, hotter, forwards

    first, hotter, forwards = asyncio.run(scenario())
    assert len(first.tokens) == 8
    assert forwards == []
    assert [t.id for t in hotter.tokens] == [t.id for t in first.tokens]
    assert [t.prob for t in hotter.tokens] == pytest.approx([t.prob for t in first.tokens])
    assert [t.sampled_prob for t in hotter.tokens] != [t.sampled_prob for t in first.tokens]


def test_requests_made_while_loading_wait_and_only_the_newest_pane_request_runs(tiny_loaded):
    gate = threading.Event()

    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded, gate)))) as worker:
            stages = LoadStages()
            load = asyncio.ensure_future(worker.load("tiny", on_progress=stages.progress))
            older = asyncio.ensure_future(worker.next_tokens("The", PARAMS))
            newer = asyncio.ensure_future(worker.next_tokens("The quick", PARAMS))
            reweighed = asyncio.ensure_future(worker.reweigh(PARAMS.with_changes(top_k=2)))
            await stages.reached(1)  # the load runs, held at the gate; the others wait
            assert not load.done() and not newer.done() and not reweighed.done()
            assert older.done() and older.result() is None  # superseded while it waited
            gate.set()
            return await asyncio.gather(load, older, newer, reweighed)

    info, older, newer, reweighed = asyncio.run(scenario())
    assert info.name == "tiny-llama"
    assert older is None  # superseded while it waited
    assert newer is not None and len(newer.tokens) == 10
    assert sum(t.sampled_prob > 0 for t in reweighed.tokens) == 2  # top-k 2 on newer's logits


def test_generate_streams_steps_and_reads_live_params_every_token(tiny_loaded):
    async def scenario():
        live = LiveParams(PARAMS.with_changes(max_new_tokens=40, repetition_penalty=1.0))
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            stream = worker.generate("I went on a trip", live)
            steps = []
            async for step in stream:
                steps.append(step)
                if len(steps) == 2:
                    live.set(live.get().with_changes(max_new_tokens=6, mode=Mode.GREEDY))
            return steps, stream.summary

    with slowed(tiny_loaded, 0.02):  # like a real model: the worker runs at most a token ahead
        steps, summary = asyncio.run(scenario())
    real = [s for s in steps if s.token_id >= 0]
    assert summary.stop_reason in ("length", "eos")
    assert 2 <= len(real) <= 6
    assert all(s.alternatives for s in real)
    assert summary.seed == 7
    last = real[-1]  # drawn after the switch to greedy: its distribution's favourite
    assert last.token_id == last.alternatives[0].id


def test_cancel_stops_a_generation_between_tokens(tiny_loaded):
    """The engine may run only a few forward passes ahead of the steps the test has seen
    (one permit each), so a generation of 200 tokens can only end early by the cancel."""
    permits = threading.Semaphore(8)  # the prompt's passes, and a few tokens ahead

    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            params = PARAMS.with_changes(max_new_tokens=200, repetition_penalty=1.0)
            stream = worker.generate("We went to Beijing", params)
            count = 0
            async for _ in stream:
                count += 1
                if count == 2:
                    stream.cancel()
                    permits.release(1000)  # from here on, only the cancel can stop it
                permits.release()
            return count, stream.summary

    def wait_for_a_permit(*_: object) -> None:  # a hook's return value would replace the output
        permits.acquire(timeout=60)

    handle = tiny_loaded.model.register_forward_hook(wait_for_a_permit)
    try:
        count, summary = asyncio.run(scenario())
    finally:
        handle.remove()
    assert summary.stop_reason == "cancelled"
    assert 2 <= count <= 10 and summary.tokens < 200


def test_failures_come_back_as_errors_and_keep_the_previous_model(tiny_loaded):
    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            with pytest.raises(WorkerError) as no_model:
                await worker.next_tokens("Hello", PARAMS)
            await worker.load("tiny")
            with pytest.raises(WorkerError) as missing:
                await worker.load("missing")
            with pytest.raises(WorkerError) as broken:
                await worker.load("broken")
            still_there = await worker.next_tokens("Hello", PARAMS)
            return no_model.value, missing.value, broken.value, still_there

    no_model, missing, broken, still_there = asyncio.run(scenario())
    assert "No model" in no_model.message and "Model" in no_model.hint
    assert missing.message == "There is no model at missing"
    assert missing.hint == "choose a folder with config.json"
    assert not missing.cancelled
    assert "weights are scrambled" in broken.message
    assert "Traceback" in broken.details
    assert still_there is not None


def test_a_load_can_be_cancelled_and_a_newer_load_cancels_an_older(tiny_loaded):
    gate = threading.Event()
    calls: list[str] = []

    async def scenario():
        stages = LoadStages()
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded, gate, calls)))) as worker:
            first = asyncio.ensure_future(worker.load("first", on_progress=stages.progress))
            await stages.reached(1)  # it runs, held at the gate
            worker.cancel_load()
            with pytest.raises(WorkerError) as cancelled:
                await first
            older = asyncio.ensure_future(worker.load("older", on_progress=stages.progress))
            await stages.reached(2)
            newer = asyncio.ensure_future(worker.load("newer", on_progress=stages.progress))
            await stages.reached(3)  # older stopped at the gate; newer waits there
            gate.set()
            with pytest.raises(WorkerError) as replaced:
                await older
            return cancelled.value, replaced.value, await newer

    cancelled, replaced, info = asyncio.run(scenario())
    assert cancelled.cancelled and replaced.cancelled
    assert calls == ["first", "older", "newer"]
    assert info.name == "tiny-llama"


def test_shutdown_joins_the_thread_and_drops_waiting_requests(tiny_loaded):
    gate = threading.Event()

    async def scenario():
        worker = EngineWorker(EngineHost(tiny_loader(tiny_loaded, gate)))
        stages = LoadStages()
        load = asyncio.ensure_future(worker.load("tiny", on_progress=stages.progress))
        waiting = asyncio.ensure_future(worker.next_tokens("Hi", PARAMS))
        await stages.reached(1)
        assert worker.thread.is_alive()
        assert worker.shutdown(timeout=10)
        results = await asyncio.gather(load, waiting, return_exceptions=True)
        late = await worker.next_tokens("Hi", PARAMS)
        return worker, results, late

    worker, (load, waiting), late = asyncio.run(scenario())
    assert not worker.thread.is_alive()
    assert isinstance(load, WorkerError) and load.cancelled
    assert waiting is None and late is None


def test_the_real_loader_loads_a_model_folder(tiny_model_dir, writer_home):
    async def scenario():
        with running(EngineWorker(EngineHost(load_with_engine))) as worker:
            info = await worker.load(str(tiny_model_dir), device="cpu", dtype="float32")
            tokens = await worker.next_tokens("The sea", PARAMS, n=5)
            with pytest.raises(WorkerError) as missing:
                await worker.load(str(tiny_model_dir / "nowhere"))
            return info, tokens, missing.value

    info, tokens, missing = asyncio.run(scenario())
    assert info.device == "cpu" and len(tokens.tokens) == 5
    assert missing.hint and not missing.cancelled


def test_importing_the_worker_imports_neither_torch_nor_qt():
    code = ("import sys, writer_app.worker; "
            "print(sorted(m for m in ('torch', 'transformers', 'PySide6') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_suggest_returns_distinct_short_rows_in_one_batch(tiny_loaded):
    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            return await worker.suggest("今天的天气 The weather", PARAMS.with_changes(
                temperature=1.5, top_k=0, top_p=1.0), n=4, max_tokens=6)

    rows = asyncio.run(scenario())
    assert 1 <= len(rows) <= 4
    assert len(set(rows)) == len(rows) and all(row.strip() for row in rows)
    for row in rows:
        from writer_app.engine.boundaries import suggestion_end

        end = suggestion_end(row)
        assert end is None or end == len(row)  # cut at the first boundary, if any


def test_a_newer_suggestion_supersedes_an_older_one(tiny_loaded):
    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            with slowed(tiny_loaded, 0.02):
                older = asyncio.ensure_future(worker.suggest("Once upon", PARAMS, max_tokens=30))
                await asyncio.sleep(0.05)  # the older one is running
                waiting = asyncio.ensure_future(worker.suggest("Once", PARAMS, max_tokens=30))
                newer = asyncio.ensure_future(worker.suggest("Once upon a", PARAMS,
                                                             max_tokens=4))
                return await asyncio.gather(older, waiting, newer)

    older, waiting, newer = asyncio.run(scenario())
    assert older is None and waiting is None
    assert newer is not None


def test_a_generation_supersedes_a_suggestion_and_cancelling_stops_it(tiny_loaded):
    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            with slowed(tiny_loaded, 0.02):
                suggestion = asyncio.ensure_future(worker.suggest("Once", PARAMS, max_tokens=30))
                await asyncio.sleep(0.05)
                stream = worker.generate("Once", PARAMS.with_changes(max_new_tokens=3))
                steps = [step async for step in stream]
                cancelled = worker.suggest("Once", PARAMS, max_tokens=30)
                cancelled.cancel()
                follow_up = await worker.suggest("Once", PARAMS, max_tokens=3)
            return await suggestion, steps, follow_up

    suggestion, steps, follow_up = asyncio.run(scenario())
    assert suggestion is None
    assert len(steps) >= 1
    assert follow_up is not None


def test_samples_are_whole_continuations_in_one_batch(tiny_loaded):
    async def scenario():
        with running(EngineWorker(EngineHost(tiny_loader(tiny_loaded)))) as worker:
            await worker.load("tiny")
            with counting_forwards(tiny_loaded) as forwards:
                rows = await worker.samples("从前 Once", PARAMS.with_changes(
                    max_new_tokens=8, temperature=1.5, top_k=0, top_p=1.0), n=3)
            return rows, forwards

    rows, forwards = asyncio.run(scenario())
    assert 1 <= len(rows) <= 3
    assert len(forwards) <= 3 + 8  # the prefill (split where the cache is copied), then
    # one batched pass per token


def test_the_status_bar_names_int8_as_chosen_not_its_compute_dtype():
    from writer_app.boundary.messages import ModelInfo

    common = {"name": "m", "spec": "m", "device": "cpu", "context_window": 8}
    int8 = ModelInfo(dtype="bfloat16", precision="int8 weights, bfloat16 compute", **common)
    plain = ModelInfo(dtype="bfloat16", precision="bfloat16", **common)
    assert int8.short_precision == "int8" and plain.short_precision == "bfloat16"
