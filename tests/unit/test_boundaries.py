"""Suggestions end after a sentence or before a line break, in English and Chinese."""

from __future__ import annotations

import pytest

from writer_app.engine.boundaries import suggestion_end


@pytest.mark.parametrize(("text", "kept"), [
    ("Hello there. And more", "Hello there."),
    (" version 3.5 is out! Yes", " version 3.5 is out!"),
    ("我们去北京。然后去上海", "我们去北京。"),
    ("真的吗？是的", "真的吗？"),
    ("line one\nline two", "line one"),
    ("\nafter a break\nnext", "\nafter a break"),
    ('He said "stop." Then', 'He said "stop."'),
])
def test_cut_points(text, kept):
    assert text[:suggestion_end(text)] == kept


@pytest.mark.parametrize("text", ["Hello there.", "no end yet", "3.5", "我们去北京"])
def test_no_boundary_yet(text):
    assert suggestion_end(text) is None
