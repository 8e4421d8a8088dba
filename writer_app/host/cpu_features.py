"""Which instructions the bundled llama.cpp needs, and whether this processor has them.

The installers carry a portable llama.cpp built for x86-64 with AVX2 (Haswell, 2013, and
later): llama.cpp cannot pick variants at run time from where the bundle keeps its
libraries. On an older processor it would die with an illegal instruction and take the
engine's process with it, so the registry treats it as missing there and "auto" runs
transformers instead, saying why. A source install builds llama.cpp for the machine it
runs on, so only a frozen build is checked.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

LLAMA_CPP_X86_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "bmi2")


def llama_cpp_cpu_gap(cpuinfo: str | None = None) -> list[str]:
    """The instructions the bundled llama.cpp needs that this processor lacks (x86-64 Linux
    only; [] elsewhere or when unknown)."""
    if cpuinfo is None:
        if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
            return []
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return [flag.upper() for flag in LLAMA_CPP_X86_FLAGS if flag not in flags]
    return []


def bundled_llama_cpp_gap() -> str | None:
    """Why the bundled llama.cpp cannot run on this processor, or None (also for source
    installs, whose llama.cpp was compiled here)."""
    if not getattr(sys, "frozen", False):
        return None
    missing = llama_cpp_cpu_gap()
    if not missing:
        return None
    return (f"this processor lacks {', '.join(missing)}, which the bundled llama.cpp needs "
            "(any x86-64 processor from 2013 on has them)")
