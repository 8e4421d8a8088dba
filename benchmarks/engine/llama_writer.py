"""2b. Writer's llama.cpp backend beside llama-cpp-python's own generation loop.

Both run in one process on one `Llama` (the same file, context and threads), with the
same settings, alternating run by run so that a machine that gets busier slows both.
Writer's runs make the full pane of every token (its 10 alternatives) and sample with
Writer's own functions; llama.cpp's run its C sampler chain. Then the next-token pane
after a one-character edit at the end of a ~2,000-token document, as for transformers.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.engine.decode import measure_engine_decode, token_rate
from benchmarks.engine.machine import format_rates, median, progress
from benchmarks.engine.options import Options, sampling_params
from benchmarks.engine.pane import measure_edit, measure_prefill, measure_reweigh
from benchmarks.texts import DECODE_PROMPT, long_text


def measure_own_loop(llm: Any, prompt_ids: list[int], options: Options, seed: int) -> float:
    """llama-cpp-python's `generate` with the benchmark's settings, as benchmarks.engine.
    llama measures it (min-p off, EOS not stopping it)."""
    llm.reset()
    llm.set_seed(seed)
    stamps = []
    for _token in llm.generate(list(prompt_ids), top_k=50, top_p=0.95, min_p=0.0, temp=0.8,
                               repeat_penalty=1.1, reset=True):
        stamps.append(time.perf_counter())
        if len(stamps) >= options.new_tokens:
            break
    return token_rate(stamps)


def job_llama_writer(options: Options, gguf_path: Any) -> dict[str, Any]:
    """Decode per thread count (Writer vs llama.cpp's loop), then the pane and prefill."""
    import llama_cpp

    from writer_app.engine.llamacpp.model import open_gguf
    from writer_app.engine.llamacpp.session import LlamaSession
    from writer_app.engine.models.progress import LoadSteps

    started = time.perf_counter()
    opened = open_gguf(gguf_path, 4096, "cpu", LoadSteps(None, None))
    result: dict[str, Any] = {"load_s": time.perf_counter() - started,
                              "precision": opened.file_type, "threads": opened.threads,
                              "decode": {}}
    params = sampling_params(options)
    llm = opened.llm
    prompt_ids = llm.tokenize(DECODE_PROMPT.encode("utf-8"), add_bos=True)
    try:
        for threads in options.llama_threads:
            session = LlamaSession(llm, opened.context_window, threads, threads)
            llama_cpp.llama_set_n_threads(llm.ctx, threads, threads)
            warm = params.with_changes(max_new_tokens=4)
            measure_engine_decode(session, DECODE_PROMPT, warm, 1)  # type: ignore[arg-type]
            writer, own = [], []
            for run in range(options.decode_runs):
                own.append(measure_own_loop(llm, prompt_ids, options, options.seed + run))
                writer += measure_engine_decode(
                    session, DECODE_PROMPT,  # type: ignore[arg-type]
                    params.with_changes(seed=options.seed + run), 1)
            result["decode"][threads] = {
                "writer_tps": median(writer), "llama_tps": median(own),
                "writer_runs": writer, "llama_runs": own,
                "ratio": median(writer) / median(own) if median(own) else None}
            progress(f"Writer on llama.cpp, {threads} thread(s): {format_rates(writer)} tok/s;"
                     f" llama.cpp's own loop {format_rates(own)}")
        session = LlamaSession(llm, opened.context_window, opened.threads)  # tuned threads
        llama_cpp.llama_set_n_threads(llm.ctx, opened.threads, opened.threads)
        tuned = measure_engine_decode(session, DECODE_PROMPT,  # type: ignore[arg-type]
                                      params, options.decode_runs)
        result["tuned_tps"], result["tuned_runs"] = median(tuned), tuned
        texts = {n: long_text(session.vocab, n) for n in options.prompt_lengths}
        result["prefill"] = measure_prefill(session, texts, params,  # type: ignore[arg-type]
                                            options.prefill_runs)
        document = long_text(session.vocab, options.document_tokens)
        result["edit"] = measure_edit(session, document, params,  # type: ignore[arg-type]
                                      options.edit_runs, options.recompute_runs)
        result["slider_ms"] = measure_reweigh(session, document, params,  # type: ignore[arg-type]
                                              options.slider_runs)
        progress(f"Writer on llama.cpp: edit {result['edit']['reuse_ms']:.0f} ms (reuse) / "
                 f"{result['edit']['recompute_ms']:.0f} ms (recompute)")
    finally:
        llm.close()
    return result
