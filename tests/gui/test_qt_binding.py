"""The Qt binding itself: a defect in it that crashes the window must fail a test here."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QStandardItem, QStandardItemModel

pytestmark = pytest.mark.gui


def test_empty_qvariants_do_not_drop_references_to_none(qapp):
    """PySide6 6.12.0 released one reference to None for every empty QVariant it turned
    into None; the next-token pane reads unset roles in every repaint, and without torch
    in the window's process (where torch holds many) the window died with "Fatal Python
    error: deallocating None" after ~10,000 of them."""
    model = QStandardItemModel()
    model.appendRow(QStandardItem("candidate"))
    index = model.index(0, 0)
    action = QAction("action")
    before = sys.getrefcount(None)
    for _ in range(500):
        assert index.data(Qt.ItemDataRole.ForegroundRole) is None
        assert action.data() is None
    assert sys.getrefcount(None) >= before - 50  # noise; the defect loses 1,000
