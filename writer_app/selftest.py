"""`writer-app --self-test`: prove that this installation starts, draws and writes.

Every built installer runs it on its installed program (the frozen-app smoke test), and
users can paste its output into a bug report. It prints versions, platform and device,
draws the main window with English and Chinese text offscreen (Qt's platform plugins, fonts and
image formats are present), then loads the model and generates a few tokens, loads it with
llama.cpp (the fast CPU backend for GGUF models, which every installer carries) and
generates again, and loads it once more in the engine's own process (as the app runs it) for
the next tokens. Exit code 0 when every check passed; otherwise 1 with one line on stderr
that says what failed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from writer_app import __version__, paths
from writer_app.host.cpu_features import llama_cpp_cpu_gap

SAMPLE_TEXT = (
    "Writer self-test: the quick brown fox jumps over the lazy dog.\n"
    "我们去北京旅行，看到了长城和故宫。\n"
)
PROMPT = "The"
MAX_NEW_TOKENS = 8
SEED = 1

# The Qt platform plugin that opens real windows on each system: it is not used offscreen,
# but a bundle without it starts nowhere else.
_NATIVE_PLATFORM_PLUGINS = {
    "linux": ("xcb", ("libqxcb.so",)),
    "win32": ("windows", ("qwindows.dll",)),
    "darwin": ("cocoa", ("libqcocoa.dylib",)),
}
_REQUIRED_IMAGE_FORMATS = ("png", "svg")  # PNG is built in; SVG needs the qsvg plugin


class SelfTestFailure(Exception):
    """One check failed; the message is the one-line reason shown to the user."""


def run_self_test(model: str = "default", device: str = "auto", dtype: str = "auto",
                  out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run every check, printing as it goes; 0 when all passed, else 1 (reason on `err`)."""
    out = out or sys.stdout
    err = err or sys.stderr
    quiet_bars = "TQDM_DISABLE" not in os.environ
    if quiet_bars:
        os.environ["TQDM_DISABLE"] = "1"  # conversion progress bars would bury the report
    try:
        return _run_checks(model, device, dtype, out, err)
    finally:
        if quiet_bars:
            os.environ.pop("TQDM_DISABLE", None)


def _run_checks(model: str, device: str, dtype: str, out: TextIO, err: TextIO) -> int:
    failures: list[str] = []

    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    say(f"Writer {__version__} self-test")
    checks: list[tuple[str, Callable[[Callable[[str], None]], None]]] = [
        ("versions", _check_versions),
        ("window", _check_qt),
        ("model", lambda say: _check_model(say, model, device, dtype)),
        ("llama.cpp", lambda say: _check_llama_cpp(say, model)),
        ("engine process", lambda say: _check_engine_process(say, model, device, dtype)),
    ]
    for name, check in checks:
        say(f"[{name}]")
        try:
            check(say)
        except SelfTestFailure as failure:
            failures.append(f"{name}: {failure}")
            say(f"  FAILED: {failure}")
        except Exception as error:  # anything else is a failure too, in one line
            reason = _one_line(error)
            failures.append(f"{name}: {reason}")
            say(f"  FAILED: {reason}")
    if failures:
        print(f"writer-app: self-test failed: {'; '.join(failures)}", file=err, flush=True)
        return 1
    say("self-test passed")
    return 0


# ---------------------------------------------------------------------------
# Versions and device


def _check_versions(say: Callable[[str], None]) -> None:
    import PySide6
    import torch
    import transformers
    from PySide6 import QtCore

    cuda = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"
    rows = [
        ("writer-app", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("torch", f"{torch.__version__} ({cuda})"),
        ("transformers", transformers.__version__),
        ("PySide6", f"{PySide6.__version__} (Qt {QtCore.qVersion()})"),
        ("llama.cpp", _llama_cpp_version() or "not installed"),
        ("platform", f"{platform.platform()} ({platform.machine()})"),
        ("installed as", _installation_kind()),
    ]
    for label, value in rows:
        say(f"  {label:<13} {value}")


def _frozen() -> bool:
    """Whether this is an installed bundle (PyInstaller), not a Python environment."""
    return bool(getattr(sys, "frozen", False))


def _llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def _llama_cpp_version() -> str | None:
    """llama-cpp-python's version, or None when it is not installed (or cannot load)."""
    if not _llama_cpp_installed():
        return None
    try:
        import llama_cpp
    except Exception as error:  # its shared libraries are missing or do not load
        return f"installed, but it does not load: {_one_line(error)}"
    return f"llama-cpp-python {getattr(llama_cpp, '__version__', '?')}"


def _installation_kind() -> str:
    if _frozen():
        return f"bundle in {Path(sys.executable).resolve().parent}"
    return f"Python package in {Path(__file__).resolve().parent}"


# ---------------------------------------------------------------------------
# Qt: platform plugin, fonts, image formats, and the window drawn offscreen


def _check_qt(say: Callable[[str], None]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    requested = os.environ["QT_QPA_PLATFORM"].split(":")[0]
    plugin_dirs = _plugin_dirs(QCoreApplication.libraryPaths(),
                               QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    say(f"  Qt plugins    {os.pathsep.join(str(d) for d in plugin_dirs) or '(none found)'}")
    # Qt aborts the process when the platform plugin is missing: look before it does.
    if not _find_platform_plugin(plugin_dirs, requested):
        raise SelfTestFailure(f"Qt's '{requested}' platform plugin is missing from "
                              f"{_describe_dirs(plugin_dirs)} — reinstall Writer")
    native = _NATIVE_PLATFORM_PLUGINS.get(sys.platform)
    if native and not _find_platform_plugin(plugin_dirs, native[0], native[1]):
        raise SelfTestFailure(f"Qt's '{native[0]}' platform plugin is missing, so no window "
                              "can open on this desktop — reinstall Writer")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "writer-app"])
    if not isinstance(app, QApplication):
        raise SelfTestFailure("a non-widget Qt application is already running in this process")
    say(f"  platform      {app.platformName()}")
    _check_fonts(say)
    _check_image_formats(say)
    _check_drawing(say, app)


def _plugin_dirs(library_paths: list[str], plugins_path: str) -> list[Path]:
    dirs: list[Path] = []
    for entry in [*library_paths, plugins_path,
                  *os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep)]:
        if entry and Path(entry).is_dir() and Path(entry) not in dirs:
            dirs.append(Path(entry))
    return dirs


def _find_platform_plugin(plugin_dirs: list[Path], name: str,
                          file_names: tuple[str, ...] | None = None) -> Path | None:
    """The plugin file for platform `name` ("offscreen", "xcb", ...), if a plugin dir has it."""
    wanted = file_names or (f"libq{name}.so", f"q{name}.dll", f"libq{name}.dylib")
    for folder in plugin_dirs:
        for file_name in wanted:
            if (folder / "platforms" / file_name).is_file():
                return folder / "platforms" / file_name
    return None


def _describe_dirs(dirs: list[Path]) -> str:
    return ", ".join(str(d) for d in dirs) if dirs else "every Qt plugin folder (none found)"


def _check_fonts(say: Callable[[str], None]) -> None:
    from PySide6.QtGui import QFontDatabase

    families = QFontDatabase.families()
    if not families:
        raise SelfTestFailure("Qt found no fonts — install a font package "
                              "(Debian: fonts-dejavu-core)")
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    say(f"  fonts         {len(families)} families, {len(chinese)} with Chinese")
    if not chinese:
        say("  note          no Chinese font: Chinese text shows as boxes "
            "(Debian: install fonts-noto-cjk)")


def _check_image_formats(say: Callable[[str], None]) -> None:
    from PySide6.QtGui import QImageReader

    formats = sorted({bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()})
    say(f"  image formats {' '.join(formats)}")
    missing = [f for f in _REQUIRED_IMAGE_FORMATS if f not in formats]
    if missing:
        raise SelfTestFailure(f"Qt cannot read {', '.join(missing)} images "
                              "(its image format plugins are missing) — reinstall Writer")


def _check_drawing(say: Callable[[str], None], app: Any) -> None:
    from PySide6.QtGui import QIcon

    icon_path = application_icon_path()
    if icon_path is not None:
        icon = QIcon(str(icon_path))
        if icon.isNull() or icon.pixmap(64, 64).isNull():
            raise SelfTestFailure(f"the application icon {icon_path} cannot be drawn")
        app.setWindowIcon(icon)
        say(f"  icon          {icon_path}")
    else:
        say("  icon          (not found: drawing without it)")

    with tempfile.TemporaryDirectory(prefix="writer-self-test-") as scratch, \
            _quiet_offscreen_warnings():
        window, editor, kind = _make_window(say, Path(scratch))
        try:
            window.resize(960, 540)
            window.show()
            app.processEvents()
            drawn = _grab(window)
            editor.setPlainText(SAMPLE_TEXT)
            app.processEvents()
            written = _grab(window)
            if drawn.isNull() or written.isNull() or written.width() < 10:
                raise SelfTestFailure("Qt drew nothing (QWidget.grab returned an empty image)")
            if written == drawn:
                raise SelfTestFailure("the text did not appear on screen (the editor looked "
                                      "the same with and without text)")
            say(f"  drew          {kind}, {written.width()}x{written.height()} px "
                "with English and Chinese text")
        finally:
            editor.document().setModified(False)
            shut_down = getattr(window, "shut_down", None)
            if callable(shut_down):
                shut_down()  # stops the engine thread, if it ever started
            window.hide()  # not close(): that would save window state into the user's config
            window.deleteLater()
            app.processEvents()


@contextlib.contextmanager
def _quiet_offscreen_warnings() -> Iterator[None]:
    """Drop the offscreen platform's notes about window features it lacks (harmless, and
    confusing in a report); every other Qt message still reaches stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind: Any, _context: Any, message: str) -> None:
        if "This plugin does not support" not in message:
            print(message, file=sys.stderr, flush=True)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _make_window(say: Callable[[str], None], scratch: Path) -> tuple[Any, Any, str]:
    """Writer's main window (settings and window state kept in `scratch`), or a plain editor
    while the window's module does not exist.

    Returns (the widget to show, the QPlainTextEdit to type into, a name for the output).
    """
    from PySide6.QtWidgets import QPlainTextEdit

    os.environ.setdefault("QT_API", "pyside6")
    try:
        from writer_app.ui.main_window import MainWindow
    except ModuleNotFoundError as error:
        if error.name not in ("writer_app.ui", "writer_app.ui.main_window"):
            raise  # a module the window needs is missing: a broken installation
        editor = QPlainTextEdit()
        return editor, editor, "a text editor (the main window is not part of this build)"
    import qasync

    from writer_app.settings import Settings
    from writer_app.worker import EngineWorker

    say(f"  qasync        {_distribution_version('qasync', qasync)}")
    window = MainWindow(EngineWorker(), Settings(path=scratch / "settings.json"),
                        state_path=scratch / "window.ini")
    editor = getattr(window, "editor", None)
    if not isinstance(editor, QPlainTextEdit):
        editor = window.findChild(QPlainTextEdit)
    if editor is None:
        raise SelfTestFailure("the main window has no text editor")
    return window, editor, "the main window"


def _distribution_version(name: str, module: Any) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return str(getattr(module, "__version__", "installed"))


def _grab(widget: Any) -> Any:
    return widget.grab().toImage()


def application_icon_path() -> Path | None:
    """writer-app.svg from the bundle (frozen) or the source tree, None if neither has it."""
    path = paths.resources_dir() / "icons" / "writer-app.svg"
    return path if path.is_file() else None


# ---------------------------------------------------------------------------
# The model


def _check_model(say: Callable[[str], None], model: str, device: str, dtype: str) -> None:
    from writer_app.engine.quiet import quiet_libraries

    quiet_libraries()
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.device import configure_cpu_threads, resolve_device
    from writer_app.engine.models import LoadProgress, load_model
    from writer_app.engine.session import ModelSession

    torch_device = resolve_device(device)
    say(f"  device        {_describe_device(torch_device)}")
    if torch_device.type == "cpu":
        say(f"  CPU threads   {configure_cpu_threads()}")
    say(f"  model         {model}")

    last_stage = ""

    def report(progress: LoadProgress) -> None:
        nonlocal last_stage
        if progress.stage != last_stage:  # progress bars repeat a stage; print it once
            last_stage = progress.stage
            say(f"  loading       {progress.stage}")

    started = time.perf_counter()
    loaded = load_model(model, device=device, dtype=dtype, progress=report)
    say(f"  loaded        {loaded.name} on {loaded.device}, "
        f"{loaded.precision or loaded.dtype}, in {time.perf_counter() - started:.1f} s")
    generation = ModelSession(loaded).generate(
        PROMPT, SamplingParams(seed=SEED, max_new_tokens=MAX_NEW_TOKENS))
    for _step in generation:
        pass
    stats = generation.stats
    say(f"  generated     {PROMPT!r} → {generation.text!r}")
    say(f"  speed         {stats.tokens} tokens, {stats.tokens_per_second:.1f} tokens/s "
        f"(stopped: {stats.stop_reason})")
    if stats.tokens < 1:
        raise SelfTestFailure(f"the model generated no tokens (stopped: {stats.stop_reason})")


def _check_llama_cpp(say: Callable[[str], None], model: str) -> None:
    """Load `model` with the llama.cpp backend, as the window does for GGUF models on a CPU,
    and generate a few tokens. A frozen build must carry llama.cpp; an environment
    installed from source may lack it (it is the optional `llama` extra)."""
    if not _llama_cpp_installed():
        if _frozen():
            raise SelfTestFailure("llama.cpp (llama_cpp) is missing from this build — "
                                  "reinstall Writer")
        say("  skipped       llama-cpp-python is not installed "
            "(pip install 'writer-app[llama]'); Writer runs on transformers")
        return
    missing = llama_cpp_cpu_gap() if _frozen() else []  # a source build is native
    if missing:
        say(f"  skipped       this processor lacks {', '.join(missing)}, which the bundled "
            "llama.cpp needs; Writer runs on transformers")
        return
    if not _is_gguf_spec(model):
        say(f"  skipped       {model} is not a GGUF model (llama.cpp reads only .gguf files)")
        return

    from writer_app.boundary.engine import CancelFlag, LoaderRef
    from writer_app.boundary.messages import (
        Failure,
        GenerateRequest,
        GenerationSummary,
        LoadRequest,
    )
    from writer_app.boundary.params import SamplingParams
    from writer_app.boundary.results import Step
    from writer_app.host.serving import EngineHost

    host = EngineHost(LoaderRef(options={"remember": False}))
    steps: list[Step] = []

    def event(item: object) -> None:
        if isinstance(item, Step):
            steps.append(item)

    try:
        started = time.perf_counter()
        info = host.execute(LoadRequest(model, device="cpu", backend="llama.cpp"), event,
                            CancelFlag())
        if isinstance(info, Failure):
            raise SelfTestFailure(f"llama.cpp could not load {model}: {_failure_text(info)}")
        say(f"  backend       {info.backend} ({_llama_cpp_version()})")
        say(f"  loaded        {info.name} on {info.device}, {info.precision}, "
            f"in {time.perf_counter() - started:.1f} s")
        params = SamplingParams(seed=SEED, max_new_tokens=MAX_NEW_TOKENS)
        summary = host.execute(GenerateRequest(PROMPT, lambda: params), event, CancelFlag())
        if isinstance(summary, Failure):
            raise SelfTestFailure(f"llama.cpp failed to generate: {_failure_text(summary)}")
        assert isinstance(summary, GenerationSummary)
        text = "".join(step.text for step in steps)
        say(f"  generated     {PROMPT!r} → {text!r}")
        say(f"  speed         {summary.tokens} tokens, {summary.tokens_per_second:.1f} "
            f"tokens/s (stopped: {summary.stop_reason})")
        if summary.tokens < 1:
            raise SelfTestFailure(f"llama.cpp generated no tokens (stopped: "
                                  f"{summary.stop_reason})")
    finally:
        host.close()


def _is_gguf_spec(model: str) -> bool:
    return model == "default" or model.lower().endswith(".gguf")


def _failure_text(failure: Any) -> str:
    return " — ".join(part for part in (getattr(failure, "message", str(failure)),
                                        getattr(failure, "hint", "")) if part)


# The x86-64 instructions a portable llama.cpp build (GGML_NATIVE=OFF, as the installers
# build it) is compiled with: without them it would stop the process with SIGILL.
def _check_engine_process(say: Callable[[str], None], model: str, device: str,
                          dtype: str) -> None:
    """The app runs the model in a child process: in a frozen build that process is the
    program itself started again, which only works if the bundle allows it."""
    import asyncio

    import writer_app.host.child  # noqa: F401  (the child's entry, named by string: bundle it)
    from writer_app.boundary.engine import LoaderRef
    from writer_app.boundary.params import SamplingParams
    from writer_app.worker import EngineWorker

    async def ask() -> tuple[Any, Any, int | None]:
        worker = EngineWorker(loader=LoaderRef(options={"remember": False}))
        try:
            info = await worker.load(model, device, dtype)
            tokens = await worker.next_tokens(PROMPT, SamplingParams(seed=SEED), n=3)
            return info, tokens, getattr(worker._engine, "pid", None)
        finally:
            worker.shutdown(timeout=30)

    started = time.perf_counter()
    info, tokens, pid = asyncio.run(ask())
    if pid is None or pid == os.getpid() or tokens is None or not tokens.tokens:
        raise SelfTestFailure("the engine's process gave no answer")
    say(f"  loaded        {info.name} in process {pid} ({info.backend} backend), "
        f"in {time.perf_counter() - started:.1f} s")
    say(f"  next tokens   {PROMPT!r} → " + ", ".join(repr(t.text) for t in tokens.tokens))


def _describe_device(device: Any) -> str:
    import torch

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"{device} ({torch.cuda.get_device_name(index)})"
    return str(device)


def _one_line(error: BaseException) -> str:
    from writer_app.errors import WriterError

    text = str(error).strip()
    first = text.splitlines()[0][:300] if text else ""
    if isinstance(error, WriterError):
        return first
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
