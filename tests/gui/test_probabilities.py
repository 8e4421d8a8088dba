"""Per-token probabilities of generated text: colouring, tooltips, picking another token."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from writer_app.boundary.params import SamplingParams

pytestmark = pytest.mark.gui

TIMEOUT = 20_000
SEEDED = SamplingParams(temperature=0.9, top_k=50, top_p=0.95, repetition_penalty=1.1,
                        max_new_tokens=12, seed=3)


def generate(qtbot, window):
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT) as finished:
        window.continue_text()
    return finished.args[0]


def test_generated_tokens_are_recorded_coloured_and_described(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    window.editor.setPlainText("从前有座山。Once upon a time")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    start = window.editor.textCursor().position()
    generate(qtbot, window)
    tokens = window.probabilities.passages.tokens
    assert tokens and tokens[0].start == start
    assert all(0 <= t.prob <= 1 for t in tokens)
    assert tokens[-1].end <= window.editor.document().characterCount()
    window.probabilities.colour_action.setChecked(True)
    layer = window.editor._layers["probabilities"]
    assert len(layer) == len(tokens)
    text = window.probabilities.describe(tokens[0])
    assert "%" in text and "“" in text
    menu = QMenu()
    window.probabilities.alternatives_menu(tokens[0], menu)
    assert any("%" in action.text() for action in menu.actions())
    # typing before the generated text shifts it; typing inside forgets a token
    cursor = window.editor.textCursor()
    cursor.setPosition(0)
    cursor.insertText("古时候，")
    assert window.probabilities.passages.tokens[0].start == start + 4
    window.probabilities.colour_action.setChecked(False)
    assert window.editor._layers["probabilities"] == []


def test_picking_an_alternative_replaces_the_token_and_regenerates(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    window.editor.setPlainText("今天 The weather is")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    generate(qtbot, window)
    passages = window.probabilities.passages
    assert len(passages) >= 2
    token = passages.tokens[1]
    alternative = next(a for a in token.alternatives
                       if a.id != token.token_id and a.text and "\ufffd" not in a.text)
    before = window.editor.text_before(token.start)
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.probabilities.pick(token, alternative)
    text = window.editor.text()
    assert text.startswith(before + alternative.text)
    assert len(text) > len(before + alternative.text), "the rest was regenerated"
    picked = passages.at(token.start)
    assert picked is not None and picked.token_id == alternative.id
    assert passages.passage_end(token.passage) == window.editor.document().characterCount() - 1
    assert window.editor.textCursor().position() >= token.start
    assert not window.is_generating
    branches = window.probabilities.history.passages[token.passage]
    assert len(branches.versions) == 2 and branches.current == 1  # the old one is kept
    assert branches.versions[1].text.startswith(
        branches.versions[0].text[:token.start - branches.start] + alternative.text)
    window.probabilities.switch(-1)
    assert window.editor.text().startswith("今天 The weather is")
    assert window.editor.text().endswith(branches.versions[0].text)


def test_retry_and_picks_become_versions_that_survive_undo(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(seed=None), emit=True)
    window.editor.setPlainText("床前明月光，The moon")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    prefix = window.editor.text()
    generate(qtbot, window)
    first = window.editor.text()[len(prefix):]
    with qtbot.waitSignal(window.generationFinished, timeout=TIMEOUT):
        window.retry()
    second = window.editor.text()[len(prefix):]
    branches = window.probabilities.current_branches()
    assert branches is not None
    texts = [v.text for v in branches.versions]
    assert first in texts and second in texts and branches.current == texts.index(second)
    versions_list = window.versions_dock.widget()
    assert versions_list.count() == len(texts) == 2
    assert versions_list.currentRow() == branches.current
    if first == second:
        pytest.skip("the two samples happened to be equal")
    window.editor.setFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.editor.text() == prefix + first
    window.editor.undo()  # the switch is one undo step
    assert window.editor.text() == prefix + second
    assert [v.text for v in branches.versions] == texts  # nothing lost
    window.probabilities.switch(1)
    assert window.editor.text() in {prefix + first, prefix + second}
    window.editor.undo()
    window.editor.undo()  # the retry itself: the first sample is back
    assert window.editor.text() == prefix + first
    window.probabilities.switch(0, index=texts.index(second))
    assert window.editor.text() == prefix + second
    assert len(branches.versions) == 2


def test_continue_three_offers_samples_and_keeps_the_others_as_versions(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED.with_changes(seed=None, temperature=1.5, top_k=0,
                                                   top_p=1.0), emit=True)
    window.editor.setPlainText("白日依山尽，")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    with qtbot.waitSignal(window.continue_three.offered, timeout=TIMEOUT) as offered:
        window.continue_three.action.trigger()
    dialog = offered.args[0]
    rows = dialog.rows
    assert 1 <= len(rows) <= 3
    dialog.choose(len(rows) - 1)

    def lines(text: str) -> str:  # the editor keeps a sampled "\r" as a line break
        return text.replace("\r\n", "\n").replace("\r", "\n")

    assert window.editor.text() == "白日依山尽，" + lines(rows[-1])
    branches = window.probabilities.current_branches()
    assert sorted(lines(v.text) for v in branches.versions) == sorted(map(lines, rows))
    assert lines(branches.versions[branches.current].text) == lines(rows[-1])
    window.editor.undo()
    assert window.editor.text() == "白日依山尽，"


def test_continue_three_answer_is_dropped_after_typing(qtbot, make_window):
    window = make_window()
    window.editor.setPlainText("Once")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    token = window.continue_three._token()
    window.editor.insertPlainText(" upon")
    assert not window.continue_three.use([" a time"], 0, token)
    assert window.editor.text() == "Once upon"


def test_hovering_finds_the_token_under_the_mouse(qtbot, make_window):
    window = make_window()
    window.sampling.set_params(SEEDED, emit=True)
    window.editor.setPlainText("海内存知己，")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    generate(qtbot, window)
    token = window.probabilities.passages.tokens[0]
    cursor = window.editor.textCursor()
    cursor.setPosition(token.start)
    rect = window.editor.cursorRect(cursor)
    point = rect.center()
    point.setX(rect.x() + 2)  # just inside the token's first character
    found = window.probabilities.token_at_point(point)
    assert found is not None and found.start <= token.start < found.end
