"""`writer-app --self-test` on the tiny model: 0 when all is well, else 1 and one line."""

from __future__ import annotations

import importlib.util
import io

import build_linux
import pytest

from writer_app import selftest


def _run(model: str, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = selftest.run_self_test(model=model, device="cpu", dtype="auto", out=out, err=err,
                                  **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_passes_with_a_working_model(tiny_model_dir, writer_home):
    code, out, err = _run(str(tiny_model_dir))
    assert code == 0, out + err
    assert err == ""
    for expected in ("writer-app", "torch", "transformers", "PySide6", "platform", "qasync",
                     "device        cpu", "drew          the main window", "Chinese",
                     "generated     'The' →", "tokens/s", "[engine process]",
                     "next tokens   'The' →", "self-test passed"):
        assert expected in out, expected


def test_missing_model_fails_with_one_line(tmp_path, writer_home):
    missing = tmp_path / "no-such-model"
    code, out, err = _run(str(missing))
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("writer-app: self-test failed: model: No such file or folder")
    assert str(missing) in err
    assert "self-test passed" not in out
    assert "drew" in out  # the other checks still ran


def test_missing_qt_platform_plugin_is_a_failure_not_a_crash(tiny_model_dir, writer_home,
                                                             monkeypatch):
    monkeypatch.setattr(selftest, "_find_platform_plugin", lambda *args, **kwargs: None)
    code, _out, err = _run(str(tiny_model_dir))
    assert code == 1
    assert err.count("\n") == 1
    assert "window: Qt's 'offscreen' platform plugin is missing" in err


def test_no_generated_tokens_is_a_failure(tiny_model_dir, writer_home, monkeypatch):
    monkeypatch.setattr(selftest, "MAX_NEW_TOKENS", 1)
    from writer_app.engine import session

    def no_steps(self, text, params, cancel=None, **kwargs):
        return session.Generation(lambda stats: iter(()))

    monkeypatch.setattr(session.ModelSession, "generate", no_steps)
    code, _out, err = _run(str(tiny_model_dir))
    assert code == 1
    assert "model: the model generated no tokens" in err


def test_cli_wires_the_flag(tiny_model_dir, writer_home, capsys):
    from writer_app.__main__ import main

    code = main(["--self-test", "--model", str(tiny_model_dir), "--device", "cpu"])
    assert code == 0
    assert "self-test passed" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# llama.cpp: every installer carries it, and the self-test runs the model with it


def _llama_check(model: str) -> tuple[list[str], BaseException | None]:
    lines: list[str] = []
    try:
        selftest._check_llama_cpp(lines.append, model)
    except selftest.SelfTestFailure as failure:
        return lines, failure
    return lines, None


def test_a_frozen_build_without_llama_cpp_fails(monkeypatch):
    monkeypatch.setattr(selftest, "_llama_cpp_installed", lambda: False)
    monkeypatch.setattr(selftest, "_frozen", lambda: True)
    _lines, failure = _llama_check("default")
    assert failure is not None
    assert "llama.cpp (llama_cpp) is missing from this build" in str(failure)


def test_a_source_install_without_llama_cpp_skips_it(monkeypatch):
    monkeypatch.setattr(selftest, "_llama_cpp_installed", lambda: False)
    monkeypatch.setattr(selftest, "_frozen", lambda: False)
    lines, failure = _llama_check("default")
    assert failure is None
    assert lines == ["  skipped       llama-cpp-python is not installed (pip install "
                     "'writer-app[llama]'); Writer runs on transformers"]
    assert selftest._llama_cpp_version() is None


def test_a_model_that_is_no_gguf_file_skips_llama_cpp(monkeypatch, tmp_path):
    monkeypatch.setattr(selftest, "_llama_cpp_installed", lambda: True)
    monkeypatch.setattr(selftest, "llama_cpp_cpu_gap", lambda: [])
    lines, failure = _llama_check(str(tmp_path))
    assert failure is None
    assert "is not a GGUF model" in lines[0]


@pytest.mark.parametrize("frozen", [True, False])
def test_a_processor_without_avx2_skips_the_bundled_llama_cpp_only(monkeypatch, frozen):
    """The installers' llama.cpp needs AVX2 (it would die of SIGILL); dev.sh's is native."""
    monkeypatch.setattr(selftest, "_llama_cpp_installed", lambda: True)
    monkeypatch.setattr(selftest, "_frozen", lambda: frozen)
    monkeypatch.setattr(selftest, "llama_cpp_cpu_gap", lambda: ["AVX2", "F16C"])
    lines, failure = _llama_check("notes.txt")
    assert failure is None
    if frozen:
        assert lines == ["  skipped       this processor lacks AVX2, F16C, which the bundled "
                         "llama.cpp needs; Writer runs on transformers"]
    else:
        assert "is not a GGUF model" in lines[0]  # went on to the model


@pytest.mark.parametrize(("flags", "missing"), [
    ("fpu sse sse2 sse4_2 avx avx2 fma f16c bmi2", []),
    ("fpu sse sse2 sse4_2 avx fma bmi2", ["AVX2", "F16C"]),
    ("fpu sse sse2", ["SSE4_2", "AVX", "AVX2", "FMA", "F16C", "BMI2"]),
])
def test_cpu_gap_reads_proc_cpuinfo_flags(flags, missing):
    cpuinfo = f"processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: {flags}\n\nprocessor\t: 1\n"
    assert selftest.llama_cpp_cpu_gap(cpuinfo) == missing
    assert selftest.llama_cpp_cpu_gap("processor : 0\n") == []  # no flags line: unknown


needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None
    or importlib.util.find_spec("writer_app.host.llamacpp_backend") is None,
    reason="llama-cpp-python or Writer's llama.cpp backend is not installed")


@pytest.fixture(scope="session")
def default_gguf() -> str:
    """The built-in GGUF in the real user cache (assembled once per machine)."""
    from writer_app.engine.models.builtin import default_gguf_path

    return str(default_gguf_path())


@needs_llama
@pytest.mark.integration
def test_llama_cpp_check_generates_with_the_default_gguf(default_gguf, writer_home):
    lines, failure = _llama_check(default_gguf)
    assert failure is None, lines
    out = "\n".join(lines)
    assert "backend       llama.cpp (llama-cpp-python " in out
    assert build_linux.LLAMA_CPP_RAN in out  # what the installers' build looks for
    assert "generated     'The' →" in out
    assert "speed         8 tokens" in out or "stopped: eos" in out


@needs_llama
def test_llama_cpp_check_fails_in_one_line_on_a_broken_gguf(writer_home, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(60))
    _lines, failure = _llama_check(str(broken))
    assert failure is not None
    assert str(failure).startswith(f"llama.cpp could not load {broken}")
    assert "\n" not in str(failure)


@pytest.fixture
def stand_in_llama(monkeypatch):
    """The canned test backend registered as llama.cpp: the self-test's plumbing (registry,
    EngineHost, steps, summary) without llama.cpp itself."""
    from tests.unit import fake_backend
    from writer_app.host import backends

    monkeypatch.setitem(backends.BACKENDS, "llama.cpp", backends.BackendEntry(
        "llama.cpp", "tests.unit.fake_backend:open_backend", (), ""))
    monkeypatch.setattr(fake_backend, "OPTIONS", dict(fake_backend.DEFAULTS, name="llama.cpp"))
    monkeypatch.setattr(fake_backend, "OPENED", [])
    monkeypatch.setattr(selftest, "_llama_cpp_installed", lambda: True)
    monkeypatch.setattr(selftest, "llama_cpp_cpu_gap", lambda: [])
    return fake_backend


def test_llama_cpp_step_loads_with_that_backend_and_reports_it(stand_in_llama, tmp_path):
    model = tmp_path / "model.gguf"
    lines, failure = _llama_check(str(model))
    assert failure is None, lines
    (request,) = stand_in_llama.OPENED
    assert (request.spec, request.backend, request.device) == (str(model), "llama.cpp", "cpu")
    out = "\n".join(lines)
    assert build_linux.LLAMA_CPP_RAN + " (" in out
    assert "generated     'The' → ' once upon a time'" in out
    assert "speed         4 tokens" in out


def test_llama_cpp_step_fails_in_one_line_when_it_cannot_load(stand_in_llama, tmp_path):
    from writer_app.errors import WriterError

    stand_in_llama.OPTIONS["open_error"] = WriterError("This file is not a GGUF model",
                                                       "choose a .gguf file")
    _lines, failure = _llama_check(str(tmp_path / "model.gguf"))
    assert str(failure) == (f"llama.cpp could not load {tmp_path / 'model.gguf'}: "
                            "This file is not a GGUF model — choose a .gguf file")


def test_llama_cpp_step_fails_when_generation_breaks_or_writes_nothing(stand_in_llama,
                                                                      tmp_path):
    stand_in_llama.OPTIONS["fail_after"] = 2
    _lines, failure = _llama_check(str(tmp_path / "model.gguf"))
    assert str(failure).startswith("llama.cpp failed to generate: The server stopped")
    stand_in_llama.OPTIONS.update(fail_after=None, words=())
    _lines, failure = _llama_check(str(tmp_path / "model.gguf"))
    assert str(failure) == "llama.cpp generated no tokens (stopped: eos)"
