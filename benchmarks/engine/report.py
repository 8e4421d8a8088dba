"""The engine benchmark's tables: plain text, one function per section.

Works on the JSON-friendly results of `engine_bench.run_benchmark` (or a saved --json
file), so a report can be printed again without measuring.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

GUI_BENCH = "python -m benchmarks.gui_stall"

# The targets, printed next to the figures they judge.
TARGET_DECODE_VS_GENERATE = 2.5
TARGET_EDIT_MS = 50.0
TARGET_SLIDER_MS = 16.0
TARGET_CACHED_LOAD_S = 5.0
TARGET_PEAK_RSS_MB = 1500.0
TARGET_KL = 0.01
TARGET_LLAMA_RATIO = 0.9  # Writer's llama.cpp backend vs llama.cpp's own loop
TARGET_LLAMA_EDIT_MS = 30.0
TARGET_PPL_CHANGE = 0.02
NOISY_CORES = 0.25  # other processes' average CPU use above which a job's figures are suspect


def bandwidth_limit(bandwidth_bytes_per_s: float, bytes_per_token: float) -> float:
    """The most tokens/s memory can feed: every weight read once per token."""
    if bytes_per_token <= 0:
        return math.nan
    return bandwidth_bytes_per_s / bytes_per_token


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(str(h))] + [len(row[i]) for row in cells if i < len(row)])
              for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [value.ljust(widths[0]) if i == 0 else value.rjust(widths[i])
                 for i, value in enumerate(values)]
        return "  ".join(parts).rstrip()

    lines = [title] if title else []
    lines += [line([str(h) for h in headers]), "  ".join("-" * w for w in widths)]
    lines += [line(row + [""] * (len(headers) - len(row))) for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator or math.isnan(numerator) or math.isnan(denominator):
        return "–"
    return f"{numerator / denominator:.2f}x"


def _ok(precision: dict[str, Any]) -> bool:
    return "skipped" not in precision and "error" not in precision


def format_report(results: dict[str, Any]) -> str:
    """Every table of a finished run, with the machine on top."""
    sections = [_machine_section(results)]
    sections.append(_decode_section(results))
    if "llama" in results:
        sections.append(_llama_section(results))
    if "writer_llama" in results:
        sections.append(_writer_llama_section(results))
    sections.append(_prefill_section(results))
    sections.append(_pane_section(results))
    sections.append(_load_memory_section(results))
    sections.append(_bandwidth_section(results))
    if "fidelity" in results:
        sections.append(_fidelity_section(results))
    notes = _notes(results)
    if notes:
        sections.append("\n".join(notes))
    return "\n\n".join(sections) + "\n"


def _machine_section(results: dict[str, Any]) -> str:
    m = results["machine"]
    cores = f"{m['cores']} cores" + (f" ({m['usable_cores']} usable)"
                                     if m.get("usable_cores") not in (None, m["cores"]) else "")
    llama = m["llama_cpp"] or "not installed"
    load = m.get("load_average")
    load_end = m.get("load_average_end")
    lines = [
        "Writer engine benchmark",
        f"Machine: {m['cpu']}, {cores}, {m['memory_gb']} GB RAM; {m['cpu_flags']}",
        *([f"GPU: {m['gpu']} (device {m.get('device')})"] if m.get("gpu") else []),
        f"Python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads), "
        f"transformers {m['transformers']}, llama-cpp-python {llama}",
        f"Model: {results['options']['model']}; sampling: temperature 0.8, top-k 50, "
        f"top-p 0.95, repetition penalty 1.1, {results['options']['new_tokens']} new tokens",
    ]
    if load:
        end = f" → {', '.join(map(str, load_end))} at the end" if load_end else ""
        lines.append(f"Load average at the start: {', '.join(map(str, load))}{end}")
    if "seconds" in results:
        lines.append(f"Run took {results['seconds']:.0f} s")
    lines += _quietness_lines(results)
    return "\n".join(lines)


def _quietness_lines(results: dict[str, Any]) -> list[str]:
    """Cores that other processes used during each job, and a warning where it matters."""
    jobs = [("bandwidth", results.get("bandwidth"))]
    jobs += list(results.get("precisions", {}).items())
    jobs += [(name, results.get(key)) for name, key in
             (("llama.cpp", "llama"), ("Writer on llama.cpp", "writer_llama"),
              ("fidelity", "fidelity"), ("cold load", "cold_load"))]
    figures = [(name, job["others_cores"]) for name, job in jobs
               if isinstance(job, dict) and job.get("others_cores") is not None]
    if not figures:
        return []
    listed = ", ".join(f"{name} {cores:.2f}" for name, cores in figures)
    lines = [f"Other processes' CPU use during each job (cores): {listed}"]
    durations = [(name, job["job_seconds"]) for name, job in jobs
                 if isinstance(job, dict) and job.get("job_seconds") is not None]
    if durations:
        lines.append("Seconds per job (in its own process): "
                     + ", ".join(f"{name} {seconds:.0f}" for name, seconds in durations))
    noisy = [name for name, cores in figures if cores > NOISY_CORES]
    if noisy:
        lines.append(f"WARNING: other processes were busy during {', '.join(noisy)}: "
                     f"those figures are low; rerun on a quiet machine")
    return lines


def _decode_section(results: dict[str, Any]) -> str:
    precisions = results["precisions"]
    base = precisions.get("float32", {}).get("generate_tps")
    bandwidth = results.get("bandwidth", {}).get("bytes_per_s")
    llama = results.get("llama", {}).get("decode", {})
    llama_columns = sorted(llama, key=int)
    headers = ["precision", "Writer tok/s", "generate() tok/s", "÷ generate",
               "÷ generate fp32"]
    headers += [f"÷ llama.cpp {t}t" for t in llama_columns]
    headers += ["limit tok/s", "of limit"]
    rows = []
    for dtype, p in precisions.items():
        if not _ok(p):
            rows.append([dtype, "skipped" if "skipped" in p else "failed"])
            continue
        limit = bandwidth_limit(bandwidth, p["bytes_per_token"]) if bandwidth else math.nan
        row = [dtype, p["engine_tps"], p["generate_tps"], _ratio(p["engine_tps"],
               p["generate_tps"]), _ratio(p["engine_tps"], base)]
        row += [_ratio(p["engine_tps"], llama[t]["tps"]) for t in llama_columns]
        row += [limit, _percent(p["engine_tps"] / limit if limit else math.nan)]
        rows.append(row)
    runs = results["options"]
    title = (f"1. Decode, {runs['new_tokens']} new tokens (median of {runs['decode_runs']} "
             f"runs for Writer, {runs['generate_runs']} for generate()); ÷ = Writer's "
             f"speed divided by the other's; limit: see 8")
    return "\n".join([format_table(headers, rows, title), *_decode_summary(results)])


def _decode_summary(results: dict[str, Any]) -> list[str]:
    """The headline ratios, for the fastest precision Writer ran."""
    measured = {dtype: p["engine_tps"] for dtype, p in results["precisions"].items()
                if _ok(p) and p.get("engine_tps") and not math.isnan(p["engine_tps"])}
    if not measured:
        return []
    fastest = max(measured, key=measured.__getitem__)
    speed = measured[fastest]
    lines = []
    base = results["precisions"].get("float32", {}).get("generate_tps")
    if base:
        lines.append(f"   fastest: Writer {fastest} {speed:.1f} tok/s = "
                     f"{_ratio(speed, base)} transformers generate() float32 "
                     f"(target ≥ {TARGET_DECODE_VS_GENERATE}x)")
    for threads, figures in sorted(results.get("llama", {}).get("decode", {}).items(),
                                   key=lambda item: int(item[0])):
        lines.append(f"   Writer {fastest} / llama.cpp {threads} thread(s) = "
                     f"{_ratio(speed, figures['tps'])}")
    return lines


def _percent(fraction: float) -> str:
    return "–" if fraction is None or math.isnan(fraction) else f"{100 * fraction:.0f}%"


def _llama_section(results: dict[str, Any]) -> str:
    llama = results["llama"]
    title = "2. llama.cpp on the same GGUF file (its own sampler, same settings)"
    if "decode" not in llama:
        return f"{title}\n   skipped: {llama.get('skipped') or llama.get('error')}"
    bandwidth = results.get("bandwidth", {}).get("bytes_per_s")
    limit = bandwidth_limit(bandwidth, llama["bytes_per_token"]) if bandwidth else math.nan
    rows = []
    for threads, figures in sorted(llama["decode"].items(), key=lambda item: int(item[0])):
        rows.append([f"{threads} thread(s)", figures["tps"], figures["load_s"], limit,
                     _percent(figures["tps"] / limit if limit else math.nan)])
    headers = ["llama.cpp Q4_K_M", "decode tok/s", "load s", "limit tok/s", "achieved/limit"]
    return format_table(headers, rows, title)


def _writer_llama_section(results: dict[str, Any]) -> str:
    """Writer's llama.cpp backend: decode beside llama.cpp's own loop, the pane, fidelity."""
    figures = results["writer_llama"]
    title = (f"2b. Writer's llama.cpp backend (Writer's sampling, full pane of each token) "
             f"beside llama.cpp's own loop, same process, file, settings and threads "
             f"(target ≥ {TARGET_LLAMA_RATIO}x)")
    if "decode" not in figures:
        return f"{title}\n   skipped: {figures.get('skipped') or figures.get('error')}"
    rows = [[f"{threads} thread(s)", d["writer_tps"], d["llama_tps"],
             _ratio(d["writer_tps"], d["llama_tps"]),
             "yes" if (d["ratio"] or 0) >= TARGET_LLAMA_RATIO else "NO"]
            for threads, d in sorted(figures["decode"].items(), key=lambda item: int(item[0]))]
    headers = ["decode", "Writer tok/s", "llama.cpp loop tok/s", "÷ llama.cpp", "meets target"]
    lines = [format_table(headers, rows, title)]
    if "tuned_tps" in figures:
        lines.append(f"   Writer with its thread tuning (as the app runs): "
                     f"{_cell(figures['tuned_tps'])} tok/s")
    edit = figures.get("edit")
    if edit:
        lines.append(f"   pane after a one-character edit at the end of {edit['tokens']} tokens: "
                     f"{edit['reuse_ms']:.1f} ms (target ≤ {TARGET_LLAMA_EDIT_MS:.0f} ms), "
                     f"full recompute {edit['recompute_ms']:.0f} ms; slider → pane "
                     f"{figures['slider_ms']:.2f} ms; load {figures['load_s']:.1f} s")
    kl = results.get("fidelity", {}).get("precisions", {})
    if "llama.cpp" in kl and "kl" in kl["llama.cpp"]:
        beside = ", ".join(f"{name} {f['kl']:.4f}" for name, f in kl.items() if "kl" in f)
        lines.append(f"   mean KL vs float32 transformers (nats): {beside}")
    return "\n".join(lines)


def _prefill_section(results: dict[str, Any]) -> str:
    lengths = [str(n) for n in results["options"]["prompt_lengths"]]
    headers = ["precision"] + [f"TTFT ms @{n}" for n in lengths] + \
        [f"prefill tok/s @{n}" for n in lengths]
    rows = []
    sources = [(dtype, p.get("prefill")) for dtype, p in results["precisions"].items()
               if _ok(p)]
    llama = results.get("llama", {})
    if llama.get("prefill"):
        sources.append((f"llama.cpp ({llama['prefill_threads']}t)", llama["prefill"]))
    for name, prefill in sources:
        rows.append([name] + [prefill[n]["ttft_ms"] for n in lengths] +
                    [prefill[n]["tokens_per_s"] for n in lengths])
    title = (f"3. Time to first token and prefill speed, empty cache (median of "
             f"{results['options']['prefill_runs']})")
    return format_table(headers, rows, title)


def _pane_section(results: dict[str, Any]) -> str:
    headers = ["precision", "doc tokens", "edit, KV reuse ms", "full recompute ms", "speed-up",
               "slider → pane ms"]
    rows = []
    for dtype, p in results["precisions"].items():
        if not _ok(p):
            continue
        edit = p["edit"]
        rows.append([dtype, edit["tokens"], edit["reuse_ms"], edit["recompute_ms"],
                     _ratio(edit["recompute_ms"], edit["reuse_ms"]), p["slider_ms"]])
    options = results["options"]
    title = (f"4-5. Next-token pane after a one-character edit at the end of the document "
             f"(median of {options['edit_runs']} / {options['recompute_runs']}); slider "
             f"change via reweigh() (median of {options['slider_runs']}). "
             f"Targets ≤ {TARGET_EDIT_MS:.0f} ms / ≤ {TARGET_SLIDER_MS:.0f} ms")
    return format_table(headers, rows, title)


def _load_memory_section(results: dict[str, Any]) -> str:
    headers = ["what", "seconds", "RSS loaded MB", "peak while loading MB",
               "peak generating MB"]
    gpu = any("gpu_peak_mb" in p for p in results["precisions"].values())
    if gpu:
        headers += ["GPU loaded MB", "GPU peak generating MB"]
    rows = []
    for dtype, p in results["precisions"].items():
        if _ok(p):
            rows.append([f"cached load, {dtype}", p["load_s"], p["rss_loaded_mb"],
                         p["peak_load_mb"], p.get("peak_engine_mb")]
                        + ([p.get("gpu_loaded_mb"), p.get("gpu_peak_mb")] if gpu else []))
    cold = results.get("cold_load")
    if cold and "load_s" in cold:
        rows.append(["cold load (converts the GGUF), float32", cold["load_s"], None,
                     cold["peak_mb"], None])
        stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in
                           cold["stages"].items() if seconds >= 0.05)
        lines = [f"   cold-load stages: {stages}"]
    elif cold:
        lines = [f"   cold load: {cold.get('error') or cold.get('skipped')}"]
    else:
        lines = ["   cold load: not measured (run with --cold-load)"]
    lines.append(f"   window on screen after launch, GUI thread stalls: see {GUI_BENCH}")
    title = (f"6-7. Load time and memory (targets: cached load ≤ {TARGET_CACHED_LOAD_S:.0f} s,"
             f" peak RSS ≤ {TARGET_PEAK_RSS_MB:,.0f} MB; 'generating' = engine decode, "
             f"prefill and pane, after the load's peak is reset)")
    return "\n".join([format_table(headers, rows, title), *lines])


def _bandwidth_section(results: dict[str, Any]) -> str:
    bandwidth = results.get("bandwidth", {})
    if "bytes_per_s" not in bandwidth:
        return f"8. Bandwidth limit: {bandwidth.get('error', 'not measured')}"
    measured = ", ".join(f"{v / 1e9:.1f} GB/s ({_bandwidth_label(k)})"
                         for k, v in bandwidth.items() if k.startswith("bytes_per_s_"))
    headers = ["precision", "weights read/token MB", "limit tok/s", "achieved tok/s",
               "achieved/limit", "effective GB/s"]
    rows = []
    for dtype, p in results["precisions"].items():
        if _ok(p):
            limit = bandwidth_limit(bandwidth["bytes_per_s"], p["bytes_per_token"])
            rows.append([dtype, p["bytes_per_token"] / 1e6, limit, p["engine_tps"],
                         _percent(p["engine_tps"] / limit),
                         p["engine_tps"] * p["bytes_per_token"] / 1e9])
    llama = results.get("llama", {})
    if llama.get("decode"):
        best = max(figures["tps"] for figures in llama["decode"].values())
        limit = bandwidth_limit(bandwidth["bytes_per_s"], llama["bytes_per_token"])
        rows.append(["llama.cpp Q4_K_M (best)", llama["bytes_per_token"] / 1e6, limit, best,
                     _percent(best / limit), best * llama["bytes_per_token"] / 1e9])
    title = (f"8. Bandwidth limit = best memory read bandwidth ÷ weight bytes read per token; "
             f"read bandwidth {measured}")
    return format_table(headers, rows, title)


def _bandwidth_label(key: str) -> str:
    """"bytes_per_s_2t" → "2 thr.", "bytes_per_s_cuda" → "cuda"."""
    where = key.removeprefix("bytes_per_s_")
    return f"{where[:-1]} thr." if where.endswith("t") and where[:-1].isdigit() else where


def _fidelity_section(results: dict[str, Any]) -> str:
    fidelity = results["fidelity"]
    title = (f"9. Fidelity vs float32 on the fixed English + Chinese text "
             f"({fidelity.get('tokens', '?')} tokens; targets KL ≤ {TARGET_KL} nats, "
             f"perplexity within {100 * TARGET_PPL_CHANGE:.0f}%)")
    if "precisions" not in fidelity:
        return f"{title}\n   {fidelity.get('error') or fidelity.get('skipped')}"
    headers = ["precision", "mean KL nats", "KL English", "KL Chinese", "argmax agree",
               "perplexity", "fp32 perplexity", "ppl change", "meets targets"]
    rows = []
    for name, f in fidelity["precisions"].items():
        if "kl" not in f:
            rows.append([name, "skipped" if "skipped" in f else "failed"])
            continue
        meets = f["kl"] <= TARGET_KL and abs(f["ppl_change"]) <= TARGET_PPL_CHANGE
        rows.append([name, f"{f['kl']:.4f}", _kl(f.get("kl_english")),
                     _kl(f.get("kl_chinese")), f"{f['agreement']:.1f}%", f["ppl"],
                     f["ppl_reference"], f"{100 * f['ppl_change']:+.2f}%",
                     "yes" if meets else "NO"])
    return format_table(headers, rows, title)


def _kl(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _notes(results: dict[str, Any]) -> list[str]:
    notes = []
    for dtype, p in results["precisions"].items():
        if "skipped" in p:
            notes.append(f"note: {dtype} skipped: {p['skipped']}")
        elif "error" in p:
            notes.append(f"note: {dtype}: {p['error']}")
    llama = results.get("llama")
    if llama is not None and "decode" not in llama:
        notes.append(f"note: llama.cpp skipped: {llama.get('skipped') or llama.get('error')}")
    if not results["options"]["llama"]:
        notes.append("note: llama.cpp not run (--no-llama)")
    return notes
