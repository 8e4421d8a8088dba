"""Writer's engine, measured side by side: `python -m benchmarks.engine_bench [--quick]`.

One run, one model, one set of sampling settings (temperature 0.8, top-k 50, top-p 0.95,
repetition penalty 1.1, 128 new tokens), printed as tables with ratios:

1. decode tokens/s: Writer's engine vs transformers' `generate()`, per precision;
2. the same for llama.cpp on the same GGUF file (when llama-cpp-python is installed);
3. time to first token and prefill tokens/s for 64, 512 and 2,048-token prompts;
4. the next-token pane after a one-character edit at the end of a ~2,000-token
   document: prefix KV reuse vs full recompute;
5. a slider change: the pane recomputed from cached logits (no model call);
6. cold load (GGUF conversion) vs cached load;
7. peak memory (RSS) per precision;
8. the memory-bandwidth limit on decode speed, and how close each precision gets;
9. fidelity of each faster precision against float32 on a fixed text.

Each precision runs in its own subprocess (a "job") so that peak memory, the allocator
and thread state of one cannot colour another. The jobs are plain functions, so a test
can run them in-process on a tiny model.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.report import NOISY_CORES, format_report
from benchmarks.texts import CHINESE, DECODE_PROMPT, ENGLISH, FIDELITY_TEXT

if TYPE_CHECKING:
    import torch

    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.models import LoadedModel
    from writer_app.engine.session import ModelSession

REPO_ROOT = Path(__file__).resolve().parent.parent
LLAMA_HINT = "pip install llama-cpp-python  (or: pip install 'writer-app[llama]')"


# ---------------------------------------------------------------------------
# Options


@dataclass
class Options:
    """What one benchmark run measures, and how often."""

    model: str = "default"
    device: str = "cpu"  # "cuda" for a GPU table (llama.cpp and int8 are CPU-only here)
    dtypes: list[str] = field(default_factory=lambda: ["float32", "bfloat16", "int8"])
    new_tokens: int = 128
    decode_runs: int = 5  # Writer's engine
    generate_runs: int = 3  # transformers' generate() (the slow baseline)
    prompt_lengths: list[int] = field(default_factory=lambda: [64, 512, 2048])
    prefill_runs: int = 3
    document_tokens: int = 2000
    edit_runs: int = 10
    recompute_runs: int = 3
    slider_runs: int = 30
    fidelity_tokens: int = 512
    bandwidth_mb: int = 1024
    llama: bool = True
    llama_threads: list[int] = field(default_factory=lambda: [1, 2])
    fidelity: bool = True
    cold_load: bool = True
    wait_quiet_s: float = 60.0  # before each job, wait up to this long for an idle CPU
    retries: int = 1  # a job that other processes disturbed is run again this many times
    seed: int = 1234

    @classmethod
    def quick(cls, **changes: Any) -> Options:
        """Fewer repeats and no cold load: a few minutes instead of about ten."""
        values = dict(decode_runs=3, generate_runs=3, prefill_runs=1, edit_runs=5,
                      recompute_runs=1, slider_runs=20, cold_load=False)
        values.update(changes)
        return cls(**values)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Options:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


def sampling_params(options: Options, **changes: Any) -> SamplingParams:
    """The benchmark's sampling settings: the app's defaults, spelled out."""
    from writer_app.boundary.params import SamplingParams

    values: dict[str, Any] = dict(temperature=0.8, top_k=50, top_p=0.95,
                                  repetition_penalty=1.1, max_new_tokens=options.new_tokens,
                                  seed=options.seed)
    values.update(changes)
    return SamplingParams(**values)


# ---------------------------------------------------------------------------
# Small helpers: medians, memory, the machine


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def _fmt_list(values: Sequence[float]) -> str:
    return " ".join(f"{v:.1f}" for v in values)


def memory_mb(key: str = "VmRSS") -> float:
    """A memory figure of this process in MB (VmRSS now, VmHWM the peak) from /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    if key == "VmHWM":  # not Linux: the peak is what getrusage knows
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024
    return math.nan


def reset_peak_memory() -> bool:
    """Start VmHWM afresh from the current RSS (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> str:
    """The vector extensions that matter for these kernels."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                          if line.startswith("flags")), [])
    except OSError:
        return ""
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16")
    return " ".join(flag for flag in wanted if flag in flags)


def machine_info(device: str = "cpu") -> dict[str, Any]:
    import torch
    import transformers

    from writer_app.engine.device import configure_cpu_threads

    threads = configure_cpu_threads()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
        if hasattr(os, "sysconf") else None,
        "device": device,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": threads,
        "transformers": transformers.__version__,
        "llama_cpp": _llama_cpp_version(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "load_average": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _llama_cpp_version() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return None
    try:
        import llama_cpp

        return str(getattr(llama_cpp, "__version__", "?"))
    except Exception as error:  # a broken build is as good as none
        return f"unusable ({error})"


def system_busy_seconds() -> float | None:
    """CPU seconds all processes have spent busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    busy = sum(values[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class OthersLoad:
    """How many cores other processes kept busy while this one measured (0 = quiet).

    Both PyTorch and llama.cpp slow down several-fold when another process takes a
    core, so every job reports this next to its figures.
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.system = system_busy_seconds()
        self.own = own_cpu_seconds()

    def cores(self) -> float | None:
        system = system_busy_seconds()
        elapsed = time.perf_counter() - self.started
        if system is None or self.system is None or elapsed <= 0:
            return None
        others = (system - self.system) - (own_cpu_seconds() - self.own)
        return max(0.0, others / elapsed)


def wait_for_quiet(max_seconds: float, sample_seconds: float = 2.0,
                   threshold: float = NOISY_CORES) -> float | None:
    """Wait (up to `max_seconds`) until other processes leave the CPU idle.

    Returns the cores others used in the last sample (None where it cannot be told).
    """
    deadline = time.perf_counter() + max_seconds
    told = False
    while True:
        watch = OthersLoad()
        time.sleep(sample_seconds)
        cores = watch.cores()
        if cores is None or cores <= threshold or time.perf_counter() >= deadline:
            return cores
        if not told:
            progress(f"other processes use {cores:.1f} cores; waiting up to "
                     f"{max_seconds:.0f} s for a quiet machine")
            told = True


def quiet_libraries() -> None:
    """No progress bars or advisory warnings in the benchmark's output."""
    import warnings

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")  # transformers' GGUF conversion bar
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning)


def progress(message: str) -> None:
    """A progress line on stderr, so stdout carries only the report."""
    print(f"  · {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Texts of a given length


def long_text(tokenizer: Any, n_tokens: int) -> str:
    """A text of about `n_tokens` tokens (BOS included): numbered chapters of the paragraphs."""
    chapters: list[str] = []
    ids: list[int] = []
    while len(ids) < n_tokens + 8:
        number = len(chapters) + 1
        chapters.append(f"Chapter {number}.\n\n{ENGLISH}\n\n{CHINESE}\n\n")
        ids = tokenizer("".join(chapters), add_special_tokens=False)["input_ids"]
    special = len(tokenizer("")["input_ids"])  # BOS, where the tokenizer adds one
    return tokenizer.decode(ids[:max(1, n_tokens - special)])


def fidelity_ids(tokenizer: Any, n_tokens: int) -> list[int]:
    """The fixed fidelity text as token ids (BOS included), at most `n_tokens` of them."""
    return list(tokenizer(FIDELITY_TEXT)["input_ids"][:n_tokens])


# ---------------------------------------------------------------------------
# 1. Decode speed


def measure_engine_decode(session: ModelSession, prompt: str, params: SamplingParams,
                          runs: int) -> list[float]:
    """Tokens/s of Writer's engine, one value per run.

    EOS is ignored, so every run makes exactly max_new_tokens tokens; the rate is taken
    from the first token to the last (prefill excluded), as for generate() below.
    """
    saved_eos = session.eos_ids
    session.eos_ids = frozenset()
    rates = []
    try:
        for run in range(runs):
            session.reset_cache()
            stamps = [time.perf_counter() for step in
                      session.generate(prompt, params.with_changes(seed=params.seed + run))
                      if step.token_id >= 0]
            rates.append(_rate(stamps))
    finally:
        session.eos_ids = saved_eos
    return rates


class _TokenClock:
    """A `generate()` streamer that only notes when each token arrives."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def put(self, value: Any) -> None:  # first call: the prompt; then one per new token
        value.cpu()  # on a GPU: wait until the token exists
        self.stamps.append(time.perf_counter())

    def end(self) -> None:
        pass


def measure_generate_decode(loaded: LoadedModel, prompt: str, params: SamplingParams,
                            runs: int) -> list[float]:
    """Tokens/s of transformers' `model.generate()` with the same settings, per run."""
    import torch

    tokenizer = loaded.tokenizer
    input_ids = tokenizer(prompt, return_tensors="pt")["input_ids"].to(loaded.device)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None \
        else tokenizer.eos_token_id
    rates = []
    for run in range(runs):
        torch.manual_seed(params.seed + run)
        clock = _TokenClock()
        with torch.inference_mode():
            loaded.model.generate(
                input_ids, attention_mask=torch.ones_like(input_ids), do_sample=True,
                temperature=params.temperature, top_k=params.top_k, top_p=params.top_p,
                repetition_penalty=params.repetition_penalty,
                max_new_tokens=params.max_new_tokens, min_new_tokens=params.max_new_tokens,
                pad_token_id=pad, streamer=clock)
        rates.append(_rate(clock.stamps[1:]))
    return rates


def _rate(stamps: Sequence[float]) -> float:
    """Tokens per second between the first and the last of a token's arrival times."""
    if len(stamps) < 2 or stamps[-1] <= stamps[0]:
        return math.nan
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


# ---------------------------------------------------------------------------
# 3-5. Prefill, the edit pane, the slider


def measure_prefill(session: ModelSession, texts: dict[int, str], params: SamplingParams,
                    runs: int) -> dict[int, dict[str, float]]:
    """Time to first token (next-token pane from an empty cache) per prompt length.

    Returns {nominal length: {"tokens", "ttft_ms", "tokens_per_s"}}.
    """
    results = {}
    for length, text in texts.items():
        tokens = len(session.tokenize(text)[0])
        times = []
        for _ in range(runs):
            session.reset_cache()
            started = time.perf_counter()
            session.next_tokens(text, params)
            times.append(time.perf_counter() - started)
        seconds = median(times)
        results[length] = {"tokens": tokens, "ttft_ms": seconds * 1000,
                           "tokens_per_s": tokens / seconds}
    return results


def measure_edit(session: ModelSession, document: str, params: SamplingParams,
                 runs: int, recompute_runs: int) -> dict[str, float]:
    """The pane after a one-character edit at the end of `document`, in ms (medians).

    The last character alternates between two letters, as when a user retypes it:
    "reuse" is the session's normal path (its cached prefix), "recompute" starts from an
    empty cache each time.
    """
    endings = ("a", "e")
    session.reset_cache()
    session.next_tokens(document + endings[0], params)
    reuse = []
    for run in range(runs):
        text = document + endings[(run + 1) % 2]
        started = time.perf_counter()
        session.next_tokens(text, params)
        reuse.append(time.perf_counter() - started)
    recompute = []
    for run in range(recompute_runs):
        session.reset_cache()
        started = time.perf_counter()
        session.next_tokens(document + endings[run % 2], params)
        recompute.append(time.perf_counter() - started)
    return {"tokens": len(session.tokenize(document)[0]),
            "reuse_ms": median(reuse) * 1000, "recompute_ms": median(recompute) * 1000}


def measure_reweigh(session: ModelSession, text: str, params: SamplingParams,
                    runs: int) -> float:
    """Median ms of `reweigh()`: a slider moved, the pane recomputed without the model."""
    session.next_tokens(text, params)
    moves = [dict(temperature=0.5), dict(temperature=1.2), dict(top_k=20), dict(top_p=0.8),
             dict(repetition_penalty=1.3), dict(temperature=0.8, top_k=50, top_p=0.95)]
    times = []
    for run in range(runs):
        changed = params.with_changes(**moves[run % len(moves)])
        started = time.perf_counter()
        result = session.reweigh(changed)
        times.append(time.perf_counter() - started)
        assert result is not None
    return median(times) * 1000


# ---------------------------------------------------------------------------
# 8. The bandwidth limit


def measure_memory_bandwidth(megabytes: int = 1024, repeats: int = 5,
                             threads: int | None = None, device: str = "cpu") -> float:
    """Bytes/s read by summing a `megabytes` float32 tensor (best of `repeats`)."""
    import torch

    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        data = torch.ones(megabytes * 2**20 // 4, dtype=torch.float32, device=device)
        float(data.sum())  # touch every page once before timing
        best = math.inf
        for _ in range(repeats):
            started = time.perf_counter()
            float(data.sum())  # float(): waits for a GPU
            best = min(best, time.perf_counter() - started)
        return data.numel() * data.element_size() / best
    finally:
        torch.set_num_threads(saved_threads)


def weight_bytes_per_token(model: torch.nn.Module) -> int:
    """Bytes of weights one decoded token reads.

    Every tensor of every layer is read once, except embedding tables, of which a token
    reads one row. A table shared with the output layer (tied weights) is counted in
    full there, since the output layer multiplies by all of it. Shared tensors count once.
    """
    from torch import nn

    total = 0
    seen: set[int] = set()
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            total += module.weight.shape[1] * module.weight.element_size()
            continue
        table = getattr(module, "table", None)  # writer_app.engine.quantize.Int8Embedding
        if table is not None and hasattr(table, "q") and hasattr(table, "scale"):
            total += table.q.shape[1] * table.q.element_size() + table.scale.element_size()
            continue
        for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
            if tensor.data_ptr() in seen:
                continue
            seen.add(tensor.data_ptr())
            total += tensor.numel() * tensor.element_size()
    return total


def gguf_tensor_bytes(path: Path) -> int:
    """Bytes of all tensors in a GGUF file (its output layer is its tied embedding table)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    return sum(int(tensor.n_bytes) for tensor in reader.tensors)


# ---------------------------------------------------------------------------
# 9. Fidelity


def next_token_logprobs(model: torch.nn.Module, ids: Sequence[int]) -> torch.Tensor:
    """Log-probabilities [len(ids) - 1, V] of the next token at every position but the last."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        output = model(input_ids=torch.tensor([list(ids)], device=device), use_cache=False,
                       logits_to_keep=0)  # 0 = every position
        return output.logits[0, :-1].float().log_softmax(dim=-1)


def compare_logprobs(reference: torch.Tensor, candidate: torch.Tensor,
                     targets: Sequence[int], chunk: int = 64) -> dict[str, float]:
    """How far `candidate` strays from `reference` ([N, V] log-probs each).

    targets: the N tokens that actually follow. Returns mean KL(reference ‖ candidate) in
    nats, argmax agreement in %, both perplexities and the relative change.
    """
    import torch

    kl_sum, agree, nll_ref, nll = 0.0, 0, 0.0, 0.0
    target = torch.as_tensor(list(targets), dtype=torch.long, device=reference.device)
    rows = reference.shape[0]
    for start in range(0, rows, chunk):
        ref = reference[start:start + chunk]
        cand = candidate[start:start + chunk].to(ref.device, torch.float32)
        kl_sum += float((ref.exp() * (ref - cand)).sum())
        agree += int((ref.argmax(dim=-1) == cand.argmax(dim=-1)).sum())
        picked = target[start:start + chunk, None]
        nll_ref -= float(ref.gather(1, picked).sum())
        nll -= float(cand.gather(1, picked).sum())
    ppl_ref, ppl = math.exp(nll_ref / rows), math.exp(nll / rows)
    return {"positions": rows, "kl": kl_sum / rows, "agreement": 100 * agree / rows,
            "ppl_reference": ppl_ref, "ppl": ppl, "ppl_change": ppl / ppl_ref - 1}


def compare_parts(reference: torch.Tensor, candidate: torch.Tensor, ids: Sequence[int],
                  english: int) -> dict[str, float]:
    """compare_logprobs over the whole text, plus the KL of its English and Chinese parts.

    `english`: how many of `ids` (BOS included) are the English paragraph.
    """
    result = compare_logprobs(reference, candidate, ids[1:])
    split = min(max(english - 1, 0), reference.shape[0])
    for name, rows in (("english", slice(0, split)), ("chinese", slice(split, None))):
        if rows.start < (rows.stop if rows.stop is not None else reference.shape[0]):
            part = compare_logprobs(reference[rows], candidate[rows], ids[1:][rows])
            result[f"kl_{name}"] = part["kl"]
    return result


# ---------------------------------------------------------------------------
# 2. llama.cpp on the same GGUF


def llama_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def open_llama(path: Path, threads: int, n_ctx: int = 4096, logits_all: bool = False,
               seed: int = 0) -> Any:
    from llama_cpp import Llama

    return Llama(model_path=str(path), n_ctx=n_ctx, n_batch=512, n_threads=threads,
                 n_threads_batch=threads, logits_all=logits_all, seed=seed, verbose=False)


def measure_llama_decode(llm: Any, prompt: str, options: Options, runs: int) -> list[float]:
    """Tokens/s of llama.cpp's own sampling loop with the same settings, per run.

    llama.cpp's repetition penalty looks at the last 64 tokens, transformers' at all;
    its min-p filter (on by default there) is turned off.
    `generate` does not stop at EOS, so every run makes exactly new_tokens tokens.
    """
    prompt_ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True)
    rates = []
    for run in range(runs):
        llm.reset()
        llm.set_seed(options.seed + run)
        stamps = []
        # generate() reuses (and empties) the list it is given: pass a copy
        for _token in llm.generate(list(prompt_ids), top_k=50, top_p=0.95, min_p=0.0,
                                   temp=0.8, repeat_penalty=1.1, reset=True):
            stamps.append(time.perf_counter())
            if len(stamps) >= options.new_tokens:
                break
        rates.append(_rate(stamps))
    return rates


def measure_llama_prefill(llm: Any, texts: dict[int, str],
                          runs: int) -> dict[int, dict[str, float]]:
    """Time to evaluate each prompt from an empty cache (its last logits included)."""
    results = {}
    for length, text in texts.items():
        ids = llm.tokenize(text.encode("utf-8"), add_bos=True)
        times = []
        for _ in range(runs):
            llm.reset()
            started = time.perf_counter()
            llm.eval(ids)
            times.append(time.perf_counter() - started)
        seconds = median(times)
        results[length] = {"tokens": len(ids), "ttft_ms": seconds * 1000,
                           "tokens_per_s": len(ids) / seconds}
    return results


def llama_logprobs(path: Path, ids: Sequence[int], threads: int) -> torch.Tensor:
    """llama.cpp's log-probabilities [len(ids) - 1, V], fed the same token ids."""
    import torch

    llm = open_llama(path, threads, n_ctx=max(512, len(ids)), logits_all=True)
    try:
        llm.reset()
        llm.eval(list(ids))
        scores = torch.from_numpy(llm.scores[:len(ids) - 1].copy())
    finally:
        llm.close()
    return scores.float().log_softmax(dim=-1)


# ---------------------------------------------------------------------------
# Jobs: each runs in a fresh process in a real run


def _load(options: Options, dtype: str,
          progress_callback: Callable[[Any], None] | None = None) -> tuple[Any, float]:
    from writer_app.engine.models import load_model

    started = time.perf_counter()
    loaded = load_model(options.model, device=options.device, dtype=dtype,
                        progress=progress_callback)
    return loaded, time.perf_counter() - started


def _configure() -> int:
    from writer_app.engine.device import configure_cpu_threads

    quiet_libraries()
    return configure_cpu_threads()


def job_precision(options: Options, dtype: str | None = None) -> dict[str, Any]:
    """Everything measured on one precision: decode, prefill, pane, slider, memory."""
    dtype = dtype or "float32"
    from writer_app.engine.session import ModelSession
    from writer_app.errors import WriterError

    threads = _configure()
    try:
        loaded, load_seconds = _load(options, dtype)
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
    progress(f"{dtype}: Writer decode {_fmt_list(rates)} tok/s")

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
    progress(f"{dtype}: generate() decode {_fmt_list(rates)} tok/s")
    result["peak_total_mb"] = memory_mb("VmHWM")
    return result


def job_bandwidth(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """Memory read bandwidth with one thread and with all of torch's threads."""
    threads = _configure()
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
            progress(f"llama.cpp {threads} thread(s): decode {_fmt_list(rates)} tok/s")
            if threads == max(options.llama_threads):
                tokenizer = LlamaTokenizer(llm)  # the GGUF's vocabulary: the engine's too
                texts = {n: long_text(tokenizer, n) for n in options.prompt_lengths}
                result["prefill_threads"] = threads
                result["prefill"] = measure_llama_prefill(llm, texts, options.prefill_runs)
        finally:
            llm.close()
    return result


class LlamaTokenizer:
    """Just enough of a transformers tokenizer over llama.cpp's for `long_text`."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        ids = self.llm.tokenize(text.encode("utf-8"), add_bos=add_special_tokens,
                                special=False)
        return {"input_ids": list(ids)}

    def decode(self, ids: Sequence[int]) -> str:
        return self.llm.detokenize(list(ids)).decode("utf-8", errors="ignore")


def model_gguf_path(spec: str) -> Path | None:
    """The GGUF file behind a model spec, where there is one."""
    if spec == "default":
        from writer_app.engine.models import default_gguf_path

        return default_gguf_path()
    path = Path(spec).expanduser()
    return path if path.is_file() and path.suffix.lower() == ".gguf" else None


def job_fidelity(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """Each faster precision (and llama.cpp) against float32 on the fixed text."""
    import gc

    from writer_app.errors import WriterError

    threads = _configure()
    reference_model, _ = _load(options, "float32")
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
            loaded, _ = _load(options, dtype)
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
        result["precisions"]["llama.cpp"] = compare_parts(reference, candidate, ids, english)
    return result


def job_cold_load(options: Options, _arg: str | None = None) -> dict[str, Any]:
    """A first-ever load: a fresh WRITER_HOME, so the GGUF is assembled and converted."""
    import writer_app.engine.models  # noqa: F401  (imported before the clock starts)

    _configure()
    stages: list[tuple[str, float]] = []  # (stage, when it began)

    def note(step: Any) -> None:
        if not stages or stages[-1][0] != step.stage:
            stages.append((step.stage, time.perf_counter()))

    home = tempfile.mkdtemp(prefix="writer-bench-home-")
    saved = os.environ.get("WRITER_HOME")
    os.environ["WRITER_HOME"] = home
    try:
        _, seconds = _load(options, "float32", note)
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


# ---------------------------------------------------------------------------
# The whole run


def run_benchmark(options: Options, runner: Runner = run_job_in_subprocess) -> dict[str, Any]:
    """Run every measurement the options ask for; returns all figures (JSON-friendly)."""
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_info(options.device),
                               "options": asdict(options)}

    def job(kind: str, arg: str | None, message: str) -> dict[str, Any]:
        """Run a job; run it again when other processes took the CPU meanwhile."""
        best: dict[str, Any] | None = None
        for attempt in range(1 + max(0, options.retries)):
            if options.wait_quiet_s > 0:
                wait_for_quiet(options.wait_quiet_s)
            progress(message if attempt == 0 else f"{message}, again (disturbed)")
            result = runner(kind, options, arg)
            if best is None or _disturbance(result) < _disturbance(best):
                best = result
            if _disturbance(best) <= NOISY_CORES:
                break
        assert best is not None
        return best

    results["bandwidth"] = job("bandwidth", None, "memory bandwidth")
    results["precisions"] = {}
    for dtype in options.dtypes:
        results["precisions"][dtype] = job("precision", dtype, f"precision {dtype}")
    if options.llama:
        results["llama"] = job("llama", None, "llama.cpp on the same GGUF")
    if options.fidelity:
        results["fidelity"] = job("fidelity", None, "fidelity against float32")
    if options.cold_load:
        results["cold_load"] = job("cold-load", None,
                                   "cold load (fresh WRITER_HOME: converts the GGUF)")
    results["machine"]["load_average_end"] = _load_average()
    results["seconds"] = time.perf_counter() - started
    return _jsonable(results)


def _disturbance(result: dict[str, Any]) -> float:
    """Cores other processes used during a job (0 where unknown)."""
    return result.get("others_cores") or 0.0


def _jsonable(value: Any) -> Any:
    """Integer dict keys become strings, as JSON would make them; nan stays a float."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


# ---------------------------------------------------------------------------
# Command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engine_bench",
        description="Measure Writer's engine against transformers' generate() and llama.cpp.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats, no cold load (a few minutes)")
    parser.add_argument("--dtypes", default="float32,bfloat16,int8",
                        help="precisions to measure, comma-separated (default: %(default)s)")
    parser.add_argument("--device", default="cpu",
                        help="where the model runs: cpu (default) or cuda for the GPU table")
    parser.add_argument("--model", default="default",
                        help="model spec as for writer-app --model (default: the built-in)")
    parser.add_argument("--json", metavar="OUT", help="also write every figure to this file")
    parser.add_argument("--report", metavar="JSON",
                        help="measure nothing: print the tables of a run saved with --json")
    parser.add_argument("--cold-load", action=argparse.BooleanOptionalAction, default=None,
                        help="measure a first-ever load that converts the GGUF (~50 s; "
                             "on by default, off with --quick)")
    parser.add_argument("--llama", action=argparse.BooleanOptionalAction, default=True,
                        help="compare with llama.cpp when llama-cpp-python is installed")
    parser.add_argument("--fidelity", action=argparse.BooleanOptionalAction, default=True,
                        help="compare each precision's distributions with float32")
    parser.add_argument("--wait-quiet", type=float, default=60.0, metavar="SECONDS",
                        help="before each measurement wait up to this long for other "
                             "processes to leave the CPU idle (0: don't; default %(default)s)")
    parser.add_argument("--retries", type=int, default=1,
                        help="run a measurement again, up to this many times, when other "
                             "processes took the CPU during it (default %(default)s)")
    parser.add_argument("--job", choices=sorted(JOBS), help=argparse.SUPPRESS)
    parser.add_argument("--job-options", help=argparse.SUPPRESS)
    parser.add_argument("--job-arg", help=argparse.SUPPRESS)
    parser.add_argument("--job-out", help=argparse.SUPPRESS)
    return parser


def options_from_args(args: argparse.Namespace) -> Options:
    changes: dict[str, Any] = {
        "model": args.model,
        "device": args.device,
        "dtypes": [d.strip() for d in args.dtypes.split(",") if d.strip()],
        "llama": args.llama,
        "fidelity": args.fidelity,
        "wait_quiet_s": args.wait_quiet,
        "retries": args.retries,
    }
    if args.cold_load is not None:
        changes["cold_load"] = args.cold_load
    return Options.quick(**changes) if args.quick else Options(**changes)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.job:  # one measurement in this (fresh) process, for the parent run
        options = Options.from_dict(json.loads(args.job_options))
        result = _jsonable(run_job(args.job, options, args.job_arg))
        Path(args.job_out).write_text(json.dumps(result, indent=1), encoding="utf-8")
        return 0
    if args.report:
        results = json.loads(Path(args.report).read_text(encoding="utf-8"))
        print(format_report(results), end="", flush=True)
        return 0
    results = run_benchmark(options_from_args(args))
    if args.json:  # first, so that the figures survive whatever follows
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                   encoding="utf-8")
    print(format_report(results), end="", flush=True)
    failed = [kind for kind, value in results.items()
              if isinstance(value, dict) and "error" in value]
    failed += [dtype for dtype, p in results["precisions"].items() if "error" in p]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
