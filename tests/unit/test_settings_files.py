"""Settings and presets files of random JSON and random bytes, with hypothesis.

Whatever the file holds, loading never raises; every value ends valid (the default
where the file's is bad, with a logged warning naming the key); the user's good values
survive a save; and the file itself is never destroyed: loading leaves it untouched and
a file that could not be taken whole is kept aside, byte for byte, before any rewrite.

Example counts (derandomized, so CI runs the same inputs every time): see `EXAMPLES`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writer_app import atomic
from writer_app.boundary.params import SamplingParams
from writer_app.errors import InvalidSettingError
from writer_app.presets import BUILT_IN_PRESETS, PRESET_KEYS, Presets
from writer_app.settings import BY_NAME, SCHEMA, Setting, Settings

EXAMPLES = {"settings_json": 200, "settings_bytes": 200, "presets_json": 150,
            "presets_bytes": 150, "presets_import": 80}


def _profile(name: str):
    return settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])


@pytest.fixture(autouse=True, scope="module")
def _no_fsync():
    """Durability is tested elsewhere (test_atomic); here fsync would only cost time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(atomic.os, "fsync", lambda descriptor: None)
        yield


# ---- strategies --------------------------------------------------------------------------

_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, -(10**400), 2**63 - 1, 2**63, 1e308, -0.0, 5e-324]),
    st.text(max_size=12),
)
json_values = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=6,
)


def valid_values(setting: Setting) -> st.SearchStrategy[Any]:
    """Values the schema accepts for `setting` (so documents mix good and bad keys)."""
    if setting.kind is bool:
        return st.booleans()
    if setting.choices:
        return st.sampled_from(setting.choices)
    if setting.kind is str:
        return st.text(max_size=20)
    bounds = setting.bounds
    assert bounds is not None
    if setting.kind is int:
        values: st.SearchStrategy[Any] = st.integers(int(bounds.minimum), int(bounds.maximum))
    else:
        values = st.floats(bounds.minimum, bounds.maximum,
                           exclude_min=bounds.above_minimum)
    return values | st.just(None) if setting.optional else values


@st.composite
def settings_documents(draw) -> Any:
    document: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(sorted(BY_NAME)), unique=True, max_size=8)):
        document[name] = draw(st.one_of(valid_values(BY_NAME[name]), json_values))
    document.update(draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3)))
    return draw(st.one_of(st.just(document), json_values)) if draw(st.booleans()) \
        else document


@st.composite
def presets_documents(draw) -> Any:
    document: dict[str, Any] = {}
    for name in draw(st.lists(st.text(max_size=10) | st.sampled_from(list(BUILT_IN_PRESETS)),
                              max_size=5)):
        values: dict[str, Any] = {}
        for key in draw(st.lists(st.sampled_from(PRESET_KEYS), unique=True, max_size=6)):
            values[key] = draw(st.one_of(valid_values(BY_NAME[key]), json_values))
        values.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
        document[name] = draw(st.one_of(st.just(values), json_values)) \
            if draw(st.integers(0, 4)) == 0 else values
    return draw(st.one_of(st.just(document), json_values)) if draw(st.integers(0, 5)) == 0 \
        else document


def encoded(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return st.tuples(documents, st.sampled_from([None, 2])).map(
        lambda pair: json.dumps(pair[0], indent=pair[1], ensure_ascii=False).encode("utf-8"))


def damaged(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Random bytes, and good files truncated, spliced with bad UTF-8 or given a BOM."""
    good = encoded(documents)
    return st.one_of(
        st.binary(max_size=200),
        st.just(b""),
        st.tuples(good, st.floats(0, 1)).map(lambda pair: pair[0][:int(len(pair[0]) * pair[1])]),
        st.tuples(good, st.floats(0, 1), st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"]))
        .map(lambda t: t[0][:int(len(t[0]) * t[1])] + t[2] + t[0][int(len(t[0]) * t[1]):]),
        good.map(lambda data: b"\xef\xbb\xbf" + data),
        st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b"1" * 5000,
                         b'{"sampling.seed": ' + b"9" * 5000 + b"}", b"NaN", b"\x00" * 64]),
    )


# ---- helpers -----------------------------------------------------------------------------

@contextlib.contextmanager
def logged_warnings() -> Iterator[list[str]]:
    """The warnings writer_app.settings and .presets log meanwhile (no pytest fixture:
    hypothesis runs many examples per test call)."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                records.append(record.getMessage())

    handler = Collect()
    loggers = [logging.getLogger(name) for name in ("writer_app.settings", "writer_app.presets")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def _accepted(setting: Setting, value: Any) -> tuple[bool, Any]:
    try:
        return True, setting.coerce(value)
    except InvalidSettingError:
        return False, None


def _assert_every_setting_valid(loaded: Settings) -> None:
    for setting in SCHEMA:
        value = loaded.get(setting.name)
        assert setting.coerce(value) == value, setting.name
    loaded.sampling_params()  # the engine takes them as they are


def _kept_copies(path: Path) -> list[bytes]:
    return [p.read_bytes() for p in path.parent.iterdir()
            if p.name != path.name and p.name.startswith(path.name)
            and not p.name.endswith(".tmp")]


def _check_settings_file(data: bytes, document: Any = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settings.json"
        path.write_bytes(data)
        with logged_warnings() as warnings:
            loaded = Settings.load(path)
        assert path.read_bytes() == data  # loading never writes over the file
        _assert_every_setting_valid(loaded)
        assert warnings == loaded.warnings  # every warning is logged
        if isinstance(document, dict):
            for key, value in document.items():
                setting = BY_NAME.get(key)
                ok, coerced = _accepted(setting, value) if setting else (False, None)
                if ok:
                    assert loaded.get(key) == coerced, key  # a good value is kept
                else:
                    assert any(repr(key) in w or f"{key} " in w for w in warnings), key
                    if setting:
                        assert loaded.get(key) == setting.default
        loaded.set("ui.theme", "dark")
        loaded.save()
        if any(not w.startswith("Unknown setting") for w in warnings):
            assert data in _kept_copies(path)  # something could not be used: a copy is kept
        again = Settings.load(path)
        assert again.as_dict() == loaded.as_dict()  # what the user had survives a save
        if isinstance(document, dict):  # settings of another version are written back
            saved = json.loads(path.read_text(encoding="utf-8"))
            for key, value in document.items():
                if key not in BY_NAME:
                    assert _same_json(saved[key], value), key


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)  # NaN as NaN


def _check_presets_file(data: bytes, document: Any = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "presets.json"
        path.write_bytes(data)
        with logged_warnings() as warnings:
            presets = Presets(path)
        assert path.read_bytes() == data
        assert warnings == presets.warnings
        names = presets.names()
        assert names[:len(BUILT_IN_PRESETS)] == list(BUILT_IN_PRESETS)
        assert len(set(names)) == len(names)
        for name in names:
            values = presets.values(name)
            for key, value in values.items():
                assert key in PRESET_KEYS and BY_NAME[key].coerce(value) == value
            SamplingParams().with_changes(
                **{key.removeprefix("sampling."): value for key, value in values.items()})
        if isinstance(document, dict):
            for name, values in document.items():
                if name in BUILT_IN_PRESETS or not isinstance(values, dict) or not name.strip():
                    assert any(repr(name) in w for w in warnings), name
                    continue
                assert name in names
                for key, value in values.items():
                    ok, coerced = _accepted(BY_NAME[key], value) if key in PRESET_KEYS \
                        else (False, None)
                    if ok:
                        assert presets.values(name)[key] == coerced
                    else:
                        assert any(repr(key) in w or f"{key} " in w for w in warnings), key
        presets.save_preset("Written after loading", Settings())
        if warnings:
            assert data in _kept_copies(path)
        again = Presets(path)
        assert again.names() == presets.names()
        assert all(again.values(name) == presets.values(name) for name in names)


# ---- the properties ----------------------------------------------------------------------

@_profile("settings_json")
@given(document=settings_documents(), indent=st.sampled_from([None, 2]))
def test_settings_files_of_random_json(document, indent):
    data = json.dumps(document, indent=indent, ensure_ascii=False).encode("utf-8")
    _check_settings_file(data, document)


@_profile("settings_bytes")
@given(data=damaged(settings_documents()))
def test_settings_files_of_random_bytes(data):
    _check_settings_file(data)


@_profile("presets_json")
@given(document=presets_documents())
def test_presets_files_of_random_json(document):
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    _check_presets_file(data, document)


@_profile("presets_bytes")
@given(data=damaged(presets_documents()))
def test_presets_files_of_random_bytes(data):
    _check_presets_file(data)


@_profile("presets_import")
@given(data=damaged(presets_documents()))
def test_importing_random_bytes_refuses_with_a_hint_or_adds_valid_presets(data):
    with tempfile.TemporaryDirectory() as folder:
        presets = Presets(Path(folder) / "presets.json")
        source = Path(folder) / "shared.json"
        source.write_bytes(data)
        try:
            added = presets.import_file(source)
        except InvalidSettingError as error:
            assert error.hint
            assert presets.names() == list(BUILT_IN_PRESETS)
            return
        for name in added:
            for key, value in presets.values(name).items():
                assert BY_NAME[key].coerce(value) == value


def test_a_value_that_is_no_number_names_itself_briefly():
    """A huge bad value is named in the warning, not printed whole."""
    settings_ = Settings({"sampling.top_k": list(range(100_000))})
    assert len(settings_.warnings) == 1 and "sampling.top_k" in settings_.warnings[0]
    assert len(settings_.warnings[0]) < 300
    assert math.isfinite(settings_.get("sampling.temperature"))


@pytest.mark.parametrize("data", [
    b'{"sampling.temperature": 1' + b"0" * 400 + b"}",  # OverflowError: int too large
    b"[" * 100_000,  # RecursionError inside json
    b"1" * 5000,  # ValueError: more digits than Python converts
], ids=["huge-number", "deep-nesting", "5000-digits"])
def test_files_that_stopped_the_app_from_starting(tmp_path, data):
    """Found by the properties above: each of these raised out of loading before."""
    path = tmp_path / "settings.json"
    path.write_bytes(data)
    loaded = Settings.load(path)
    assert loaded.warnings and loaded.get("sampling.temperature") == 0.8
    assert Presets(path).names() == list(BUILT_IN_PRESETS)
    assert path.read_bytes() == data
