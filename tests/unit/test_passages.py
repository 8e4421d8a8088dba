"""The Qt-free record of generated tokens: ranges follow edits, touched tokens go."""

from __future__ import annotations

from dataclasses import dataclass

from writer_app.documents.passages import Passages


@dataclass(frozen=True)
class Alt:
    id: int
    text: str
    piece: str
    prob: float


def tokens_of(texts: list[str], start: int = 0) -> Passages:
    """Passages holding one passage of tokens laid end to end from `start`."""
    passages = Passages()
    number = passages.new_passage()
    position = start
    for index, text in enumerate(texts):
        passages.add(position, position + len(text), 0.1 * (index + 1), index,
                     (Alt(index, text, text, 0.5), Alt(99, "猫", "猫", 0.2)), number)
        position += len(text)
    return passages


def ranges(passages: Passages) -> list[tuple[int, int]]:
    return [(t.start, t.end) for t in passages]


def test_tokens_are_found_by_position():
    passages = tokens_of(["今天", "天气", " good"], start=3)
    assert passages.at(2) is None
    assert passages.at(3).token_id == 0
    assert passages.at(6).token_id == 1
    assert passages.at(11).token_id == 2 and passages.at(12) is None
    assert passages.passage_end(1) == 12
    assert passages.at(5).alternatives[1].text == "猫"


def test_an_edit_before_shifts_and_an_edit_after_leaves_alone():
    passages = tokens_of(["Hello", " world"], start=2)
    passages.edited(0, 0, 3)  # typed "abc" at the start
    assert ranges(passages) == [(5, 10), (10, 16)]
    passages.edited(16, 0, 4)  # typed after the end
    assert ranges(passages) == [(5, 10), (10, 16)]
    passages.edited(1, 2, 0)  # deleted two characters before
    assert ranges(passages) == [(3, 8), (8, 14)]


def test_inserting_at_a_token_boundary_keeps_both_neighbours():
    passages = tokens_of(["春眠", "不觉晓"])
    passages.edited(2, 0, 1)
    assert ranges(passages) == [(0, 2), (3, 6)]


def test_an_edit_inside_or_across_a_token_forgets_it():
    passages = tokens_of(["one", " two", " three"])
    passages.edited(5, 0, 1)  # inside " two"
    assert [t.token_id for t in passages] == [0, 2]
    assert ranges(passages) == [(0, 3), (8, 14)]
    passages.edited(2, 8, 2)  # from inside "one" to inside " three"
    assert len(passages) == 0


def test_replacing_everything_clears_and_numbers_are_per_passage():
    passages = tokens_of(["a", "b"])
    second = passages.new_passage()
    passages.add(5, 7, 0.9, 1, (), second)
    assert passages.passage_end(second) == 7 and passages.passage_end(1) == 2
    passages.edited(0, 7, 3)
    assert len(passages) == 0
    passages.add(3, 3, 0.5)  # empty ranges are not recorded
    assert len(passages) == 0


def test_a_passage_range_follows_edits_and_detaches_when_crossed():
    from writer_app.documents.passages import Branches

    branches = Branches(1, 5, 5)
    branches.edited(5, 0, 4)  # the generation's first text
    assert (branches.start, branches.end) == (5, 9)
    branches.edited(9, 0, 2)  # typing right after it is not part of it
    assert (branches.start, branches.end) == (5, 9)
    branches.edited(0, 0, 3)  # before: shifts
    assert (branches.start, branches.end) == (8, 12)
    branches.edited(9, 1, 3)  # inside: grows
    assert (branches.start, branches.end) == (8, 14)
    branches.edited(7, 2, 0)  # across the start: detached
    assert not branches.attached


def test_versions_are_never_overwritten():
    from writer_app.documents.passages import Branches

    branches = Branches(1, 0, 4)
    branches.keep("今天下雨")
    branches.current = len(branches.versions)  # a retry
    branches.keep("今天晴朗")
    assert [v.text for v in branches.versions] == ["今天下雨", "今天晴朗"]
    branches.keep("今天下雨")  # an undo brought the first back: it is selected, not copied
    assert branches.current == 0 and len(branches.versions) == 2
    branches.keep("今天下雨了")  # the user edited it: a version of its own
    assert len(branches.versions) == 3 and branches.current == 2


def test_history_finds_the_passage_at_a_position():
    from writer_app.documents.passages import History

    history = History()
    first = history.begin(1, 0)
    first.edited(0, 0, 5)
    first.keep("Hello")
    second = history.begin(2, 10)
    second.edited(10, 0, 3)
    second.keep("你好！")
    assert history.at(3) is first and history.at(12) is second and history.at(7) is None
    assert history.begin(1, 0) is first and first.current == 1  # a new version's slot
    history.edited(0, 0, 2)
    assert (second.start, second.end) == (12, 15)
