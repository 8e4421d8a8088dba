"""The engine benchmark's code paths on tiny models: every measurement runs, nothing is timed."""

from __future__ import annotations

import copy
import json
import math
import os

import pytest
import torch

from benchmarks import engine_bench
from benchmarks.engine import bandwidth, decode, fidelity, jobs, machine, pane, report
from benchmarks.engine.options import Options, sampling_params
from benchmarks.texts import fidelity_ids, long_text
from writer_app.engine.session import ModelSession

PROMPT = "The quick brown fox"


def small_options(**changes) -> Options:
    values = dict(dtypes=["float32"], new_tokens=6, decode_runs=2, generate_runs=1,
                  prompt_lengths=[8, 32], prefill_runs=1, document_tokens=60, edit_runs=3,
                  recompute_runs=1, slider_runs=4, fidelity_tokens=40, bandwidth_mb=4,
                  llama=False, cold_load=False, wait_quiet_s=0, retries=0)
    values.update(changes)
    return Options(**values)


@pytest.fixture
def session(tiny_loaded):
    return ModelSession(tiny_loaded)


def test_engine_decode_rates_and_eos_restored(session):
    params = sampling_params(small_options())
    eos = session.eos_ids
    rates = decode.measure_engine_decode(session, PROMPT, params, runs=2)
    assert len(rates) == 2
    assert all(rate > 0 and math.isfinite(rate) for rate in rates)
    assert session.eos_ids == eos


def test_engine_decode_makes_exactly_max_new_tokens(session, monkeypatch):
    """EOS is ignored while measuring, so each run makes every token it was asked for."""
    counted = []
    monkeypatch.setattr(decode, "token_rate", lambda stamps: counted.append(len(stamps)) or 1.0)
    params = sampling_params(small_options(), max_new_tokens=12)
    decode.measure_engine_decode(session, PROMPT, params, runs=1)
    assert counted == [12]


def test_generate_decode_rates(tiny_loaded):
    params = sampling_params(small_options())
    rates = decode.measure_generate_decode(tiny_loaded, PROMPT, params, runs=1)
    assert len(rates) == 1 and rates[0] > 0


def test_long_text_has_about_the_asked_length(tiny_tokenizer):
    for n in (8, 64, 200):
        ids = tiny_tokenizer(long_text(tiny_tokenizer, n))["input_ids"]
        assert abs(len(ids) - n) <= 3


def test_prefill_edit_and_slider(session, tiny_tokenizer):
    params = sampling_params(small_options())
    texts = {n: long_text(tiny_tokenizer, n) for n in (8, 32)}
    prefill = pane.measure_prefill(session, texts, params, runs=1)
    assert set(prefill) == {8, 32}
    assert all(p["ttft_ms"] > 0 and p["tokens_per_s"] > 0 for p in prefill.values())

    document = long_text(tiny_tokenizer, 80)
    edit = pane.measure_edit(session, document, params, runs=3, recompute_runs=1)
    assert edit["reuse_ms"] > 0 and edit["recompute_ms"] > 0 and edit["tokens"] > 60
    assert pane.measure_reweigh(session, document, params, runs=4) > 0


def test_fidelity_is_zero_for_the_same_model_and_positive_for_a_perturbed_copy(tiny_loaded):
    ids = fidelity_ids(tiny_loaded.tokenizer, 64)
    assert len(ids) == 64
    reference = fidelity.next_token_logprobs(tiny_loaded.model, ids)
    assert reference.shape == (63, tiny_loaded.model.config.vocab_size)

    again = fidelity.next_token_logprobs(tiny_loaded.model, ids)
    same = fidelity.compare_logprobs(reference, again, ids[1:], chunk=16)
    assert same["kl"] == pytest.approx(0.0, abs=1e-6)
    assert same["agreement"] == 100.0
    assert same["ppl_change"] == pytest.approx(0.0, abs=1e-6)

    perturbed = copy.deepcopy(tiny_loaded.model)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in perturbed.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.05)
    candidate = fidelity.next_token_logprobs(perturbed, ids)
    other = fidelity.compare_logprobs(reference, candidate, ids[1:])
    assert other["kl"] > 1e-4
    parts = fidelity.compare_parts(reference, candidate, ids, 20)
    assert parts["kl"] == pytest.approx(other["kl"])
    assert (19 * parts["kl_english"] + 44 * parts["kl_chinese"]) / 63 == pytest.approx(
        other["kl"], rel=1e-4)
    assert other["ppl"] != pytest.approx(other["ppl_reference"])


def _all_bytes(model) -> int:
    tensors = {t.data_ptr(): t for t in [*model.parameters(), *model.buffers()]}
    return sum(t.numel() * t.element_size() for t in tensors.values())


def test_weight_bytes_count_one_embedding_row(tiny_loaded):
    model = tiny_loaded.model
    embedding = model.get_input_embeddings().weight
    assert model.get_output_embeddings().weight.data_ptr() != embedding.data_ptr()  # untied
    expected = _all_bytes(model) - embedding.numel() * 4 + embedding.shape[1] * 4
    assert bandwidth.weight_bytes_per_token(model) == expected


def test_weight_bytes_count_a_tied_table_in_full_once(tiny_gemma_loaded):
    model = tiny_gemma_loaded.model
    embedding = model.get_input_embeddings().weight
    assert model.get_output_embeddings().weight.data_ptr() == embedding.data_ptr()  # tied
    buffers = sum(b.numel() * b.element_size()
                  for b in model.get_input_embeddings().buffers(recurse=False))
    row = embedding.shape[1] * 4
    assert bandwidth.weight_bytes_per_token(model) == _all_bytes(model) - buffers + row


def test_weight_bytes_of_int8_weights_are_about_a_quarter(tiny_gemma_loaded):
    quantize = pytest.importorskip("writer_app.engine.quantize")
    model = copy.deepcopy(tiny_gemma_loaded.model)
    fp32 = bandwidth.weight_bytes_per_token(model)
    model.to(torch.bfloat16)
    quantize.quantize_int8_weights(model, torch.bfloat16)
    int8 = bandwidth.weight_bytes_per_token(model)
    assert 0.2 * fp32 < int8 < 0.35 * fp32


def test_bandwidth_limit_arithmetic():
    assert report.bandwidth_limit(25e9, 500e6) == pytest.approx(50.0)
    assert report.bandwidth_limit(12e9, 1.2e9) == pytest.approx(10.0)
    assert math.isnan(report.bandwidth_limit(25e9, 0))
    assert bandwidth.measure_memory_bandwidth(megabytes=4, repeats=2, threads=1) > 0


def test_memory_figures():
    assert machine.memory_mb("VmRSS") > 0
    assert machine.memory_mb("VmHWM") >= machine.memory_mb("VmRSS") * 0.5
    machine.reset_peak_memory()  # may be refused; must not raise


class _Clock:
    """Stands in for the system's and this process's CPU-time counters, the wall clock and
    sleep (`others` cores busy while it sleeps)."""

    def __init__(self) -> None:
        self.system: float | None = 100.0
        self.own = 10.0
        self.wall = 1000.0
        self.others = 0.0
        self.slept: list[float] = []

    def perf_counter(self) -> float:
        return self.wall

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.wall += seconds
        if self.system is not None:
            self.system += self.others * seconds


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(machine, "system_busy_seconds", lambda: clock.system)
    monkeypatch.setattr(machine, "own_cpu_seconds", lambda: clock.own)
    monkeypatch.setattr(machine, "time", clock)
    return clock


def test_others_load_is_the_cores_others_kept_busy(clock):
    watch = machine.OthersLoad()
    clock.wall += 2.0  # two seconds pass; all processes are busy 5 CPU-s, this one 2
    clock.system += 5.0
    clock.own += 2.0
    assert watch.cores() == pytest.approx(1.5)
    clock.own += 4.0  # more CPU time of our own than the system counted: never negative
    assert watch.cores() == 0.0


def test_others_load_is_unknown_without_counters(clock):
    clock.system = None
    watch = machine.OthersLoad()
    clock.wall += 1.0
    assert watch.cores() is None


def test_others_load_reads_this_machine():
    if not os.path.exists("/proc/stat"):
        pytest.skip("no /proc/stat on this system")
    assert machine.system_busy_seconds() > 0
    watch = machine.OthersLoad()
    total = sum(range(200_000))  # some CPU time passes
    assert total > 0 and watch.cores() >= 0


def test_waiting_for_quiet_returns_after_one_quiet_sample(clock):
    clock.others = 0.1  # a tenth of a core: below the threshold
    assert machine.wait_for_quiet(max_seconds=60, sample_seconds=2.0) == pytest.approx(0.1)
    assert clock.slept == [2.0]


def test_waiting_for_quiet_waits_while_busy_and_gives_up_at_its_deadline(clock, capsys):
    clock.others = 2.0  # others keep two cores busy throughout
    assert machine.wait_for_quiet(max_seconds=5, sample_seconds=1.0) == pytest.approx(2.0)
    assert clock.slept == [1.0] * 5  # sampled until the deadline, then gave up
    assert "waiting up to 5 s" in capsys.readouterr().err


def test_a_disturbed_job_is_run_again_and_the_quietest_result_kept(monkeypatch):
    monkeypatch.setattr(engine_bench, "machine_info", lambda device="cpu": {})
    disturbance = iter([1.5, 0.6, 0.9])
    calls = []

    def runner(kind, options, arg):
        calls.append(kind)
        return {"others_cores": next(disturbance)}

    options = small_options(dtypes=[], fidelity=False, retries=2)
    results = engine_bench.run_benchmark(options, runner=runner)
    assert calls == ["bandwidth"] * 3
    assert results["bandwidth"]["others_cores"] == 0.6


def test_format_table_aligns_columns():
    table = report.format_table(["name", "tok/s", "ratio"],
                               [["float32", 9.4, "1.00x"], ["int8", 17.92, None],
                                ["skipped"]], title="Decode")
    lines = table.splitlines()
    assert lines[0] == "Decode"
    assert lines[1].split() == ["name", "tok/s", "ratio"]
    assert set(lines[2]) == {"-", " "}
    assert lines[3].split() == ["float32", "9.40", "1.00x"]
    assert lines[4].split() == ["int8", "17.9", "–"]
    assert lines[5].strip() == "skipped"
    assert len({len(line) for line in lines[1:4]}) == 1  # right-aligned columns line up
    assert report.format_table(["a", "b"], []).splitlines()[0].split() == ["a", "b"]


def test_options_from_command_line():
    quick = engine_bench.options_from_args(engine_bench.build_parser().parse_args(
        ["--quick", "--dtypes", "bfloat16, int8"]))
    assert quick.dtypes == ["bfloat16", "int8"] and quick.decode_runs == 3
    assert not quick.cold_load
    full = engine_bench.options_from_args(engine_bench.build_parser().parse_args(["--no-llama"]))
    assert full.cold_load and not full.llama and full.dtypes == ["float32", "bfloat16", "int8"]
    assert Options.from_dict({**vars(full), "unknown": 1}) == full


def test_job_through_main_writes_json(tmp_path):
    out = tmp_path / "result.json"
    options = json.dumps(vars(small_options()))
    assert engine_bench.main(["--job", "bandwidth", "--job-options", options,
                       "--job-out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["bytes_per_s"] > 0


def test_whole_run_in_process_on_a_tiny_model_folder(tiny_model_dir, capsys):
    options = small_options(model=str(tiny_model_dir),
                            dtypes=["float32", "bfloat16", "int8", "no-such-dtype"])
    results = engine_bench.run_benchmark(options, runner=jobs.run_job_in_process)
    precisions = results["precisions"]
    assert precisions["float32"]["engine_tps"] > 0
    assert precisions["float32"]["generate_tps"] > 0
    assert set(precisions["float32"]["prefill"]) == {"8", "32"}
    assert "skipped" in precisions["no-such-dtype"]
    assert results["fidelity"]["precisions"]["bfloat16"]["kl"] >= 0
    json.dumps(results)  # every figure can be written with --json

    text = report.format_report(results)
    for heading in ("1. Decode", "3. Time to first token", "4-5. Next-token pane",
                    "6-7. Load time", "8. Bandwidth limit", "9. Fidelity",
                    "note: no-such-dtype skipped", report.GUI_BENCH,
                    "Other processes' CPU use", "Seconds per job"):
        assert heading in text


def test_writer_llama_job_on_the_default_gguf_and_its_report():
    """Writer's llama.cpp backend beside llama.cpp's own loop: every figure is measured
    (on a tiny budget) and reported; a model that is not a GGUF is skipped."""
    pytest.importorskip("llama_cpp")
    options = small_options(llama=True, llama_threads=[1], decode_runs=1, new_tokens=5,
                            prompt_lengths=[8], document_tokens=40, edit_runs=2,
                            slider_runs=2)
    result = jobs.run_job("writer-llama", options)
    figures = result["decode"][1]
    assert figures["writer_tps"] > 0 and figures["llama_tps"] > 0
    assert figures["ratio"] == pytest.approx(figures["writer_tps"] / figures["llama_tps"])
    assert result["precision"] == "Q4_K_M" and result["tuned_tps"] > 0
    assert result["edit"]["tokens"] > 30 and result["edit"]["reuse_ms"] > 0
    assert result["slider_ms"] > 0 and set(result["prefill"]) == {8}

    results = json.loads(json.dumps({
        "writer_llama": engine_bench._jsonable(result),
        "fidelity": {"precisions": {"int8": {"kl": 0.004}, "llama.cpp": {"kl": 0.008}}}}))
    text = report._writer_llama_section(results)
    assert "2b. Writer's llama.cpp backend" in text and "1 thread(s)" in text
    assert "pane after a one-character edit" in text and "int8 0.0040, llama.cpp 0.0080" in text
    skipped = jobs.run_job("writer-llama", small_options(model="/no/such/model"))
    assert "skipped" in skipped
    assert "skipped" in report._writer_llama_section({"writer_llama": skipped})
