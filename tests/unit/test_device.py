"""Device and dtype names → torch objects, with errors that say what this machine has."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from writer_app.engine import device as device_module
from writer_app.engine.device import (
    DEVICE_CHOICES,
    DTYPE_CHOICES,
    available_devices,
    configure_cpu_threads,
    resolve_device,
    resolve_dtype,
    resolve_precision,
)
from writer_app.errors import InvalidSettingError


def pretend(
    monkeypatch: pytest.MonkeyPatch,
    *,
    cuda_devices: int = 0,
    cuda_build: bool = True,
    mps: bool = False,
    bf16: bool = True,
) -> None:
    """Make torch report the given hardware, whatever this machine has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda_devices > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda_devices)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: bf16)
    monkeypatch.setattr(torch.version, "cuda", "12.8" if cuda_build else None)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setattr(torch.backends.mps, "is_built", lambda: mps)


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch, cuda_devices=1, mps=True)
    assert resolve_device("auto") == torch.device("cuda")
    pretend(monkeypatch, mps=True)
    assert resolve_device() == torch.device("mps")
    pretend(monkeypatch)
    assert resolve_device("auto") == torch.device("cpu")


def test_explicit_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch, cuda_devices=2, mps=True)

    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device("cuda") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    assert resolve_device("mps") == torch.device("mps")
    assert available_devices() == ["cpu", "cuda:0", "cuda:1", "mps"]


def test_cuda_on_a_cpu_only_build(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch, cuda_build=False)

    with pytest.raises(InvalidSettingError, match="this torch build has no CUDA") as caught:
        resolve_device("cuda")
    assert "install a CUDA build of torch" in caught.value.hint
    assert "--device cpu" in caught.value.hint


def test_cuda_build_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch)

    with pytest.raises(InvalidSettingError, match="no CUDA GPU is visible"):
        resolve_device("cuda:0")


def test_cuda_index_past_the_last_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch, cuda_devices=1)

    with pytest.raises(InvalidSettingError, match="no CUDA device 3: this machine has 1") as caught:
        resolve_device("cuda:3")
    assert "cuda:0" in caught.value.hint


def test_mps_where_there_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch)

    with pytest.raises(InvalidSettingError, match="MPS") as caught:
        resolve_device("mps")
    assert "--device cpu" in caught.value.hint


@pytest.mark.parametrize("name", ["tpu", "gpu", "cuda:x", "", "cuda:-1"])
def test_unknown_device_lists_what_is_available(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    pretend(monkeypatch)

    with pytest.raises(InvalidSettingError, match="Unknown device") as caught:
        resolve_device(name)
    assert "available here: cpu" in caught.value.hint


def test_every_device_choice_resolves_or_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch)
    for name in DEVICE_CHOICES:
        try:
            assert isinstance(resolve_device(name), torch.device)
        except InvalidSettingError as error:
            assert error.hint


@pytest.mark.parametrize(
    ("device", "bf16", "expected"),
    [
        ("cpu", True, torch.float32),
        ("mps", True, torch.float16),
        ("cuda", True, torch.bfloat16),
        ("cuda", False, torch.float16),
    ],
)
def test_auto_dtype_per_device(
    monkeypatch: pytest.MonkeyPatch, device: str, bf16: bool, expected: torch.dtype
) -> None:
    pretend(monkeypatch, cuda_devices=1, bf16=bf16)

    assert resolve_dtype("auto", torch.device(device)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("float32", torch.float32),
        ("fp32", torch.float32),
        ("bfloat16", torch.bfloat16),
        ("BF16", torch.bfloat16),
        ("float16", torch.float16),
        ("fp16", torch.float16),
    ],
)
def test_explicit_dtypes_and_aliases(name: str, expected: torch.dtype) -> None:
    assert resolve_dtype(name, torch.device("cpu")) == expected


def test_every_dtype_choice_resolves() -> None:
    for name in DTYPE_CHOICES:
        assert isinstance(resolve_precision(name, torch.device("cpu")).dtype, torch.dtype)


@pytest.mark.parametrize("name", ["int8", "float64", "half-ish", ""])
def test_unknown_dtype(name: str) -> None:
    with pytest.raises(InvalidSettingError, match="Unknown dtype") as caught:
        resolve_dtype(name, torch.device("cpu"))
    assert "bfloat16" in caught.value.hint


@pytest.fixture
def restore_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 2), (64, 8)])
def test_cpu_threads_follow_usable_cpus_up_to_eight(
    monkeypatch: pytest.MonkeyPatch, cpus: int, expected: int
) -> None:
    monkeypatch.setattr(device_module, "usable_cpu_count", lambda: cpus)

    assert configure_cpu_threads() == expected
    assert torch.get_num_threads() == expected
