"""Writing goals: the day's progress, the file round trip, and any damaged or hostile
goals file reading as no goals (with a warning), never as a crash."""

from __future__ import annotations

import json
import logging

from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.documents.goals import (
    MAX_TARGET,
    Goal,
    GoalStore,
    document_key,
    goals_path,
    parse_goals,
)


def test_progress_counts_words_added_today_never_below_zero():
    goal = Goal(500, "2026-12-02", baseline=1200)
    assert goal.written(1200) == 0 and goal.written(1450) == 250
    assert goal.written(900) == 0  # yesterday's paragraph deleted: no negative progress
    assert not goal.reached(1699) and goal.reached(1700)
    assert goal.for_day("2026-12-02", 5000) is goal
    tomorrow = goal.for_day("2026-12-03", 1700)
    assert tomorrow == Goal(500, "2026-12-03", 1700) and tomorrow.written(1700) == 0


def test_goals_round_trip_per_document(writer_home, tmp_path):
    store = GoalStore()
    assert store.path == goals_path() and store.load() == {}
    chapter, other = tmp_path / "第一章.txt", tmp_path / "b.txt"
    store.put(chapter, Goal(500, "2026-12-02", 10, announced="2026-12-02"))
    store.put(other, Goal(50, "2026-12-01", 0))
    assert GoalStore().get(chapter) == Goal(500, "2026-12-02", 10, "2026-12-02")
    assert GoalStore().get(str(other)) == Goal(50, "2026-12-01", 0)
    store.put(other, None)
    store.put(other, None)  # forgetting twice is fine
    assert set(GoalStore().load()) == {document_key(chapter)}
    data = json.loads(store.path.read_text(encoding="ascii"))
    assert data["version"] == 1


def test_a_path_that_is_not_valid_unicode_is_still_written(writer_home, tmp_path):
    odd = tmp_path / "bad\udcffname.txt"  # a file name's undecodable byte, as Python holds it
    GoalStore().put(odd, Goal(10, "2026-12-02", 0))
    assert GoalStore().get(odd) == Goal(10, "2026-12-02", 0)


def test_unreadable_file_gives_no_goals_and_a_warning(writer_home, caplog):
    path = goals_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00\xff not json")
    with caplog.at_level(logging.WARNING):
        assert GoalStore().load() == {}
    assert "unreadable" in caplog.text
    path.unlink()
    path.mkdir()  # a folder where the file should be: unreadable too
    with caplog.at_level(logging.WARNING):
        assert GoalStore().load() == {}


def test_bad_entries_are_left_out_and_good_ones_kept():
    good = {"target": 500, "day": "2026-12-02", "baseline": 3}
    data = {"version": 1, "documents": {
        "/a": good, "/b": {**good, "target": 0}, "/c": {**good, "target": True},
        "/d": {**good, "day": "yesterday"}, "/e": {**good, "baseline": -1},
        "/f": {**good, "target": MAX_TARGET + 1}, "/g": [1, 2], "/h": {**good, "day": 20261202},
        "/i": {**good, "announced": "2026-02-30"}, "": good}}
    goals, warnings = parse_goals(json.dumps(data).encode())
    assert goals == {"/a": Goal(500, "2026-12-02", 3)}
    assert len(warnings) == 9


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=20)
entries = st.fixed_dictionaries({}, optional={
    "target": st.integers(-5, MAX_TARGET + 5) | json_values,
    "day": st.dates().map(str) | json_values,
    "baseline": st.integers(-5, 2**60) | json_values,
    "announced": st.sampled_from(["", "2026-12-02"]) | json_values})
files = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.text(max_size=20), entries | json_values, max_size=6).map(
        lambda d: json.dumps({"version": 1, "documents": d}).encode()),
)


@settings(max_examples=300, deadline=None)
@given(files)
def test_any_file_reads_as_goals_or_none_never_a_crash(data):
    goals, warnings = parse_goals(data)
    for key, goal in goals.items():
        assert key and 0 < goal.target <= MAX_TARGET and goal.baseline >= 0
        assert goal.written(goal.baseline + 1) == 1
    if not goals:
        assert warnings or data.strip().startswith(b"{")


def test_deep_nesting_is_unreadable_not_a_crash():
    goals, warnings = parse_goals(b"[" * 100_000 + b"]" * 100_000)
    assert goals == {} and warnings
