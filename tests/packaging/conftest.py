"""The packaging scripts live in packaging/ (not a Python package: that name belongs to
PyPI's `packaging`), so their folder goes on sys.path for these tests."""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))
