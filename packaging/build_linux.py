#!/usr/bin/env python3
"""Build Writer's Linux installers and prove that each installed program works.

    .venv/bin/python packaging/build_linux.py

0. A portable llama.cpp (llama-cpp-python built with GGML_NATIVE=OFF, runs on any x86-64
   processor with AVX2) is built once into build/installers/llama-cpp/ and bundled instead
   of the environment's own, which dev.sh compiles for this machine's processor alone.
1. PyInstaller builds the one-folder bundle (packaging/writer.spec) in build/installers/.
2. The bundle is checked (model chunks and their checksum, Gemma terms, icon, Qt
   plugins, trimmed files, which system libraries it needs) and runs --self-test.
3. dist/ gets writer-app_VERSION_ARCH.deb and writer-app-VERSION-linux-MACHINE.tar.gz.
4. The .deb is checked (dpkg-deb --info/--contents, desktop-file-validate), unpacked
   into a scratch root with dpkg -x, and its program runs --self-test (offscreen, and on
   a virtual X server when xvfb-run is installed); the tarball is unpacked and its
   program runs --self-test.

Every self-test runs offscreen, offline, in a fresh WRITER_HOME, and must run the model
with llama.cpp as well as with transformers. The first converts the
built-in model (about a minute); the later ones start from that converted copy unless
--cold is given (they still assemble and checksum their own model chunks: see below).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_manifest as manifest
import linux_installers as linux

REPO = manifest.REPO
REQUIRED_TOOLS = {
    "dpkg-deb": "dpkg",
    "objdump": "binutils",  # PyInstaller reads ELF headers with it
    "objcopy": "binutils",
    "ldd": "libc-bin",
    "tar": "tar",
}
SELF_TEST_TIMEOUT_S = 30 * 60


class BuildError(Exception):
    """A step failed; the message says which and why."""


class Timings:
    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.steps.append((name, elapsed))
            print(f"== {name}: {elapsed:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=REPO / "build" / "installers",
                        help="scratch folder for the bundle and the checks "
                             "(default: build/installers)")
    parser.add_argument("--dist", type=Path, default=REPO / "dist",
                        help="where the .deb and .tar.gz go (default: dist)")
    parser.add_argument("--skip-bundle", action="store_true",
                        help="reuse the bundle already in --work (no PyInstaller run)")
    parser.add_argument("--clean", action="store_true", help="PyInstaller --clean")
    parser.add_argument("--cold", action="store_true",
                        help="every self-test converts the model itself (slower)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the unpacked installers and their WRITER_HOMEs (~5 GB) in "
                             "--work/smoke after success (they are always kept on failure)")
    parser.add_argument("--compression", default="gzip", choices=("gzip", "xz", "zstd"),
                        help=".deb compression (default gzip; xz is ~4x slower)")
    parser.add_argument("--llama-cpp", default="portable", choices=("portable", "environment"),
                        help="portable (default): bundle a llama.cpp built here with "
                             f"{manifest.LLAMA_CPP_PORTABLE_CMAKE_ARGS} (the first build takes "
                             "~8 min, then it is kept in --work); environment: bundle the one "
                             "installed in this environment (CI installs a portable one)")
    args = parser.parse_args(argv)
    try:
        return build(args)
    except BuildError as error:
        print(f"\nbuild_linux: FAILED: {error}", file=sys.stderr)
        return 1


def build(args: argparse.Namespace) -> int:
    timings = Timings()
    work = args.work.resolve()
    dist = args.dist.resolve()
    bundle = work / "bundle" / manifest.APP_NAME
    version = manifest.version()
    preflight(need_pyinstaller=not args.skip_bundle)
    flavour = torch_flavour()
    print(f"Writer {version}, {flavour} build, Python {sys.version.split()[0]} "
          f"({sys.executable})")

    if not args.skip_bundle:
        llama_site = None
        if args.llama_cpp == "portable":
            with timings.step("portable llama.cpp"):
                llama_site = portable_llama_cpp(work / "llama-cpp")
        with timings.step("PyInstaller bundle"):
            run_pyinstaller(work, clean=args.clean, python_path=llama_site)
    elif not bundle.is_dir():
        raise BuildError(f"--skip-bundle, but there is no bundle in {bundle}")
    with timings.step("bundle checks"):
        check_bundle(bundle)
        depends = deb_depends(bundle)
    smoke = work / "smoke"
    with timings.step("bundle --self-test (fresh home, converts the model)"):
        bundle_home = fresh_dir(smoke / "home-bundle")
        self_test(bundle / manifest.APP_NAME, bundle_home)

    architecture = linux.deb_architecture()
    deb = dist / linux.deb_file_name(version, architecture, flavour)
    tarball = dist / linux.tarball_file_name(version, flavour)
    dist.mkdir(parents=True, exist_ok=True)
    with timings.step(f".deb ({args.compression})"):
        stage = linux.stage_deb(bundle, work / "deb-root", linux.deb_version(version, flavour),
                                depends, terms_files(bundle), architecture)
        deb.unlink(missing_ok=True)
        linux.build_deb(stage, deb, args.compression)
    with timings.step(".tar.gz"):
        top = linux.stage_tarball(bundle, work / "tarball", version, terms_files(bundle))
        tarball.unlink(missing_ok=True)
        linux.build_tarball(top, tarball)
    shutil.rmtree(work / "deb-root", ignore_errors=True)  # hard links, but many of them
    shutil.rmtree(work / "tarball", ignore_errors=True)

    seed = None if args.cold else bundle_home
    with timings.step(".deb: checks, dpkg -x, --self-test"):
        check_deb(deb)
        root = fresh_dir(smoke / "deb-root")
        run(["dpkg", "-x", str(deb), str(root)])
        program = check_deb_root(root)
        self_test(program, seeded_home(smoke / "home-deb", seed))
    if shutil.which("xvfb-run"):
        with timings.step(".deb: --self-test on an X server (xcb platform, Xvfb)"):
            self_test(program, seeded_home(smoke / "home-deb-x11", seed), platform="xcb")
    else:
        print("\nnote: xvfb-run is not installed, so the X11 (xcb) check was skipped "
              "(apt-get install xvfb xauth)")
    with timings.step(".tar.gz: unpack, --self-test"):
        unpacked = fresh_dir(smoke / "tarball")
        run(["tar", "-xzf", str(tarball), "-C", str(unpacked)])
        top = unpacked / f"{manifest.APP_NAME}-{version}"
        check_model_files(top / "_internal")
        check_spelling(top / "_internal")
        for name in ("README.txt", "install-desktop-entry.sh", "licenses/GEMMA_TERMS.html",
                     f"share/{manifest.DESKTOP_FILE.name}"):
            require(top / name, "the tarball")
        self_test(top / manifest.APP_NAME, seeded_home(smoke / "home-tarball", seed))

    write_checksums(dist, [deb, tarball])
    if not args.keep:
        shutil.rmtree(smoke, ignore_errors=True)
    print_summary(timings, bundle, [deb, tarball])
    return 0


# ---------------------------------------------------------------------------
# Steps


def preflight(need_pyinstaller: bool) -> None:
    missing = sorted({package for tool, package in REQUIRED_TOOLS.items()
                      if shutil.which(tool) is None})
    if missing:
        raise BuildError(f"missing tools — install them: sudo apt-get install {' '.join(missing)}")
    if sys.prefix == sys.base_prefix:
        raise BuildError("run this with the project's environment: "
                         ".venv/bin/python packaging/build_linux.py (see packaging/dev.sh)")
    if importlib.util.find_spec(manifest.LLAMA_CPP_PACKAGE) is None:
        raise BuildError("llama-cpp-python is not installed in this environment, and every "
                         "installer carries it: run packaging/dev.sh test once (it builds it)")
    if need_pyinstaller and importlib.util.find_spec("PyInstaller") is None:
        print("Installing PyInstaller (packaging/build-requirements.txt)", flush=True)
        run([sys.executable, "-m", "pip", "install", "-q", "-r",
             str(REPO / "packaging" / "build-requirements.txt")])


def torch_flavour() -> str:
    """'cpu', or 'cu128' and the like when the environment's torch is a CUDA build."""
    import torch

    return f"cu{torch.version.cuda.replace('.', '')}" if torch.version.cuda else "cpu"


def portable_llama_cpp(folder: Path) -> Path:
    """A site folder holding llama_cpp built without -march=native, at the environment's
    version; built once (~8 min on 2 cores) and kept in `folder`."""
    from importlib import metadata

    version = metadata.version("llama-cpp-python")
    flags = manifest.LLAMA_CPP_PORTABLE_CMAKE_ARGS
    tag = hashlib.sha256(f"{version} {flags}".encode()).hexdigest()[:12]
    wheels = folder / f"wheel-{version}-{tag}"
    site = folder / f"site-{version}-{tag}"
    if (site / manifest.LLAMA_CPP_PACKAGE / "__init__.py").is_file():
        print(f"llama-cpp-python {version} ({flags}): {site}")
        return site
    found = sorted(wheels.glob("llama_cpp_python-*.whl"))
    if not found:
        print(f"Building llama-cpp-python {version} with {flags} (about 8 minutes on 2 cores)",
              flush=True)
        log = folder / "build.log"
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, CMAKE_ARGS=f"{os.environ.get('CMAKE_ARGS', '')} {flags}".strip())
        # With SOURCE_DATE_EPOCH set, ggml takes GGML_NATIVE=OFF to mean no AVX at all.
        env.pop("SOURCE_DATE_EPOCH", None)
        with log.open("w", encoding="utf-8") as handle:
            result = subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
                 "--no-binary", "llama-cpp-python", "-w", str(wheels),
                 f"llama-cpp-python=={version}"],
                stdout=handle, stderr=subprocess.STDOUT, env=env)
        found = sorted(wheels.glob("llama_cpp_python-*.whl"))
        if result.returncode != 0 or not found:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            raise BuildError("building a portable llama-cpp-python failed (log: {}):\n{}"
                             .format(log, "\n".join(tail)))
    partial = site.with_name(site.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(found[-1]) as wheel:
        wheel.extractall(partial)
    partial.rename(site)
    print(f"llama-cpp-python {version} ({flags}): {site}")
    return site


def run_pyinstaller(work: Path, clean: bool, python_path: Path | None = None) -> None:
    """PyInstaller over writer.spec; `python_path` goes first on the import path (the
    portable llama_cpp, found there before the environment's own)."""
    log = work / "pyinstaller.log"
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(work / "bundle"), "--workpath", str(work / "pyinstaller"),
               str(REPO / "packaging" / "writer.spec")]
    if clean:
        command.insert(3, "--clean")
    env = dict(os.environ)
    if python_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(python_path), *filter(None, [os.environ.get("PYTHONPATH")])])
    with log.open("w", encoding="utf-8") as handle:
        result = subprocess.run(command, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT,
                                env=env)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise BuildError("PyInstaller failed (log: {}):\n{}".format(log, "\n".join(tail)))
    print(f"bundle: {work / 'bundle' / manifest.APP_NAME} (log: {log})")


def terms_files(bundle: Path) -> list[Path]:
    """The Gemma terms and notice as the bundle holds them, next to the model."""
    folder = bundle / "_internal" / manifest.DEFAULT_MODEL_PACKAGE / "data"
    return [folder / name for name in manifest.MODEL_TERMS_FILES]


def check_model_files(internal: Path) -> None:
    """The model chunks are all there and together match the package's sha256; the Gemma
    terms lie next to them."""
    package = importlib.import_module(manifest.DEFAULT_MODEL_PACKAGE)
    digest = hashlib.sha256()
    for chunk in manifest.model_chunk_files():
        copy = internal / chunk.parent.parent.name / "data" / chunk.name
        require(copy, "the model")
        with copy.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 22), b""):
                digest.update(block)
    if digest.hexdigest() != package.EXPECTED_SHA256:
        raise BuildError(f"the model chunks in {internal} do not match the model's sha256")
    for name in manifest.MODEL_TERMS_FILES:
        require(internal / manifest.DEFAULT_MODEL_PACKAGE / "data" / name, "the model's terms")
    print(f"model chunks and terms OK in {internal}")


def check_bundle(bundle: Path) -> None:
    internal = bundle / "_internal"
    require(bundle / manifest.APP_NAME, "the bundle")
    check_model_files(internal)
    for path in ("resources/icons/writer-app.svg", "resources/linux/writer-app.desktop",
                 "torch/bin/torch_shm_manager",
                 "PySide6/Qt/plugins/platforms/libqxcb.so",
                 "PySide6/Qt/plugins/platforms/libqoffscreen.so",
                 "PySide6/Qt/plugins/imageformats/libqsvg.so",
                 "PySide6/Qt/plugins/iconengines/libqsvgicon.so"):
        require(internal / path, "the bundle")
    check_llama_cpp(internal)
    check_spelling(internal)
    leftovers = [path.relative_to(internal).as_posix() for path in internal.rglob("*")
                 if not manifest.keep_in_bundle(path.relative_to(internal).as_posix())]
    if leftovers:
        raise BuildError(f"trimmed files are in the bundle: {', '.join(leftovers[:8])}")
    print("bundle contents OK")


# Spell check: chunspell's extension, libhunspell beside it and the en_US dictionary it
# falls back to (writer_app/spelling/checker.py reads hunspell/dictionaries/).
SPELLING_FILES = ("hunspell/dictionaries/en_US.aff", "hunspell/dictionaries/en_US.dic")


def check_spelling(internal: Path) -> None:
    for path in SPELLING_FILES:
        require(internal / path, "the bundle's spell check")
    if not list((internal / "hunspell").glob("hunspell.*.so")):
        raise BuildError(f"chunspell's extension is not in {internal / 'hunspell'}")
    print(f"spelling (Hunspell, en_US) OK in {internal / 'hunspell'}")


def check_llama_cpp(internal: Path) -> None:
    """llama.cpp's libraries are where llama_cpp loads them from, and the CPU backend is not
    tied to the build machine's processor (AVX-512 code, zmm registers, means it was built
    with -march=native on a machine that has it)."""
    for library in manifest.llama_cpp_library_files(internal):
        require(library, "the bundle's llama.cpp")
    cpu = manifest.llama_cpp_library_files(internal)[-1]
    disassembly = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(cpu)],
                                 capture_output=True, text=True).stdout
    if "%zmm" in disassembly:
        raise BuildError(f"{cpu.name} uses AVX-512: it was built for this machine's processor "
                         "only; build with --llama-cpp portable")
    print(f"llama.cpp libraries OK in {cpu.parent}")


def deb_depends(bundle: Path) -> list[str]:
    """Depends of the .deb: libc6/libstdc++6 at the versions the binaries need, plus the
    runtime list; fails when the bundle loads a system library no declared package owns."""
    files = linux.elf_files(bundle)
    libc = linux.libc_requirements(files)
    depends = [*libc.depends(), *linux.RUNTIME_DEPENDS]
    system = linux.system_libraries(files, bundle / "_internal")
    missing_here = sorted(name for name, path in system.items() if not path.startswith("/"))
    owners = linux.packages_of(path for path in system.values() if path.startswith("/"))
    undeclared = sorted(owners - linux.declared_packages(depends) - TRANSITIVE_PACKAGES)
    print(f"glibc >= {libc.glibc}, GLIBCXX {libc.glibcxx}; system libraries from: "
          f"{', '.join(sorted(owners))}")
    if missing_here:
        print(f"note: not installed on this machine (Depends covers them): "
              f"{', '.join(missing_here)}")
    if undeclared:
        raise BuildError(f"the bundle loads libraries from {', '.join(undeclared)}, which the "
                         ".deb does not declare: add them to RUNTIME_DEPENDS in "
                         "packaging/linux_installers.py")
    return depends


# Packages that declared ones pull in themselves (libgl1 → libglx0 → libglvnd0).
TRANSITIVE_PACKAGES = frozenset({"libglvnd0", "libglx0", "libgl1-mesa-glx", "libc6"})


def check_deb(deb: Path) -> None:
    info = linux.deb_info(deb)
    print("\n".join(line for line in info.splitlines() if not line.startswith("  ") or
                    line.lstrip().split(":")[0] in ("Package", "Version", "Architecture",
                                                    "Installed-Size", "Depends")))
    contents = linux.deb_contents(deb)
    model = manifest.model_chunk_files()
    wanted = linux.expected_deb_paths() + [
        f"{linux.DOC_DIR}/{name}" for name in manifest.MODEL_TERMS_FILES] + [
        f"{linux.INSTALL_DIR}/_internal/{c.parent.parent.name}/data/{c.name}" for c in model]
    absent = [path for path in wanted if path not in contents]
    if absent:
        raise BuildError(f"{deb.name} lacks {', '.join(absent)}")
    print(f"{deb.name}: {len(contents)} entries, all expected paths present")


def check_deb_root(root: Path) -> Path:
    """The unpacked .deb: the launcher runs the bundled program, which is there."""
    launcher = root / "usr" / "bin" / manifest.APP_NAME
    if not linux.is_executable(launcher):
        raise BuildError(f"{launcher} is missing or not executable")
    target = linux.launcher_target(launcher)
    program = root / target.lstrip("/")
    if not linux.is_executable(program):
        raise BuildError(f"the launcher runs {target}, which the package does not hold")
    check_model_files(program.parent / "_internal")
    check_spelling(program.parent / "_internal")
    desktop = root / "usr" / "share" / "applications" / manifest.DESKTOP_FILE.name
    if shutil.which("desktop-file-validate"):
        run(["desktop-file-validate", str(desktop)])
        print(f"desktop-file-validate {desktop.relative_to(root)}: OK")
    else:
        print("note: desktop-file-validate not installed (apt-get install desktop-file-utils)")
    return program


def self_test(program: Path, home: Path, platform: str = "offscreen") -> None:
    """Run `program --self-test` offline with `home` as WRITER_HOME, on Qt's offscreen
    platform, or with platform "xcb" on a virtual X server (xvfb-run)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "QT_PLUGIN_PATH",
                          "LD_LIBRARY_PATH")}
    env.update(QT_QPA_PLATFORM=platform, WRITER_HOME=str(home), HF_HUB_OFFLINE="1",
               LANG=env.get("LANG") if env.get("LANG") not in (None, "", "C", "POSIX")
               else "C.UTF-8")
    command = [str(program), "--self-test"]
    if platform == "xcb":
        command = ["xvfb-run", "--auto-servernum", "--server-args=-screen 0 1280x800x24",
                   *command]
    print(f"$ {' '.join(command)}   (QT_QPA_PLATFORM={platform}, WRITER_HOME={home})",
          flush=True)
    try:
        result = subprocess.run(command, env=env, cwd=home, stdout=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace",
                                timeout=SELF_TEST_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise BuildError(f"{program} --self-test took over {SELF_TEST_TIMEOUT_S} s") from error
    print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        raise BuildError(f"{program} --self-test exited with {result.returncode}")
    if LLAMA_CPP_RAN not in result.stdout:
        raise BuildError(f"{program} --self-test passed without running llama.cpp (no "
                         f"'{LLAMA_CPP_RAN.strip()}' line): see its output above")


LLAMA_CPP_RAN = "  backend       llama.cpp"  # the self-test's line once llama.cpp loaded


def seeded_home(home: Path, seed: Path | None) -> Path:
    """A fresh WRITER_HOME, holding the model converted under `seed` when given.

    Only the converted copy is carried over: the program still finds, assembles and
    checks its own bundled chunks only when it has to convert, so check_model_files
    verifies those chunks' checksum directly.
    """
    fresh_dir(home)
    converted = None if seed is None else seed / "cache" / "converted"
    if converted is not None and converted.is_dir():
        shutil.copytree(converted, home / "cache" / "converted")
    return home


def write_checksums(dist: Path, files: list[Path]) -> None:
    lines = []
    for path in files:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 22), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {path.name}\n")
    (dist / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")


def print_summary(timings: Timings, bundle: Path, artifacts: list[Path]) -> None:
    print("\n== summary")
    print(f"  bundle      {tree_size(bundle) / 2**20:8.0f} MiB  {bundle}")
    for path in artifacts:
        kind = "deb" if path.suffix == ".deb" else "tar.gz"
        print(f"  {kind:<10}  {path.stat().st_size / 2**20:8.0f} MiB  {path}")
    for name, seconds in timings.steps:
        print(f"  {seconds:6.0f} s  {name}")
    print(f"  {sum(s for _, s in timings.steps):6.0f} s  total")
    print("all installers built and passed their self-tests")


# ---------------------------------------------------------------------------
# Helpers


def run(command: list[str], **kwargs: Any) -> None:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BuildError(f"{' '.join(command[:3])} … failed: {' / '.join(detail)}")


def require(path: Path, where: str) -> None:
    if not path.exists():
        raise BuildError(f"{where} lacks {path}")


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def tree_size(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() or p.is_symlink())


if __name__ == "__main__":
    sys.exit(main())
