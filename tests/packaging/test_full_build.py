"""The real thing: PyInstaller bundle, .deb and tarball, each installed and self-tested.

About 8 minutes and 2.5 GB of disk on a 2-core machine (plus 8–12 minutes the first time,
building the portable llama.cpp), so it runs only when asked:
    WRITER_BUILD_INSTALLERS=1 .venv/bin/python -m pytest tests/packaging/test_full_build.py
(the same as `.venv/bin/python packaging/build_linux.py`, plus the checks below).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import bundle_manifest as manifest
import linux_installers as linux
import pytest

pytestmark = [
    pytest.mark.skipif(os.environ.get("WRITER_BUILD_INSTALLERS") != "1",
                       reason="the full installer build takes ~8 min: set "
                              "WRITER_BUILD_INSTALLERS=1 to run it"),
    pytest.mark.skipif(sys.platform != "linux", reason="builds the Linux installers"),
]


def test_linux_installers_build_install_and_pass_their_self_tests(tmp_path):
    dist = tmp_path / "dist"
    result = subprocess.run([sys.executable, str(manifest.REPO / "packaging" / "build_linux.py"),
                             "--dist", str(dist)], cwd=manifest.REPO, timeout=3 * 3600)
    assert result.returncode == 0, "packaging/build_linux.py failed: see its output above"

    version = manifest.version()
    (deb,) = dist.glob("*.deb")
    contents = linux.deb_contents(deb)
    for chunk in manifest.model_chunk_files():
        assert f"{linux.INSTALL_DIR}/_internal/{chunk.parent.parent.name}/data/{chunk.name}" \
            in contents
    model_data = f"{linux.INSTALL_DIR}/_internal/{manifest.DEFAULT_MODEL_PACKAGE}/data"
    assert f"{model_data}/GEMMA_TERMS.html" in contents
    assert f"{linux.DOC_DIR}/GEMMA_TERMS.html" in contents
    assert f"{linux.INSTALL_DIR}/_internal/torch/bin/torch_shm_manager" in contents
    assert not [name for name in contents if "/torch/bin/test_" in name]
    internal = manifest.REPO / "x" / "_internal"  # for the names only
    for library in manifest.llama_cpp_library_files(internal):
        path = library.relative_to(internal).as_posix()
        assert f"{linux.INSTALL_DIR}/_internal/{path}" in contents, path
    assert not [name for name in contents if "/llama_cpp/server/" in name]
    assert linux.deb_field(deb, "Version") == version

    (tarball,) = dist.glob("*.tar.gz")
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    top = f"{manifest.APP_NAME}-{version}"
    assert f"{top}/{manifest.APP_NAME}" in names
    assert f"{top}/licenses/GEMMA_TERMS.html" in names
    assert f"{top}/_internal/{manifest.DEFAULT_MODEL_PACKAGE}/data/GEMMA_TERMS.html" in names
    assert (dist / "SHA256SUMS").read_text(encoding="utf-8").count("\n") == 2
