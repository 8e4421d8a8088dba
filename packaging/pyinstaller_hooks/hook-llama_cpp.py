"""llama-cpp-python: its shared libraries, where its ctypes loader looks for them.

llama_cpp opens libllama/libggml by path from the `lib` folder beside its own modules
(llama_cpp/lib/), not through the system's library search, so PyInstaller cannot find
them by analysis: they are collected here into that folder. Copies bundle_manifest.TRIMMED
names (the unused fully-versioned ones) are dropped. The server (fastapi, uvicorn) stays out.
"""

import sys
from pathlib import Path

from PyInstaller.utils.hooks import collect_dynamic_libs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bundle_manifest

binaries = [(source, dest) for source, dest in collect_dynamic_libs("llama_cpp")
            if bundle_manifest.keep_in_bundle(f"{dest}/{Path(source).name}")]
excludedimports = ["llama_cpp.server"]
