"""One table of sampling bounds: the schema, SamplingParams and the command line agree.

Every number here is read from `writer_app.boundary.params.BOUNDS` or the schema,
never copied: a bound changed in one place must change everywhere (or fail here).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.__main__ import EXIT_USAGE, _parser_for, build_parser, main, params_from_args
from writer_app.boundary.params import BOUNDS, Bounds, SamplingParams
from writer_app.errors import InvalidSettingError
from writer_app.settings import BY_NAME, SAMPLING_KEYS


def _just_outside(bounds: Bounds, kind: type) -> list[float]:
    """The nearest invalid values on either side of `bounds`."""
    low = bounds.minimum if bounds.above_minimum else (
        bounds.minimum - 1 if kind is int else math.nextafter(bounds.minimum, -math.inf))
    high = bounds.maximum + 1 if kind is int else math.nextafter(bounds.maximum, math.inf)
    return [low, high]


def _accepted_by_params(field: str, value: object) -> bool:
    try:
        SamplingParams(**{field: value})
    except InvalidSettingError:
        return False
    return True


def _accepted_by_schema(field: str, value: object) -> bool:
    try:
        BY_NAME[f"sampling.{field}"].coerce(value)
    except InvalidSettingError:
        return False
    return True


def test_every_sampling_setting_is_a_field_with_the_same_default_and_bounds():
    fields = {field.name for field in dataclasses.fields(SamplingParams)}
    assert {name.removeprefix("sampling.") for name in SAMPLING_KEYS} == fields
    defaults = SamplingParams()
    for name in SAMPLING_KEYS:
        field = name.removeprefix("sampling.")
        default = getattr(defaults, field)
        assert BY_NAME[name].default == getattr(default, "value", default)
        assert BY_NAME[name].bounds is BOUNDS.get(field)  # the very same object
    assert set(BOUNDS) <= fields


@pytest.mark.parametrize("field", sorted(BOUNDS))
def test_the_edges_of_each_range_are_valid_everywhere_and_beyond_them_nowhere(field):
    bounds = BOUNDS[field]
    kind = BY_NAME[f"sampling.{field}"].kind
    inside = [bounds.maximum] if bounds.above_minimum else [bounds.minimum, bounds.maximum]
    for value in inside:
        assert _accepted_by_params(field, kind(value)) and _accepted_by_schema(field, value)
    for value in _just_outside(bounds, kind):
        assert not _accepted_by_params(field, kind(value))
        assert not _accepted_by_schema(field, value)
    low, high = bounds.slider_range
    assert bounds.minimum <= low < high <= bounds.maximum  # a slider covers part of the range


def _cli_args(field: str, value: object) -> list[str]:
    return ["generate", f"--{field.replace('_', '-')}", str(value), "prompt"]


@pytest.mark.parametrize("field", sorted(BOUNDS))
def test_the_command_line_takes_the_same_range(field, capsys):
    bounds = BOUNDS[field]
    kind = BY_NAME[f"sampling.{field}"].kind
    argv = _cli_args(field, kind(bounds.maximum))
    params = params_from_args(_parser_for(argv).parse_args(argv))
    assert getattr(params, field) == bounds.maximum
    for value in _just_outside(bounds, kind):
        if field == "num_beams" and value == 1:
            continue  # on the command line, 1 beam means "no beam search"
        assert main(_cli_args(field, kind(value))) == EXIT_USAGE
        assert field in capsys.readouterr().err


def test_the_command_line_help_states_the_ranges(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for field, bounds in BOUNDS.items():
        assert bounds.describe() in text, field


_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([2**63 - 1, 2**63, 2**31, 2**31 - 1, -0.0, 1e308, 10**309]),
    st.sampled_from(sorted(BOUNDS)).flatmap(
        lambda field: st.sampled_from([BOUNDS[field].minimum, BOUNDS[field].maximum])),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(field=st.sampled_from(sorted(BOUNDS)), value=_NUMBERS)
def test_the_schema_and_sampling_params_accept_the_same_numbers(field, value):
    """A value the settings file keeps always makes valid SamplingParams, and back."""
    setting = BY_NAME[f"sampling.{field}"]
    if _accepted_by_schema(field, value):
        coerced = setting.coerce(value)
        assert _accepted_by_params(field, coerced), (field, value)
        assert coerced == value
    if _accepted_by_params(field, value):
        assert setting.coerce(value) == value, (field, value)


def test_the_engine_setting_takes_the_local_backends_only(tmp_path):
    """`model.backend` names what runs a local model; a server is never chosen by it (it
    is connected to), and an unknown name falls back to auto with a warning."""
    import json

    from writer_app.settings import BACKEND_CHOICES, Settings

    assert BACKEND_CHOICES == ("auto", "transformers", "llama.cpp")
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model.backend": "server", "model.server": "http://h:1/v1"}),
                    encoding="utf-8")
    settings = Settings.load(path)
    assert settings.get("model.backend") == "auto"
    assert any("model.backend" in warning for warning in settings.warnings)
    assert settings.get("model.server") == "http://h:1/v1"
    settings.set("model.backend", "llama.cpp")
    settings.save()
    assert json.loads(path.read_text(encoding="utf-8"))["model.backend"] == "llama.cpp"
