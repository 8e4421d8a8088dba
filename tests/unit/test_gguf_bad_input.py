"""Damaged GGUF files at scale: truncated or corrupted at random offsets, each always ends
in a ModelLoadError (or ModelNotFoundError) with a one-line message, or loads; never
another exception, a crash or a hang. The CLI turns the same files into exit code 1 and
one line on stderr.

The files start from a tiny valid GGUF written here with gguf.GGUFWriter. Truncations
anywhere and corruptions of the header (metadata and tensor table, the part a loader
interprets) run at the load level; the header check rejects most of them before any
heavy work, and those it lets through are converted for real. Corrupted tensor data only
changes weights, so a few examples of it suffice. A few files also go through the CLI
as a user runs it (`writer-app next-tokens --model bad.gguf x`). What each property saw:
`pytest --hypothesis-show-statistics tests/unit/test_gguf_bad_input.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import gguf
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.unit.test_models import write_tiny_llama_gguf
from writer_app.engine.models import load_model
from writer_app.errors import ModelLoadError, ModelNotFoundError

TRUNCATIONS = 300
HEADER_CORRUPTIONS = 150
DATA_CORRUPTIONS = 5


class GGUFSample:
    """The valid tiny GGUF's bytes and where its tensor data starts."""

    def __init__(self, folder: Path) -> None:
        path = write_tiny_llama_gguf(folder / "valid.gguf")
        self.data = path.read_bytes()
        self.data_start = gguf.GGUFReader(path).data_offset
        self.folder = folder
        self.written = 0

    def write(self, data: bytes) -> Path:
        """A file of its own per example: the hash index trusts (path, size, mtime)."""
        self.written += 1
        path = self.folder / f"damaged-{self.written}.gguf"
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GGUFSample:
    return GGUFSample(tmp_path_factory.mktemp("gguf-sample"))


@pytest.fixture(autouse=True)
def isolated_dirs(writer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return writer_home


def outcome_of_loading(path: Path) -> str:
    """Load `path`; check that any failure is a WriterError of one line; name the outcome."""
    try:
        load_model(str(path), device="cpu", dtype="float32")
    except (ModelLoadError, ModelNotFoundError) as error:
        text = str(error)
        assert text and "\n" not in text and "\r" not in text, repr(text)
        assert not error.message.rstrip().endswith(":"), repr(text)  # says what, not "...:"
        assert error.hint, repr(text)
        if "is not a valid GGUF file" in error.message:
            return "rejected by the header check"
        return "refused later: " + error.message.replace(path.name, "FILE")
    finally:
        shutil.rmtree(Path(os.environ["WRITER_HOME"]) / "cache", ignore_errors=True)
        path.unlink()
    return "loaded"


@settings(max_examples=TRUNCATIONS, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(fraction=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_a_truncated_gguf_fails_with_one_line(sample: GGUFSample, fraction: float) -> None:
    """The sample ends with its last tensor, so every cut loses data the header names: the
    quick check must catch each one before any conversion starts."""
    keep = int(fraction * len(sample.data))
    outcome = outcome_of_loading(sample.write(sample.data[:keep]))
    event(outcome)
    assert outcome == "rejected by the header check"


@st.composite
def corruptions(draw: st.DrawFn, start: int, end: int) -> list[tuple[int, bytes]]:
    """1 to 4 runs of 1 to 8 random bytes at random offsets in [start, end)."""
    runs = draw(st.integers(min_value=1, max_value=4))
    return [(draw(st.integers(min_value=start, max_value=end - 1)),
             draw(st.binary(min_size=1, max_size=8))) for _ in range(runs)]


def corrupted(data: bytes, runs: list[tuple[int, bytes]]) -> bytes:
    damaged = bytearray(data)
    for offset, replacement in runs:
        replacement = replacement[: len(damaged) - offset]
        damaged[offset : offset + len(replacement)] = replacement
    return bytes(damaged)


@settings(max_examples=HEADER_CORRUPTIONS, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_gguf_with_a_corrupted_header_fails_with_one_line_or_loads(
    sample: GGUFSample, data: st.DataObject
) -> None:
    runs = data.draw(corruptions(0, sample.data_start))
    event(outcome_of_loading(sample.write(corrupted(sample.data, runs))))


@settings(max_examples=DATA_CORRUPTIONS, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_gguf_with_corrupted_tensor_data_fails_with_one_line_or_loads(
    sample: GGUFSample, data: st.DataObject
) -> None:
    runs = data.draw(corruptions(sample.data_start, len(sample.data)))
    event(outcome_of_loading(sample.write(corrupted(sample.data, runs))))


# --- what the properties found, pinned down ------------------------------------


def tensor_entry(data: bytes, name: str) -> int:
    """Offset of `name`'s entry in the tensor table, just after its name."""
    return data.index(name.encode()) + len(name)


def assert_refused(path: Path, *fragments: str) -> None:
    with pytest.raises(ModelLoadError) as caught:
        load_model(str(path), device="cpu", dtype="float32")
    assert "\n" not in str(caught.value)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_garbled_tensor_name_is_refused_not_filled_with_random_weights(
    sample: GGUFSample,
) -> None:
    """transformers initialised the weight it could not find at random and only logged a
    report: the model loaded and wrote nonsense."""
    data = sample.data.replace(b"blk.0.attn_k.weight", b"blk.0.attn_x.weight")

    assert_refused(sample.write(data), "lacks weights its model needs",
                   "model.layers.0.self_attn.k_proj.weight", "download it again")


def test_a_tensor_shape_that_does_not_fit_the_model_is_explained(sample: GGUFSample) -> None:
    """transformers' own error points at "the above report", which the user never sees."""
    damaged = bytearray(sample.data)
    first_dimension = tensor_entry(sample.data, "blk.0.attn_q.weight") + 4  # after n_dims
    damaged[first_dimension : first_dimension + 8] = (16).to_bytes(8, "little")  # was 32

    assert_refused(sample.write(bytes(damaged)), "do not fit its own settings")


def test_a_tensor_with_no_elements_fails_the_header_check(sample: GGUFSample) -> None:
    damaged = bytearray(sample.data)
    first_dimension = tensor_entry(sample.data, "blk.1.ffn_up.weight") + 4
    damaged[first_dimension : first_dimension + 8] = bytes(8)

    assert_refused(sample.write(bytes(damaged)), "not a valid GGUF file",
                   "a tensor has no elements")


def test_header_text_that_is_not_utf8_fails_the_header_check(sample: GGUFSample) -> None:
    damaged = bytearray(sample.data)
    damaged[sample.data.index(b"general.architecture") + 3] = 0xFF

    assert_refused(sample.write(bytes(damaged)), "not a valid GGUF file", "not UTF-8")


# --- the command line -------------------------------------------------------------


def damaged_for_the_cli(sample: GGUFSample, damage: str) -> bytes:
    data = sample.data
    if damage == "truncated":
        return data[: len(data) // 3]
    if damage == "not-utf8":
        damaged = bytearray(data)
        damaged[data.index(b"tokenizer.ggml.tokens") + 2] = 0xFF
        return bytes(damaged)
    return data.replace(b"blk.1.ffn_down.weight", b"blk.1.ffn_dowX.weight")  # garbled name


@pytest.mark.parametrize(("damage", "fragment"), [
    ("truncated", "is incomplete"),
    ("not-utf8", "not UTF-8"),
    ("garbled-tensor-name", "lacks weights its model needs"),
])
def test_the_cli_says_one_line_and_exits_1(
    sample: GGUFSample, tmp_path: Path, damage: str, fragment: str
) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(damaged_for_the_cli(sample, damage))
    environment = {**os.environ, "WRITER_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}

    result = subprocess.run(
        [sys.executable, "-m", "writer_app", "next-tokens", "--model", str(bad), "x"],
        capture_output=True, text=True, encoding="utf-8", env=environment, timeout=600,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("writer-app: ") and fragment in lines[0], lines[0]
    assert "bad.gguf" in lines[0]
