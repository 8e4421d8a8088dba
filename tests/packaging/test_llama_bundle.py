"""llama.cpp in the bundle: its libraries collected where llama_cpp loads them, the unused
copies trimmed, and the build's checks (present, portable), without running PyInstaller."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import types
from pathlib import Path

import build_linux
import bundle_manifest as manifest
import pytest

HOOK = manifest.REPO / "packaging" / "pyinstaller_hooks" / "hook-llama_cpp.py"
needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="llama-cpp-python is not installed")
needs_objdump = pytest.mark.skipif(shutil.which("objdump") is None,
                                   reason="objdump is missing: apt-get install binutils")


def _installed_lib() -> Path:
    return manifest.package_dir("llama_cpp") / "lib"


@pytest.mark.parametrize(("path", "kept"), [
    ("llama_cpp/lib/libllama.so", True),  # the name llama_cpp's ctypes loader opens
    ("llama_cpp/lib/libggml-base.so.0", True),  # the soname libllama.so links to
    ("llama_cpp/lib/libllama.so.0.5.0", False),  # the third copy, which nothing loads
    ("llama_cpp/lib/libggml-cpu.so.0.25.3", False),
    ("llama_cpp/lib/llama.dll", True),
    ("llama_cpp/lib/libllama.dylib", True),
    ("llama_cpp/lib/libggml.0.dylib", True),
])
def test_trimming_keeps_the_llama_cpp_libraries_that_load(path, kept):
    assert manifest.keep_in_bundle(path) is kept


def test_library_names_per_platform(tmp_path):
    lib = tmp_path / "llama_cpp" / "lib"
    assert manifest.llama_cpp_library_files(tmp_path, "linux") == [
        lib / "libllama.so", lib / "libggml.so", lib / "libggml-base.so", lib / "libggml-cpu.so"]
    assert manifest.llama_cpp_library_files(tmp_path, "win32")[0] == lib / "llama.dll"
    assert manifest.llama_cpp_library_files(tmp_path, "darwin")[0] == lib / "libllama.dylib"


def _run_hook(monkeypatch, libraries: list[tuple[str, str]]) -> dict:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_dynamic_libs = lambda package: libraries if package == "llama_cpp" else []
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    namespace: dict = {"__file__": str(HOOK)}
    exec(compile(HOOK.read_text(encoding="utf-8"), str(HOOK), "exec"), namespace)
    return namespace


@needs_llama
@pytest.mark.skipif(sys.platform != "linux", reason="the Linux library names")
def test_hook_collects_the_installed_libraries_into_llama_cpp_lib(monkeypatch):
    """The hook over what llama-cpp-python really installed: every library a model load
    needs, in llama_cpp/lib, each once."""
    installed = [(str(path), "llama_cpp/lib") for path in sorted(_installed_lib().iterdir())
                 if ".so" in path.name]
    namespace = _run_hook(monkeypatch, installed)
    collected = {Path(source).name for source, dest in namespace["binaries"]}
    assert {dest for _, dest in namespace["binaries"]} == {"llama_cpp/lib"}
    wanted = {path.name for path in manifest.llama_cpp_library_files(Path("x"), "linux")}
    assert wanted <= collected
    assert {f"{name}.0" for name in wanted} <= collected  # the sonames they link to
    assert not [name for name in collected if name.count(".") > 2]
    assert namespace["excludedimports"] == ["llama_cpp.server"]


def _fake_internal(tmp_path: Path, cpu_library: Path | None = None) -> Path:
    internal = tmp_path / "_internal"
    lib = internal / "llama_cpp" / "lib"
    lib.mkdir(parents=True)
    for path in manifest.llama_cpp_library_files(internal):
        shutil.copy(cpu_library or "/bin/true", path)
    return internal


@needs_objdump
@pytest.mark.skipif(sys.platform != "linux", reason="the Linux build's check")
def test_bundle_check_needs_every_llama_cpp_library(tmp_path):
    internal = _fake_internal(tmp_path)
    build_linux.check_llama_cpp(internal)
    (internal / "llama_cpp" / "lib" / "libggml-base.so").unlink()
    with pytest.raises(build_linux.BuildError, match=r"libggml-base\.so"):
        build_linux.check_llama_cpp(internal)


@needs_objdump
@pytest.mark.skipif(shutil.which("gcc") is None or sys.platform != "linux",
                    reason="gcc is needed to make an AVX-512 library")
def test_bundle_check_refuses_a_cpu_backend_built_for_avx512(tmp_path):
    """A -march=native build on an AVX-512 machine would crash most users' processors."""
    source = tmp_path / "wide.c"
    source.write_text("#include <immintrin.h>\n"
                      "__attribute__((target(\"avx512f\")))\n"
                      "void add(float *a, const float *b) {\n"
                      "  _mm512_storeu_ps(a, _mm512_add_ps(_mm512_loadu_ps(a),"
                      " _mm512_loadu_ps(b)));\n}\n", encoding="utf-8")
    library = tmp_path / "libwide.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", str(source), "-o", str(library)],
                   check=True)
    internal = _fake_internal(tmp_path, library)
    with pytest.raises(build_linux.BuildError, match="uses AVX-512"):
        build_linux.check_llama_cpp(internal)


@needs_llama
@needs_objdump
@pytest.mark.skipif(sys.platform != "linux", reason="the Linux build's check")
def test_installed_llama_cpp_passes_the_bundle_check_on_this_machine(tmp_path):
    """This machine has no AVX-512, so even dev.sh's native build is portable enough."""
    internal = tmp_path / "_internal"
    shutil.copytree(_installed_lib(), internal / "llama_cpp" / "lib", symlinks=True)
    if "avx512f" in Path("/proc/cpuinfo").read_text(encoding="utf-8"):
        pytest.skip("an AVX-512 machine: the native build is rightly refused")
    build_linux.check_llama_cpp(internal)



def _wheel(folder: Path, marker: str) -> Path:
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("llama_cpp/__init__.py", f"BUILT = {marker!r}\n")
        archive.writestr("llama_cpp/lib/libllama.so", b"\x7fELF")
    return wheel


@needs_llama
def test_portable_llama_cpp_is_built_once_with_native_off(tmp_path, monkeypatch):
    """The wheel is built by pip from source with GGML_NATIVE=OFF (never from pip's cache,
    which ignores CMAKE_ARGS), unpacked into a site folder, and reused afterwards."""
    calls: list[tuple[list[str], dict]] = []

    def fake_pip(command, stdout=None, stderr=None, env=None):
        calls.append((command, env))
        _wheel(Path(command[command.index("-w") + 1]), "portable")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(build_linux.subprocess, "run", fake_pip)
    monkeypatch.setenv("CMAKE_ARGS", "-DGGML_BLAS=OFF")
    site = build_linux.portable_llama_cpp(tmp_path / "llama-cpp")
    assert (site / "llama_cpp" / "__init__.py").read_text() == "BUILT = 'portable'\n"
    assert (site / "llama_cpp" / "lib" / "libllama.so").is_file()
    ((command, env),) = calls
    assert command[1:4] == ["-m", "pip", "wheel"]
    assert {"--no-deps", "--no-cache-dir"} <= set(command)
    assert command[command.index("--no-binary") + 1] == "llama-cpp-python"
    from importlib import metadata

    assert command[-1] == f"llama-cpp-python=={metadata.version('llama-cpp-python')}"
    assert env["CMAKE_ARGS"] == "-DGGML_BLAS=OFF -DGGML_NATIVE=OFF"
    assert build_linux.portable_llama_cpp(tmp_path / "llama-cpp") == site
    assert len(calls) == 1  # kept: no second build


@needs_llama
def test_a_failed_portable_build_says_where_its_log_is(tmp_path, monkeypatch):
    def failing_pip(command, stdout=None, stderr=None, env=None):
        stdout.write("CMake Error: no C compiler\n")
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setattr(build_linux.subprocess, "run", failing_pip)
    with pytest.raises(build_linux.BuildError, match="no C compiler") as raised:
        build_linux.portable_llama_cpp(tmp_path / "llama-cpp")
    assert str(tmp_path / "llama-cpp" / "build.log") in str(raised.value)
    assert not list((tmp_path / "llama-cpp").glob("site-*"))
