"""What the bundle holds, checked in a second: the manifest, the spec run against stand-ins
for PyInstaller's classes, and the icon files."""

from __future__ import annotations

import struct
import sys
import types
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import bundle_manifest as manifest
import pytest

import writer_app

MODEL_DATA = f"{manifest.DEFAULT_MODEL_PACKAGE}/data"


def _destinations() -> dict[str, str]:
    """{file name: folder inside the bundle} of the manifest's data files."""
    return {Path(source).name: dest for source, dest in manifest.data_files()}


def test_version_is_the_packages_version():
    assert manifest.version() == writer_app.__version__


def test_data_files_hold_every_model_chunk_in_its_package_folder():
    destinations = _destinations()
    chunks = manifest.model_chunk_files()
    assert len(chunks) >= 2
    for chunk in chunks:
        assert destinations.get(chunk.name) == f"{chunk.parent.parent.name}/data"
    assert sum(chunk.stat().st_size for chunk in chunks) > 200_000_000


def test_gemma_terms_lie_next_to_the_model():
    destinations = _destinations()
    for name in ("GEMMA_TERMS.html", "NOTICE.md"):
        assert destinations.get(name) == MODEL_DATA
    assert [path.name for path in manifest.model_terms_files()] == ["GEMMA_TERMS.html",
                                                                    "NOTICE.md"]
    assert all(path.is_file() for path in manifest.model_terms_files())


def test_data_files_hold_the_icon_and_the_desktop_entry():
    destinations = _destinations()
    assert destinations["writer-app.svg"] == "resources/icons"
    assert destinations["writer-app-512.png"] == "resources/icons"
    assert destinations["writer-app.desktop"] == "resources/linux"
    assert all(Path(source).is_file() for source, _ in manifest.data_files())


def test_hidden_imports_are_the_chunk_packages_and_importable():
    imports = manifest.hidden_imports()
    assert imports == [f"{manifest.DEFAULT_MODEL_PACKAGE}_part{n}"
                       for n in range(1, len(imports) + 1)]
    assert {chunk.parent.parent.name for chunk in manifest.model_chunk_files()} == set(imports)


@pytest.mark.parametrize(("path", "kept"), [
    ("torch/bin/torch_shm_manager", True),
    ("torch/bin/test_api", False),
    ("torch/bin/FileStoreTest", False),
    ("torch/include/ATen/ATen.h", False),
    ("torch/lib/libtorch_cpu.so", True),
    ("torch/lib/libtorchbind_test.so", False),
    ("torch\\lib\\torch_cpu.dll", True),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
    ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
    ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/lib/libQt6Quick.so.6", False),
    ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
    ("libcudart.so", False),
    ("nvidia/cuda_runtime/lib/libcudart.so.12", True),
    ("libstdc++.so.6", False),
    (f"{MODEL_DATA}/GEMMA_TERMS.html", True),
])
def test_trimming_keeps_what_writer_needs(path, kept):
    assert manifest.keep_in_bundle(path) is kept


@pytest.mark.parametrize(("text", "numbers"), [
    ("0.1.0", (0, 1, 0, 0)), ("1.2", (1, 2, 0, 0)), ("2.0.1rc3", (2, 0, 1, 0)),
    ("0.1.0+cu128", (0, 1, 0, 0)),
])
def test_version_tuple(text, numbers):
    assert manifest.version_tuple(text) == numbers


def test_windows_version_info_is_a_well_formed_expression():
    def record(name):
        return lambda *args, **kwargs: (name, args, kwargs)

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
             "StringStruct", "VarFileInfo", "VarStruct")
    info = eval(manifest.windows_version_info("1.2.3"), {n: record(n) for n in names})
    assert info[0] == "VSVersionInfo"
    fixed = info[2]["ffi"]
    assert fixed[2]["filevers"] == (1, 2, 3, 0)
    assert "StringStruct('ProductVersion', '1.2.3')" in manifest.windows_version_info("1.2.3")


class _Recorder:
    """Stands in for one of PyInstaller's spec classes and remembers each instance."""

    made: dict[str, list[_Recorder]]

    def __init__(self, kind, *args, **kwargs):
        self.kind, self.args, self.kwargs = kind, args, kwargs
        _Recorder.made.setdefault(kind, []).append(self)
        if kind == "Analysis":
            self.binaries = [
                ("torch/bin/torch_shm_manager", "/x", "BINARY"),
                ("torch/bin/test_api", "/x", "BINARY"),
                ("PySide6/Qt/plugins/platforms/libqxcb.so", "/x", "BINARY"),
                ("libstdc++.so.6", "/x", "BINARY"),
            ]
            self.datas = [("torch/include/c10/macros.h", "/x", "DATA"),
                          ("resources/icons/writer-app.svg", "/x", "DATA")]
            self.pure, self.scripts = [], []


def _run_spec(monkeypatch, tmp_path, platform):
    _Recorder.made = {}
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda name: [f"{name}.selftest", f"{name}.engine.models"]
    hooks.copy_metadata = lambda name: [(f"/site/{name}.dist-info", f"{name}.dist-info")]
    hooks.collect_data_files = lambda name, includes=(): [
        (f"/site/{name}/{pattern.replace('*', 'en_US')}", f"{name}/dictionaries")
        for pattern in includes]
    hooks.collect_dynamic_libs = lambda name: [(f"/site/{name}/libhunspell-1.7.so.0", name)]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    spec = manifest.REPO / "packaging" / "writer.spec"
    namespace = {name: (lambda *a, _n=name, **k: _Recorder(_n, *a, **k))
                 for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    namespace.update(SPECPATH=str(spec.parent), workpath=str(tmp_path), __file__=str(spec))
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    return _Recorder.made


def test_spec_feeds_the_manifest_to_pyinstaller_and_trims(monkeypatch, tmp_path):
    made = _run_spec(monkeypatch, tmp_path, "linux")
    analysis = made["Analysis"][0]
    datas = analysis.kwargs["datas"]
    assert set(manifest.data_files()) <= set(datas)
    assert ("/site/transformers.dist-info", "transformers.dist-info") in datas
    hidden = analysis.kwargs["hiddenimports"]
    assert set(manifest.hidden_imports()) <= set(hidden)
    assert "writer_app.selftest" in hidden
    # Spell check: chunspell's package with its en_US dictionary and libhunspell.
    assert "hunspell" in hidden
    assert ("/site/hunspell/dictionaries/en_US.dic", "hunspell/dictionaries") in datas
    assert ("/site/hunspell/dictionaries/en_US.aff", "hunspell/dictionaries") in datas
    assert analysis.kwargs["binaries"] == [("/site/hunspell/libhunspell-1.7.so.0", "hunspell")]
    assert "llama_cpp" not in analysis.kwargs["excludes"]  # every installer carries it
    assert {"llama_cpp.server", "uvicorn", "fastapi"} <= set(analysis.kwargs["excludes"])
    assert analysis.kwargs["hookspath"] == [str(manifest.REPO / "packaging" /
                                                "pyinstaller_hooks")]
    assert [entry[0] for entry in analysis.binaries] == [
        "torch/bin/torch_shm_manager", "PySide6/Qt/plugins/platforms/libqxcb.so"]
    assert [entry[0] for entry in analysis.datas] == ["resources/icons/writer-app.svg"]
    (program,) = made["EXE"]
    assert program.kwargs["name"] == "writer-app"
    assert program.kwargs["console"] is True
    assert made["COLLECT"][0].kwargs["name"] == "writer-app"
    assert "BUNDLE" not in made


def test_spec_on_windows_makes_a_window_and_a_console_program(monkeypatch, tmp_path):
    made = _run_spec(monkeypatch, tmp_path, "win32")
    window, console = made["EXE"]
    assert (window.kwargs["name"], window.kwargs["console"]) == ("writer-app", False)
    assert (console.kwargs["name"], console.kwargs["console"]) == ("writer-app-cli", True)
    assert window.kwargs["icon"].endswith("writer-app.ico")
    version_file = Path(window.kwargs["version"])
    assert "ProductVersion" in version_file.read_text(encoding="utf-8")


def test_spec_on_macos_makes_an_app_bundle(monkeypatch, tmp_path):
    made = _run_spec(monkeypatch, tmp_path, "darwin")
    (app,) = made["BUNDLE"]
    assert app.kwargs["name"] == "Writer.app"
    assert app.kwargs["icon"].endswith("writer-app.icns")
    assert app.kwargs["info_plist"]["CFBundleShortVersionString"] == writer_app.__version__
    assert made["EXE"][0].kwargs["console"] is False


# ---------------------------------------------------------------------------
# Icons


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_svg_icon_is_square_svg():
    root = ElementTree.parse(manifest.ICON_SVG).getroot()
    assert root.tag.endswith("svg")
    assert root.get("viewBox") == "0 0 512 512"


def test_png_icons_have_their_sizes():
    for size, path in zip(manifest.PNG_SIZES, manifest.icon_pngs(), strict=True):
        assert _png_size(path.read_bytes()) == (size, size), path.name


def test_ico_holds_png_images_up_to_256():
    data = manifest.ICON_ICO.read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        side, _, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index: 22 + 16 * index])
        sizes.append(side or 256)
        assert _png_size(data[offset:offset + length]) == (side or 256, side or 256)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_is_well_formed():
    data = manifest.ICON_ICNS.read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    offset, kinds = 8, []
    while offset < len(data):
        kind, length = data[offset:offset + 4], struct.unpack(">I", data[offset + 4:offset + 8])[0]
        _png_size(data[offset + 8:offset + length])
        kinds.append(kind)
        offset += length
    assert offset == len(data)
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(kinds)
