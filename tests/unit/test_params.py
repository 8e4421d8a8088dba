"""SamplingParams: frozen, validated, with messages that say how to fix the value."""

from __future__ import annotations

import dataclasses
import math

import pytest

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.errors import InvalidSettingError


def test_defaults_are_valid_and_frozen():
    params = SamplingParams()
    assert params.mode is Mode.SAMPLE
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.temperature = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"temperature": -0.1}, "temperature must be from 0 to"),
        ({"temperature": math.nan}, "temperature must be from 0 to"),
        ({"temperature": "hot"}, "temperature must be a number"),
        ({"top_k": -1}, "top_k must be from 0 to"),
        ({"top_k": 2.5}, "top_k must be a whole number"),
        ({"top_p": 0.0}, "top_p must be above 0, up to 1"),
        ({"top_p": 1.5}, "top_p must be above 0, up to 1"),
        ({"repetition_penalty": 0.0}, "repetition_penalty must be above 0"),
        ({"max_new_tokens": 0}, "max_new_tokens must be from 1 to"),
        ({"seed": -5}, "seed must be from 0 to 9223372036854775807"),
        ({"seed": 2**63}, "seed must be from 0 to 9223372036854775807"),
        ({"seed": 10**400}, "seed must be from 0 to"),  # too large for a float: no overflow
        ({"mode": "nucleus"}, "unknown mode"),
        ({"mode": "beam", "num_beams": 1}, "num_beams must be from 2 to"),
    ],
)
def test_bad_values_are_refused_with_a_hint(changes, fragment):
    with pytest.raises(InvalidSettingError) as caught:
        SamplingParams(**changes)
    assert fragment in caught.value.message
    assert caught.value.hint  # every refusal says what to do


def test_temperature_zero_means_greedy():
    assert SamplingParams(temperature=0).is_greedy
    assert SamplingParams(mode="greedy").is_greedy
    assert not SamplingParams(temperature=0.7).is_greedy
    assert not SamplingParams(mode=Mode.BEAM, temperature=0).is_greedy


def test_with_changes_validates():
    params = SamplingParams().with_changes(top_k=0, mode="greedy")
    assert params.top_k == 0 and params.mode is Mode.GREEDY
    with pytest.raises(InvalidSettingError):
        SamplingParams().with_changes(top_p=2)


def test_control_tokens_are_suppressed_unless_allowed():
    assert SamplingParams().allow_control_tokens is False
    assert SamplingParams(allow_control_tokens=True).allow_control_tokens is True
    with pytest.raises(InvalidSettingError, match="true or false"):
        SamplingParams(allow_control_tokens="yes")


@pytest.mark.parametrize("temperature", [1e-131, 1e-30, 5e-5])
def test_a_vanishing_temperature_is_greedy_not_nan(temperature):
    """logits / 1e-131 overflows float32 to inf and NaN; below GREEDY_TEMPERATURE the choice
    is the argmax, as it is in the limit."""
    import torch

    from writer_app.engine.sampling import sampling_distribution

    params = SamplingParams(temperature=temperature)
    assert params.is_greedy
    logits = torch.tensor([1.0, 3.0, 2.0, -1.0])
    distribution = sampling_distribution(logits, torch.tensor([0]), params)
    probs = distribution.prob_of(torch.arange(4))
    assert not torch.isnan(probs).any()
    assert probs.argmax().item() == 1 and probs[1].item() == pytest.approx(1.0)


def test_a_small_temperature_above_the_greedy_threshold_still_samples():
    assert not SamplingParams(temperature=1e-3).is_greedy
