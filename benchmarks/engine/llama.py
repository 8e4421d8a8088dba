"""2. llama.cpp (llama-cpp-python) on the same GGUF file: decode, prefill, log-probabilities."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.engine.decode import token_rate
from benchmarks.engine.machine import median
from benchmarks.engine.options import Options

if TYPE_CHECKING:
    import torch


LLAMA_HINT = "pip install llama-cpp-python  (or: pip install 'writer-app[llama]')"


def llama_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def open_llama(path: Path, threads: int, n_ctx: int = 4096, logits_all: bool = False,
               seed: int = 0) -> Any:
    from llama_cpp import Llama

    from writer_app.engine.llamacpp.model import quiet_llama_cpp

    quiet_llama_cpp()  # llama.cpp's own log lines would land in the report's stderr
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
        rates.append(token_rate(stamps))
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
