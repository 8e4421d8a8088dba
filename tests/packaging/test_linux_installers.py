"""The .deb and the tarball, built by the real packaging code around a dummy bundle (a tiny
shell program), and the desktop entry: everything but PyInstaller, in a few seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import bundle_manifest as manifest
import linux_installers as linux
import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux",
                                reason="the .deb and the tarball are built on Linux only")
needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None,
                                reason="dpkg-deb is missing (not a Debian system)")
needs_validator = pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is missing: apt-get install desktop-file-utils "
           "(packaging/dev.sh test installs it)")
VERSION = "9.8.7"
TERMS = "Gemma terms (test copy)"


@pytest.fixture
def dummy_bundle(tmp_path) -> Path:
    """A bundle's shape: the program, and the model's terms beside a model chunk."""
    bundle = tmp_path / "bundle" / manifest.APP_NAME
    data = bundle / "_internal" / manifest.DEFAULT_MODEL_PACKAGE / "data"
    data.mkdir(parents=True)
    program = bundle / manifest.APP_NAME
    program.write_text('#!/bin/sh\necho "dummy writer $*"\n', encoding="utf-8")
    program.chmod(0o755)
    (data / "GEMMA_TERMS.html").write_text(TERMS, encoding="utf-8")
    (data / "NOTICE.md").write_text("notice", encoding="utf-8")
    (data.parent.parent / f"{manifest.DEFAULT_MODEL_PACKAGE}_part1" / "data").mkdir(
        parents=True)
    return bundle


def _terms(bundle: Path) -> list[Path]:
    data = bundle / "_internal" / manifest.DEFAULT_MODEL_PACKAGE / "data"
    return [data / "GEMMA_TERMS.html", data / "NOTICE.md"]


@pytest.fixture
def deb(dummy_bundle, tmp_path) -> Path:
    depends = [*linux.Libc("2.36", "3.4.30").depends(), *linux.RUNTIME_DEPENDS]
    stage = linux.stage_deb(dummy_bundle, tmp_path / "stage", VERSION, depends,
                            _terms(dummy_bundle), architecture="amd64")
    return linux.build_deb(stage, tmp_path / "out" / linux.deb_file_name(VERSION, "amd64"))


@needs_validator
def test_desktop_entry_is_valid():
    result = subprocess.run(["desktop-file-validate", str(manifest.DESKTOP_FILE)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # no warnings either


def test_desktop_entry_names_the_program_and_icon():
    entries = dict(line.split("=", 1) for line in
                   manifest.DESKTOP_FILE.read_text(encoding="utf-8").splitlines()
                   if "=" in line)
    assert entries["Exec"].split()[0] == manifest.APP_NAME
    assert entries["Icon"] == manifest.APP_NAME
    assert entries["Terminal"] == "false"


def test_file_names():
    assert linux.deb_file_name("0.1.0", "amd64") == "writer-app_0.1.0_amd64.deb"
    assert linux.deb_file_name("0.1.0", "amd64", "cu128") == "writer-app_0.1.0+cu128_amd64.deb"
    assert linux.tarball_file_name("0.1.0").startswith("writer-app-0.1.0-linux-")
    assert linux.tarball_file_name("0.1.0", "cu128").endswith("-cu128.tar.gz")


def test_depends_follow_the_binaries_needs():
    depends = linux.Libc("2.36", "3.4.30").depends()
    assert depends == ["libc6 (>= 2.36)", "libstdc++6 (>= 12)", "libgcc-s1"]
    names = linux.declared_packages([*depends, *linux.RUNTIME_DEPENDS])
    assert {"libgl1", "libegl1", "libxcb1", "libfontconfig1", "libxkbcommon0",
            "libxkbcommon-x11-0", "libxcb-cursor0", "libdbus-1-3", "libglib2.0-0",
            "libglib2.0-0t64", "fonts-dejavu-core"} <= names


@pytest.mark.skipif(shutil.which("objdump") is None,
                    reason="objdump is missing: apt-get install binutils")
def test_libc_requirements_read_from_a_real_program(tmp_path):
    program = Path(shutil.which("ls") or "/bin/ls").resolve()
    shutil.copy(program, tmp_path / "ls")
    (tmp_path / "notes.txt").write_text("not ELF", encoding="utf-8")
    assert linux.elf_files(tmp_path) == [tmp_path / "ls"]
    libc = linux.libc_requirements([tmp_path / "ls"])
    assert libc.glibc is not None and libc.glibc.startswith("2.")


@needs_dpkg
def test_deb_info_shows_a_valid_control_file(deb):
    info = linux.deb_info(deb)
    assert " Package: writer-app" in info
    assert f" Version: {VERSION}" in info
    assert " Architecture: amd64" in info
    depends = linux.deb_field(deb, "Depends")
    assert depends.startswith("libc6 (>= 2.36), libstdc++6 (>= 12)")
    assert "libxcb-cursor0" in depends and "libgl1" in depends
    assert linux.deb_field(deb, "Recommends") == "fonts-noto-cjk"
    assert int(linux.deb_field(deb, "Installed-Size")) >= 1
    assert linux.deb_field(deb, "Maintainer").endswith(">")


@needs_dpkg
def test_deb_contents_and_modes(deb):
    contents = linux.deb_contents(deb)
    for path in linux.expected_deb_paths():
        assert path in contents, path
    assert f"{linux.DOC_DIR}/GEMMA_TERMS.html" in contents
    assert contents[f"usr/bin/{manifest.APP_NAME}"] == "-rwxr-xr-x"
    assert contents[f"{linux.INSTALL_DIR}/{manifest.APP_NAME}"] == "-rwxr-xr-x"
    assert contents[f"usr/share/applications/{manifest.APP_NAME}.desktop"] == "-rw-r--r--"
    assert contents[linux.INSTALL_DIR] == "drwxr-xr-x"
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True,
                             text=True, check=True).stdout
    assert all(" root/root " in line for line in listing.splitlines())


@needs_dpkg
def test_unpacked_deb_launcher_runs_the_bundled_program(deb, tmp_path):
    root = tmp_path / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    launcher = root / "usr" / "bin" / manifest.APP_NAME
    target = linux.launcher_target(launcher)
    assert target == f"/{linux.INSTALL_DIR}/{manifest.APP_NAME}"
    program = root / target.lstrip("/")
    assert linux.is_executable(program)
    result = subprocess.run([str(program), "--self-test"], capture_output=True, text=True,
                            check=True)
    assert result.stdout == "dummy writer --self-test\n"
    doc = root / linux.DOC_DIR
    assert (doc / "GEMMA_TERMS.html").read_text(encoding="utf-8") == TERMS
    copyright_text = (doc / "copyright").read_text(encoding="utf-8")
    assert "Gemma Terms of Use" in copyright_text and "Apache-2.0" in copyright_text
    md5sums = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True,
                             check=True).stdout
    assert b"md5sums" in md5sums
    if shutil.which("desktop-file-validate"):
        desktop = root / "usr/share/applications" / f"{manifest.APP_NAME}.desktop"
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)


def test_tarball_unpacks_to_a_runnable_folder(dummy_bundle, tmp_path):
    top = linux.stage_tarball(dummy_bundle, tmp_path / "stage", VERSION, _terms(dummy_bundle))
    tarball = linux.build_tarball(top, tmp_path / "out" / linux.tarball_file_name(VERSION))
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        assert all(member.uid == 0 and member.gid == 0 for member in archive.getmembers())
        archive.extractall(tmp_path / "unpacked", filter="tar")
    folder = f"{manifest.APP_NAME}-{VERSION}"
    for name in (manifest.APP_NAME, "README.txt", "install-desktop-entry.sh",
                 "licenses/GEMMA_TERMS.html", "licenses/NOTICE.md",
                 f"share/{manifest.APP_NAME}.desktop", f"share/{manifest.APP_NAME}.png",
                 f"_internal/{manifest.DEFAULT_MODEL_PACKAGE}/data/GEMMA_TERMS.html"):
        assert f"{folder}/{name}" in names, name
    unpacked = tmp_path / "unpacked" / folder
    result = subprocess.run([str(unpacked / manifest.APP_NAME), "x"], capture_output=True,
                            text=True, check=True)
    assert result.stdout == "dummy writer x\n"
    assert f"Writer {VERSION}" in (unpacked / "README.txt").read_text(encoding="utf-8")


def test_tarball_desktop_integration_script(dummy_bundle, tmp_path):
    top = linux.stage_tarball(dummy_bundle, tmp_path / "stage", VERSION, _terms(dummy_bundle))
    data_home = tmp_path / "data-home"
    env = dict(os.environ, XDG_DATA_HOME=str(data_home), HOME=str(tmp_path))
    subprocess.run([str(top / "install-desktop-entry.sh")], env=env, check=True,
                   capture_output=True)
    desktop = data_home / "applications" / f"{manifest.APP_NAME}.desktop"
    assert f'Exec="{top}/{manifest.APP_NAME}" %f' in desktop.read_text(encoding="utf-8")
    assert (data_home / "icons/hicolor/512x512/apps" / f"{manifest.APP_NAME}.png").is_file()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)
