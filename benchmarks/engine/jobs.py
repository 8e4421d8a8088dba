"""The benchmark's jobs: each measures one thing in a fresh process in a real run (so that
peak memory, the allocator and thread state of one cannot colour another), or in the
test's own process on a tiny model.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.engine.bandwidth import (
    gguf_tensor_bytes,
    measure_memory_bandwidth,
    weight_bytes_per_token,
)
from benchmarks.engine.decode import measure_engine_decode, measure_generate_decode
from benchmarks.engine.fidelity import compare_parts, next_token_logprobs
from benchmarks.engine.llama import (
    LLAMA_HINT,
    LlamaTokenizer,
    llama_available,
    llama_logprobs,
    measure_llama_decode,
    measure_llama_prefill,
    model_gguf_path,
    open_llama,
)
from benchmarks.engine.llama_writer import job_llama_writer
from benchmarks.engine.machine import (
    OthersLoad,
    format_rates,
    median,
    memory_mb,
    progress,
    reset_peak_memory,
)
from benchmarks.engine.options import Options, sampling_params
from benchmarks.engine.pane import measure_edit, measure_prefill, measure_reweigh
from benchmarks.texts import DECODE_PROMPT, ENGLISH, fidelity_ids, long_text

REPO_ROOT = Path(__file__).resolve().parent.parent


def load(options: Options, dtype: str,
          progress_callback: Callable[[Any], None] | None = None) -> tuple[Any, float]:
    from writer_app.engine.models import load_model

    started = time.perf_counter()
    loaded = load_model(options.model, device=options.device, dtype=dtype,
                        progress=progress_callback)
    return loaded, time.perf_counter() - started


def configure() -> int:
    """Quiet libraries (no progress bars, no advisory warnings: stdout carries only the
    report) and the app's CPU threads; returns their number."""
    from writer_app.engine.device import configure_cpu_threads
    from writer_app.engine.quiet import quiet_libraries

    os.environ.setdefault("TQDM_DISABLE", "1")  # transformers' GGUF conversion bar
    quiet_libraries()
    warnings.filterwarnings("ignore", category=UserWarning)  # torch's too, not only transformers'
    return configure_cpu_threads()


def job_precision(options: Options, dtype: str | None = None) -> dict[str, Any]:
    """Everything measured on one precision: decode, prefill, pane, slider, memory."""
    dtype = dtype or "float32"
    from writer_app.engine.session import ModelSession
    from writer_app.errors import WriterError

    threads = configure()
    try:
        loaded, load_seconds = load(options, dtype)
    except WriterError as error:
        return {"skipped": str(error)}
    result: dict[str, Any] = {
        "precision": loaded.precision or str(loaded.dtype).removeprefix("torch."),
        "threads": threads, "load_s": load_seconds,
        "rss_loaded_mb": memory_mb("VmRSS"), "peak_load_mb": memory_mb("VmHWM"),
        "bytes_per_token": weight_bytes_per_token(loaded.model),
    }
    peak_reset = reset_peak_memory()
    if loaded.device.type == "cuda":
        import torch

        result["gpu_loaded_mb"] = torch.cuda.memory_allocated() / 2**20
        torch.cuda.reset_peak_memory_stats()
    session = ModelSession(loaded)
    params = sampling_params(options)

    progress(f"{dtype}: loaded in {load_seconds:.1f} s; warming up")
    measure_engine_decode(session, DECODE_PROMPT, params.with_changes(max_new_tokens=4), 1)
    rates = measure_engine_decode(session, DECODE_PROMPT, params, options.decode_runs)
    result["engine_tps_runs"] = rates
    result["engine_tps"] = median(rates)
    progress(f"{dtype}: Writer decode {format_rates(rates)} tok/s")

    texts = {n: long_text(loaded.tokenizer, n) for n in options.prompt_lengths}
    result["prefill"] = measure_prefill(session, texts, params, options.prefill_runs)
    progress(f"{dtype}: prefill done")
    document = long_text(loaded.tokenizer, options.document_tokens)
    result["edit"] = measure_edit(session, document, params, options.edit_runs,
                                  options.recompute_runs)
    result["slider_ms"] = measure_reweigh(session, document, params, options.slider_runs)
    progress(f"{dtype}: edit {result['edit']['reuse_ms']:.0f} ms (reuse) / "
             f"{result['edit']['recompute_ms']:.0f} ms (recompute); "
             f"slider {result['slider_ms']:.2f} ms")
    result["peak_engine_mb"] = memory_mb("VmHWM") if peak_reset else None
    if loaded.device.type == "cuda":
        result["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    session.reset_cache()
    del session

    measure_generate_decode(loaded, DECODE_PROMPT, params.with_changes(max_new_tokens=4), 1)
    rates = measure_generate_decode(loaded, DECODE_PROMPT, params, options.generate_runs)
    result["generate_tps_runs"] = rates
    result["generate_tps"] = median(rates)
    progress(f"{dtype}: generate() decode {format_rates(rates)} tok/s")
    result["peak_total_mb"] = memory_mb("VmHWM")
    return result


def job_bandwidth(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """Memory read bandwidth with one thread and with all of torch's threads."""
    threads = configure()
    result: dict[str, Any] = {"threads": threads}
    if options.device != "cpu":  # the accelerator's own memory
        from writer_app.engine.device import resolve_device

        device = str(resolve_device(options.device))
        result[f"bytes_per_s_{device}"] = measure_memory_bandwidth(options.bandwidth_mb,
                                                                   device=device)
    else:
        for count in sorted({1, threads}):
            result[f"bytes_per_s_{count}t"] = measure_memory_bandwidth(options.bandwidth_mb,
                                                                       threads=count)
    result["bytes_per_s"] = max(v for k, v in result.items() if k.startswith("bytes_per_s_"))
    return result


def job_llama(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """llama.cpp on the same GGUF: decode per thread count, prefill with all threads."""
    gguf_path = model_gguf_path(options.model)
    if gguf_path is None:
        return {"skipped": "the model is not a GGUF file"}
    if options.device != "cpu":
        return {"skipped": "llama.cpp is compared on the CPU only (run with --device cpu)"}
    if not llama_available():
        return {"skipped": LLAMA_HINT}
    result: dict[str, Any] = {"gguf": str(gguf_path), "decode": {},
                              "bytes_per_token": gguf_tensor_bytes(gguf_path)}
    for threads in options.llama_threads:
        started = time.perf_counter()
        llm = open_llama(gguf_path, threads, seed=options.seed)
        load_seconds = time.perf_counter() - started
        try:
            warmup = Options.from_dict({**asdict(options), "new_tokens": 4})
            measure_llama_decode(llm, DECODE_PROMPT, warmup, 1)
            rates = measure_llama_decode(llm, DECODE_PROMPT, options, options.decode_runs)
            result["decode"][threads] = {"tps": median(rates), "runs": rates,
                                         "load_s": load_seconds}
            progress(f"llama.cpp {threads} thread(s): decode {format_rates(rates)} tok/s")
            if threads == max(options.llama_threads):
                tokenizer = LlamaTokenizer(llm)  # the GGUF's vocabulary: the engine's too
                texts = {n: long_text(tokenizer, n) for n in options.prompt_lengths}
                result["prefill_threads"] = threads
                result["prefill"] = measure_llama_prefill(llm, texts, options.prefill_runs)
        finally:
            llm.close()
    return result


def job_writer_llama(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """Writer's llama.cpp backend on the same GGUF, beside llama.cpp's own loop."""
    gguf_path = model_gguf_path(options.model)
    if gguf_path is None:
        return {"skipped": "the model is not a GGUF file"}
    if options.device != "cpu":
        return {"skipped": "llama.cpp is compared on the CPU only (run with --device cpu)"}
    if not llama_available():
        return {"skipped": LLAMA_HINT}
    from writer_app.engine.llamacpp.model import sample_on_one_thread

    configure()
    sample_on_one_thread()  # as the llama.cpp backend's process does
    return job_llama_writer(options, gguf_path)


def job_fidelity(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """Each faster precision (and llama.cpp) against float32 on the fixed text."""

    from writer_app.errors import WriterError

    threads = configure()
    reference_model, _ = load(options, "float32")
    ids = fidelity_ids(reference_model.tokenizer, options.fidelity_tokens)
    english = len(reference_model.tokenizer(ENGLISH)["input_ids"])  # tokens before Chinese
    reference = next_token_logprobs(reference_model.model, ids)
    del reference_model
    gc.collect()
    result: dict[str, Any] = {"tokens": len(ids), "precisions": {}}
    for dtype in options.dtypes:
        if dtype in ("float32", "fp32"):
            continue
        try:
            loaded, _ = load(options, dtype)
        except WriterError as error:
            result["precisions"][dtype] = {"skipped": str(error)}
            continue
        candidate = next_token_logprobs(loaded.model, ids)
        result["precisions"][dtype] = compare_parts(reference, candidate, ids, english)
        progress(f"fidelity {dtype}: KL {result['precisions'][dtype]['kl']:.4f} nats")
        del loaded, candidate
        gc.collect()
    gguf_path = model_gguf_path(options.model) if options.llama else None
    if gguf_path is not None and llama_available():
        candidate = llama_logprobs(gguf_path, ids, threads)
        # the logits Writer's llama.cpp backend samples from (read here in one batch)
        result["precisions"]["llama.cpp"] = compare_parts(reference, candidate, ids, english)
    return result


def job_cold_load(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """A first-ever load: a fresh WRITER_HOME, so the GGUF is assembled and converted."""
    import writer_app.engine.models  # noqa: F401  (imported before the clock starts)

    configure()
    stages: list[tuple[str, float]] = []  # (stage, when it began)

    def note(step: Any) -> None:
        if not stages or stages[-1][0] != step.stage:
            stages.append((step.stage, time.perf_counter()))

    home = tempfile.mkdtemp(prefix="writer-bench-home-")
    saved = os.environ.get("WRITER_HOME")
    os.environ["WRITER_HOME"] = home
    try:
        _, seconds = load(options, "float32", note)
    finally:
        if saved is None:
            os.environ.pop("WRITER_HOME", None)
        else:
            os.environ["WRITER_HOME"] = saved
        shutil.rmtree(home, ignore_errors=True)
    # how long each stage lasted: until the next one began (the last one is "Ready")
    durations = {stage: following - began for (stage, began), (_, following)
                 in itertools.pairwise(stages)}
    return {"load_s": seconds, "peak_mb": memory_mb("VmHWM"), "stages": durations}


JOBS: dict[str, Callable[[Options, str | None], dict[str, Any]]] = {
    "precision": job_precision,
    "bandwidth": job_bandwidth,
    "llama": job_llama,
    "writer-llama": job_writer_llama,
    "fidelity": job_fidelity,
    "cold-load": job_cold_load,
}

Runner = Callable[[str, Options, "str | None"], dict[str, Any]]


def run_job(kind: str, options: Options, arg: str | None = None) -> dict[str, Any]:
    """Run one job here, noting how busy other processes kept the CPU meanwhile."""
    watch = OthersLoad()
    result = JOBS[kind](options, arg)
    result["others_cores"] = watch.cores()
    result["job_seconds"] = time.perf_counter() - watch.started
    return result


def run_job_in_subprocess(kind: str, options: Options, arg: str | None = None) -> dict[str, Any]:
    """Run one job in a fresh Python process; its result comes back as JSON."""
    with tempfile.TemporaryDirectory(prefix="writer-bench-") as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, "-m", "benchmarks.engine_bench", "--job", kind,
                   "--job-options", json.dumps(asdict(options)), "--job-out", str(out)]
        if arg is not None:
            command += ["--job-arg", arg]
        env = dict(os.environ)
        env.setdefault("TQDM_DISABLE", "1")  # conversion progress bars
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                          env.get("PYTHONPATH")]))
        finished = subprocess.run(command, env=env, stdout=sys.stderr, check=False)
        if finished.returncode != 0 or not out.is_file():
            return {"error": f"the {kind} job failed (exit code {finished.returncode})"}
        return json.loads(out.read_text(encoding="utf-8"))


def run_job_in_process(kind: str, options: Options, arg: str | None = None) -> dict[str, Any]:
    """For tests: the same job without a new process."""
    return run_job(kind, options, arg)
