"""Weight-only int8: close to the float model, one shared copy of tied weights."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from writer_app.boundary.params import SamplingParams
from writer_app.engine.device import resolve_precision
from writer_app.engine.quantize import (
    GEMV_ROWS,
    Int8Linear,
    group_size,
    quantize_groups,
    quantize_int8_weights,
)
from writer_app.engine.session import ModelSession
from writer_app.errors import InvalidSettingError

from ..conftest import make_loaded


def test_groups_round_trip_within_half_a_step():
    weight = torch.randn(300, 96)
    weight[7, 70] = 40.0  # an outlier coarsens its own group only
    q, scale = quantize_groups(weight, 32, torch.float32)
    assert q.dtype == torch.int8 and q.shape == (3, 300, 32) and scale.shape == (3, 300)
    restored = (q.float() * scale[..., None]).transpose(0, 1).reshape(300, 96)
    step = scale.T.repeat_interleave(32, dim=1)  # [300, 96]: each element's own scale
    assert bool(((restored - weight).abs() <= step / 2 + 1e-6).all())
    assert float(step[7, 70]) > 10 * float(step[7, 10])


def test_group_sizes_divide_the_row_and_prefer_whole_registers():
    assert group_size(640, 128) == 128
    assert group_size(640, 256) == 160
    assert group_size(2048, 256) == 256
    assert group_size(96, 256) == 96
    assert group_size(100, 64) == 50  # no multiple of 32 divides 100


def test_output_layer_gets_float32_logits_and_finer_groups(tiny_gemma_loaded):
    model = copy.deepcopy(tiny_gemma_loaded.model)
    quantize_int8_weights(model, torch.bfloat16)
    output = model.get_output_embeddings()
    assert output.output_dtype == torch.float32
    assert output.group == group_size(output.in_features, 128)
    ids = torch.tensor([[2, 10, 20]])
    with torch.inference_mode():
        assert model(ids).logits.dtype == torch.float32


@pytest.mark.parametrize("rows", [1, GEMV_ROWS, GEMV_ROWS + 1, 37])
def test_int8_linear_matches_float_linear_in_both_kernels(rows):
    torch.manual_seed(0)
    linear = nn.Linear(256, 96, bias=True)
    quantized = Int8Linear.from_linear(linear, torch.bfloat16, largest_group=64)
    assert quantized.groups == 4
    x = torch.randn(2, rows, 256)
    expected = linear(x)
    got = quantized(x).float()
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, rtol=0.05, atol=0.05)


def quantized_copy(loaded):
    model = copy.deepcopy(loaded.model)
    quantize_int8_weights(model, torch.bfloat16)
    model.to(torch.bfloat16)
    return make_loaded(model, loaded.tokenizer, "quantized")


def test_tied_embedding_shares_the_int8_table(tiny_gemma_loaded):
    quantized = quantized_copy(tiny_gemma_loaded)
    model = quantized.model
    assert model.get_input_embeddings().table is model.get_output_embeddings()
    assert not any(isinstance(m, nn.Linear) for m in model.modules())
    assert not any(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize("fixture", ["tiny_loaded", "tiny_gemma_loaded"])
def test_quantized_model_stays_close_to_float(fixture, request):
    loaded = request.getfixturevalue(fixture)
    quantized = quantized_copy(loaded)
    params = SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.0)
    text = "I went on a trip to the sea and 我们去北京"
    reference = ModelSession(loaded).next_tokens(text, params, n=50)
    result = ModelSession(quantized).next_tokens(text, params, n=50)
    reference_probs = {t.id: t.prob for t in reference.tokens}
    assert result.tokens[0].id == reference.tokens[0].id
    for token in result.tokens[:5]:
        assert token.prob == pytest.approx(reference_probs.get(token.id, 0), abs=0.03)
    steps = list(ModelSession(quantized).generate(text, params.with_changes(seed=1,
                                                                           max_new_tokens=8)))
    assert steps


def test_int8_is_offered_on_the_cpu_only():
    precision = resolve_precision("int8", torch.device("cpu"))
    assert precision.int8_weights and precision.dtype == torch.bfloat16
    assert precision.label == "int8 weights, bfloat16 compute"
    with pytest.raises(InvalidSettingError, match="CPU"):
        resolve_precision("int8", torch.device("cuda"))
    assert resolve_precision("auto", torch.device("cpu")).label == "float32"


@pytest.mark.parametrize("fixture", ["tiny_loaded", "tiny_gemma_loaded"])
def test_int8_copy_reloads_exactly_without_float_weights(fixture, request, tmp_path):
    from writer_app.engine.quantize import INT8_FILE, load_int8_model, save_int8_model

    loaded = request.getfixturevalue(fixture)
    quantized = quantized_copy(loaded)
    save_int8_model(quantized.model, tmp_path)
    assert (tmp_path / INT8_FILE).is_file()
    reloaded = load_int8_model(tmp_path, loaded.model.config, torch.bfloat16)
    assert reloaded is not None
    ids = loaded.tokenizer("I went on a trip to 北京", return_tensors="pt").input_ids
    with torch.inference_mode():
        assert torch.equal(quantized.model(ids).logits, reloaded(ids).logits)
    embedding = reloaded.get_input_embeddings()
    if hasattr(embedding, "table"):  # tied: still one shared int8 table after the reload
        assert embedding.table is reloaded.get_output_embeddings()


def test_a_foreign_or_missing_int8_file_is_not_trusted(tiny_loaded, tmp_path):
    from safetensors.torch import save_file

    from writer_app.engine.quantize import INT8_FILE, load_int8_model

    assert load_int8_model(tmp_path, tiny_loaded.model.config, torch.bfloat16) is None
    save_file({"x": torch.zeros(1)}, str(tmp_path / INT8_FILE), metadata={"format": "other"})
    assert load_int8_model(tmp_path, tiny_loaded.model.config, torch.bfloat16) is None


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("offset", [1, 3])
def test_misaligned_inputs_do_not_crash_the_int8_kernel(rows, offset):
    """torch's int8 GEMV crashed the process on a 2-byte-misaligned input (torch 2.13)."""
    torch.manual_seed(0)
    linear = nn.Linear(64, 96, bias=False)
    quantized = Int8Linear.from_linear(linear, torch.bfloat16)
    storage = torch.randn(rows * 64 + offset, dtype=torch.bfloat16)
    x = storage[offset:].view(rows, 64)  # a view that starts off the 64-byte grid
    assert x.data_ptr() % 64 != 0
    expected = linear(x.float())
    assert torch.allclose(quantized(x).float(), expected, rtol=0.05, atol=0.05)


class _Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.q_proj = nn.Linear(64, 48, bias=False)
        self.k_proj = nn.Linear(64, 16, bias=True)
        self.v_proj = nn.Linear(64, 16, bias=False)


def test_fused_projections_equal_the_separate_layers():
    from writer_app.engine.quantize import FusedInt8Linear, Int8Part

    torch.manual_seed(0)
    attention = _Attention()
    separate = {name: Int8Linear.from_linear(getattr(attention, name), torch.float32)
                for name in ("q_proj", "k_proj", "v_proj")}
    quantize_int8_weights(attention, torch.float32)
    assert isinstance(attention.q_proj, Int8Part)
    assert isinstance(attention.q_proj_k_proj_v_proj, FusedInt8Linear)
    assert not any(isinstance(m, Int8Part) for m in attention.q_proj_k_proj_v_proj.modules())
    x, other = torch.randn(3, 64), torch.randn(3, 64)
    for inputs in ([x, x, x], [x, other, x], [other, other, x]):  # shared, then mixed inputs
        for name, value in zip(("q_proj", "k_proj", "v_proj"), inputs, strict=True):
            got = getattr(attention, name)(value)
            assert got.shape == (3, separate[name].out_features) and got.is_contiguous()
            assert torch.allclose(got, separate[name](value), atol=1e-5)


def test_a_refused_int8_file_leaves_the_config_tied(tiny_gemma_loaded, tmp_path):
    """A stale int8 file once untied the shared config, and the float load that followed
    got a randomly initialised output layer."""
    from writer_app.engine.quantize import INT8_FILE, INT8_FORMAT, load_int8_model

    config = copy.deepcopy(tiny_gemma_loaded.model.config)
    assert config.tie_word_embeddings
    from safetensors.torch import save_file

    save_file({"stale": torch.zeros(1)}, str(tmp_path / INT8_FILE),
              metadata={"format": INT8_FORMAT, "aliases": "{}"})
    assert load_int8_model(tmp_path, config, torch.bfloat16) is None
    assert config.tie_word_embeddings


@pytest.mark.parametrize("in_features", [272, 100, 1000, 48])
@pytest.mark.parametrize("rows", [1, 3, GEMV_ROWS + 1])
def test_widths_the_int8_kernel_cannot_read_still_compute_right(in_features, rows):
    """torch's int8 GEMV reads rows in blocks of 16 columns: a group of 136 or 250 columns
    gave NaN or 1e37 there (or a crash), so such layers dequantize instead."""
    torch.manual_seed(0)
    linear = nn.Linear(in_features, 64, bias=False)
    quantized = Int8Linear.from_linear(linear, torch.bfloat16)
    x = torch.randn(rows, in_features)
    expected = linear(x)
    got = quantized(x).float()
    assert torch.isfinite(got).all()
    assert torch.allclose(got, expected, rtol=0.05, atol=0.05)


def test_group_sizes_fall_back_to_what_the_kernel_reads():
    assert group_size(272, 256) == 16  # 16 x 17: no multiple of 32 divides it
    assert group_size(100, 256) == 100  # no multiple of 16 divides it: dequantized


def test_two_processes_saving_the_same_int8_copy_at_once_both_succeed(
        tiny_loaded, tmp_path, monkeypatch):
    """Two Writer processes reading one converted folder may both make its int8 copy; with
    one fixed temporary name the second rename found the file already moved away."""
    import threading

    import safetensors.torch

    from writer_app.engine.quantize import INT8_FILE, load_int8_model, save_int8_model

    quantized = quantized_copy(tiny_loaded)
    real_save_file = safetensors.torch.save_file
    both_written = threading.Barrier(2, timeout=60)

    def save_file_then_wait(*args, **kwargs):
        real_save_file(*args, **kwargs)
        both_written.wait()  # both temporary files exist before either is renamed

    monkeypatch.setattr(safetensors.torch, "save_file", save_file_then_wait)
    failures = []

    def save():
        try:
            save_int8_model(quantized.model, tmp_path)
        except Exception as error:  # reported on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [INT8_FILE]
    assert load_int8_model(tmp_path, tiny_loaded.model.config, torch.bfloat16) is not None
