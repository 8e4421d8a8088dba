"""The passages bookkeeping under random edit sequences (hypothesis).

Invariants of `Passages` (the generated tokens still in the document):
1. every token is a non-empty span inside the text: 0 <= start < end <= len(text);
2. tokens are in document order and never overlap: t[i].end <= t[i + 1].start;
3. the text under a surviving token is exactly the text it was generated as (so its
   probability still describes it): edits before it shift it by (added - removed),
   edits after it leave it alone, and an edit that touches its inside (a removal that
   overlaps it, or an insertion strictly inside it) forgets it;
4. a token no edit touched is never forgotten.
Invariants of `Branches` (one passage's place): while attached, 0 <= start <= end <=
len(text); an edit wholly before it shifts it, one at or after its end leaves it alone,
and one that crosses an edge detaches it.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.documents.passages import Branches, Passages

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)
PIECES = st.text(st.sampled_from(list("ab 中文😀\n")), min_size=1, max_size=4)


def edit_in(data, text: str) -> tuple[int, int, str]:
    position = data.draw(st.integers(0, len(text)), label="position")
    removed = data.draw(st.integers(0, len(text) - position), label="removed")
    inserted = data.draw(st.text(st.sampled_from(list("xy 字😀")), max_size=5), label="inserted")
    return position, removed, inserted


@PROPERTY
@given(start=st.text(st.sampled_from(list("ab 中文")), max_size=20), data=st.data())
def test_passages_keep_their_invariants_under_random_edits(start, data):
    text = start
    passages = Passages()
    expected: dict[int, str] = {}  # token id -> the text it was generated as
    next_id = 0
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        if data.draw(st.booleans(), label="generate"):
            # A generation inserts tokens one after another at one place.
            position = data.draw(st.integers(0, len(text)), label="at")
            number = passages.new_passage()
            for piece in data.draw(st.lists(PIECES, min_size=1, max_size=4), label="tokens"):
                text = text[:position] + piece + text[position:]
                passages.edited(position, 0, len(piece))
                passages.add(position, position + len(piece), 0.5, next_id, (), number)
                expected[next_id] = piece
                next_id += 1
                position += len(piece)
        else:
            position, removed, inserted = edit_in(data, text)
            before = {t.token_id: t for t in passages}
            text = text[:position] + inserted + text[position + removed:]
            passages.edited(position, removed, len(inserted))
            after = {t.token_id: t for t in passages}
            for token_id, token in before.items():
                touched = (token.start < position + removed and position < token.end) or (
                    removed == 0 and token.start < position < token.end)
                assert (token_id in after) != touched, (token, position, removed)  # 3, 4
                if token_id in after and token.end <= position:
                    assert after[token_id] == token
                elif token_id in after:
                    assert after[token_id].start == token.start + len(inserted) - removed
        tokens = list(passages)
        for token in tokens:
            assert 0 <= token.start < token.end <= len(text)  # 1
            assert text[token.start:token.end] == expected[token.token_id]  # 3
        for first, second in itertools.pairwise(tokens):
            assert first.end <= second.start  # 2


@PROPERTY
@given(before=st.text(max_size=10), inside=st.text(max_size=10), after=st.text(max_size=10),
       data=st.data())
def test_a_passage_range_follows_random_edits(before, inside, after, data):
    text = before + inside + after
    branches = Branches(1, len(before), len(before) + len(inside))
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        position, removed, inserted = edit_in(data, text)
        start, end, empty = branches.start, branches.end, branches.start == branches.end
        text = text[:position] + inserted + text[position + removed:]
        branches.edited(position, removed, len(inserted))
        if not branches.attached:
            assert position < start < position + removed or (
                position < end < position + removed) or (
                position < start and position + removed > start)
            return
        assert 0 <= branches.start <= branches.end <= len(text)
        shift = len(inserted) - removed
        if removed == 0 and position == start and empty:
            assert (branches.start, branches.end) == (start, end + shift)
        elif position >= end:
            assert (branches.start, branches.end) == (start, end)
        elif position + removed <= start:
            assert (branches.start, branches.end) == (start + shift, end + shift)
        else:
            assert branches.start == start and branches.end == end + shift
