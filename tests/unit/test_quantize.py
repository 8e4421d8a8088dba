"""Weight-only int8: close to the float model, one shared copy of tied weights."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from writer_app.engine.device import resolve_precision
from writer_app.engine.params import SamplingParams
from writer_app.engine.quantize import GEMV_ROWS, Int8Linear, quantize_int8_weights, quantize_rows
from writer_app.engine.session import ModelSession
from writer_app.errors import InvalidSettingError

from ..conftest import make_loaded


def test_rows_round_trip_within_half_a_step():
    weight = torch.randn(300, 64)
    q, scale = quantize_rows(weight)
    assert q.dtype == torch.int8 and scale.shape == (300,)
    error = (q.float() * scale[:, None] - weight).abs()
    assert bool((error <= scale[:, None] / 2 + 1e-6).all())


@pytest.mark.parametrize("rows", [1, GEMV_ROWS, GEMV_ROWS + 1, 37])
def test_int8_linear_matches_float_linear_in_both_kernels(rows):
    torch.manual_seed(0)
    linear = nn.Linear(64, 96, bias=True)
    quantized = Int8Linear.from_linear(linear, torch.bfloat16)
    x = torch.randn(2, rows, 64)
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
