"""Writer's transformers backend on a CUDA GPU in bfloat16: decode tokens/s with the dynamic
KV cache, a static one, and the static one with its step compiled into CUDA graphs; and the
next-token pane's latency. `python3 -m benchmarks.gpu.bench` (benchmarks/gpu_check.sh runs
it on a bare GPU machine and prints the table).

The model is the built-in model's architecture (Gemma 3 270M, gemma3_270m_config.json)
with random weights: speed does not depend on the weights' values, and the real model
cannot reach a machine that downloads nothing. Its tokenizer is a stand-in with the same
262,144-entry vocabulary, so the output layer (63% of the weights) costs what it costs in
the real one. Every row runs Writer's own decode loop (`ModelSession.generate`) with the
sampling settings of benchmarks.engine_bench.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

CONFIG = Path(__file__).resolve().parent / "gemma3_270m_config.json"
SETTINGS = dict(temperature=0.8, top_k=50, top_p=0.95, repetition_penalty=1.1, seed=1)
SPECIALS = ("<pad>", "<eos>", "<bos>", "<unk>")  # ids 0-3, as in Gemma's vocabulary order


@dataclass
class StandIn:
    """What ModelSession reads of a loaded model (engine.models.LoadedModel's fields)."""

    model: Any
    tokenizer: Any
    name: str
    spec: str
    device: torch.device
    dtype: torch.dtype
    context_window: int
    precision: str


@dataclass
class Row:
    label: str
    first_seconds: float  # the first generation: a compiled step compiles here
    tokens_per_second: float  # median of the later generations, decode only
    tokens: list[int]
    note: str = ""


def stand_in_tokenizer(vocab_size: int) -> Any:
    """Words "w4" … "w<vocab_size-1>", one token each, plus Gemma's four special tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {name: index for index, name in enumerate(SPECIALS)}
    vocab.update({f"w{index}": index for index in range(len(SPECIALS), vocab_size)})
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", vocab["<bos>"])])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<bos>",
                                   eos_token="<eos>", pad_token="<pad>", unk_token="<unk>")


def build(device: torch.device, dtype: torch.dtype, tiny: bool = False) -> StandIn:
    """The built-in model's architecture with random weights, on `device` in `dtype`."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    values = json.loads(CONFIG.read_text(encoding="utf-8"))
    if tiny:  # a few milliseconds per token on a CPU: for the tests of this script
        values.update(vocab_size=2048, hidden_size=64, intermediate_size=128,
                      num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                      num_hidden_layers=3, sliding_window=16, query_pre_attn_scalar=16,
                      layer_types=["sliding_attention", "sliding_attention", "full_attention"])
    values.pop("dtype", None)
    config = Gemma3TextConfig(**values)
    torch.manual_seed(0)
    with torch.device(device):
        model = Gemma3ForCausalLM(config)
    model = model.to(dtype).eval()
    name = "Gemma 3 270M architecture, random weights" + (" (tiny)" if tiny else "")
    return StandIn(model, stand_in_tokenizer(config.vocab_size), name, "gpu-bench", device,
                   dtype, config.max_position_embeddings, str(dtype).removeprefix("torch."))


def words(count: int, vocab_size: int, start: int = 0) -> str:
    """`count` words of the stand-in vocabulary, one token each (deterministic)."""
    span = vocab_size - len(SPECIALS)
    return " ".join(f"w{len(SPECIALS) + (7919 * i) % span}" for i in range(start, start + count))


def decode_row(loaded: StandIn, label: str, static: bool, compiled: bool, prompt: str,
               new_tokens: int, repeats: int) -> Row:
    """Generate `repeats + 1` times on a fresh session along one path; the first run is
    reported apart (it compiles, when compiling)."""
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.session import ModelSession

    session = ModelSession(loaded)
    params = SamplingParams(**SETTINGS, max_new_tokens=new_tokens)
    speeds, first_seconds, tokens = [], 0.0, []
    with _path(static, compiled):
        for run in range(repeats + 1):
            started = time.perf_counter()
            generation = session.generate(prompt, params)
            ids = [step.token_id for step in generation if step.token_id >= 0]
            _synchronize(loaded.device)
            if run == 0:
                first_seconds, tokens = time.perf_counter() - started, ids
            else:
                speeds.append(generation.stats.tokens_per_second)
    decoder = session._sampled.static  # which path really ran (a benchmark may look inside)
    note = ""
    if static and decoder is not None:
        if decoder.unsupported:
            note = f"static cache unavailable: {decoder.unsupported}"
        elif compiled and not decoder.compiled:
            note = f"compile failed, ran eagerly: {decoder.compile_failure}"
    return Row(label, first_seconds, statistics.median(speeds), tokens, note)


@contextlib.contextmanager
def _path(static: bool, compiled: bool) -> Iterator[None]:
    """Decode through the static cache or not (on any device), compiled or not."""
    from writer_app.engine import cuda_decode

    wanted, setting = cuda_decode.wanted, os.environ.get(cuda_decode.COMPILE_ENV)
    cuda_decode.wanted = lambda device: static  # type: ignore[assignment]
    os.environ[cuda_decode.COMPILE_ENV] = "1" if compiled else "0"
    try:
        yield
    finally:
        cuda_decode.wanted = wanted  # type: ignore[assignment]
        if setting is None:
            os.environ.pop(cuda_decode.COMPILE_ENV, None)
        else:
            os.environ[cuda_decode.COMPILE_ENV] = setting


def pane_latency(loaded: StandIn, context_tokens: int, repeats: int) -> dict[str, float]:
    """The pane after a one-word edit at the end of a `context_tokens` document: the prefix
    cache reuses all but the last token; and a full recompute for comparison (ms)."""
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.session import ModelSession

    vocab = len(loaded.tokenizer)
    text = words(context_tokens - 2, vocab)
    session = ModelSession(loaded)
    params = SamplingParams(**SETTINGS)
    session.next_tokens(text, params)  # reads the document once
    edits, full = [], []
    for index in range(repeats + 1):
        edited = f"{text} {words(1, vocab, start=10_000 + index)}"
        started = time.perf_counter()
        session.next_tokens(edited, params)
        _synchronize(loaded.device)
        edits.append(time.perf_counter() - started)
        session.next_tokens(text, params)  # back to the document
    for _ in range(max(1, repeats // 2) + 1):
        session.reset_cache()
        started = time.perf_counter()
        session.next_tokens(text, params)
        _synchronize(loaded.device)
        full.append(time.perf_counter() - started)
    return {"edit_ms": 1000 * statistics.median(edits[1:]),
            "full_ms": 1000 * statistics.median(full[1:] or full)}


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def first_difference(a: list[int], b: list[int]) -> str:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"no: from token {index}"
    return "yes" if len(a) == len(b) else f"no: {len(a)} vs {len(b)} tokens"


def describe_machine(device: torch.device) -> list[str]:
    import transformers

    lines = [f"torch {torch.__version__} (CUDA {torch.version.cuda}), transformers "
             f"{transformers.__version__}, Python {platform.python_version()}"]
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        lines.append(f"GPU: {properties.name}, {properties.total_memory / 2**30:.0f} GiB, "
                     f"{properties.multi_processor_count} SMs")
    else:
        lines.append(f"device: {device} (no GPU: for testing this script only)")
    return lines


def format_table(rows: list[Row], pane: dict[str, float] | None, new_tokens: int) -> str:
    base = rows[0].tokens_per_second if rows else 0.0
    lines = [f"| decode path ({new_tokens} new tokens) | first run (s) | tokens/s | "
             "vs dynamic | same tokens as dynamic |",
             "|---|---:|---:|---:|---|"]
    for row in rows:
        ratio = row.tokens_per_second / base if base else 0.0
        same = first_difference(rows[0].tokens, row.tokens)
        lines.append(f"| {row.label} | {row.first_seconds:.1f} | {row.tokens_per_second:.1f} "
                     f"| {ratio:.2f}x | {same} |")
    notes = [f"- {row.label}: {row.note}" for row in rows if row.note]
    if pane is not None:
        lines += ["", f"pane after a one-word edit at the end of a document: "
                      f"{pane['edit_ms']:.1f} ms (full recompute {pane['full_ms']:.1f} ms)"]
    return "\n".join(lines + (["", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="bfloat16", choices=("bfloat16", "float32"))
    parser.add_argument("--tokens", type=int, default=128, help="new tokens per generation")
    parser.add_argument("--prompt-tokens", type=int, default=64)
    parser.add_argument("--pane-tokens", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true", help="skip the compiled row")
    parser.add_argument("--tiny", action="store_true", help="a tiny model (tests, CPUs)")
    parser.add_argument("--budget", type=float, default=240.0,
                        help="seconds; rows that would start later are skipped")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("gpu bench: torch sees no CUDA device (is this torch a CUDA build? "
              f"torch {torch.__version__}, CUDA {torch.version.cuda})", file=sys.stderr)
        return 1
    print("\n".join(describe_machine(device)), flush=True)
    loaded = build(device, getattr(torch, args.dtype), tiny=args.tiny)
    print(f"model: {loaded.name}, {loaded.precision}, built in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    prompt = words(args.prompt_tokens - 1, len(loaded.tokenizer))
    plans = [("dynamic KV cache (eager)", False, False),
             ("static KV cache (eager)", True, False)]
    if not args.no_compile:
        plans.append(("static KV cache + torch.compile (CUDA graphs)", True, True))
    rows: list[Row] = []
    skipped: list[str] = []
    for label, static, compiled in plans:
        if time.perf_counter() - started > args.budget:
            skipped.append(label)
            continue
        print(f"measuring: {label}", flush=True)
        rows.append(decode_row(loaded, label, static, compiled, prompt, args.tokens,
                               args.repeats))
        print(f"  {rows[-1].tokens_per_second:.1f} tokens/s (first run "
              f"{rows[-1].first_seconds:.1f} s) {rows[-1].note}", flush=True)
    pane = None
    if time.perf_counter() - started <= args.budget:
        print("measuring: the pane", flush=True)
        pane = pane_latency(loaded, args.pane_tokens, args.repeats)
    else:
        skipped.append("pane")
    print()
    print(format_table(rows, pane, args.tokens))
    if skipped:
        print(f"\nskipped (over the {args.budget:.0f} s budget): {', '.join(skipped)}")
    total = time.perf_counter() - started
    print(f"\ntotal {total:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "machine": describe_machine(device), "model": loaded.name,
            "rows": [{"label": r.label, "first_seconds": r.first_seconds,
                      "tokens_per_second": r.tokens_per_second, "note": r.note,
                      "same_tokens": first_difference(rows[0].tokens, r.tokens)}
                     for r in rows],
            "pane": pane, "skipped": skipped, "seconds": total}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
