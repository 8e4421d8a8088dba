"""Linux installers of a built bundle: a .deb and a portable .tar.gz, and checks of both.

build_linux.py runs these on the real PyInstaller bundle; the tests run them on a dummy
bundle (a tiny shell program), so the packaging code is tested without a build.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import stat
import string
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bundle_manifest as manifest

TEMPLATES = Path(__file__).resolve().parent / "linux"
INSTALL_DIR = f"opt/{manifest.APP_NAME}"  # inside the .deb: /opt/writer-app
DOC_DIR = f"usr/share/doc/{manifest.APP_NAME}"
DEFAULT_MAINTAINER = "Writer maintainers <maintainers@writer-app.invalid>"

# What the bundle takes from the system. PyInstaller never bundles the graphics stack
# (libGL, libEGL, libxcb, libwayland-*), glibc, or (see TRIMMED) libstdc++; the rest
# are bundled copies, but their packages also bring the data they read: fontconfig's
# configuration, xkb keyboard maps, and at least one font.
RUNTIME_DEPENDS = (
    "libgl1", "libegl1", "libxcb1", "libx11-6", "libx11-xcb1",
    "libwayland-client0", "libwayland-cursor0", "libwayland-egl1",
    "libfontconfig1", "libfreetype6", "libglib2.0-0t64 | libglib2.0-0", "libdbus-1-3",
    "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0",
    "libxcb-shape0", "libxcb-xkb1",
    "fonts-dejavu-core | fonts-liberation2 | fonts-freefont-ttf",
)
RECOMMENDS = ("fonts-noto-cjk",)  # Chinese, Japanese and Korean text
# GLIBCXX symbol version → the GCC release whose libstdc++ first had it.
_GLIBCXX_TO_GCC = {"3.4.28": "10", "3.4.29": "11", "3.4.30": "12", "3.4.31": "13",
                   "3.4.32": "13", "3.4.33": "14", "3.4.34": "15"}


@dataclass(frozen=True)
class Libc:
    """The newest glibc and libstdc++ symbol versions the bundle's binaries use."""

    glibc: str | None
    glibcxx: str | None

    def depends(self) -> list[str]:
        result = [f"libc6 (>= {self.glibc})" if self.glibc else "libc6"]
        gcc = _GLIBCXX_TO_GCC.get(self.glibcxx or "")
        result.append(f"libstdc++6 (>= {gcc})" if gcc else "libstdc++6")
        result.append("libgcc-s1")
        return result


# ---------------------------------------------------------------------------
# Names


def deb_architecture() -> str:
    """dpkg's name for this machine's architecture (amd64, arm64, ...)."""
    if shutil.which("dpkg"):
        return subprocess.run(["dpkg", "--print-architecture"], check=True, text=True,
                              capture_output=True).stdout.strip()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def deb_version(version: str, flavour: str = "cpu") -> str:
    """The package version: '0.1.0' for the CPU build, '0.1.0+cu128' for a CUDA one."""
    return version if flavour == "cpu" else f"{version}+{flavour}"


def deb_file_name(version: str, architecture: str, flavour: str = "cpu") -> str:
    return f"{manifest.APP_NAME}_{deb_version(version, flavour)}_{architecture}.deb"


def tarball_file_name(version: str, flavour: str = "cpu") -> str:
    suffix = "" if flavour == "cpu" else f"-{flavour}"
    return f"{manifest.APP_NAME}-{version}-linux-{platform.machine()}{suffix}.tar.gz"


# ---------------------------------------------------------------------------
# What the bundle needs from the system


def elf_files(root: Path) -> list[Path]:
    """Every ELF file (programs and shared libraries) below `root`, symlinks skipped."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            if handle.read(4) == b"\x7fELF":
                found.append(path)
    return found


def libc_requirements(files: Iterable[Path]) -> Libc:
    """Read the versioned glibc and libstdc++ symbols of `files` (needs objdump)."""
    glibc: set[str] = set()
    glibcxx: set[str] = set()
    for path in files:
        result = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True)
        glibc.update(re.findall(r"\bGLIBC_(\d+(?:\.\d+)+)", result.stdout))
        glibcxx.update(re.findall(r"\bGLIBCXX_(\d+(?:\.\d+)+)", result.stdout))
    return Libc(_newest(glibc), _newest(glibcxx))


def _newest(versions: set[str]) -> str | None:
    return max(versions, key=lambda v: tuple(int(n) for n in v.split("."))) if versions else None


def system_libraries(files: Iterable[Path], bundle_libs: Path) -> dict[str, str]:
    """{soname: path or 'not found'} of the libraries `files` load from outside the bundle."""
    env = dict(os.environ, LD_LIBRARY_PATH=str(bundle_libs))
    found: dict[str, str] = {}
    inside = str(bundle_libs.parent.resolve())
    for path in files:
        result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
        for line in result.stdout.splitlines():
            match = re.match(r"\s*(\S+) => (not found|\S+)", line)
            if match and not match.group(2).startswith(inside):
                found.setdefault(match.group(1), match.group(2))
    return found


def packages_of(library_paths: Iterable[str]) -> set[str]:
    """The Debian packages that own these files (dpkg -S), without :arch suffixes."""
    real = sorted({os.path.realpath(p) for p in library_paths if p.startswith("/")})
    if not real or not shutil.which("dpkg"):
        return set()
    result = subprocess.run(["dpkg", "-S", *real], capture_output=True, text=True)
    return {line.split(":")[0].strip() for line in result.stdout.splitlines() if ":" in line}


def declared_packages(depends: Iterable[str]) -> set[str]:
    """Package names in a Depends list, every alternative counted."""
    names = set()
    for entry in depends:
        for alternative in entry.split("|"):
            names.add(alternative.strip().split(" ")[0])
    return names


# ---------------------------------------------------------------------------
# Staging and building


def _render(template: str, **values: str) -> str:
    return string.Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def link_tree(source: Path, target: Path) -> None:
    """Copy a folder by hard links where the file system allows it (a 1 GB bundle stays
    free and instant to stage), else by copying; symlinks stay symlinks."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy)


def _install_file(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _write(target: Path, text: str, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    target.chmod(mode)


def stage_deb(bundle: Path, stage: Path, version: str, depends: list[str],
              doc_files: Iterable[Path], architecture: str | None = None,
              maintainer: str | None = None) -> Path:
    """Lay out the package's files under `stage` (emptied first); returns `stage`.

    /opt/writer-app          the bundle          /usr/bin/writer-app  launcher script
    /usr/share/applications  desktop entry       /usr/share/icons/hicolor  icons
    /usr/share/doc/writer-app  copyright, Gemma terms and notice
    """
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    link_tree(bundle, stage / INSTALL_DIR)
    _write(stage / "usr/bin" / manifest.APP_NAME,
           (TEMPLATES / "writer-app.sh").read_text(encoding="utf-8"), 0o755)
    _install_file(manifest.DESKTOP_FILE,
                  stage / "usr/share/applications" / manifest.DESKTOP_FILE.name)
    icons = stage / "usr/share/icons/hicolor"
    for size, png in zip(manifest.PNG_SIZES, manifest.icon_pngs(), strict=True):
        _install_file(png, icons / f"{size}x{size}/apps/{manifest.APP_NAME}.png")
    _install_file(manifest.ICON_SVG, icons / f"scalable/apps/{manifest.APP_NAME}.svg")
    doc = stage / DOC_DIR
    _write(doc / "copyright", _render("copyright.in",
                                      model_package=manifest.DEFAULT_MODEL_PACKAGE))
    for path in doc_files:
        _install_file(path, doc / path.name)
    for folder in [stage, *stage.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)

    control = stage / "DEBIAN"
    control.mkdir(mode=0o755)
    _write(control / "md5sums", _md5sums(stage))
    _write(control / "control", _render(
        "control.in",
        package=manifest.APP_NAME,
        version=version,
        architecture=architecture or deb_architecture(),
        maintainer=maintainer or os.environ.get("WRITER_DEB_MAINTAINER", DEFAULT_MAINTAINER),
        installed_size=str(_installed_size_kib(stage)),
        depends=", ".join(depends),
        recommends=", ".join(RECOMMENDS),
        summary=manifest.SUMMARY,
    ))
    return stage


def _payload(stage: Path) -> list[Path]:
    return [path for path in sorted(stage.rglob("*"))
            if path.relative_to(stage).parts[0] != "DEBIAN"
            and (path.is_symlink() or path.is_file())]


def _md5sums(stage: Path) -> str:
    lines = []
    for path in _payload(stage):
        if path.is_symlink():
            continue
        digest = hashlib.md5()  # dpkg's format; integrity only, not security
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {path.relative_to(stage).as_posix()}\n")
    return "".join(lines)


def _installed_size_kib(stage: Path) -> int:
    total = sum(path.lstat().st_size for path in _payload(stage))
    return max(1, (total + 1023) // 1024)


def build_deb(stage: Path, output: Path, compression: str = "gzip") -> Path:
    """dpkg-deb the staged tree into `output` (gzip: ~1.5 min for Writer; xz takes 6)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build",
                    str(stage), str(output)], check=True, capture_output=True, text=True)
    return output


def stage_tarball(bundle: Path, stage_root: Path, version: str,
                  license_files: Iterable[Path]) -> Path:
    """The portable folder writer-app-VERSION/: the bundle, licences, desktop entry, icon."""
    top = stage_root / f"{manifest.APP_NAME}-{version}"
    if stage_root.exists():
        shutil.rmtree(stage_root)
    stage_root.mkdir(parents=True)
    link_tree(bundle, top)
    _write(top / "README.txt", _render("README.tarball.txt", version=version,
                                       arch=platform.machine()))
    _install_file(TEMPLATES / "install-desktop-entry.sh", top / "install-desktop-entry.sh",
                  0o755)
    _install_file(manifest.DESKTOP_FILE, top / "share" / manifest.DESKTOP_FILE.name)
    _install_file(manifest.icon_pngs()[-1], top / "share" / f"{manifest.APP_NAME}.png")
    _install_file(manifest.ICON_SVG, top / "share" / f"{manifest.APP_NAME}.svg")
    for path in license_files:
        _install_file(path, top / "licenses" / path.name)
    return top


def build_tarball(top: Path, output: Path) -> Path:
    """tar + gzip (pigz when installed: it uses every core)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    compressor = "pigz" if shutil.which("pigz") else "gzip"
    subprocess.run(["tar", "--owner=0", "--group=0", "--numeric-owner", "--sort=name",
                    f"--use-compress-program={compressor}", "-cf", str(output),
                    "-C", str(top.parent), top.name], check=True)
    return output


# ---------------------------------------------------------------------------
# Checks of a built .deb


def deb_info(deb: Path) -> str:
    """`dpkg-deb --info` (fails when the archive or its control file is malformed)."""
    return subprocess.run(["dpkg-deb", "--info", str(deb)], check=True, capture_output=True,
                          text=True).stdout


def deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), field], check=True,
                          capture_output=True, text=True).stdout.strip()


def deb_contents(deb: Path) -> dict[str, str]:
    """{path without the leading './': the mode string} from `dpkg-deb --contents`."""
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], check=True,
                             capture_output=True, text=True).stdout
    contents = {}
    for line in listing.splitlines():
        fields = line.split(None, 5)
        if len(fields) == 6:
            name = fields[5].split(" -> ")[0].removeprefix("./").rstrip("/")
            if name:
                contents[name] = fields[0]
    return contents


def expected_deb_paths() -> list[str]:
    """Paths every Writer .deb must hold, whatever the bundle inside."""
    paths = [
        f"usr/bin/{manifest.APP_NAME}",
        f"usr/share/applications/{manifest.DESKTOP_FILE.name}",
        f"usr/share/icons/hicolor/scalable/apps/{manifest.APP_NAME}.svg",
        f"{DOC_DIR}/copyright",
        f"{INSTALL_DIR}/{manifest.APP_NAME}",
    ]
    paths += [f"usr/share/icons/hicolor/{s}x{s}/apps/{manifest.APP_NAME}.png"
              for s in manifest.PNG_SIZES]
    return paths


def launcher_target(launcher: Path) -> str:
    """The absolute program path the /usr/bin launcher script runs."""
    match = re.search(r'^exec\s+"?(/[^"\s]+)"?', launcher.read_text(encoding="utf-8"),
                      re.MULTILINE)
    if not match:
        raise ValueError(f"{launcher} does not exec an absolute path")
    return match.group(1)


def is_executable(path: Path) -> bool:
    return path.is_file() and bool(path.stat().st_mode & stat.S_IXUSR)
