"""The llama.cpp backend behind the worker: the default GGUF end to end, what it says it
cannot do, and bad input (missing, truncated, not a GGUF, an unknown architecture, a
model of another kind) failing as WriterErrors with hints, never as a crash."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import gguf
import numpy as np
import pytest

pytest.importorskip("llama_cpp")

from writer_app.boundary.backend import Feature
from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.params import SamplingParams
from writer_app.engine.models.builtin import default_gguf_path
from writer_app.errors import WriterError
from writer_app.host import EngineHost
from writer_app.host.backends import OpenContext, choose_backend
from writer_app.host.llamacpp_backend import gguf_path_of, open_backend
from writer_app.worker import EngineWorker

PARAMS = SamplingParams(max_new_tokens=8, seed=3)


def context(stages: list[str] | None = None, limit: int | None = 512) -> OpenContext:
    def progress(update) -> None:
        if stages is not None:
            stages.append(update.stage)

    def no_loader(*args, **kwargs):
        raise AssertionError("llama.cpp never uses the transformers loader")

    return OpenContext(progress, lambda: False, no_loader, limit)


def test_the_default_model_end_to_end_through_the_worker():
    async def scenario():
        worker = EngineWorker(EngineHost(context_limit=1024))
        stages: list[str] = []
        try:
            info = await worker.load("default", device="cpu", backend="llama.cpp",
                                     on_progress=lambda stage, _: stages.append(stage))
            pane = await worker.next_tokens("I went on a trip to", PARAMS, n=5)
            stream = worker.generate("我们去北京旅行，", PARAMS)
            steps = [step async for step in stream]
            rows = await worker.samples("Once upon a time", PARAMS, n=2)
            return info, stages, pane, steps, stream.summary, rows
        finally:
            assert worker.shutdown(timeout=20)

    info, stages, pane, steps, summary, rows = asyncio.run(scenario())
    assert (info.backend, info.device, info.precision) == ("llama.cpp", "cpu", "Q4_K_M")
    assert info.context_window == 1024 and info.name.startswith("Gemma 3 270M")
    assert not info.capabilities.supports(Feature.BEAM_SEARCH)
    assert "transformers" in info.capabilities.reason(Feature.BEAM_SEARCH)
    assert all(info.capabilities.supports(f) for f in Feature if f is not Feature.BEAM_SEARCH)
    assert "Loading with llama.cpp" in stages and stages[-1] == "Ready"
    assert pane.tokens[0].text == " the" and len(pane.tokens) == 5
    assert summary.tokens == len([s for s in steps if s.token_id >= 0]) <= 8
    assert summary.seed == 3 and summary.stop_reason in ("length", "eos")
    assert rows and all(isinstance(row, str) for row in rows)


def test_a_spec_that_is_not_a_gguf_names_the_transformers_backend(tiny_model_dir):
    with pytest.raises(WriterError) as failed:
        open_backend(LoadRequest(str(tiny_model_dir), backend="llama.cpp"), context())
    assert "GGUF" in failed.value.message and "--backend transformers" in failed.value.hint
    with pytest.raises(WriterError) as precision:
        open_backend(LoadRequest("default", dtype="float32", backend="llama.cpp"), context())
    assert "--backend transformers" in precision.value.hint
    assert gguf_path_of("default") == default_gguf_path()
    assert gguf_path_of(str(tiny_model_dir)) is None


def write_gguf(path: Path, architecture: str) -> None:
    """A small, well-formed GGUF of `architecture` with one tensor."""
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_bad_files_fail_with_a_hint_and_leave_the_process_running(tmp_path):
    missing = tmp_path / "absent.gguf"
    text = tmp_path / "notes.gguf"
    text.write_text("not a model", encoding="utf-8")
    truncated = tmp_path / "truncated.gguf"
    with default_gguf_path().open("rb") as source, truncated.open("wb") as target:
        target.write(source.read(5_000_000))
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    unknown = tmp_path / "unknown.gguf"
    write_gguf(unknown, "no-such-architecture")
    outcomes = {}
    for path in (missing, text, truncated, empty, unknown):
        with pytest.raises(WriterError) as failed:
            open_backend(LoadRequest(str(path), backend="llama.cpp"), context())
        outcomes[path.name] = failed.value
        assert failed.value.hint, path.name
    assert "No such file" in outcomes["absent.gguf"].message
    assert "not a valid GGUF" in outcomes["notes.gguf"].message
    assert "incomplete" in outcomes["truncated.gguf"].message
    assert "llama.cpp could not load" in outcomes["unknown.gguf"].message
    assert "--backend transformers" in outcomes["unknown.gguf"].hint


def test_a_folder_holding_one_gguf_opens_and_says_its_file(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(default_gguf_path(), folder / "small.gguf")
    backend = open_backend(LoadRequest(str(folder), backend="llama.cpp"), context(limit=256))
    try:
        info = backend.info()
        assert info.name == "small.gguf" and info.spec == str(folder)
        usage = backend.context_usage("Hello there", reserve=10)
        assert usage.used == 3 and usage.window == 256
    finally:
        backend.close()


def test_auto_chooses_llama_cpp_for_gguf_on_the_cpu(tiny_model_dir):
    assert choose_backend(LoadRequest("default", device="cpu")).name == "llama.cpp"
    assert choose_backend(LoadRequest(str(default_gguf_path()))).name == "llama.cpp"
    assert choose_backend(LoadRequest(str(tiny_model_dir))).name == "transformers"
    assert choose_backend(LoadRequest("default", dtype="float32")).name == "transformers"
    assert choose_backend(LoadRequest("default", backend="transformers")).name == \
        "transformers"
    assert choose_backend(LoadRequest("default", device="cpu")).note == ""
