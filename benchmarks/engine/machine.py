"""The machine a run measures on: its CPU and memory, and how busy other processes keep it.

Both PyTorch and llama.cpp slow down several-fold when another process takes a core, so
every job notes other processes' CPU use and the run can wait for a quiet machine.
"""

from __future__ import annotations

import importlib.util
import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.engine.report import NOISY_CORES


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def format_rates(values: Sequence[float]) -> str:
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
        "llama_cpp": llama_cpp_version(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def llama_cpp_version() -> str | None:
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


def progress(message: str) -> None:
    """A progress line on stderr, so stdout carries only the report."""
    print(f"  · {message}", file=sys.stderr, flush=True)
