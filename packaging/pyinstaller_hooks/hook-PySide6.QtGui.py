"""PySide6.QtGui's PyInstaller hook, minus the Qt plugins bundle_manifest.TRIMMED names.

It replaces PyInstaller's own hook (hooks in a spec's hookspath win) and drops the
plugins before PyInstaller collects the libraries they link to: filtering the finished
bundle would leave those libraries (GTK, cairo, pango, Qt Quick) behind.
"""

import sys
from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bundle_manifest

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, dest) for source, dest in binaries
            if bundle_manifest.keep_in_bundle(f"{dest}/{Path(source).name}")]
