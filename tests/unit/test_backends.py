"""The backend seam: a backend is a module plus a registry entry, chosen by LoadRequest's
`backend`; what it cannot do is a value the window can show; loaders are named by path."""

from __future__ import annotations

import asyncio

import pytest

from writer_app.boundary.backend import Capabilities, Feature
from writer_app.boundary.engine import LoaderRef
from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.params import SamplingParams
from writer_app.errors import WriterError
from writer_app.host import EngineHost
from writer_app.host import backends as registry
from writer_app.host.backends import BackendEntry, available_backends, choose_backend
from writer_app.worker import EngineWorker, WorkerError

FAKE = BackendEntry("fake", "tests.unit.fake_backend:open_backend", (), "")


@pytest.fixture
def with_fake_backend(monkeypatch) -> None:
    monkeypatch.setitem(registry.BACKENDS, "fake", FAKE)


def test_a_second_backend_is_one_module_and_one_entry(with_fake_backend):
    """Every request kind reaches the backend named in the load, through the host and the
    worker, with nothing else edited."""
    params = SamplingParams(max_new_tokens=3)

    async def scenario():
        worker = EngineWorker(EngineHost())
        stages: list[str] = []
        try:
            info = await worker.load("anything", backend="fake",
                                     on_progress=lambda stage, _: stages.append(stage))
            pane = await worker.next_tokens("Once", params, n=2)
            stream = worker.generate("Once", params)
            steps = [step.text async for step in stream]
            rows = await worker.samples("Once", params, n=2)
            return info, stages, pane, steps, stream.summary, rows
        finally:
            assert worker.shutdown(timeout=10)

    info, stages, pane, steps, summary, rows = asyncio.run(scenario())
    assert info.backend == "fake" and not info.capabilities.supports(Feature.SEED)
    assert "Connecting" in stages
    assert [t.text for t in pane.tokens] == [" once", " upon"]
    assert steps == [" once", " upon", " a"] and summary.stop_reason == "length"
    assert rows == [" once", " once upon"]


def test_auto_and_named_backends_resolve_and_unknown_ones_say_what_exists(with_fake_backend):
    assert choose_backend(LoadRequest("x")).name == "transformers"
    assert choose_backend(LoadRequest("x", backend="fake")).name == "fake"
    with pytest.raises(Exception) as unknown:
        choose_backend(LoadRequest("x", backend="vllm-in-process"))
    assert "vllm-in-process" in unknown.value.message
    assert "transformers" in unknown.value.hint and "auto" in unknown.value.hint
    assert available_backends()["transformers"] is None  # torch and transformers are here


def test_a_backend_whose_library_is_missing_says_what_to_install(monkeypatch):
    monkeypatch.setitem(registry.BACKENDS, "absent", BackendEntry(
        "absent", "nowhere:open", ("no_such_library_for_writer",), "pip install it"))

    async def scenario():
        worker = EngineWorker(EngineHost())
        try:
            with pytest.raises(WorkerError) as failed:
                await worker.load("anything", backend="absent")
            return failed.value
        finally:
            assert worker.shutdown(timeout=10)

    failed = asyncio.run(scenario())
    assert failed.message == "The absent backend cannot run here"
    assert "no_such_library_for_writer" in failed.hint and "pip install" in failed.hint


def test_capabilities_name_each_missing_feature_with_its_reason():
    everything = Capabilities()
    assert all(everything.supports(feature) for feature in Feature)
    limited = Capabilities.lacking(top_k="the server ignores top-k",
                                   exact_probabilities="only the top 20 are sent")
    assert not limited.supports(Feature.TOP_K) and limited.supports(Feature.SEED)
    assert limited.reason(Feature.EXACT_PROBABILITIES) == "only the top 20 are sent"
    assert limited.reason(Feature.SEED) == ""
    with pytest.raises(ValueError):
        Capabilities.lacking(telepathy="no")


def test_a_loader_is_named_by_path_and_a_bad_name_fails_the_load_not_the_engine():
    with pytest.raises(ValueError):
        LoaderRef("no_colon_here")

    async def scenario():
        worker = EngineWorker(EngineHost(LoaderRef("tests.unit.no_such_module:load")))
        try:
            with pytest.raises(WorkerError) as failed:
                await worker.load("anything")
            return failed.value
        finally:
            assert worker.shutdown(timeout=10)

    failed = asyncio.run(scenario())
    assert "no_such_module" in failed.message and not failed.engine_lost


def test_the_values_that_cross_between_the_processes_pickle():
    import pickle

    from writer_app.boundary.messages import Failure, ModelInfo

    values = [
        LoadRequest("default", "cpu", "auto", backend="transformers"),
        LoaderRef("tests.unit.child_loaders:gated_loader", {"gate": "/tmp/gate"}),
        ModelInfo("m", "m", "cpu", "float32", "float32", 8, backend="fake",
                  capabilities=Capabilities.lacking(seed="no seeds here")),
        Failure("The engine stopped unexpectedly", "", engine_lost=True,
                model=LoadRequest("default")),
    ]
    for value in values:
        assert pickle.loads(pickle.dumps(value)) == value


def _transformers_is_the_fake(monkeypatch) -> None:
    """"auto"'s fallback answers with the fake backend: no model is loaded."""
    monkeypatch.setitem(registry.BACKENDS, "transformers", BackendEntry(
        "transformers", "tests.unit.fake_backend:open_backend", (), ""))


def test_auto_notes_why_it_passed_over_a_missing_llama_cpp(monkeypatch):
    _transformers_is_the_fake(monkeypatch)
    monkeypatch.setitem(registry.BACKENDS, "llama.cpp", BackendEntry(
        "llama.cpp", "nowhere:open", ("no_such_llama_cpp_for_writer",), "pip install it"))
    chosen = choose_backend(LoadRequest("default", device="cpu"))
    assert chosen.name == "transformers"
    assert "no_such_llama_cpp_for_writer is not installed" in chosen.note
    assert choose_backend(LoadRequest("x", device="cpu")).note == ""  # not a GGUF: no note

    async def scenario():
        worker = EngineWorker(EngineHost())
        try:
            return await worker.load("default", device="cpu")
        finally:
            assert worker.shutdown(timeout=10)

    info = asyncio.run(scenario())
    assert "llama.cpp would run this GGUF model faster" in info.backend_note
    assert "pip install it" in info.backend_note


def test_auto_notes_a_llama_cpp_that_fails_to_import(monkeypatch, tmp_path):
    (tmp_path / "broken_llama_for_writer.py").write_text(
        "raise OSError('libllama.so: cannot open shared object file')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    _transformers_is_the_fake(monkeypatch)
    monkeypatch.setitem(registry.BACKENDS, "llama.cpp", BackendEntry(
        "llama.cpp", "nowhere:open", ("broken_llama_for_writer",), "reinstall it"))
    chosen = choose_backend(LoadRequest("default", device="cpu"))
    assert chosen.name == "transformers"
    assert "failed to load" in chosen.note and "libllama.so" in chosen.note


def test_a_bundled_llama_cpp_on_a_processor_without_avx2_counts_as_missing(monkeypatch):
    """The installers' llama.cpp needs AVX2: on an older processor it would kill the
    engine's process with an illegal instruction, so auto runs transformers and says why,
    and asking for llama.cpp by name fails in words."""
    import sys

    from writer_app.host import cpu_features

    _transformers_is_the_fake(monkeypatch)
    old_flags = "flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx popcnt"
    read_flags = cpu_features.llama_cpp_cpu_gap
    monkeypatch.setattr(cpu_features, "llama_cpp_cpu_gap", lambda: read_flags(old_flags))
    assert available_backends()["llama.cpp"] is None  # a source install compiled it here
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    reason = available_backends()["llama.cpp"]
    assert reason is not None and "AVX2" in reason and "FMA" in reason
    chosen = choose_backend(LoadRequest("default", device="cpu"))
    assert chosen.name == "transformers" and "AVX2" in chosen.note
    with pytest.raises(WriterError) as error:
        choose_backend(LoadRequest("default", device="cpu", backend="llama.cpp"))
    assert "AVX2" in error.value.hint
