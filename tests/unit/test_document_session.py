"""The session file (open documents, the active one, the project): round trips, and any
damaged or hostile file gives defaults, never a crash."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writer_app.documents.session import (
    MAX_BYTES,
    Session,
    SessionDocument,
    load_session,
    parse_session,
    save_session,
    session_path,
)

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_a_session_round_trips_with_chinese_paths(tmp_path):
    session = Session((SessionDocument(str(tmp_path / "第一章.txt")),
                       SessionDocument(None, "abc123"),
                       SessionDocument(str(tmp_path / "notes.md"), "def456")),
                      active=2, project=str(tmp_path / "小说"))
    file = tmp_path / "session.json"
    assert save_session(session, file)
    assert load_session(file) == session
    assert "第一章" in file.read_text(encoding="utf-8")  # readable, not escaped


def test_the_default_place_is_the_data_folder(writer_home):
    assert session_path().parent == writer_home / "data"
    assert load_session() == Session()  # nothing there yet
    assert save_session(Session((SessionDocument("/a/b.txt"),)))
    assert load_session().documents == (SessionDocument("/a/b.txt"),)


def test_a_missing_damaged_or_huge_file_gives_an_empty_session(tmp_path):
    file = tmp_path / "session.json"
    assert load_session(file) == Session()
    file.write_bytes(b"\xff\xfe not json")
    assert load_session(file) == Session()
    file.write_text('{"version": 1, "documents": [' + '{"path": "/x"},' * 200_000 + "]}")
    assert file.stat().st_size > MAX_BYTES
    assert load_session(file) == Session()
    file.write_text("[" * 100_000 + "]" * 100_000)  # nesting deeper than json can follow
    assert load_session(file) == Session()


def test_wrong_types_are_dropped_piece_by_piece():
    raw = {"version": 1, "active": 1, "project": 5,
           "documents": [{"path": "/a.txt"}, "nonsense", {"path": 3}, {"path": "x\0y"},
                         {"journal_id": "j1"}, {"path": "", "journal_id": ""}]}
    session = parse_session(raw)
    assert session.documents == (SessionDocument("/a.txt"), SessionDocument(None, "j1"))
    assert session.active == 1 and session.project is None
    assert parse_session({**raw, "active": 7}).active == 0  # out of range
    assert parse_session({**raw, "active": True}).active == 0  # a bool is not an index
    assert parse_session({**raw, "version": 2}) == Session()  # a future format: not guessed


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=12), children, max_size=5), max_leaves=30)
documents = st.lists(st.dictionaries(st.sampled_from(["path", "journal_id", "x"]),
                                     json_values, max_size=3), max_size=6)


@PROPERTY
@given(raw=json_values)
def test_any_json_gives_a_session(raw):
    session = parse_session(raw)
    assert isinstance(session, Session)
    assert 0 <= session.active < max(1, len(session.documents))


@PROPERTY
@given(docs=documents | json_values, active=json_values, project=json_values)
def test_any_shaped_session_gives_a_valid_session(docs, active, project):
    session = parse_session({"version": 1, "documents": docs, "active": active,
                             "project": project})
    assert 0 <= session.active < max(1, len(session.documents))
    for document in session.documents:
        assert document.path is None or isinstance(document.path, str)
        assert document.path is not None or document.journal_id is not None
    assert session.project is None or isinstance(session.project, str)


@PROPERTY
@given(data=st.binary(max_size=400))
def test_any_bytes_give_a_session(tmp_path, data):
    file = tmp_path / "session.json"
    file.write_bytes(data)
    assert isinstance(load_session(file), Session)


@PROPERTY
@given(paths=st.lists(st.text(min_size=1, max_size=40).filter(lambda p: "\0" not in p),
                      max_size=8), active=st.integers(0, 7))
def test_saved_sessions_load_back_equal(tmp_path, paths, active):
    session = Session(tuple(SessionDocument(p) for p in paths),
                      active if active < len(paths) else 0)
    file = tmp_path / "session.json"
    assert save_session(session, file)
    assert load_session(file) == session
    assert json.loads(file.read_text(encoding="utf-8"))["version"] == 1
